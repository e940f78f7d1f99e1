import { customerSchema, MAX_PARENT_CHAIN, parentChain } from '../../shared/catalog/domain/catalog';
import { checkLinks, checkLine, type ImportLine, parseCustomerDropKey, parseImport } from '../../shared/catalog/domain/customer-import';
import { accountProfileSchema } from '../../shared/catalog/domain/profile';
import { CatalogService } from '../../shared/catalog/use-cases/catalog';
import { CustomerImports } from '../../shared/catalog/use-cases/customer-import';
import type { ReevaluationWork } from '../../shared/ingest/ports';
import { ConflictError, DomainError, ValidationError } from '../../shared/kernel/errors';
import { parseInput } from '../../shared/kernel/validation';
import { MemoryAccounts, MemoryCatalog } from '../support/memory-ports';

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const base = { name: 'Acme', cluster: 'all', currency: 'EUR' };

describe('customer fields', () => {
  test('links and legal data: defaults, and each bad field named', () => {
    const ok = parseInput(customerSchema, {
      ...base,
      parent: 'HQ',
      invoicing: 'parent',
      legalName: 'Acme B.V.',
      address: { line1: 'Damrak 1', postalCode: '1012 LG', city: 'Amsterdam', country: 'NL' },
      vatId: 'NL123456789B01',
      email: 'billing@acme.example',
      paymentTermsDays: 14,
    });
    expect(ok).toMatchObject({ parent: 'HQ', invoicing: 'parent', paymentTermsDays: 14, address: { city: 'Amsterdam' } });
    const bad = refusal(() =>
      parseInput(customerSchema, {
        ...base,
        address: { line1: 'x', city: 'y', country: 'nl' },
        email: 'nope',
        paymentTermsDays: 400,
        vatId: '!',
      }),
    );
    expect(refusal(() => parseInput(customerSchema, { ...base, invoicing: 'parent' })).details).toEqual(['invoicing: "parent" needs a parent']);
    expect(bad.details).toEqual(
      expect.arrayContaining([
        'address.postalCode: required',
        expect.stringMatching(/^address\.country: /),
        expect.stringMatching(/^email: /),
        expect.stringMatching(/^paymentTermsDays: /),
        expect.stringMatching(/^vatId: /),
      ]),
    );
  });

  test('account profile: invoicePrefix ^[A-Z0-9-]{1,12}$', () => {
    const address = { line1: 'Damrak 1', postalCode: '1012 LG', city: 'Amsterdam', country: 'NL' };
    expect(parseInput(accountProfileSchema, { legalName: 'Seller B.V.', address, invoicePrefix: 'INV-NL' })).toMatchObject({ vatId: null });
    for (const invoicePrefix of ['inv', 'TOO-LONG-PREFIX', '', 'A_B']) {
      expect(refusal(() => parseInput(accountProfileSchema, { legalName: 'S', address, invoicePrefix })).details[0]).toMatch(/^invoicePrefix: /);
    }
  });
});

describe('parent chains', () => {
  const stored = new Map<string, string | null>([
    ['A', null],
    ['B', 'A'],
    ['C', 'B'],
  ]);
  const parentOf = (c: string) => stored.get(c);

  test('the chain above, nearest first', () => {
    expect(parentChain('D', 'C', parentOf)).toEqual(['C', 'B', 'A']);
    expect(parentChain('D', null, parentOf)).toEqual([]);
  });

  test('a loop is a 409 parent_loop naming the chain; a missing parent a 400 naming parent', () => {
    const loop = refusal(() => parentChain('A', 'C', parentOf));
    expect(loop).toBeInstanceOf(ConflictError);
    expect(loop.code).toBe('parent_loop');
    expect(loop.details).toEqual(['parent: A → C → B → A is a loop']);
    expect(refusal(() => parentChain('A', 'A', parentOf)).code).toBe('parent_loop');
    const missing = refusal(() => parentChain('D', 'X', parentOf));
    expect(missing).toBeInstanceOf(ValidationError);
    expect(missing.details).toEqual(["parent: customer 'X' does not exist"]);
  });

  test(`at most ${MAX_PARENT_CHAIN} customers above`, () => {
    const deep = new Map<string, string | null>([['L0', null]]);
    for (let i = 1; i <= MAX_PARENT_CHAIN; i++) deep.set(`L${i}`, `L${i - 1}`);
    expect(parentChain('X', `L${MAX_PARENT_CHAIN - 1}`, (c) => deep.get(c))).toHaveLength(MAX_PARENT_CHAIN);
    expect(refusal(() => parentChain('X', `L${MAX_PARENT_CHAIN}`, (c) => deep.get(c))).details[0]).toMatch(/more than/);
  });

  test('an import: links checked against each other; refused lines leave the file, and who hangs under them is refused too', () => {
    const inFile = new Map<string, string | null>([
      ['P', 'Q'],
      ['Q', 'P'],
      ['R', 'P'],
      ['S', 'C'],
    ]);
    const links = [...inFile].map(([code, parent], i) => ({ line: i + 2, code, parent: parent! }));
    const { chains, refused } = checkLinks(links, inFile, parentOf);
    expect([...refused.keys()].sort()).toEqual(['P', 'Q', 'R']);
    expect(refused.get('P')?.code).toBe('parent_loop');
    expect(refused.get('R')?.details).toEqual(["parent: customer 'P' does not exist"]);
    expect(chains.get('S')).toEqual(['C', 'B', 'A']);
  });
});

