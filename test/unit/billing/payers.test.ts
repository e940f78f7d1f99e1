import { payerLinks } from '../../../shared/billing/domain/payers';

describe('payerLinks: who pays for a linked customer', () => {
  test('up the chain to the first customer that invoices itself; self-invoicing children and roots are not linked', () => {
    expect(
      payerLinks([
        { code: 'HQ' },
        { code: 'BRANCH', parent: 'HQ', invoicing: 'parent' },
        { code: 'SHOP', parent: 'BRANCH', invoicing: 'parent' },
        { code: 'INDEP', parent: 'HQ', invoicing: 'self' },
        { code: 'KIOSK', parent: 'INDEP', invoicing: 'parent' },
      ]),
    ).toEqual({ BRANCH: 'HQ', SHOP: 'HQ', KIOSK: 'INDEP' });
  });

  test('a loop that slipped through stops where it closes; a missing parent links nothing', () => {
    const links = payerLinks([
      { code: 'A', parent: 'B', invoicing: 'parent' },
      { code: 'B', parent: 'A', invoicing: 'parent' },
      { code: 'C', parent: 'GONE', invoicing: 'parent' },
    ]);
    expect(links.C).toBeUndefined();
    expect(Object.keys(links).sort()).toEqual(['A', 'B']);
    expect(['A', 'B']).toContain(links.A);
  });
});
