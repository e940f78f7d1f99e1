import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoPurchaseInvoicing } from '../../shared/billing/adapters/dynamo/purchase-invoicing';
import type { PurchaseMark } from '../../shared/billing/ports';
import { DynamoPurchaseStore } from '../../shared/ingest/adapters/dynamo/purchases';
import type { PurchaseRecord } from '../../shared/ingest/domain/purchase';
import { keys } from '../../shared/storage/keys';
import { startDynamoTable, type DynamoTable } from './dynamo-table';

/**
 * The cycle's purchase marks against a DynamoDB Local of its own: `markInvoicedMany` puts purchases on
 * their drafts in transactions of 100, each under its own condition. A refused mark (on this invoice
 * already, on another, changed since collected, completed, gone) answers for itself and never stops
 * its neighbours; nothing is marked twice.
 */
describe('DynamoPurchaseInvoicing.markInvoicedMany on DynamoDB Local', () => {
  const TABLE = 'invoicing-test';
  const AT = '2026-11-01T02:00:00.000Z';
  let engine: DynamoTable;
  let doc: DynamoDBDocumentClient;
  let store: DynamoPurchaseStore;
  let marks: DynamoPurchaseInvoicing;

  const record = (reference: string): PurchaseRecord => ({
    accountId: 'acct-1',
    reference,
    productLabel: 'voice-min',
    customerCode: 'C1',
    quantity: '10',
    purchaseDate: '2026-10-01',
    endDate: null,
    metadata: {},
    status: 'rated',
    reason: null,
    customer: 'C1',
    billedTo: 'C1',
    productCluster: 'voice',
    routingRule: null,
    priceRule: 'base',
    amount: '1.00',
    currency: 'EUR',
    pricing: 'purchase',
    ratingError: null,
    contentHash: `h-${reference}`,
    invoice: null,
    chunkId: 'chunk-1',
    receivedAt: '2026-10-01T00:00:00.000Z',
    updatedAt: '2026-10-01T00:00:00.000Z',
    version: 1,
  });
  const refs = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
  const mark = (reference: string, invoiceId: string, expectedVersion = 1): PurchaseMark => ({ reference, invoiceId, expectedVersion });

  beforeAll(async () => {
    engine = await startDynamoTable(TABLE);
    doc = engine.doc;
    store = new DynamoPurchaseStore(doc, TABLE);
    marks = new DynamoPurchaseInvoicing(doc, TABLE);
  });

  afterAll(async () => {
    await engine?.stop();
  });

  test('marks 230 purchases of three drafts across three transactions; each is on its invoice once, at the next version', async () => {
    const references = refs('A', 230);
    await store.insertMany(references.map(record));
    const invoiceOf = (i: number) => `inv_${i % 3}`;

    const outcomes = await marks.markInvoicedMany(
      'acct-1',
      references.map((r, i) => mark(r, invoiceOf(i))),
      AT,
    );

    expect(outcomes).toEqual(references.map(() => 'marked'));
    const stored = await store.getMany('acct-1', references);
    references.forEach((r, i) => {
      expect(stored.get(r)).toMatchObject({ status: 'invoiced', invoice: invoiceOf(i), version: 2, updatedAt: AT });
    });

    // A redelivery of the same marks writes nothing: every one is on its invoice already.
    const again = await marks.markInvoicedMany(
      'acct-1',
      references.map((r, i) => mark(r, invoiceOf(i))),
      AT,
    );
    expect(again).toEqual(references.map(() => 'already'));
    expect([...(await store.getMany('acct-1', references)).values()].every((p) => p.version === 2)).toBe(true);
  });

  test('refused marks answer for themselves and leave their neighbours marked: another invoice, changed, completed, gone', async () => {
    const references = refs('B', 120);
    await store.insertMany(references.map(record));
    // B005 was put on another draft first, B050 re-rated since it was collected, B090 completed on an approved invoice.
    expect(await marks.markInvoiced('acct-1', 'B005', 'inv_other', 1, AT)).toBe('marked');
    await doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.purchase('acct-1', 'B050'),
        UpdateExpression: 'SET amount = :a, version = :v',
        ExpressionAttributeValues: { ':a': '2.00', ':v': 2 },
      }),
    );
    await doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.purchase('acct-1', 'B090'),
        UpdateExpression: 'SET #s = :c, invoice = :i',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':c': 'completed', ':i': 'inv_approved' },
      }),
    );
    const wanted = [...references.map((r) => mark(r, 'inv_b')), mark('B-gone', 'inv_b'), mark('B010', 'inv_b')];

    const outcomes = await marks.markInvoicedMany('acct-1', wanted, AT);

    const refused = new Map([
      ['B005', 'changed'],
      ['B050', 'changed'],
      ['B090', 'changed'],
      ['B-gone', 'changed'],
    ]);
    wanted.forEach((m, i) => {
      expect(outcomes[i]).toBe(refused.get(m.reference) ?? 'marked');
    });
    const stored = await store.getMany('acct-1', [...references, 'B-gone']);
    expect(stored.has('B-gone')).toBe(false);
    expect(stored.get('B005')).toMatchObject({ status: 'invoiced', invoice: 'inv_other', version: 2 });
    expect(stored.get('B050')).toMatchObject({ status: 'rated', invoice: null, amount: '2.00', version: 2 });
    expect(stored.get('B090')).toMatchObject({ status: 'completed', invoice: 'inv_approved', version: 1 });
    // B010 was named twice: written once, both answered `marked`
    expect(stored.get('B010')).toMatchObject({ status: 'invoiced', invoice: 'inv_b', version: 2 });
    const marked = references.filter((r) => !refused.has(r));
    expect(marked).toHaveLength(117);
    for (const r of marked) expect(stored.get(r)).toMatchObject({ status: 'invoiced', invoice: 'inv_b', version: 2 });
  });

  test('a stale version of a purchase already on this invoice answers `already`; an empty list sends nothing', async () => {
    await store.insertMany([record('C001')]);
    expect(await marks.markInvoicedMany('acct-1', [mark('C001', 'inv_c')], AT)).toEqual(['marked']);
    // collected at version 1 again (a redelivered invoicer that read its rows before the first mark)
    expect(await marks.markInvoicedMany('acct-1', [mark('C001', 'inv_c', 1), mark('C001', 'inv_d', 1)], AT)).toEqual(['already', 'changed']);
    expect(await marks.markInvoicedMany('acct-1', [], AT)).toEqual([]);
  });
});
