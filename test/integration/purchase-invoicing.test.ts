import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoPurchaseInvoicing } from '../../shared/billing/adapters/dynamo/purchase-invoicing';
import { DynamoPurchaseStore } from '../../shared/ingest/adapters/dynamo/purchases';
import type { PurchaseRecord } from '../../shared/ingest/domain/purchase';
import { keys } from '../../shared/storage/keys';
import { startDynamoTable, type DynamoTable } from './dynamo-table';

/**
 * Approval's and voiding's writes on purchases against a DynamoDB Local of its own. A cycle writes
 * nothing on the purchases it drafts; approval completes each at the version its row was collected at
 * (or, marked by a cycle before cycles stopped marking, still on the invoice), once; a purchase changed
 * since the draft was built, or completed on another invoice, is left as it is.
 */
describe('DynamoPurchaseInvoicing.complete and reopen on DynamoDB Local', () => {
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
  beforeAll(async () => {
    engine = await startDynamoTable(TABLE);
    doc = engine.doc;
    store = new DynamoPurchaseStore(doc, TABLE);
    marks = new DynamoPurchaseInvoicing(doc, TABLE);
  });

  afterAll(async () => {
    await engine?.stop();
  });

  test('completes a purchase at the version collected, once: a second call answers true and writes nothing', async () => {
    await store.insertMany([record('A001')]);
    expect(await marks.complete('acct-1', 'A001', 'inv_a', 1, AT)).toBe(true);
    const after = await store.get('acct-1', 'A001');
    expect(after).toMatchObject({ status: 'completed', invoice: 'inv_a', version: 2, updatedAt: AT });
    expect(await marks.complete('acct-1', 'A001', 'inv_a', 1, '2026-11-01T03:00:00.000Z')).toBe(true);
    expect(await store.get('acct-1', 'A001')).toEqual(after);
  });

  test('a purchase changed since its row was collected (another version) is not completed', async () => {
    await store.insertMany([record('B001')]);
    await doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.purchase('acct-1', 'B001'),
        UpdateExpression: 'SET #version = :two, amount = :amount',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':two': 2, ':amount': '9.00' },
      }),
    );
    expect(await marks.complete('acct-1', 'B001', 'inv_b', 1, AT)).toBe(false);
    expect(await store.get('acct-1', 'B001')).toMatchObject({ status: 'rated', invoice: null, version: 2, amount: '9.00' });
  });

  test('a purchase completed on another invoice stays there; one that is gone answers false', async () => {
    await store.insertMany([record('C001')]);
    expect(await marks.complete('acct-1', 'C001', 'inv_c', 1, AT)).toBe(true);
    expect(await marks.complete('acct-1', 'C001', 'inv_d', 2, AT)).toBe(false);
    expect(await store.get('acct-1', 'C001')).toMatchObject({ status: 'completed', invoice: 'inv_c', version: 2 });
    expect(await marks.complete('acct-1', 'C404', 'inv_c', 1, AT)).toBe(false);
    expect(await store.get('acct-1', 'C404')).toBeNull();
  });

  test('a purchase marked by a cycle that still marked (invoiced on the invoice, one version on) completes', async () => {
    await store.insertMany([{ ...record('D001'), status: 'invoiced', invoice: 'inv_e', version: 2 }]);
    expect(await marks.complete('acct-1', 'D001', 'inv_e', 1, AT)).toBe(true);
    expect(await store.get('acct-1', 'D001')).toMatchObject({ status: 'completed', invoice: 'inv_e', version: 3 });
    // marked on another invoice: not this one's
    await store.insertMany([{ ...record('D002'), status: 'invoiced', invoice: 'inv_f', version: 2 }]);
    expect(await marks.complete('acct-1', 'D002', 'inv_e', 2, AT)).toBe(false);
    expect(await store.get('acct-1', 'D002')).toMatchObject({ status: 'invoiced', invoice: 'inv_f', version: 2 });
  });

  test('reopen puts a completed purchase back to rated on no invoice, only from its own invoice', async () => {
    await store.insertMany([record('E001')]);
    expect(await marks.complete('acct-1', 'E001', 'inv_g', 1, AT)).toBe(true);
    expect(await marks.reopen('acct-1', 'E001', 'inv_other', AT)).toBe(false);
    expect(await marks.reopen('acct-1', 'E001', 'inv_g', AT)).toBe(true);
    expect(await store.get('acct-1', 'E001')).toMatchObject({ status: 'rated', invoice: null, version: 3 });
    expect(await marks.reopen('acct-1', 'E001', 'inv_g', AT)).toBe(false);
  });
});
