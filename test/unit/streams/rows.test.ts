import fc from 'fast-check';
import type { Row } from '../../../shared/streams/domain/columns';
import {
  partitionForSharing,
  PURCHASE_COLUMNS,
  purchaseColumns,
  purchaseRow,
  sharingTarget,
  type PurchaseRowSource,
} from '../../../shared/streams/domain/rows';
import { dec, wire } from './builders';

const routed: PurchaseRowSource = {
  reference: 'cdr-1',
  productLabel: 'voice',
  customerCode: 'END-1',
  customer: 'END-1',
  billedTo: 'DIST',
  quantity: '12.5',
  purchaseDate: '2026-03-10T10:00:00Z',
  endDate: null,
  metadata: { msisdn: '0612345678', roaming: true, minutes: '90' },
  amount: '0.54625',
  currency: 'EUR',
};

describe('the standard row of a purchase', () => {
  test('customerCode is who pays after routing, usedBy the original customer; metadata becomes meta.<key>', () => {
    const row = purchaseRow(routed);

    expect(wire(row)).toEqual({
      reference: 'cdr-1',
      productLabel: 'voice',
      customerCode: 'DIST',
      usedBy: 'END-1',
      quantity: '12.5',
      purchaseDate: '2026-03-10T10:00:00Z',
      endDate: null,
      unitPrice: null,
      amount: '0.54625',
      currency: 'EUR',
      'meta.minutes': '90',
      'meta.msisdn': '0612345678',
      'meta.roaming': true,
    });
    expect(row.quantity).toEqual(dec('12.5'));
  });

  test('an unrouted purchase is paid by its own customer; an unmapped one keeps the code it was sent with', () => {
    expect(purchaseRow({ ...routed, billedTo: 'END-1' })).toMatchObject({ customerCode: 'END-1', usedBy: 'END-1' });
    expect(purchaseRow({ ...routed, customer: null, billedTo: null, customerCode: 'typo' })).toMatchObject({ customerCode: 'typo', usedBy: 'typo' });
  });

  test('columns: the ten standard ones, then one meta.<key> per key, boolean only when every value is', () => {
    const sources = [routed, { ...routed, metadata: { roaming: 'partly', vm: 'db-1' } }, { ...routed, metadata: { flag: false } }];

    const columns = purchaseColumns(sources);

    expect(columns.slice(0, 10)).toEqual(PURCHASE_COLUMNS);
    expect(columns.slice(10)).toEqual([
      { name: 'meta.flag', type: 'boolean' },
      { name: 'meta.minutes', type: 'string' },
      { name: 'meta.msisdn', type: 'string' }, // never a number: the leading zero matters
      { name: 'meta.roaming', type: 'string' },
      { name: 'meta.vm', type: 'string' },
    ]);
    expect(purchaseRow(routed, columns)).toMatchObject({ 'meta.flag': null, 'meta.roaming': 'true', 'meta.vm': null, 'meta.msisdn': '0612345678' });
    expect(purchaseRow(sources[2]!, columns)).toMatchObject({ 'meta.flag': false });
  });
});

describe('sharing a published batch', () => {
  const partners = new Map([
    ['DIST', 'distributor-d'],
    ['R1', 'reseller-r1'],
  ]);

  test('each partner account gets exactly the rows of its customer; other rows stay home', () => {
    const rows: Row[] = [
      { reference: 'a', customerCode: 'DIST' },
      { reference: 'b', customerCode: 'END-3' },
      { reference: 'c', customerCode: 'R1' },
      { reference: 'd', customerCode: 'DIST' },
      { reference: 'e', customerCode: null },
    ];

    const shares = partitionForSharing(rows, partners);

    expect([...shares].map(([account, list]) => [account, list.map((r) => r.reference)])).toEqual([
      ['distributor-d', ['a', 'd']],
      ['reseller-r1', ['c']],
    ]);
    expect(sharingTarget({ customerCode: dec(1) }, partners)).toBeNull();
  });

  test("property: no row ever reaches an account other than its own customer's partner, and none is shared twice", () => {
    const codes = ['A', 'B', 'C', 'D', 'E'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ reference: fc.uuid(), customerCode: fc.constantFrom(...codes, null) })),
        fc.dictionary(fc.constantFrom(...codes), fc.constantFrom('p1', 'p2', 'p3')),
        (rows, partnerOf) => {
          const map = new Map(Object.entries(partnerOf));
          const shares = partitionForSharing(rows, map);
          let shared = 0;
          for (const [account, list] of shares) {
            for (const row of list) expect(map.get(row.customerCode as string)).toBe(account);
            shared += list.length;
          }
          expect(shared).toBe(rows.filter((r) => r.customerCode !== null && map.has(r.customerCode)).length);
        },
      ),
    );
  });
});
