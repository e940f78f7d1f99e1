import fc from 'fast-check';
import { GSI1, idOfKeySegment, keys, keySegment, MAX_SEGMENT, objects } from '../../shared/storage/keys';

/**
 * Storage keys are built from client ids that may hold `/`, `..`, `%`, unicode: the segment encoding must
 * keep every id in its own place (no `/`, no `.` or `..` segment, no `#`), tell any two ids apart, and be
 * read back to the id it came from.
 */

/** Ids as clients send them: any string, biased towards the characters that mean something in a key. */
const hostileId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('.', '/', '%', '2', 'F', 'E', '#', '~', 'a', 'ü', '🧾', '\ud800', '\udc00', '-', '_'),
    minLength: 1,
    maxLength: 40,
  }),
  fc.string({ unit: 'grapheme', minLength: 150, maxLength: 220 }),
);

describe('keySegment', () => {
  test('plain ids stay as they are; everything else is percent-encoded byte by byte', () => {
    for (const id of ['acme', 'C1', 'cdr-1', 'it-m3x-1a-0', 'bat_20260401080000000_a1b2c3d4e5', 'A'.repeat(MAX_SEGMENT)])
      expect(keySegment(id)).toBe(id);
    expect(keySegment('..')).toBe('%2E%2E');
    expect(keySegment('.')).toBe('%2E');
    expect(keySegment('../bib/secret')).toBe('%2E%2E%2Fbib%2Fsecret');
    expect(keySegment('%2F')).toBe('%252F');
    expect(keySegment('a/b')).toBe('a%2Fb');
    expect(keySegment('ünï/çødé')).toBe('%C3%BCn%C3%AF%2F%C3%A7%C3%B8d%C3%A9');
    expect(keySegment('🧾')).toBe('%F0%9F%A7%BE');
    expect(keySegment("a b+c*'()!~")).toBe('a%20b%2Bc%2A%27%28%29%21%7E');
    expect(keySegment('x#y')).toBe('x%23y');
  });

  test('never a "/", "#" or "." and never empty, for any id', () => {
    fc.assert(
      fc.property(hostileId, (id) => {
        const segment = keySegment(id);
        expect(segment).toMatch(/^[A-Za-z0-9_%~-]+$/);
        expect(segment.length).toBeLessThanOrEqual(MAX_SEGMENT);
      }),
      { numRuns: 2000 },
    );
  });

  test('two different ids never share a segment (lone surrogates included)', () => {
    fc.assert(
      fc.property(hostileId, hostileId, (a, b) => {
        fc.pre(a !== b);
        expect(keySegment(a)).not.toBe(keySegment(b));
      }),
      { numRuns: 2000 },
    );
    // the cases a lossy encoder gets wrong: UTF-8 would turn both lone surrogates into U+FFFD
    expect(new Set(['\ud800', '\udc00', '\ufffd', '%uD800', '%2E', '.', '%', '%25']).size).toBe(
      new Set(['\ud800', '\udc00', '\ufffd', '%uD800', '%2E', '.', '%', '%25'].map(keySegment)).size,
    );
  });

  test('round-trips: the segment decodes to the id it came from', () => {
    fc.assert(
      fc.property(hostileId, (id) => {
        const segment = keySegment(id);
        fc.pre(!segment.includes('~'));
        expect(idOfKeySegment(segment)).toBe(id);
      }),
      { numRuns: 2000 },
    );
    expect(idOfKeySegment('%C3%BCn%C3%AF%2F%C3%A7%C3%B8d%C3%A9')).toBe('ünï/çødé');
    expect(idOfKeySegment('%uD800x')).toBe('\ud800x');
  });

  test('a segment keySegment cannot have made is refused rather than misread', () => {
    for (const bad of ['a.b', 'a/b', '%2e', '%41', '%C3', '%zz', 'a%', '%u0041']) expect(() => idOfKeySegment(bad)).toThrow();
  });

  test('an id whose encoding is too long keeps a readable prefix and the hash of the id', () => {
    const long = 'ü'.repeat(200); // 2,400 characters once encoded
    const segment = keySegment(long);
    expect(segment).toMatch(/^(%C3%BC)+~[A-Za-z0-9_-]{43}$/);
    expect(segment.length).toBeLessThanOrEqual(MAX_SEGMENT);
    expect(keySegment(`${long.slice(0, -1)}u`)).not.toBe(segment);
    expect(() => idOfKeySegment(segment)).toThrow(/hash/);
  });
});

describe('key builders', () => {
  test('a hostile id stays inside its own account and entity', () => {
    expect(objects.streamUpload('bia', '../bib/secret')).toBe('streams/bia/%2E%2E%2Fbib%2Fsecret/upload.csv');
    expect(objects.lookupTable('bia', '..')).toBe('lookup-tables/bia/%2E%2E.json');
    expect(objects.batchFile('bia', '../bib', 'rows.csv')).toBe('batches/bia/%2E%2E%2Fbib/rows.csv');
    expect(keys.streamBatches('bia', 'x#BATCHES')).toBe('ACCOUNT#bia#STREAM#x%23BATCHES#BATCHES');
    expect(keys.customerInvoices('bia', '../C1')).toBe('ACCOUNT#bia#CUSTOMER#%2E%2E%2FC1#INVOICES');
    expect(keys.purchase('bia', 'ref/1.2')).toEqual({ pk: 'ACCOUNT#bia#PURCHASE#ref%2F1%2E2', sk: 'PURCHASE' });
    expect(GSI1).toBe('gsi1');
  });

  test("an unmapped customer's range never holds another customer's purchases", () => {
    fc.assert(
      fc.property(hostileId, hostileId, hostileId, (code, other, reference) => {
        fc.pre(code !== other);
        expect(keys.unmappedSort({ customer: other }, reference).startsWith(keys.unmappedSort({ customer: code }))).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  test('keys read back into their ids', () => {
    expect(objects.journalMonth(objects.journal('acme', '2026-10', 'chk_1'))).toBe('2026-10');
    expect(objects.batchOfFile(objects.batchFile('acme', 'bat_1', 'rows.csv'))).toBe('bat_1');
    expect(objects.batchOfFile(objects.batchFile('acme', 'bat_1', 'rows.csv', 2))).toBe('bat_1');
    expect(objects.batchOfFile(objects.inboundRows('acme', 'inb_1'))).toBeNull();
    expect(objects.batchOfFile(objects.journal('acme', '2026-10', 'chk_1'))).toBeNull();
    expect(objects.dropResult('acme', 'usage.2026-10')).toBe('drops/acme/results/usage.2026-10.json');
  });
});