describe('import files', () => {
  test('CSV: header names the fields, address.* nested, empty cells absent, numbers and booleans typed, line numbers', () => {
    const csv =
      'code,name,cluster,currency,billingDay,onHold,address.line1,address.postalCode,address.city,address.country,parent\n' +
      'C1,One,all,EUR,5,true,Damrak 1,1012 LG,Amsterdam,NL,\n' +
      '\n' +
      'C2,"Two, Inc",all,EUR,,false,,,,,C1\n';
    const lines = parseImport(csv, 'csv');
    expect(lines).toEqual([
      {
        line: 2,
        code: 'C1',
        raw: {
          code: 'C1',
          name: 'One',
          cluster: 'all',
          currency: 'EUR',
          billingDay: 5,
          onHold: true,
          address: { line1: 'Damrak 1', postalCode: '1012 LG', city: 'Amsterdam', country: 'NL' },
        },
      },
      { line: 4, code: 'C2', raw: { code: 'C2', name: 'Two, Inc', cluster: 'all', currency: 'EUR', onHold: false, parent: 'C1' } },
    ]);
    expect(lines.map(checkLine).every((l) => 'input' in l)).toBe(true);
  });

  test('CSV: an unknown or missing column makes the file unreadable (400); a short line is that line rejected', () => {
    expect(refusal(() => parseImport('code,name,colour\n', 'csv')).details).toEqual([expect.stringMatching(/^header: unknown column 'colour'/)]);
    expect(refusal(() => parseImport('name,cluster\n', 'csv')).details).toEqual(["header: missing column 'code'"]);
    expect(refusal(() => parseImport('', 'csv')).details[0]).toMatch(/header/);
    expect(parseImport('code,name\nC1\n', 'csv')).toEqual([{ line: 2, code: 'C1', errors: ['line: has 1 columns, the header has 2'] }]);
  });

  test('JSON Lines: one object per line; bad JSON and bad fields rejected with their line', () => {
    const lines = parseImport(
      `${JSON.stringify({ code: 'C1', ...base })}\n\nnot json\n[1]\n${JSON.stringify({ code: 'C#', ...base, billingDay: 40 })}\n`,
      'jsonl',
    );
    const checked = lines.map(checkLine);
    expect(checked[0]).toMatchObject({ line: 1, code: 'C1', input: { name: 'Acme' } });
    expect(checked.slice(1)).toEqual([
      { line: 3, code: null, errors: ['line: not valid JSON'] },
      { line: 4, code: null, errors: ['line: must be a JSON object'] },
      { line: 5, code: 'C#', errors: ['code: must not contain # or control characters', 'billingDay: must be from 1 to 28'] },
    ]);
  });

  test('at most 10,000 lines; drop keys', () => {
    const many = Array.from({ length: 10_001 }, (_, i) => JSON.stringify({ code: `C${i}` })).join('\n');
    expect(refusal(() => parseImport(many, 'jsonl')).details[0]).toMatch(/at most 10,000/);
    expect(parseCustomerDropKey('drops/acme/customers/crm.csv')).toEqual({ accountId: 'acme', name: 'crm', format: 'csv' });
    expect(parseCustomerDropKey('drops/acme/customers/results/crm.json')).toBeNull();
    expect(parseCustomerDropKey('drops/acme/crm.csv')).toBeNull();
  });
});

