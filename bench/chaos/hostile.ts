/**
 * Scenario e: a curious tenant. Two accounts build the same small world, each with a secret marker in
 * its data. The attacker then uses ids with `..`, `%2F`, `/`, backslashes, unicode look-alikes, NUL and
 * `#` on every route that stores something, reads with the victim's real ids, and sends edited, forged,
 * foreign and cross-collection list cursors. The victim's data must be neither read (its marker never
 * appears in an answer to the attacker) nor changed, a bad cursor is a 400, and nothing is ever a 5xx.
 */
import { randomBytes } from 'node:crypto';
import { mapLimit, must, sleep, submitPurchases } from './http';
import { runScenario, type ChaosContext, type Recorder } from './scenario';
import type { ScenarioResult } from './result';
import { accountId, enc, LABEL, newTenant, readPurchases, settle, waitCycle, type Tenant } from './world';
import type { Client, Reply } from './http';
import type { BatchView, IngestAnswer, Page, RunStarted, WireInvoice } from './wire';

export function hostileScenario(ctx: ChaosContext): Promise<ScenarioResult> {
  return runScenario(
    ctx,
    'hostile',
    'Hostile ids and cursors across two accounts',
    'Accounts A (attacker) and B (victim) each hold customers, clusters, rules, lookup tables, exchange rates, an uploaded stream with two batches, purchases and two billed periods, ' +
      "B's tagged with a secret marker. A stores and reads through hostile ids on every storing route, runs a stream whose id points at B's upload, uploads through it, reads B's invoice, batch and cycle by their ids, " +
      "and sends edited, forged (its own cursor re-pointed at B), foreign (B's) and cross-collection cursors to every list route.",
    (rec) => run(ctx, rec),
  );
}

interface World {
  readonly t: Tenant;
  readonly marker: string;
  readonly batch: string;
  readonly invoice: string;
  readonly cycle: string;
}

const UPLOAD = (marker: string) => `customerCode,quantity,note\nC0,1,${marker}\nC1,2,${marker}\nC2\nC3\n`;

async function buildWorld(client: Client, t: Tenant, marker: string): Promise<World> {
  const put = (path: string, body: unknown) => must(client.request('PUT', `${t.base}${path}`, body, t.key), `PUT ${path}`);
  await put('/customer-clusters/all', { name: `All ${marker}` });
  await put('/customer-clusters/other', { name: `Other ${marker}`, parent: 'all' });
  await put('/customers/C0', { name: `Zero ${marker}`, cluster: 'all', currency: 'EUR' });
  await put('/customers/C1', { name: `One ${marker}`, cluster: 'all', currency: 'EUR' });
  await put('/product-clusters/voice', { name: `Voice ${marker}`, aliases: [LABEL] });
  await put('/product-clusters/other', { name: `Other ${marker}`, aliases: ['other-label'] });
  await put('/price-rules/voice', {
    productCluster: 'voice',
    currency: 'EUR',
    validFrom: '2026-01-01',
    model: { type: 'standard', unitPrice: '0.5' },
  });
  await put('/price-rules/other', { productCluster: 'other', currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice: '1' } });
  await put('/routing-rules/r1', { customerCluster: 'other', productCluster: 'voice', targetCustomer: 'C0' });
  await put('/routing-rules/r2', { customerCluster: 'other', productCluster: 'other', targetCustomer: 'C1' });
  await put('/lookup-tables/secret', { key: 'sku', rows: [{ sku: 'A', name: marker }] });
  await put('/lookup-tables/second', { key: 'sku', rows: [{ sku: 'B', name: marker }] });
  await put('/exchange-rates/EUR-USD', { rate: '1.10', validFrom: '2026-01-01' });
  await put('/exchange-rates/EUR-GBP', { rate: '0.85', validFrom: '2026-01-01' });
  // pricing streams: a billing stream would make the account's cycles bill its batches instead of the purchases
  const stream = { kind: 'pricing', type: 'simple', source: { upload: true }, currency: 'EUR', stages: [] };
  await put('/streams/secret', stream);
  await put('/streams/second', stream);
  await must(client.request('PUT', `${t.base}/streams/secret/upload`, UPLOAD(marker), t.key, 'text/csv'), 'upload');
  const batches: string[] = [];
  for (let i = 0; i < 2; i++) {
    const { batch } = await must<RunStarted>(
      client.request('POST', `${t.base}/streams/secret/runs`, { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, t.key),
      'run',
    );
    batches.push(batch);
    await finished(client, t, batch);
  }
  const purchases = ['2026-09-10', '2026-09-11', '2026-10-10', '2026-10-11'].map((date, i) => ({
    reference: `p-${i}`,
    productLabel: LABEL,
    customerCode: `C${i % 2}`,
    quantity: '2',
    purchaseDate: date,
    metadata: { note: marker },
  }));
  await must(submitPurchases(client, `${t.base}/purchases`, purchases, t.key), 'purchases');
  await settle(
    client,
    t,
    purchases.map((p) => p.reference),
    60_000,
  );
  let cycle = '';
  for (const period of [
    { periodStart: '2026-09-01', periodEnd: '2026-10-01' },
    { periodStart: '2026-10-01', periodEnd: '2026-11-01' },
  ]) {
    cycle = (await must<{ id: string }>(client.request('POST', `${t.base}/billing-cycles`, period, t.key), 'cycle')).id;
    await waitCycle(client, t, cycle, 90_000);
  }
  const invoices = await must<Page<WireInvoice>>(client.request('GET', `${t.base}/invoices?periodStart=2026-10-01`, undefined, t.key), 'invoices');
  return { t, marker, batch: batches[0]!, invoice: invoices.items[0]?.id ?? 'none', cycle };
}

