import { ValidationError } from '../../../shared/kernel/errors';
import { patternProblem } from '../../../shared/streams/domain/stages/patterns';
import { parseStage, toWireStage } from '../../../shared/streams/domain/stages/schema';
import { compilePipeline } from '../../../shared/streams/domain/pipeline';
import { hasBarrier, MAX_STAGES, parseStreamDefinition, toWireStream } from '../../../shared/streams/domain/stream';
import { detailsOf } from './builders';

function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'billing', type: 'simple', source: { purchases: true }, currency: 'EUR', stages: [], ...overrides };
}

/** Every stage of docs/api.md, in its documented JSON shape. */
const API_STAGES = [
  { type: 'rate' },
  { type: 'copy', columns: { customerCode: 'meta.reseller' } },
  { type: 'split', column: 'sku', pattern: '(.*)-(.*)', into: ['family', 'size'] },
  { type: 'formula', column: 'amount', expression: 'markup(amount, 20)' },
  { type: 'filter', keep: 'quantity > 0' },
  { type: 'convert-currency', columns: ['unitPrice', 'amount'], to: 'USD' },
  { type: 'lookup', table: 'skus', key: 'productLabel', columns: ['name'] },
  { type: 'vat', country: 'meta.country', into: 'vatRate' },
  { type: 'aggregate', groupBy: ['customerCode', 'productLabel'], sum: ['quantity', 'amount'] },
];

describe('stream definition', () => {
  test('accepts every stage of docs/api.md in its exact JSON shape and gives the same JSON back', () => {
    // Prepare
    const input = body({ stages: API_STAGES });

    // Act
    const stream = parseStreamDefinition(input);

    // Assess
    expect(toWireStream(stream)).toEqual(input);
    expect(hasBarrier(stream)).toBe(true);
  });

  test('optional stage fields round-trip and defaults are not invented', () => {
    const stages = [
      { type: 'rate', product: 'sku', customer: 'payer', quantity: 'minutes', date: 'day' },
      { type: 'formula', column: 'label', expression: "concat(productLabel, '-x')", columnType: 'string' },
      { type: 'filter', drop: 'quantity == 0' },
      { type: 'convert-currency', columns: ['amount'], to: 'USD', date: 'endDate' },
      { type: 'lookup', table: 'skus', key: 'productLabel', columns: ['name'], optional: true },
      { type: 'vat', country: 'meta.country', into: 'vat', date: 'purchaseDate' },
    ];

    const stream = parseStreamDefinition(body({ stages }));

    expect(toWireStream(stream).stages).toEqual(stages);
  });

  test.each<[string, Record<string, unknown>]>([
    ['simple from purchases', { type: 'simple', source: { purchases: true } }],
    ['simple from an upload', { type: 'simple', source: { upload: true } }],
    ['computed from an upstream stream', { type: 'computed', source: { account: 'vendor-v', stream: 'usage' } }],
  ])('source and type agree: %s', (_, fields) => {
    const stream = parseStreamDefinition(body(fields));

    expect(stream.source).toEqual(fields.source);
  });

  test.each<[string, Record<string, unknown>, string]>([
    [
      'computed from purchases',
      { type: 'computed', source: { purchases: true } },
      'source: a computed stream takes its rows from {"account","stream"}',
    ],
    [
      'simple from upstream',
      { type: 'simple', source: { account: 'v', stream: 's' } },
      'source: a simple stream takes its rows from {"purchases":true} or {"upload":true}',
    ],
    ['purchases false', { source: { purchases: false } }, 'source.purchases: must be true'],
    ['half an upstream', { type: 'computed', source: { account: 'v' } }, 'source.stream: required'],
    ['unknown source', { source: { bucket: 'x' } }, 'source: must be {"purchases":true}, {"upload":true} or {"account","stream"}'],
    ['kind', { kind: 'invoice' }, 'kind: must be one of billing, pricing'],
    ['type', { type: 'derived' }, 'type: must be one of simple, computed'],
    ['currency', { currency: 'eur' }, 'currency: must be an ISO 4217 code such as EUR'],
    ['stages missing', { stages: undefined }, 'stages: required'],
  ])('refuses %s', (_, fields, message) => {
    const details = detailsOf(() => parseStreamDefinition(body(fields)));

    expect(details.some((d) => d.startsWith(message))).toBe(true);
  });

  test(`at most ${MAX_STAGES} stages`, () => {
    const stages = Array.from({ length: MAX_STAGES + 1 }, () => ({ type: 'filter', keep: 'true' }));

    expect(detailsOf(() => parseStreamDefinition(body({ stages })))).toEqual([`stages: at most ${MAX_STAGES} stages`]);
    expect(parseStreamDefinition(body({ stages: stages.slice(1) })).stages).toHaveLength(MAX_STAGES);
  });

  test('unknown fields are named', () => {
    expect(detailsOf(() => parseStreamDefinition(body({ owner: 'x' })))).toEqual(["unknown field 'owner'"]);
  });
});

