import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ValidationError } from '../../shared/kernel/errors';
import { httpApi } from '../../shared/edge/http';
import { HTTP_STATUS } from '../../shared/edge/errors';
import { CursorSeal, pageRequest, sealNext, type ListRequest } from '../../shared/edge/pagination';

const seal = CursorSeal.fromSecret('hash-of-the-admin-key');
const customers: ListRequest = { routeKey: 'GET /v1/accounts/{a}/customers', params: { a: 'acme' } };
const inner = Buffer.from(JSON.stringify({ pk: 'ACCOUNT#acme#CUSTOMER', sk: 'C-042' })).toString('base64url');

function openError(list: ListRequest, cursor: string, by = seal): ValidationError {
  try {
    by.open(list, cursor);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the cursor opened');
}

describe('cursor seal', () => {
  test('a cursor opens on the list that made it, to the inner cursor', () => {
    expect(seal.open(customers, seal.seal(customers, inner))).toBe(inner);
    expect(seal.open(customers, seal.seal(customers, '17'))).toBe('17');
  });

  test.each<[string, ListRequest]>([
    ['another account', { ...customers, params: { a: 'globex' } }],
    ['another list of the account', { routeKey: 'GET /v1/accounts/{a}/price-rules', params: { a: 'acme' } }],
    ['the batches of another stream', { routeKey: 'GET /v1/accounts/{a}/streams/{id}/batches', params: { a: 'acme', id: 's2' } }],
  ])('a cursor is refused by %s with a 400 naming cursor', (_, other) => {
    const cursor = seal.seal(customers, inner);
    const error = openError(other, cursor);
    expect(HTTP_STATUS[error.kind]).toBe(400);
    expect(error.code).toBe('invalid_input');
    expect(error.details).toEqual(['cursor: not a cursor of this list (use the "next" of the previous page of the same list)']);
  });

  test('a stream batches cursor does not open for another stream', () => {
    const s1 = { routeKey: 'GET /v1/accounts/{a}/streams/{id}/batches', params: { a: 'acme', id: 's1' } };
    expect(openError({ ...s1, params: { a: 'acme', id: 's2' } }, seal.seal(s1, 'x')).details[0]).toMatch(/^cursor: /);
  });

  test('a cursor opens only under the filters it was made with; paging parameters do not count', () => {
    const invoices = { routeKey: 'GET /v1/accounts/{a}/invoices', params: { a: 'acme' } };
    const cursor = seal.seal({ ...invoices, query: { customer: 'C1', status: 'draft', limit: '10' } }, 'k');
    expect(seal.open({ ...invoices, query: { status: 'draft', customer: 'C1', limit: '50', cursor } }, cursor)).toBe('k');
    expect(openError({ ...invoices, query: { customer: 'C2', status: 'draft' } }, cursor).details[0]).toMatch(/^cursor: /);
    expect(openError({ ...invoices, query: { customer: 'C1' } }, cursor).details[0]).toMatch(/^cursor: /);
    expect(openError(invoices, cursor).details[0]).toMatch(/^cursor: /);
  });

  test('changing any single character of a cursor makes it a 400', () => {
    const cursor = seal.seal(customers, inner);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    for (let i = 0; i < cursor.length; i++) {
      // every other character at every position, the base64 spellings of the same bits included
      for (const replacement of alphabet.split('').filter((c) => c !== cursor[i])) {
        const edited = cursor.slice(0, i) + replacement + cursor.slice(i + 1);
        expect(() => seal.open(customers, edited)).toThrow(ValidationError);
      }
    }
  });

  test.each(['garbage', '', '.', 'eyJwayI6IkFDQ09VTlQjZ2xvYmV4In0', `${inner}.${'A'.repeat(43)}`, `${inner}.${'A'.repeat(44)}`, '%00'])(
    'a cursor not made by the service (%j) is a 400',
    (cursor) => {
      expect(openError(customers, cursor).details[0]).toMatch(/^cursor: /);
    },
  );

  test('a cursor sealed with another deployment key is refused', () => {
    const elsewhere = CursorSeal.fromSecret('another-admin-key-hash');
    expect(openError(customers, elsewhere.seal(customers, inner)).details[0]).toMatch(/^cursor: /);
  });

  test('pageRequest opens the cursor of the query and reads the limit', () => {
    const cursor = seal.seal(customers, inner);
    expect(pageRequest({ ...customers, query: { limit: '5', cursor } }, seal)).toEqual({ limit: 5, cursor: inner });
    expect(pageRequest({ ...customers, query: {} }, seal)).toEqual({ limit: 100, cursor: undefined });
    expect(() => pageRequest({ ...customers, query: { cursor: inner } }, seal)).toThrow(ValidationError);
  });

  test('sealNext seals the next of a page only', () => {
    const page = sealNext(customers, { items: [1], next: '7' }, () => seal);
    expect(page.next).not.toBe('7');
    expect(seal.open(customers, page.next)).toBe('7');
    expect(sealNext(customers, { items: [], next: null }, () => seal)).toEqual({ items: [], next: null });
    expect(sealNext(customers, { id: 'x', next: 'not a page' }, () => seal)).toEqual({ id: 'x', next: 'not a page' });
  });
});

describe('the HTTP edge', () => {
  const previous = process.env.ADMIN_KEY_HASH;
  beforeAll(() => {
    process.env.ADMIN_KEY_HASH = 'hash-of-the-admin-key';
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.ADMIN_KEY_HASH;
    else process.env.ADMIN_KEY_HASH = previous;
  });

  /** A list route over 0..9 with offset cursors, as a store would page. */
  const seen: (string | undefined)[] = [];
  const handler = httpApi(
    {
      'GET /v1/accounts/{a}/things': {
        handle: async (r) => {
          const page = pageRequest(r);
          seen.push(page.cursor);
          const start = Number(page.cursor ?? 0);
          const items = Array.from({ length: 10 }, (_, i) => i).slice(start, start + page.limit);
          return { status: 200, body: { items, next: start + page.limit < 10 ? String(start + page.limit) : null } };
        },
      },
    },
    async () => ({ kind: 'platform-admin' }) as never,
  );

  async function list(
    account: string,
    cursor?: string,
  ): Promise<{ status: number; body: { items?: number[]; next?: string | null; error?: { code: string; details: string[] } } }> {
    const event = {
      routeKey: 'GET /v1/accounts/{a}/things',
      rawPath: `/v1/accounts/${account}/things`,
      pathParameters: { a: account },
      queryStringParameters: { limit: '4', ...(cursor === undefined ? {} : { cursor }) },
      headers: { authorization: 'Bearer k' },
      requestContext: { http: { method: 'GET' } },
    } as unknown as APIGatewayProxyEventV2;
    const out = (await handler(event, {} as Context)) as APIGatewayProxyStructuredResultV2;
    return { status: out.statusCode!, body: JSON.parse(out.body as string) };
  }

  test('pages walk with sealed cursors; the route sees its own inner cursors', async () => {
    // Act
    const first = await list('acme');
    const second = await list('acme', first.body.next!);
    const third = await list('acme', second.body.next!);

    // Assess
    expect([first.body.items, second.body.items, third.body.items]).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(third.body.next).toBeNull();
    expect(first.body.next).not.toBe('4');
    expect(seen.slice(-3)).toEqual([undefined, '4', '8']);
  });

  test("another account's cursor and an edited cursor are 400 invalid_input naming cursor", async () => {
    const { next } = (await list('acme')).body;

    const foreign = await list('globex', next!);
    const edited = await list('acme', `${next!.slice(0, -1)}${next!.endsWith('A') ? 'B' : 'A'}`);

    for (const res of [foreign, edited]) {
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_input', details: [expect.stringMatching(/^cursor: /)] });
    }
  });
});