/** Waits until the batch is no longer `running` (or unreadable, or `timeoutMs` passed); answers its last body. */
async function finished(client: Client, t: Tenant, batch: string, timeoutMs = 60_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.request('GET', `${t.base}/batches/${enc(batch)}`, undefined, t.key);
    if (r.status !== 200 || (r.body as BatchView).status !== 'running' || Date.now() > deadline) return r.body;
    await sleep(250);
  }
}

/** Ids that try to leave the account's part of a key (decoded values; each is sent percent-encoded). */
function hostileIds(victim: string): string[] {
  return [
    `../${victim}/secret`,
    `..\\${victim}\\secret`,
    `..%2F${victim}%2Fsecret`, // literal %2F: double-encoded on the wire, for a layer that decodes twice
    '..',
    '.',
    `secret/../../${victim}/secret`,
    `/${victim}/secret`,
    `\uFF0E\uFF0E\uFF0F${victim}\uFF0Fsecret`, // fullwidth ．．／ (NFKC folds it to ../)
    `ünïcødé-☃-名前`,
    'secret\u0000',
    `secret#${victim}`,
    'x'.repeat(1100),
  ];
}

async function run(ctx: ChaosContext, rec: Recorder) {
  const { client } = ctx;
  const a = await newTenant(client, ctx.adminKey, accountId('hx-a'));
  const b = await newTenant(client, ctx.adminKey, accountId('hx-b'));
  const A = await buildWorld(client, a, `MARK-A-${randomBytes(6).toString('hex')}`);
  const B = await buildWorld(client, b, `SECRET-B-${randomBytes(6).toString('hex')}`);

  const leaks: string[] = [];
  let attempts = 0;
  const statuses = new Map<string, number>();
  /** A request of the attacker: counted, and its answer searched for B's marker. */
  const attack = async (method: string, path: string, body?: unknown, contentType?: string): Promise<Reply> => {
    attempts++;
    const r = await client.request(method, path, body, a.key, contentType);
    statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
    if (r.text.includes(B.marker)) leaks.push(`${method} ${path.slice(0, 100)} → ${r.status}`);
    return r;
  };

  const snapshot = () => victimSnapshot(client, B);
  const before = await snapshot();

  // Storing routes, each hostile id.
  const ids = hostileIds(b.id);
  await mapLimit(ids, 1, async (_, i) => {
    await must(
      client.request('PUT', `${a.base}/product-clusters/hx-pc-${i}`, { name: `hx ${i}`, aliases: [`hx-label-${i}`] }, a.key),
      'product cluster',
    );
  });
  const stored: { route: string; id: string }[] = [];
  const roundTripBroken: string[] = [];
  for (const [i, id] of ids.entries()) {
    const e = enc(id);
    const writes: [string, string, unknown, string?][] = [
      ['customer-clusters', `/customer-clusters/${e}`, { name: A.marker }],
      ['customers', `/customers/${e}`, { name: A.marker, cluster: 'all', currency: 'EUR' }],
      ['product-clusters', `/product-clusters/${e}`, { name: A.marker, aliases: [`hx-alias-${i}`] }],
      [
        'price-rules',
        `/price-rules/${e}`,
        { productCluster: `hx-pc-${i}`, currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice: '9' } },
      ],
      ['routing-rules', `/routing-rules/${e}`, { customerCluster: 'all', productCluster: `hx-pc-${i}`, targetCustomer: 'C0' }],
      ['lookup-tables', `/lookup-tables/${e}`, { key: 'sku', rows: [{ sku: 'A', name: A.marker }] }],
      ['exchange-rates', `/exchange-rates/${e}`, { rate: '9.99', validFrom: '2026-01-01' }],
      ['streams', `/streams/${e}`, { kind: 'pricing', type: 'simple', source: { upload: true }, currency: 'EUR', stages: [] }],
    ];
    for (const [route, path, body] of writes) {
      const w = await attack('PUT', `${a.base}${path}`, body);
      if (w.status !== 200 && w.status !== 201) continue;
      stored.push({ route, id });
      const back = await attack('GET', `${a.base}${path}`);
      const named = back.body as { id?: string; code?: string; pair?: string } | null;
      const ownId = named?.id ?? named?.code ?? named?.pair ?? null;
      if (back.status !== 200 || (ownId !== null && ownId !== id && route !== 'exchange-rates'))
        roundTripBroken.push(
          `${route} ${JSON.stringify(id).slice(0, 40)} → ${back.status} ${ownId === null ? '' : JSON.stringify(ownId).slice(0, 40)}`,
        );
      if (route === 'streams') {
        // A run before any upload of A's: it must not find B's file.
        const runReply = await attack('POST', `${a.base}/streams/${e}/runs`, { periodStart: '2026-10-01', periodEnd: '2026-11-01' });
        if (runReply.status === 202) {
          const { batch } = runReply.body as RunStarted;
          await finished(client, a, batch);
          await attack('GET', `${a.base}/batches/${enc(batch)}/rows`);
        }
        await attack('PUT', `${a.base}/streams/${e}/upload`, UPLOAD(A.marker), 'text/csv');
      }
    }
    const purchase = await attack('POST', `${a.base}/purchases`, {
      purchases: [{ reference: id, productLabel: LABEL, customerCode: 'C0', quantity: '1', purchaseDate: '2026-10-12' }],
    });
    if (purchase.status === 202 && (purchase.body as Partial<IngestAnswer>).accepted?.length) {
      await settle(client, a, [id], 30_000);
      const back = await readPurchases(client, a, [id]);
      if (!back.stored.has(id)) roundTripBroken.push(`purchases ${JSON.stringify(id).slice(0, 40)} → not found`);
      stored.push({ route: 'purchases', id });
    }
    for (const path of [
      `/customers/${e}/usage?periodStart=2026-10-01&periodEnd=2026-11-01`,
      `/invoices/${e}`,
      `/invoices/${e}/document?format=csv`,
      `/billing-cycles/${e}`,
      `/batches/${e}`,
      `/batches/${e}/rows`,
      `/exports/${e}`,
      `/inbound-batches/${e}/rows`,
    ]) {
      await attack('GET', `${a.base}${path}`);
    }
  }

  // The victim's real ids, read with the attacker's key on its own account, and through path tricks.
  const direct = [
    `${a.base}/invoices/${enc(B.invoice)}`,
    `${a.base}/invoices/${enc(B.invoice)}/document?format=csv`,
    `${a.base}/batches/${enc(B.batch)}`,
    `${a.base}/batches/${enc(B.batch)}/rows`,
    `${a.base}/batches/${enc(`../${b.id}/${B.batch}`)}/rows`,
    `${a.base}/billing-cycles/${enc(B.cycle)}`,
    `${a.base}/streams/../../${b.id}/streams/secret`,
    `${a.base}/lookup-tables/../../${b.id}/lookup-tables/secret`,
    `${a.base}/lookup-tables/${enc(`../../${b.id}/secret`)}`,
    `${b.base}/streams/secret`,
    `${b.base}/lookup-tables/secret`,
    `${b.base}/purchases/p-0`,
    `/v1/accounts/${enc(`${a.id}/../${b.id}`)}/customers/C0`,
  ];
  for (const path of direct) await attack('GET', path);
  const wrongAccount = await attack('PUT', `${b.base}/customers/C0`, { name: A.marker, cluster: 'all', currency: 'EUR' });

  const after = await snapshot();
  const overwritten = [...before.keys()].filter((k) => before.get(k) !== after.get(k));
  const aMarkerInB = [...after.values()].filter((v) => v.includes(A.marker)).length;

  rec.tally.faults += attempts;
  rec.figure(
    'hostile requests',
    `${attempts} (${ids.length} hostile ids × 8 storing routes, purchases and 8 reads; ${direct.length + 1} reads/writes by the victim's real ids)`,
  );
  rec.figure(
    'statuses',
    [...statuses]
      .sort()
      .map(([s, n]) => `${n} × ${s}`)
      .join(', '),
  );
  rec.figure('hostile ids stored (2xx)', `${stored.length}; round trip broken: ${roundTripBroken.length}`);
  rec.figure("answers to A containing B's marker", leaks.length);
  rec.figure("B's objects changed / holding A's marker", `${overwritten.length} / ${aMarkerInB}`);
  rec.expect(
    "no tenant reads another tenant's data",
    leaks.length === 0,
    leaks.length ? `${leaks.length} leaks, e.g. ${leaks.slice(0, 3).join('; ')}` : '0 leaks',
  );
  rec.expect(
    "no tenant changes another tenant's data",
    overwritten.length === 0 && aMarkerInB === 0 && wrongAccount.status >= 400,
    overwritten.length ? `changed: ${overwritten.join(', ')}` : `unchanged (PUT on B's path with A's key: ${wrongAccount.status})`,
  );
  rec.expect(
    'an id that is stored reads back under that same id',
    roundTripBroken.length === 0,
    roundTripBroken.length ? roundTripBroken.slice(0, 4).join('; ') : 'all',
  );

  await cursors(ctx, rec, A, B);
}