describe('stage validation names the stage index and field', () => {
  test.each<[string, unknown, string]>([
    [
      'a formula that does not compile',
      { type: 'formula', column: 'amount', expression: 'markup(amount, 20))' },
      "stages.2.expression: unexpected token ')' at 18",
    ],
    ['an unknown function', { type: 'formula', column: 'amount', expression: 'sqrt(amount)' }, "stages.2.expression: unknown function 'sqrt'"],
    [
      'metadata. instead of meta.',
      { type: 'filter', keep: "metadata.country == 'NL'" },
      "stages.2.keep: unknown column 'metadata.country' (stream rows name metadata columns 'meta.country')",
    ],
    [
      'an unknown stage type',
      { type: 'explode' },
      'stages.2.type: must be one of rate, copy, split, formula, filter, convert-currency, lookup, vat, aggregate',
    ],
    ['a stage that is not an object', 'rate', 'stages.2: must be an object'],
    ['an unknown stage field', { type: 'rate', price: 'x' }, "stages.2: unknown field 'price'"],
    [
      'a filter with both keep and drop',
      { type: 'filter', keep: 'true', drop: 'false' },
      "stages.2.keep: exactly one of 'keep' and 'drop' is required",
    ],
    ['a filter with neither', { type: 'filter' }, "stages.2.keep: exactly one of 'keep' and 'drop' is required"],
    [
      'a bad column name',
      { type: 'copy', columns: { 'customer code': 'meta.reseller' } },
      "stages.2.columns.customer code: target 'customer code' is not a column name",
    ],
    ['a reserved column name', { type: 'formula', column: '__proto__', expression: '1' }, "stages.2.column: '__proto__' is reserved"],
    ['an empty copy', { type: 'copy', columns: {} }, 'stages.2.columns: must copy at least one column'],
    [
      'an unknown formula column type',
      { type: 'formula', column: 'x', expression: '1', columnType: 'money' },
      'stages.2.columnType: must be one of string, decimal, boolean, date',
    ],
    ['a bad target currency', { type: 'convert-currency', columns: ['amount'], to: 'usd' }, 'stages.2.to: must be an ISO 4217 code such as EUR'],
    [
      'converting currency itself',
      { type: 'convert-currency', columns: ['amount', 'currency'], to: 'USD' },
      "stages.2.columns.1: 'currency' is set by the stage itself",
    ],
    ['a duplicated column', { type: 'lookup', table: 'skus', key: 'sku', columns: ['name', 'name'] }, "stages.2.columns.1: 'name' appears twice"],
    [
      'summing a groupBy column',
      { type: 'aggregate', groupBy: ['customerCode'], sum: ['customerCode'] },
      "stages.2.sum.0: 'customerCode' is also a groupBy column",
    ],
    ['summing nothing', { type: 'aggregate', groupBy: [], sum: [] }, 'stages.2.sum: must name at least one column'],
    [
      'a pattern that does not compile',
      { type: 'split', column: 'sku', pattern: '(.*-(.*)', into: ['a'] },
      'stages.2.pattern: not a valid regular expression',
    ],
    [
      'capture groups that do not match into',
      { type: 'split', column: 'sku', pattern: '(.*)-(.*)', into: ['a'] },
      'stages.2.into: the pattern has 2 capture groups but into names 1 column',
    ],
    [
      'a pattern with a backreference',
      { type: 'split', column: 'sku', pattern: '(a+)\\1', into: ['a'] },
      'stages.2.pattern: backreferences are not supported',
    ],
  ])('%s', (_, stage, message) => {
    // Prepare: two good stages first, so the index in the message is the bad stage's own
    const stages = [{ type: 'rate' }, { type: 'filter', keep: 'amount > 0' }, stage];

    // Act
    const details = detailsOf(() => parseStreamDefinition(body({ stages })));

    // Assess
    expect(details).toHaveLength(1);
    expect(details[0]).toContain(message);
  });

  test('every bad stage is reported, each with its own index', () => {
    const stages = [{ type: 'formula', column: 'amount', expression: '(' }, { type: 'rate' }, { type: 'vat', country: 'meta.country' }];

    const details = detailsOf(() => parseStreamDefinition(body({ stages })));

    expect(details).toEqual(['stages.0.expression: unexpected end of expression at 1', 'stages.2.into: required']);
  });

  test('parseStage on its own reports the given index', () => {
    expect(detailsOf(() => parseStage({ type: 'filter', keep: '1 +' }, 7))).toEqual(['stages.7.keep: unexpected end of expression at 3']);
    expect(() => parseStage({ type: 'nope' })).toThrow(ValidationError);
  });

  test('formulas and filters are compiled once, at save', () => {
    const stream = parseStreamDefinition(body({ stages: [{ type: 'formula', column: 'amount', expression: 'markup(amount, 20)' }] }));

    const stage = stream.stages[0]!;
    expect(stage.type === 'formula' && stage.compiled.identifiers).toEqual(['amount']);
    expect(toWireStage(stage)).toEqual({ type: 'formula', column: 'amount', expression: 'markup(amount, 20)' });
  });
});

