/**
 * Who pays for whom inside an account (docs/product.md §6b): a customer with `invoicing: parent` has its
 * charges (purchases and subscriptions) on its parent's invoice; a parent that is itself invoiced to its
 * parent passes them on, up to the first customer of the chain that invoices itself. Loops are refused when
 * customers are saved; here a chain that loops anyway or reaches a missing customer stops where it is.
 */

export interface LinkedCustomer {
  readonly code: string;
  readonly parent?: string | null;
  readonly invoicing?: 'self' | 'parent';
}

/** Linked customers → who pays for them; customers that invoice themselves are not in it. */
export function payerLinks(customers: Iterable<LinkedCustomer>): Record<string, string> {
  const byCode = new Map<string, LinkedCustomer>();
  for (const c of customers) byCode.set(c.code, c);
  const links: Record<string, string> = {};
  for (const c of byCode.values()) {
    if (c.invoicing !== 'parent' || !c.parent) continue;
    const seen = new Set([c.code]);
    let payer = c.parent;
    for (;;) {
      const next = byCode.get(payer);
      if (next?.invoicing !== 'parent' || !next.parent || seen.has(next.parent)) break;
      seen.add(payer);
      payer = next.parent;
    }
    if (byCode.has(payer)) links[c.code] = payer;
  }
  return links;
}
