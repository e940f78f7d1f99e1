import { inflateSync } from 'node:zlib';

/**
 * The text a PDF written by pdfkit shows, one entry per text-showing operation, in drawing order. pdfkit
 * compresses each content stream with Flate and writes text as hex strings inside `[…] TJ` arrays (the
 * numbers between them are kerning, not spaces), in the WinAnsi encoding of the standard fonts. Enough
 * for our own documents; not a general PDF reader.
 */
export function pdfText(pdf: Buffer): string[] {
  const runs: string[] = [];
  for (const content of contentStreams(pdf)) {
    for (const [, array] of content.matchAll(/\[((?:<[0-9a-fA-F]*>|\s|-?\d+(?:\.\d+)?)*)\]\s*TJ/g)) {
      runs.push([...array!.matchAll(/<([0-9a-fA-F]*)>/g)].map(([, hex]) => winAnsi(Buffer.from(hex!, 'hex'))).join(''));
    }
  }
  return runs;
}

/** Every stream of the file that inflates (content streams; fonts are not embedded, so there is nothing else). */
function contentStreams(pdf: Buffer): string[] {
  const text = pdf.toString('latin1');
  const out: string[] = [];
  for (const match of text.matchAll(/stream\r?\n/g)) {
    const start = match.index! + match[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) continue;
    try {
      out.push(inflateSync(pdf.subarray(start, end)).toString('latin1'));
    } catch {
      // not a Flate stream
    }
  }
  return out;
}

/** WinAnsiEncoding: Latin-1 except for 0x80–0x9F. */
const WIN_ANSI_80_9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function winAnsi(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) out += byte >= 0x80 && byte <= 0x9f ? WIN_ANSI_80_9F[byte - 0x80] : String.fromCharCode(byte);
  return out;
}