describe('split pattern safety', () => {
  test.each(['(.*)-(.*)', '^([A-Z]+)-(\\d+)$', '(?<family>[a-z]+)_(?:x|y)(\\d{1,3})', '([ab]*)c', '(a|b)c', '(\\w+)\\.(\\w+)', '(a+)+', '(a|ab)*c'])(
    'accepts %s',
    (pattern) => {
      expect(patternProblem(pattern)).toBeNull();
    },
  );

  test.each<[string, string]>([
    ['(a)\\1', 'backreferences are not supported'],
    ['(?<x>a)\\k<x>', 'backreferences are not supported'],
    ['(?=a)b', 'lookahead and lookbehind are not supported'],
    ['a(?!b)', 'lookahead and lookbehind are not supported'],
    ['(?<=a)b', 'lookahead and lookbehind are not supported'],
    ['(?<!a)b', 'lookahead and lookbehind are not supported'],
    ['([a-z]', 'not a valid regular expression: missing closing )'],
    ['.{1000}', 'too complex'],
    ['x'.repeat(201), 'at most 200 characters'],
    ['', 'must not be empty'],
  ])('refuses pattern %#', (pattern, message) => {
    expect(patternProblem(pattern)).toContain(message);
  });

  test('a refused pattern is a 400 naming stages.<i>.pattern', () => {
    expect(
      detailsOf(() =>
        parseStreamDefinition(
          body({
            stages: [
              { type: 'filter', keep: 'true' },
              { type: 'split', column: 'sku', pattern: '(a)\\1', into: ['x'] },
            ],
          }),
        ),
      ),
    ).toEqual(['stages.1.pattern: backreferences are not supported (a pattern must match in linear time)']);
  });

  test.each(['^(.*a){8}$', '^(.*)(.*)(.*)(.*)(.*)c$', '(a+)+$', '^(\\w+\\s?)*$'])('%s matches hostile input in linear time', (pattern) => {
    // Prepare: patterns that take a backtracking engine seconds or longer on one row
    const groups = patternProblem(pattern) === null ? (pattern.match(/\((?!\?)/g) ?? []).length : -1;
    const stage = parseStage({ type: 'split', column: 'sku', pattern, into: Array.from({ length: groups }, (_, i) => `c${i}`) });
    const compiled = compilePipeline([stage]);
    const hostile = [`${'a'.repeat(40)}b`, 'x'.repeat(255), `${'a'.repeat(60)}!`, `${'word '.repeat(40)}!`];
    // Act
    const started = performance.now();
    for (let i = 0; i < 50; i++) for (const sku of hostile) compiled.push({ sku });
    const elapsed = performance.now() - started;
    // Assess: 200 rows well under a second (JS RegExp needs > 10 s for the first pattern on one row)
    expect(elapsed).toBeLessThan(1000);
    expect(compiled.stats.input).toBe(200);
  });
});
