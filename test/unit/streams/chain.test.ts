import { parse } from 'csv-parse/sync';
import { BATCH_CSV_PARSE_OPTIONS, BatchReader, BatchWriter, type BatchDescription } from '../../../shared/streams/domain/batch-format';
import type { Column, Row } from '../../../shared/streams/domain/columns';
import { compilePipeline, type PipelineDeps } from '../../../shared/streams/domain/pipeline';
import { partitionForSharing, purchaseColumns, purchaseRow, type PurchaseRowSource } from '../../../shared/streams/domain/rows';
import type { StreamDefinition } from '../../../shared/streams/domain/stream';
import { eurUsd, modelRater, stream, wire } from './builders';

/**
 * The acceptance chain of docs/product.md §5 at the pure level: vendor V rates end-customer usage; routing
 * makes distributor D pay; V's batch shares D's lines with D; D marks up 20 %, converts EUR→USD with an
 * effective-dated table (the rate changes on 16 March, each row's date picks its rate) and re-keys lines
 * to its reseller from meta.reseller; the reseller marks up 15 % and bills its end customers.
 */

interface Batch {
  columns: Column[];
  csv: string;
  description: BatchDescription;
}

/** One stream run: rows through the stages, written as a batch file (what S3 would hold). */
function runStream(definition: StreamDefinition, input: { columns: readonly Column[]; rows: readonly Row[] }, deps: PipelineDeps): Batch {
  const pipeline = compilePipeline(definition.stages, deps);
  const columns = pipeline.columns(input.columns);
  const writer = new BatchWriter(columns, { currency: definition.currency });
  let csv = writer.header();
  for (const row of input.rows) {
    const outcome = pipeline.push(row);
    if (outcome.kind === 'row') csv += writer.row(outcome.row);
    if (outcome.kind === 'error') throw new Error(`unexpected error row: ${outcome.error.reason}`);
  }
  for (const row of pipeline.finish().rows) csv += writer.row(row);
  return { columns, csv, description: writer.describe() };
}

/** What a partner receives: the published batch read back from its CSV, partitioned by partner account. */
function publish(batch: Batch, customersWithPartner: Map<string, string>): Map<string, { columns: readonly Column[]; rows: Row[] }> {
  const reader = new BatchReader();
  const rows: Row[] = [];
  for (const record of parse(batch.csv, BATCH_CSV_PARSE_OPTIONS) as (string | null)[][]) {
    const result = reader.read(record);
    if (result === null) continue;
    if (!result.ok) throw new Error(result.reason);
    rows.push(result.row);
  }
  const shares = new Map<string, { columns: readonly Column[]; rows: Row[] }>();
  for (const [account, shared] of partitionForSharing(rows, customersWithPartner)) shares.set(account, { columns: reader.columns, rows: shared });
  return shares;
}

const purchases: PurchaseRowSource[] = [
  // END-1 and END-2 are the distributor's customers' customers: routing bills DIST.
  {
    reference: 'a',
    productLabel: 'voice',
    customerCode: 'END-1',
    customer: 'END-1',
    billedTo: 'DIST',
    quantity: '12.5',
    purchaseDate: '2026-03-10',
    metadata: { reseller: 'R1' },
  },
  {
    reference: 'b',
    productLabel: 'voice',
    customerCode: 'END-2',
    customer: 'END-2',
    billedTo: 'DIST',
    quantity: '100',
    purchaseDate: '2026-03-20',
    metadata: { reseller: 'R2' },
  },
  {
    reference: 'c',
    productLabel: 'voice',
    customerCode: 'END-1',
    customer: 'END-1',
    billedTo: 'DIST',
    quantity: '3',
    purchaseDate: '2026-03-16T00:00:00Z',
    metadata: { reseller: 'R1' },
  },
  // V's own direct customer: never shared with anyone.
  { reference: 'd', productLabel: 'voice', customerCode: 'END-3', customer: 'END-3', billedTo: 'END-3', quantity: '10', purchaseDate: '2026-03-12' },
];

