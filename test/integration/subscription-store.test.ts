import { DynamoSubscriptionStore } from '../../shared/subscriptions/adapters/dynamo/subscriptions';
import type { SubscriptionRecord } from '../../shared/subscriptions/ports';
import { startDynamoTable, type DynamoTable } from './dynamo-table';

/**
 * The charged-through dates a cycle writes for a partition at once (`setChargedThroughMany`), against a
 * DynamoDB Local of its own: transactions of 100 updates of that one attribute; a transaction that a gone
 * subscription cancels is done again one update at a time, and the gone one is not created.
 */
describe('DynamoSubscriptionStore.setChargedThroughMany on DynamoDB Local', () => {
  let db: DynamoTable;
  let store: DynamoSubscriptionStore;
  beforeAll(async () => {
    db = await startDynamoTable('subscription-store');
    store = new DynamoSubscriptionStore(db.doc, db.table);
  }, 120_000);
  afterAll(() => db.stop());

  const subscription = (id: string): SubscriptionRecord => ({
    id,
    customer: `C-${id}`,
    offer: 'plan',
    quantity: '1',
    startDate: '2026-10-01',
    endDate: null,
    parameters: {},
    chargedThrough: null,
    history: [],
    version: 3,
    createdAt: '2026-10-01T00:00:00.000Z',
    updatedAt: '2026-10-01T00:00:00.000Z',
  });
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `s${String(i).padStart(3, '0')}`);

  test('230 subscriptions in three transactions: each gets its date, nothing else changes', async () => {
    // createSubscription answers null when it created the subscription (else the one already there)
    for (const id of ids(230)) expect(await store.createSubscription('acc', subscription(id))).toBeNull();
    // Act
    await store.setChargedThroughMany(
      'acc',
      ids(230).map((id, i) => ({ id, chargedThrough: i % 2 ? '2026-12-01' : null })),
    );
    // Assess
    for (const [i, id] of ids(230).entries()) {
      expect(await store.getSubscription('acc', id)).toEqual({ ...subscription(id), chargedThrough: i % 2 ? '2026-12-01' : null });
    }
  });

  test('a subscription that is gone cancels its transaction: the others are still written one by one, the gone one is not created', async () => {
    for (const id of ['t1', 't2', 't3']) expect(await store.createSubscription('other', subscription(id))).toBeNull();
    // Act
    await store.setChargedThroughMany('other', [
      { id: 't1', chargedThrough: '2026-11-01' },
      { id: 'gone', chargedThrough: '2026-11-01' },
      { id: 't3', chargedThrough: '2026-11-15' },
    ]);
    // Assess
    expect((await store.getSubscription('other', 't1'))?.chargedThrough).toBe('2026-11-01');
    expect((await store.getSubscription('other', 't2'))?.chargedThrough).toBeNull();
    expect((await store.getSubscription('other', 't3'))?.chargedThrough).toBe('2026-11-15');
    expect(await store.getSubscription('other', 'gone')).toBeNull();
  });
});