describe('CatalogService and CustomerImports on in-memory ports', () => {
  function setup() {
    const catalog = new MemoryCatalog();
    const works: ReevaluationWork[] = [];
    const now = () => new Date('2026-06-10T12:00:00Z');
    const reevaluations = {
      start: async (_a: string, w: readonly ReevaluationWork[]) => {
        works.push(...w);
        return [];
      },
    };
    const service = new CatalogService(catalog, new MemoryAccounts(), reevaluations, now);
    const imports = new CustomerImports(catalog, service, new MemoryAccounts(), null, null, now);
    return { catalog, service, imports, works };
  }

  test('concurrent PUTs that would close a loop together: one is 409 parent_loop', async () => {
    const { catalog, service } = setup();
    await catalog.putCustomerCluster('acme', { id: 'all', name: 'All', parent: null, updatedAt: '' });
    await service.putCustomer('acme', 'A', parseInput(customerSchema, base));
    await service.putCustomer('acme', 'B', parseInput(customerSchema, base));
    const out = await Promise.allSettled([
      service.putCustomer('acme', 'A', parseInput(customerSchema, { ...base, parent: 'B' })),
      service.putCustomer('acme', 'B', parseInput(customerSchema, { ...base, parent: 'A' })),
    ]);
    expect(out.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const failed = out.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toMatchObject({ code: 'parent_loop' });
    const a = await catalog.getCustomer('acme', 'A');
    const b = await catalog.getCustomer('acme', 'B');
    expect([a?.parent, b?.parent].filter(Boolean)).toHaveLength(1);
  });

  test('an import applies good lines, rejects bad ones by line; the same file again is all unchanged and writes nothing', async () => {
    const { catalog, imports, works } = setup();
    await catalog.putCustomerCluster('acme', { id: 'all', name: 'All', parent: null, updatedAt: '' });
    const csv =
      'code,name,cluster,currency,parent,invoicing,paymentTermsDays\n' +
      'KID,Kid,all,EUR,HQ,parent,\n' + // child before its parent in the file: written after it
      'HQ,Head office,all,EUR,,,14\n' +
      'BAD,Bad,nowhere,EUR,,,\n' +
      'L1,Loop one,all,EUR,L2,,\n' +
      'L2,Loop two,all,EUR,L1,,\n';
    const first = await imports.importText('acme', csv, 'csv');
    expect(first).toMatchObject({ rows: 5, created: 2, updated: 0, unchanged: 0 });
    expect(first.rejected.map((r) => [r.line, r.code])).toEqual([
      [4, 'BAD'],
      [5, 'L1'],
      [6, 'L2'],
    ]);
    expect(first.rejected[0]!.errors).toEqual(["cluster: customer cluster 'nowhere' does not exist"]);
    expect(first.rejected[1]!.errors[0]).toMatch(/parent_loop/);
    expect(await catalog.getCustomer('acme', 'KID')).toMatchObject({ parent: 'HQ', invoicing: 'parent', paymentTermsDays: 30, version: 1 });
    expect(works.filter((w) => w.kind === 'remap')).toHaveLength(2);

    const saves = jest.spyOn(catalog, 'saveCustomer');
    const transactions = catalog.transactions;
    const second = await imports.importText('acme', csv, 'csv');
    expect(second).toMatchObject({ rows: 5, created: 0, updated: 0, unchanged: 2 });
    expect(second.rejected).toHaveLength(3);
    expect(saves).not.toHaveBeenCalled();
    expect(catalog.transactions).toBe(transactions);

    const third = await imports.importText('acme', csv.replace('Head office', 'Head Office'), 'csv');
    expect(third).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
  });

  test('many new customers: one remap first (it counts a re-evaluation), then remaps only for codes with purchases waiting', async () => {
    const { catalog, service, works } = setup();
    await catalog.putCustomerCluster('acme', { id: 'all', name: 'All', parent: null, updatedAt: '' });
    const asked: string[][] = [];
    const waiting = {
      customersWaiting: async (_a: string, codes: readonly string[]) => {
        asked.push([...codes]);
        return new Set(['C3']);
      },
    };
    const imports = new CustomerImports(catalog, service, new MemoryAccounts(), null, waiting);
    const lines: ImportLine[] = [1, 2, 3, 4].map((i) => ({ line: i, code: `C${i}`, raw: { code: `C${i}`, ...base } }));
    expect(await imports.importLines('acme', lines)).toMatchObject({ created: 4 });
    expect(asked).toEqual([['C2', 'C3', 'C4']]);
    expect(works).toEqual([
      { kind: 'remap', waitingFor: { customer: 'C1' } },
      { kind: 'remap', waitingFor: { customer: 'C3' } },
    ]);
  });

  test('a transaction refused by a concurrent change is done again line by line', async () => {
    const { catalog, imports } = setup();
    await catalog.putCustomerCluster('acme', { id: 'all', name: 'All', parent: null, updatedAt: '' });
    const real = catalog.saveCustomers.bind(catalog);
    let refusals = 1;
    jest.spyOn(catalog, 'saveCustomers').mockImplementation(async (...args) => (refusals-- > 0 ? false : real(...args)));
    const lines: ImportLine[] = [1, 2, 3].map((i) => ({ line: i, code: `C${i}`, raw: { code: `C${i}`, ...base } }));
    expect(await imports.importLines('acme', lines)).toMatchObject({ created: 3, rejected: [] });
    expect(await catalog.getCustomer('acme', 'C3')).toMatchObject({ version: 1 });
  });
});
