import type { PurchaseStandings } from '../ports';
import { countStandings, type PurchaseCounts } from '../domain/counts';

/**
 * `GET /purchase-counts`: how many of an account's stored purchases stand in each status and reason, exactly,
 * from one pass over the purchase indexes (no page cap, no whole purchase read). Purchases still in flight
 * (`received`: accepted, not yet stored) are not counted.
 */
export class PurchaseCountsService {
  constructor(private readonly standings: PurchaseStandings) {}

  async counts(accountId: string, range: { from?: string; to?: string }): Promise<PurchaseCounts> {
    return countStandings(this.standings.standings(accountId, range));
  }
}