const vendorStream = stream([{ type: 'rate' }]);
const distributorStream = stream(
  [
    { type: 'formula', column: 'unitPrice', expression: 'markup(unitPrice, 20)' },
    { type: 'formula', column: 'amount', expression: 'markup(amount, 20)' },
    { type: 'convert-currency', columns: ['unitPrice', 'amount'], to: 'USD' },
    { type: 'copy', columns: { customerCode: 'meta.reseller' } },
  ],
  { type: 'computed', source: { account: 'vendor-v', stream: 'usage' }, currency: 'USD' },
);
const resellerStream = stream(
  [
    { type: 'formula', column: 'unitPrice', expression: 'markup(unitPrice, 15)' },
    { type: 'formula', column: 'amount', expression: 'markup(amount, 15)' },
    { type: 'copy', columns: { customerCode: 'usedBy' } },
  ],
  { type: 'computed', source: { account: 'distributor-d', stream: 'resale' }, currency: 'USD' },
);

describe('worked chain: vendor → distributor → reseller', () => {
  // Prepare: one run per tier, each fed by what the tier above published
  const vendorColumns = purchaseColumns(purchases);
  const vendorBatch = runStream(
    vendorStream,
    { columns: vendorColumns, rows: purchases.map((p) => purchaseRow(p, vendorColumns)) },
    { rater: modelRater({ voice: { type: 'standard', unitPrice: '0.0437' } }) },
  );
  const toDistributor = publish(vendorBatch, new Map([['DIST', 'distributor-d']]));
  const distributorBatch = runStream(distributorStream, toDistributor.get('distributor-d')!, {
    exchangeRates: eurUsd([
      ['2026-03-01', '1.0850'],
      ['2026-03-16', '1.0987'],
    ]),
  });
  const toResellers = publish(
    distributorBatch,
    new Map([
      ['R1', 'reseller-r1'],
      ['R2', 'reseller-r2'],
    ]),
  );
  const r1Batch = runStream(resellerStream, toResellers.get('reseller-r1')!, {});

  test('the vendor rates every purchase in EUR at full precision', () => {
    expect(vendorBatch.description).toMatchObject({ rows: 4, errors: 0, totals: { EUR: '5.48435' } });
  });

  test("publishing shares only the distributor's lines, and only with the distributor", () => {
    expect([...toDistributor.keys()]).toEqual(['distributor-d']);
    expect(toDistributor.get('distributor-d')!.rows.map((r) => [r.reference, r.customerCode, r.usedBy, wire(r).amount])).toEqual([
      ['a', 'DIST', 'END-1', '0.54625'],
      ['b', 'DIST', 'END-2', '4.37'],
      ['c', 'DIST', 'END-1', '0.1311'],
    ]);
  });

  test('the distributor marks up 20 %, converts at the rate of each row date and re-keys to its resellers', () => {
    const rows = [...toResellers.values()].flatMap((share) => share.rows).map(wire);

    expect(
      rows.map(({ reference, customerCode, unitPrice, amount, currency }) => ({ reference, customerCode, unitPrice, amount, currency })),
    ).toEqual([
      // 10 March: 1.0850
      { reference: 'a', customerCode: 'R1', unitPrice: '0.0568974', amount: '0.7112175', currency: 'USD' },
      // 16 March 00:00 UTC: the new rate 1.0987 applies from that instant
      { reference: 'c', customerCode: 'R1', unitPrice: '0.057615828', amount: '0.172847484', currency: 'USD' },
      { reference: 'b', customerCode: 'R2', unitPrice: '0.057615828', amount: '5.7615828', currency: 'USD' },
    ]);
    expect(distributorBatch.description.totals).toEqual({ USD: '6.645647784' });
  });

  test('each reseller sees only its own lines', () => {
    expect(toResellers.get('reseller-r1')!.rows.map((r) => r.reference)).toEqual(['a', 'c']);
    expect(toResellers.get('reseller-r2')!.rows.map((r) => r.reference)).toEqual(['b']);
  });

  test('the reseller marks up again and bills its end customers', () => {
    const lines = parse(r1Batch.csv, BATCH_CSV_PARSE_OPTIONS) as (string | null)[][];

    expect(lines[0]).toEqual([
      'reference:string',
      'productLabel:string',
      'customerCode:string',
      'usedBy:string',
      'quantity:decimal',
      'purchaseDate:date',
      'endDate:date',
      'unitPrice:decimal',
      'amount:decimal',
      'currency:string',
      'meta.reseller:string',
      'priceRule:string',
    ]);
    expect(lines.slice(1).map((l) => [l[0], l[2], l[7], l[8], l[9]])).toEqual([
      ['a', 'END-1', '0.06543201', '0.817900125', 'USD'],
      ['c', 'END-1', '0.0662582022', '0.1987746066', 'USD'],
    ]);
    expect(r1Batch.description).toMatchObject({ rows: 2, errors: 0, totals: { USD: '1.0166747316' } });
  });
});