/** B's data as B reads it: the objects the attacker aims at, and the rows of a fresh run of B's uploaded stream. */
async function victimSnapshot(client: Client, B: World): Promise<Map<string, string>> {
  const t = B.t;
  const out = new Map<string, string>();
  for (const path of [
    '/customer-clusters/all',
    '/customers/C0',
    '/product-clusters/voice',
    '/price-rules/voice',
    '/routing-rules/r1',
    '/lookup-tables/secret',
    '/streams/secret',
    '/exchange-rates/EUR-USD',
    '/purchases/p-0',
  ]) {
    const r = await client.request('GET', `${t.base}${path}`, undefined, t.key);
    out.set(path, `${r.status} ${r.text}`);
  }
  const { batch } = await must<RunStarted>(
    client.request('POST', `${t.base}/streams/secret/runs`, { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, t.key),
    'run',
  );
  await finished(client, t, batch);
  const rows = await client.request('GET', `${t.base}/batches/${enc(batch)}/rows?format=csv`, undefined, t.key);
  out.set('stream secret: rows of a run', `${rows.status} ${rows.text}`);
  return out;
}

/** The list routes, each with a cursor from page one (`limit=1`). */
function listRoutes(w: World): string[] {
  return [
    '/customer-clusters',
    '/customers',
    '/product-clusters',
    '/price-rules',
    '/routing-rules',
    '/lookup-tables',
    '/exchange-rates',
    '/streams',
    '/streams/secret/batches',
    `/batches/${enc(w.batch)}/rows`,
    `/batches/${enc(w.batch)}/errors`,
    '/purchases',
    '/invoices',
    '/billing-cycles',
  ];
}

/** The cursor with its account id replaced by another's, if it is readable JSON (whole, or before a `.`). */
export function forgeCursor(cursor: string, from: string, to: string): string | null {
  const [payload, ...rest] = cursor.split('.');
  for (const encoding of ['base64url', 'base64'] as const) {
    try {
      const text = Buffer.from(payload!, encoding).toString('utf8');
      JSON.parse(text);
      if (!text.includes(from)) return null;
      const forged = Buffer.from(text.split(from).join(to)).toString(encoding);
      return [forged, ...rest].join('.');
    } catch {
      // not this encoding
    }
  }
  return null;
}

/** One character in the middle changed to another of the same alphabet. */
export function editCursor(cursor: string): string {
  const i = Math.floor(cursor.length / 2);
  const c = cursor[i]!;
  const swap = c === 'A' ? 'B' : 'A';
  return `${cursor.slice(0, i)}${swap}${cursor.slice(i + 1)}`;
}

async function cursors(ctx: ChaosContext, rec: Recorder, A: World, B: World) {
  const { client } = ctx;
  const firstCursor = async (w: World, route: string) => {
    const sep = route.includes('?') ? '&' : '?';
    const r = await client.request('GET', `${w.t.base}${route}${sep}limit=1`, undefined, w.t.key);
    return r.status === 200 ? ((r.body as Partial<Page<unknown>> | null)?.next ?? null) : null;
  };
  const routes = listRoutes(A);
  const own = new Map<string, string | null>();
  for (const route of routes) own.set(route, await firstCursor(A, route));
  const results: { kind: string; route: string; status: number; leaked: boolean }[] = [];
  const noCursor: string[] = [];
  for (const [i, route] of routes.entries()) {
    const mine = own.get(route) ?? null;
    const theirs = await firstCursor(B, listRoutes(B)[i]!);
    const other = own.get(routes[(i + 1) % routes.length]!) ?? own.get(routes[(i + 2) % routes.length]!) ?? null;
    if (!mine) noCursor.push(route);
    const tries: [string, string | null][] = [
      ['foreign', theirs],
      ['forged', mine && forgeCursor(mine, A.t.id, B.t.id)],
      ['edited', mine && editCursor(mine)],
      ['truncated', mine?.slice(0, Math.max(1, Math.floor(mine.length / 2))) ?? null],
      ['other collection', other],
      ['garbage', 'not-a-cursor!'],
    ];
    for (const [kind, cursor] of tries) {
      if (!cursor) continue;
      const sep = route.includes('?') ? '&' : '?';
      const r = await client.request('GET', `${A.t.base}${route}${sep}limit=1&cursor=${enc(cursor)}`, undefined, A.t.key);
      results.push({ kind, route, status: r.status, leaked: r.text.includes(B.marker) });
    }
  }
  rec.tally.faults += results.length;
  const by = (pred: (r: (typeof results)[number]) => boolean) => results.filter(pred).length;
  const wrong = results.filter((r) => r.status !== 400);
  rec.figure(
    'bad cursors sent',
    `${results.length} over ${routes.length} list routes (${noCursor.length ? `no second page on ${noCursor.join(', ')}` : 'every route paged'})`,
  );
  rec.figure(
    'bad cursors: 400 / 2xx / 5xx / other',
    `${by((r) => r.status === 400)} / ${by((r) => r.status >= 200 && r.status < 300)} / ${by((r) => r.status >= 500)} / ${by((r) => r.status !== 400 && (r.status < 200 || (r.status >= 300 && r.status < 500)))}`,
  );
  rec.expect(
    'an edited, forged, foreign or cross-collection cursor is a 400',
    wrong.length === 0,
    wrong.length
      ? `${wrong.length} not 400, e.g. ${wrong
          .slice(0, 4)
          .map((r) => `${r.kind} on ${r.route} → ${r.status}`)
          .join('; ')}`
      : `${results.length} of ${results.length}`,
  );
  rec.expect("a cursor never reveals another tenant's data", by((r) => r.leaked) === 0, `${by((r) => r.leaked)} leaks`);
}
