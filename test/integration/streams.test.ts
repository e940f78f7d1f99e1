import { runWorkedChain, CHAIN_PERIOD, type ChainResult } from '../../demo/chain';
import { adminKey, api, baseUrl, eventually, newAccount, type Account } from './harness';

/** `PUT /streams/{stream}/upload` with the CSV as `text/csv`; the response status. */
async function uploadCsv(acct: Account, stream: string, csv: string): Promise<number> {
  const res = await fetch(`${baseUrl()}/v1/accounts/${acct.id}/streams/${stream}/upload`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${acct.key}`, 'content-type': 'text/csv' },
    body: csv,
  });
  return res.status;
}

/** A vendor and a distributor account; the vendor's customer D (cluster `all`) is the distributor. */
async function vendorAndDistributor() {
  const vendor = await newAccount();
  const distributor = await newAccount({ roles: ['distributor'] });
  const v = (p: string) => `/v1/accounts/${vendor.id}${p}`;
  const d = (p: string) => `/v1/accounts/${distributor.id}${p}`;
  await api('PUT', v('/customer-clusters/all'), { name: 'All' }, vendor.key);
  await api('PUT', v('/customers/D'), { name: 'Distributor', cluster: 'all', currency: 'EUR', partnerAccount: distributor.id }, vendor.key);
  return { vendor, distributor, v, d };
}

/**
 * The worked chain of docs/product.md §5 over HTTP (demo/chain.ts drives it; here every figure is checked),
 * then the streams API's contract: validation at save, runs of uploads, error rows, publishing rules.
 */
describe('streams: the worked chain vendor → distributor → reseller', () => {
  let chain: ChainResult;

  beforeAll(async () => {
    chain = await runWorkedChain(baseUrl(), adminKey(), `chain-${Date.now().toString(36)}`);
  }, 240_000);

  test("the vendor's batch rates every mapped purchase of the period, routed to who pays", async () => {
    const { vendor } = chain.batches;
    expect(vendor).toMatchObject({
      status: 'draft',
      rows: 3,
      errors: 0,
      totals: { EUR: '16' },
      ...{ periodStart: CHAIN_PERIOD.periodStart, periodEnd: CHAIN_PERIOD.periodEnd },
    });
    const rows = (await api('GET', `/v1/accounts/${chain.vendor.id}/batches/${vendor.id}/rows?format=json`, undefined, chain.vendor.key)).body as {
      items: Record<string, string>[];
    };
    expect(rows.items.map((r) => [r.reference, r.customerCode, r.usedBy, r.amount, r.currency, r['meta.reseller']])).toEqual([
      ['v-1', 'D', 'E1', '10', 'EUR', 'R'],
      ['v-2', 'D', 'E2', '5', 'EUR', 'R'],
      ['v-3', 'X', 'X', '1', 'EUR', null],
    ]);
  });

  test("publishing shares only D's rows with D; D's computed stream ran by itself on them, keeping the period", async () => {
    const inbound = (await api('GET', `/v1/accounts/${chain.distributor.id}/inbound-batches`, undefined, chain.distributor.key)).body as {
      items: Record<string, unknown>[];
    };
    expect(inbound.items).toHaveLength(1);
    expect(inbound.items[0]).toMatchObject({
      account: chain.vendor.id,
      stream: 'usage',
      batch: chain.batches.vendor.id,
      rows: 2,
      totals: { EUR: '15' },
      ...{ periodStart: '2026-10-01' },
    });
    // marked up 20 % (10 → 12, 5 → 6), converted at 1.10 (13.2, 6.6), re-keyed to reseller R
    expect(chain.batches.distributor).toMatchObject({
      rows: 2,
      errors: 0,
      totals: { USD: '19.8' },
      periodStart: '2026-10-01',
      periodEnd: '2026-11-01',
    });
    const now = (await api('GET', `/v1/accounts/${chain.distributor.id}/batches/${chain.batches.distributor.id}`, undefined, chain.distributor.key))
      .body;
    expect(now).toMatchObject({ status: 'published', source: { account: chain.vendor.id, stream: 'usage', batch: chain.batches.vendor.id } });
    const rows = (
      await api(
        'GET',
        `/v1/accounts/${chain.distributor.id}/batches/${chain.batches.distributor.id}/rows?format=json`,
        undefined,
        chain.distributor.key,
      )
    ).body as { items: Record<string, string>[] };
    expect(rows.items.map((r) => [r.customerCode, r.usedBy, r.amount, r.currency])).toEqual([
      ['R', 'E1', '13.2', 'USD'],
      ['R', 'E2', '6.6', 'USD'],
    ]);
    // the reseller never saw the vendor's batch, only the distributor's share
    const resellerInbound = (await api('GET', `/v1/accounts/${chain.reseller.id}/inbound-batches`, undefined, chain.reseller.key)).body as {
      items: { account: string }[];
    };
    expect(resellerInbound.items.map((i) => i.account)).toEqual([chain.distributor.id]);
  });

  test("the reseller's stream marks up again and bills its end customers", async () => {
    expect(chain.batches.reseller).toMatchObject({ status: 'draft', rows: 2, totals: { USD: '24.75' } });
  });

  test('each tier invoices its own customers from its own batch', () => {
    const summary = (list: ChainResult['invoices']['vendor']) => list.map((i) => [i.customer, i.currency, i.subtotal, i.total]);
    expect(summary(chain.invoices.vendor)).toEqual([
      ['D', 'EUR', '15.00', '15.00'],
      ['X', 'EUR', '1.00', '1.21'],
    ]);
    expect(summary(chain.invoices.distributor)).toEqual([['R', 'USD', '19.80', '19.80']]);
    expect(summary(chain.invoices.reseller)).toEqual([
      ['E1', 'USD', '16.50', '16.50'],
      ['E2', 'USD', '8.25', '8.25'],
    ]);
    expect(chain.invoices.reseller[0]!.lines).toEqual([expect.objectContaining({ quantity: '100', amount: '16.50' })]);
  });

  test('a partner cannot read the upstream batch itself (404), and a published batch cannot be published again (409)', async () => {
    const foreign = await api('GET', `/v1/accounts/${chain.vendor.id}/batches/${chain.batches.vendor.id}`, undefined, chain.distributor.key);
    expect(foreign.status).toBe(404);
    const again = await api(
      'POST',
      `/v1/accounts/${chain.distributor.id}/batches/${chain.batches.distributor.id}/publish`,
      {},
      chain.distributor.key,
    );
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'batch_not_draft' } });
  });
});

describe('streams API', () => {
  let acct: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;

  beforeAll(async () => {
    acct = await newAccount();
  });

  test('an invalid stage is refused at save with a 400 naming the stage', async () => {
    const bad = await api(
      'PUT',
      path('/streams/s1'),
      {
        kind: 'billing',
        type: 'simple',
        source: { purchases: true },
        currency: 'EUR',
        stages: [
          { type: 'copy', columns: { a: 'b' } },
          { type: 'formula', column: 'amount', expression: 'amount +' },
        ],
      },
      acct.key,
    );
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/stages\.1/);
    const unknownColumn = await api(
      'PUT',
      path('/streams/s1'),
      {
        kind: 'billing',
        type: 'simple',
        source: { purchases: true },
        currency: 'EUR',
        stages: [
          { type: 'filter', keep: 'quantity > 0' },
          { type: 'split', column: 'nope', pattern: '(.*)-(.*)', into: ['a', 'b'] },
        ],
      },
      acct.key,
    );
    expect(unknownColumn.status).toBe(400);
    expect(JSON.stringify(unknownColumn.body)).toMatch(/stages\.1\.column/);
    const noTable = await api(
      'PUT',
      path('/streams/s1'),
      {
        kind: 'billing',
        type: 'simple',
        source: { upload: true },
        currency: 'EUR',
        stages: [{ type: 'lookup', table: 'missing', key: 'sku', columns: ['name'] }],
      },
      acct.key,
    );
    expect(noTable.status).toBe(400);
    expect(JSON.stringify(noTable.body)).toMatch(/stages\.0\.table/);
    const computedOfSimple = await api(
      'PUT',
      path('/streams/s1'),
      { kind: 'billing', type: 'computed', source: { purchases: true }, currency: 'EUR', stages: [] },
      acct.key,
    );
    expect(computedOfSimple.status).toBe(400);
  });

  test('an uploaded CSV runs through lookup, formula and filter; bad lines and failing rows land in the error file', async () => {
    await api(
      'PUT',
      path('/lookup-tables/skus'),
      {
        key: 'sku',
        rows: [
          { sku: 'A', name: 'Alpha', cost: '2' },
          { sku: 'B', name: 'Beta', cost: '3' },
        ],
      },
      acct.key,
    );
    const saved = await api(
      'PUT',
      path('/streams/prices'),
      {
        kind: 'billing',
        type: 'simple',
        source: { upload: true },
        currency: 'EUR',
        stages: [
          { type: 'lookup', table: 'skus', key: 'sku', columns: ['name', 'cost'] },
          { type: 'formula', column: 'amount', expression: 'round(quantity * cost, 2)' },
          { type: 'filter', keep: 'quantity > 0' },
        ],
      },
      acct.key,
    );
    expect(saved.status).toBe(201);
    const csv = 'sku,quantity,customerCode\nA,3,C1\nB,0,C1\nZ,1,C2\nA,x,C3\nB,2\n';
    expect(await uploadCsv(acct, 'prices', csv)).toBe(200);
    const run = await api('POST', path('/streams/prices/runs'), { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, acct.key);
    expect(run.status).toBe(202);
    const batchId = (run.body as { batch: string }).batch;
    const batch = await eventually(async () => {
      const b = (await api('GET', path(`/batches/${batchId}`), undefined, acct.key)).body as { status: string };
      if (b.status === 'running') throw new Error('still running');
      return b as Record<string, unknown>;
    }, 60_000);
    // A,3 → 6.00; B,0 filtered; Z unknown key → error; A,x not a decimal → error; "B,2" too few fields → error
    expect(batch).toMatchObject({ status: 'draft', rows: 1, errors: 3, filtered: 1, totals: { EUR: '6' } });
    const errors = (await api('GET', path(`/batches/${batchId}/errors`), undefined, acct.key)).body as { items: { reason: string }[] };
    expect(errors.items).toHaveLength(3);
    expect(errors.items.map((e) => e.reason).join(' | ')).toMatch(/Z/);
    const csvOut = await fetch(`${baseUrl()}${path(`/batches/${batchId}/rows?format=csv`)}`, { headers: { authorization: `Bearer ${acct.key}` } });
    expect(csvOut.headers.get('content-type')).toMatch(/text\/csv/);
    const text = await csvOut.text();
    expect(text.split('\n')[0]).toBe('sku:string,quantity:decimal,customerCode:string,name:string,cost:string,amount:decimal');
    expect(text.split('\n')[1]).toBe('A,3,C1,Alpha,2,6');
  });

  test("a purchase stream's rows are the period's purchases as the invoice would count them: a spanning purchase by its share of days", async () => {
    await api('PUT', path('/customer-clusters/all'), { name: 'All' }, acct.key);
    await api('PUT', path('/customers/C1'), { name: 'One', cluster: 'all', currency: 'EUR' }, acct.key);
    await api('PUT', path('/product-clusters/vm'), { name: 'Virtual machines', aliases: ['vm-small'] }, acct.key);
    await api(
      'PUT',
      path('/price-rules/vm'),
      { productCluster: 'vm', currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice: '1' } },
      acct.key,
    );
    await api(
      'POST',
      path('/purchases'),
      {
        purchases: [
          { reference: 'span-1', productLabel: 'vm-small', customerCode: 'C1', quantity: '30', purchaseDate: '2026-10-17', endDate: '2026-11-16' },
          { reference: 'nov-1', productLabel: 'vm-small', customerCode: 'C1', quantity: '5', purchaseDate: '2026-11-02' },
          { reference: 'lost-1', productLabel: 'vm-small', customerCode: 'NOBODY', quantity: '5', purchaseDate: '2026-10-02' },
        ],
      },
      acct.key,
    );
    await eventually(async () =>
      expect(((await api('GET', path('/purchases?status=rated'), undefined, acct.key)).body as { items: unknown[] }).items).toHaveLength(2),
    );
    await api('PUT', path('/streams/vms'), { kind: 'billing', type: 'simple', source: { purchases: true }, currency: 'EUR', stages: [] }, acct.key);
    const { batch } = (await api('POST', path('/streams/vms/runs'), { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, acct.key)).body as {
      batch: string;
    };
    await eventually(async () =>
      expect((await api('GET', path(`/batches/${batch}`), undefined, acct.key)).body).toMatchObject({
        status: 'draft',
        rows: 1,
        totals: { EUR: '15' },
      }),
    );
    const rows = ((await api('GET', path(`/batches/${batch}/rows`), undefined, acct.key)).body as { items: Record<string, string>[] }).items;
    // 15 of its 30 days fall in October; the unmapped purchase and November's are not rows of October
    expect(rows.map((r) => [r.reference, r.quantity, r.amount, r.unitPrice])).toEqual([['span-1', '15', '15', '1']]);
  });

  test("split, the shipped EU VAT table, aggregate and formula over an upload; an unknown country is that row's error", async () => {
    const stages = [
      { type: 'split', column: 'sku', pattern: '(.*)-(.*)', into: ['family', 'size'] },
      { type: 'vat', country: 'country', into: 'vatRate' },
      { type: 'aggregate', groupBy: ['customerCode', 'family', 'vatRate'], sum: ['quantity', 'amount'] },
      { type: 'formula', column: 'gross', expression: 'round(amount * (100 + vatRate) / 100, 2)' },
    ];
    expect(
      (await api('PUT', path('/streams/vat'), { kind: 'billing', type: 'simple', source: { upload: true }, currency: 'EUR', stages }, acct.key))
        .status,
    ).toBe(201);
    const csv =
      'sku,quantity,customerCode,country,amount,currency\nVM-small,2,C1,NL,10,EUR\nVM-large,1,C1,NL,30,EUR\nDB-small,3,C2,DE,9,EUR\nVM-small,1,C3,XX,5,EUR\n';
    expect(await uploadCsv(acct, 'vat', csv)).toBe(200);
    const { batch } = (await api('POST', path('/streams/vat/runs'), { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, acct.key)).body as {
      batch: string;
    };
    await eventually(
      async () =>
        expect((await api('GET', path(`/batches/${batch}`), undefined, acct.key)).body).toMatchObject({
          status: 'draft',
          rows: 2,
          errors: 1,
          totals: { EUR: '49' },
        }),
      60_000,
    );
    const rows = ((await api('GET', path(`/batches/${batch}/rows`), undefined, acct.key)).body as { items: Record<string, string>[] }).items;
    expect(rows.map((r) => [r.customerCode, r.family, r.vatRate, r.quantity, r.amount, r.gross])).toEqual([
      ['C1', 'VM', '21', '3', '40', '48.4'],
      ['C2', 'DB', '19', '3', '9', '10.71'],
    ]);
    const errors = (
      (await api('GET', path(`/batches/${batch}/errors`), undefined, acct.key)).body as { items: { stage: number; type: string; reason: string }[] }
    ).items;
    expect(errors).toEqual([expect.objectContaining({ stage: 1, type: 'vat', reason: expect.stringMatching(/no standard VAT rate/) })]);
  });

  test('runs need their input: 409 without an upload, 404 for an unknown stream, 400 for a bad period', async () => {
    await api('PUT', path('/streams/empty'), { kind: 'billing', type: 'simple', source: { upload: true }, currency: 'EUR', stages: [] }, acct.key);
    expect((await api('POST', path('/streams/empty/runs'), { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, acct.key)).status).toBe(409);
    expect((await api('POST', path('/streams/nope/runs'), { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, acct.key)).status).toBe(404);
    const bad = await api('POST', path('/streams/empty/runs'), { periodStart: '2026-11-01', periodEnd: '2026-10-01' }, acct.key);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/periodEnd/);
  });
});

describe('pricing streams: a price list flows down the chain and becomes price rules', () => {
  test("the vendor's published price list reaches the distributor, is marked up by its computed stream and applied as its price rules", async () => {
    const { vendor, distributor, v, d } = await vendorAndDistributor();
    await api('PUT', v('/customers/OTHER'), { name: 'Another partner-less customer', cluster: 'all', currency: 'EUR' }, vendor.key);
    expect(
      (
        await api(
          'PUT',
          v('/streams/pricelist'),
          { kind: 'pricing', type: 'simple', source: { upload: true }, currency: 'EUR', stages: [] },
          vendor.key,
        )
      ).status,
    ).toBe(201);
    const csv = 'customerCode,productCluster,unitPrice\nD,voice,0.10\nD,data,2.50\nOTHER,voice,0.09\n';
    expect(await uploadCsv(vendor, 'pricelist', csv)).toBe(200);

    await api('PUT', d('/product-clusters/voice'), { name: 'Voice', aliases: ['voice-min'] }, distributor.key);
    await api('PUT', d('/product-clusters/data'), { name: 'Data', aliases: ['data-gb'] }, distributor.key);
    const computed = {
      kind: 'pricing',
      type: 'computed',
      source: { account: vendor.id, stream: 'pricelist' },
      currency: 'EUR',
      stages: [{ type: 'formula', column: 'unitPrice', expression: 'markup(unitPrice, 20)' }],
    };
    expect((await api('PUT', d('/streams/prices'), computed, distributor.key)).status).toBe(201);

    const run = (await api('POST', v('/streams/pricelist/runs'), { periodStart: '2026-12-01', periodEnd: '2027-01-01' }, vendor.key)).body as {
      batch: string;
    };
    await eventually(async () =>
      expect((await api('GET', v(`/batches/${run.batch}`), undefined, vendor.key)).body).toMatchObject({ status: 'draft', rows: 3 }),
    );
    // nothing reaches the distributor before publishing
    expect(((await api('GET', d('/inbound-batches'), undefined, distributor.key)).body as { items: unknown[] }).items).toEqual([]);
    expect((await api('POST', v(`/batches/${run.batch}/publish`), {}, vendor.key)).status).toBe(200);

    const batch = await eventually(async () => {
      const list = (await api('GET', d('/streams/prices/batches'), undefined, distributor.key)).body as {
        items: { id: string; status: string; rows: number; periodStart: string }[];
      };
      expect(list.items[0]).toMatchObject({ status: 'draft', rows: 2, periodStart: '2026-12-01' });
      return list.items[0]!;
    }, 60_000);
    const applied = await api('POST', d(`/batches/${batch.id}/apply`), {}, distributor.key);
    expect(applied.status).toBe(200);
    expect(applied.body).toEqual({
      batch: batch.id,
      rules: [
        { id: 'prices-voice', created: true },
        { id: 'prices-data', created: true },
      ],
    });
    const rule = (await api('GET', d('/price-rules/prices-voice'), undefined, distributor.key)).body;
    expect(rule).toMatchObject({ productCluster: 'voice', currency: 'EUR', validFrom: '2026-12-01', model: { type: 'standard', unitPrice: '0.12' } });
    // the vendor's own list prices voice twice (for D and for OTHER): refused naming the rows, nothing saved
    const refused = await api('POST', v(`/batches/${run.batch}/apply`), {}, vendor.key);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/rows\.2: price rule 'pricelist-voice' is also made by row 0/);
    expect(((await api('GET', v('/price-rules'), undefined, vendor.key)).body as { items: unknown[] }).items).toEqual([]);
  });
});

describe('pricing streams: a shared price list applied as received', () => {
  test("POST /inbound-batches/{id}/apply turns the shared rows into the receiving account's price rules", async () => {
    const { vendor, distributor, v, d } = await vendorAndDistributor();
    await api('PUT', v('/streams/list'), { kind: 'pricing', type: 'simple', source: { upload: true }, currency: 'EUR', stages: [] }, vendor.key);
    expect(await uploadCsv(vendor, 'list', 'customerCode,productCluster,unitPrice\nD,voice,0.10\n')).toBe(200);
    const { batch } = (await api('POST', v('/streams/list/runs'), { periodStart: '2027-01-01', periodEnd: '2027-02-01' }, vendor.key)).body as {
      batch: string;
    };
    await eventually(async () => expect((await api('GET', v(`/batches/${batch}`), undefined, vendor.key)).body).toMatchObject({ status: 'draft' }));
    await api('POST', v(`/batches/${batch}/publish`), {}, vendor.key);
    const inbound = await eventually(async () => {
      const items = (
        (await api('GET', d('/inbound-batches'), undefined, distributor.key)).body as { items: { id: string; kind: string; currency: string }[] }
      ).items;
      expect(items).toHaveLength(1);
      return items[0]!;
    });
    expect(inbound).toMatchObject({ kind: 'pricing', currency: 'EUR' });

    // the product cluster must exist here: refused naming the row and field, then accepted
    const refused = await api('POST', d(`/inbound-batches/${inbound.id}/apply`), {}, distributor.key);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/rows\.0\.productCluster/);
    await api('PUT', d('/product-clusters/voice'), { name: 'Voice', aliases: ['voice-min'] }, distributor.key);
    const applied = await api('POST', d(`/inbound-batches/${inbound.id}/apply`), {}, distributor.key);
    expect(applied.body).toEqual({ batch: inbound.id, rules: [{ id: 'list-voice', created: true }] });
    expect((await api('GET', d('/price-rules/list-voice'), undefined, distributor.key)).body).toMatchObject({
      validFrom: '2027-01-01',
      currency: 'EUR',
      model: { type: 'standard', unitPrice: '0.1' },
    });
    // applying again replaces the same rules
    expect((await api('POST', d(`/inbound-batches/${inbound.id}/apply`), {}, distributor.key)).body).toEqual({
      batch: inbound.id,
      rules: [{ id: 'list-voice', created: false }],
    });
  });
});

describe('sharing keeps partners apart', () => {
  test("each partner receives exactly its own customers' rows of a published batch, nothing before publishing", async () => {
    const vendor = await newAccount();
    const [p1, p2] = [await newAccount({ roles: ['distributor'] }), await newAccount({ roles: ['distributor'] })];
    const v = (p: string) => `/v1/accounts/${vendor.id}${p}`;
    await api('PUT', v('/customer-clusters/all'), { name: 'All' }, vendor.key);
    await api('PUT', v('/customers/P1'), { name: 'Partner one', cluster: 'all', currency: 'EUR', partnerAccount: p1!.id }, vendor.key);
    await api('PUT', v('/customers/P2'), { name: 'Partner two', cluster: 'all', currency: 'EUR', partnerAccount: p2!.id }, vendor.key);
    await api('PUT', v('/streams/lines'), { kind: 'billing', type: 'simple', source: { upload: true }, currency: 'EUR', stages: [] }, vendor.key);
    const csv = 'reference,customerCode,quantity,amount,currency\nr1,P1,1,10,EUR\nr2,P2,2,20,EUR\nr3,P1,3,30,EUR\nr4,DIRECT,4,40,EUR\n';
    expect(await uploadCsv(vendor, 'lines', csv)).toBe(200);
    const { batch } = (await api('POST', v('/streams/lines/runs'), { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, vendor.key)).body as {
      batch: string;
    };
    await eventually(async () =>
      expect((await api('GET', v(`/batches/${batch}`), undefined, vendor.key)).body).toMatchObject({
        status: 'draft',
        rows: 4,
        totals: { EUR: '100' },
      }),
    );
    const inboundOf = async (acct: Account) =>
      (
        (await api('GET', `/v1/accounts/${acct.id}/inbound-batches`, undefined, acct.key)).body as {
          items: { id: string; rows: number; totals: Record<string, string> }[];
        }
      ).items;
    expect(await inboundOf(p1!)).toEqual([]);

    expect((await api('POST', v(`/batches/${batch}/publish`), {}, vendor.key)).status).toBe(200);
    const [in1] = await eventually(async () => {
      const items = await inboundOf(p1!);
      expect(items).toHaveLength(1);
      return items;
    });
    const [in2] = await eventually(async () => {
      const items = await inboundOf(p2!);
      expect(items).toHaveLength(1);
      return items;
    });
    expect(in1).toMatchObject({ rows: 2, totals: { EUR: '40' } });
    expect(in2).toMatchObject({ rows: 1, totals: { EUR: '20' } });
    const rowsOf = async (acct: Account, id: string) =>
      (
        (await api('GET', `/v1/accounts/${acct.id}/inbound-batches/${id}/rows`, undefined, acct.key)).body as { items: { reference: string }[] }
      ).items.map((r) => r.reference);
    expect(await rowsOf(p1!, in1!.id)).toEqual(['r1', 'r3']);
    expect(await rowsOf(p2!, in2!.id)).toEqual(['r2']);
    // one partner cannot read the other's inbound rows
    expect((await api('GET', `/v1/accounts/${p1!.id}/inbound-batches/${in1!.id}/rows`, undefined, p2!.key)).status).toBe(404);
  });
});
