import { batchFileRows, csvRecords, linesOf } from '../../../shared/streams/use-cases/io';

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.isBuffer(part) ? part : Buffer.from(part, 'utf8');
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('linesOf', () => {
  test('splits on LF and CRLF across chunk boundaries, keeps empty lines and a last line without end', async () => {
    expect(await all(linesOf(chunks('a,b\r', '\nc,d\n\nlast', '-part')))).toEqual(['a,b', 'c,d', '', 'last-part']);
  });

  test('a multi-byte character split between two chunks comes out whole', async () => {
    const euro = Buffer.from('€', 'utf8'); // 3 bytes
    expect(
      await all(linesOf(chunks(Buffer.concat([Buffer.from('x'), euro.subarray(0, 1)]), Buffer.concat([euro.subarray(1), Buffer.from('y\n')])))),
    ).toEqual(['x€y']);
  });

  test('stopping early closes the source', async () => {
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield Buffer.from(`line ${i}\n`);
      } finally {
        closed = true;
      }
    }
    for await (const line of linesOf(source())) if (line === 'line 3') break;
    expect(closed).toBe(true);
  });
});

describe('csvRecords', () => {
  test('an unquoted empty field is null, a quoted one is empty text', async () => {
    expect(await all(csvRecords(chunks('a,b,c\n1,,""\n')))).toEqual([
      ['a', 'b', 'c'],
      ['1', null, ''],
    ]);
  });

  test('a download that fails half-way fails the parse instead of ending it quietly', async () => {
    async function* failing() {
      yield Buffer.from('a,b\n1,2\n');
      throw new Error('connection reset');
    }
    await expect(all(csvRecords(failing()))).rejects.toThrow('connection reset');
  });
});

describe('batchFileRows', () => {
  test('reads typed rows back and fails on a record that does not fit its column', async () => {
    const rows = await all(batchFileRows(chunks('q:decimal,name:string\n1.50,x\n'), 'batch b1'));
    expect(rows.map((r) => [String(r.q), r.name])).toEqual([['1.5', 'x']]);
    await expect(all(batchFileRows(chunks('q:decimal\nabc\n'), 'batch b2'))).rejects.toThrow(/batch b2 record 1 cannot be read back/);
  });
});
