import { countStandings } from '../../shared/ingest/domain/counts';
import type { PurchaseReason, PurchaseStatus } from '../../shared/ingest/domain/purchase';

type Standing = { status: PurchaseStatus; reason: PurchaseReason | null };

async function* pagesOf(...pages: Standing[][]): AsyncIterable<readonly Standing[]> {
  for (const page of pages) yield page;
}

describe('countStandings', () => {
  test('adds up both waiting statuses and every reason over all pages, zeros included', async () => {
    const counts = await countStandings(
      pagesOf(
        [
          { status: 'unmapped', reason: 'unknown-customer' },
          { status: 'not-invoiced', reason: 'on-hold' },
        ],
        [],
        [
          { status: 'unmapped', reason: 'unknown-product' },
          { status: 'not-invoiced', reason: 'on-hold' },
        ],
      ),
    );
    expect(counts).toEqual({
      byStatus: { unmapped: 2, 'not-invoiced': 2 },
      byReason: { 'unknown-customer': 1, 'unknown-product': 1, 'future-date': 0, 'no-price-rule': 0, 'on-hold': 2 },
      total: 4,
    });
  });

  test('skips what does not wait: index entries left on purchases rated, invoiced or completed since, and received ones', async () => {
    const counts = await countStandings(
      pagesOf([
        { status: 'rated', reason: null },
        { status: 'invoiced', reason: null },
        { status: 'completed', reason: null },
        { status: 'received', reason: null },
        { status: 'not-invoiced', reason: 'future-date' },
      ]),
    );
    expect(counts.byStatus).toEqual({ unmapped: 0, 'not-invoiced': 1 });
    expect(counts.byReason['future-date']).toBe(1);
    expect(counts.total).toBe(1);
  });
});
