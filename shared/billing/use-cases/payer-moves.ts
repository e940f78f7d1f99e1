import { mapLimit } from '../../kernel/concurrency';
import { logger } from '../../kernel/logger';
import type { CatalogStore, PayerMove, PayerMoveListener } from '../../catalog/ports';
import type { BillingBus, InvoiceStore } from '../ports';
import { payersOf } from './drafted';

/**
 * A customer's payer link changed (a child now invoicing itself, or now invoiced to its parent): the drafts
 * that billed its charges to its former payer, or to itself, no longer match who pays. The cycles holding
 * those open drafts are regenerated (`cycle-late`, as for a late purchase): each draft is rebuilt for the
 * payer as it is now, approved invoices are kept, and what they billed is never billed again.
 */
export class PayerMoves implements PayerMoveListener {
  constructor(
    private readonly deps: {
      catalog: Pick<CatalogStore, 'getCustomers'>;
      invoices: Pick<InvoiceStore, 'openInvoicesOf'>;
      bus: BillingBus;
      now?: () => Date;
    },
  ) {}

  async notice(accountId: string, moves: readonly PayerMove[]): Promise<void> {
    if (!moves.length) return;
    // who paid before: the customer itself, or the payer of the parent it was invoiced to
    const parents = moves.flatMap((m) => (m.previous.invoicing === 'parent' && m.previous.parent ? [m.previous.parent] : []));
    const payerOfParent = parents.length ? await payersOf(this.deps.catalog, accountId, [...new Set(parents)]) : new Map<string, string>();
    const payers = new Set<string>();
    for (const m of moves) {
      payers.add(m.code);
      if (m.previous.invoicing === 'parent' && m.previous.parent) payers.add(payerOfParent.get(m.previous.parent) ?? m.previous.parent);
    }
    const cycles = new Set<string>();
    // an import may move many customers at once: their payers' open drafts are read 8 at a time
    await mapLimit([...payers], 8, async (payer) => {
      for (const draft of await this.deps.invoices.openInvoicesOf(accountId, payer)) {
        if (draft.record.status === 'draft' && draft.cycleId) cycles.add(draft.cycleId);
      }
    });
    if (!cycles.size) return;
    const arrivedAt = (this.deps.now?.() ?? new Date()).toISOString();
    await this.deps.bus.send([...cycles].sort().map((cycleId) => ({ type: 'cycle-late' as const, accountId, cycleId, arrivedAt })));
    logger.info('payer links changed: regenerating the cycles of their drafts', {
      accountId,
      customers: moves.length,
      cycles: [...cycles],
    });
  }
}
