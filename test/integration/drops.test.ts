import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, dataDir, eventually, newAccount, type Account } from './harness';

type DropResult = {
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: { line: number; reference: string | null; errors: string[] }[];
  error?: string;
};

describe('S3 drops through the local drops folder', () => {
  let acct: Account;
  const folder = () => join(dataDir(), 'drops', acct.id);
  const drop = (name: string, content: string) => {
    mkdirSync(folder(), { recursive: true });
    writeFileSync(join(folder(), name), content);
  };
  const result = (name: string) =>
    eventually(async () => JSON.parse(readFileSync(join(folder(), 'results', `${name}.json`), 'utf8')) as DropResult, 60_000);

  beforeAll(async () => {
    acct = await newAccount();
    const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
    await api('PUT', path('/customer-clusters/all'), { name: 'All' }, acct.key);
    await api('PUT', path('/customers/C1'), { name: 'One', cluster: 'all', currency: 'EUR' }, acct.key);
    await api('PUT', path('/product-clusters/voice'), { name: 'Voice', aliases: ['voice-min'] }, acct.key);
  });

  test('a CSV drop: good lines are ingested, bad lines reported by line with the field named', async () => {
    drop(
      'october.csv',
      [
        'reference,productLabel,customerCode,quantity,purchaseDate,endDate,meta.msisdn',
        'd-1,voice-min,C1,10,2026-10-01,,31611111111',
        'd-2,voice-min,C1,ten,2026-10-02,,31622222222',
        'd-3,voice-min,C1,5,2026-10-03,2026-10-01,31633333333',
        'd-4,voice-min,C1,"7.5",2026-10-04T08:00:00Z,,31644444444',
        'd-1,voice-min,C1,10,2026-10-01,,31611111111',
      ].join('\n'),
    );
    const res = await result('october');
    expect(res).toMatchObject({ rows: 5, accepted: 2, duplicates: 1 });
    expect(res.rejected.map((r) => [r.line, r.reference, r.errors])).toEqual([
      [3, 'd-2', ['quantity: not a decimal']],
      [4, 'd-3', ['endDate: must not be before purchaseDate']],
    ]);
    await eventually(async () => {
      const p = (await api('GET', `/v1/accounts/${acct.id}/purchases/d-4`, undefined, acct.key)).body as {
        status: string;
        quantity: string;
        metadata: Record<string, string>;
      };
      expect(p).toMatchObject({ status: 'not-invoiced', quantity: '7.5', metadata: { msisdn: '31644444444' } });
    });
  });

  test('a JSON Lines drop, with a line that is not JSON', async () => {
    drop(
      'usage.jsonl',
      [
        JSON.stringify({ reference: 'j-1', productLabel: 'voice-min', customerCode: 'C1', quantity: 3, purchaseDate: '2026-10-09' }),
        '{not json',
        '',
        JSON.stringify({ reference: 'j-2', productLabel: 'voice-min', customerCode: 'NOBODY', quantity: '1', purchaseDate: '2026-10-09' }),
      ].join('\n'),
    );
    const res = await result('usage');
    expect(res).toMatchObject({ rows: 3, accepted: 2, duplicates: 0 });
    expect(res.rejected).toEqual([expect.objectContaining({ line: 2, errors: ['line: not valid JSON'] })]);
    await eventually(async () => {
      const p = (await api('GET', `/v1/accounts/${acct.id}/purchases/j-2`, undefined, acct.key)).body as { status: string; reason: string };
      expect(p).toMatchObject({ status: 'unmapped', reason: 'unknown-customer' });
    });
  });

  test('a CSV with an unknown column is refused as a whole, with the reason', async () => {
    drop('bad-header.csv', 'reference,product,customerCode,quantity,purchaseDate\nx,voice-min,C1,1,2026-10-01\n');
    const res = await result('bad-header');
    expect(res.accepted).toBe(0);
    expect(res.error).toContain("unknown column 'product'");
    expect(res.error).toContain("missing column 'productLabel'");
  });
});
