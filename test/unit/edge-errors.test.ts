import { errorReply } from '../../shared/edge/http';
import { HTTP_STATUS } from '../../shared/edge/errors';
import { InvalidDateError } from '../../shared/kernel/dates';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ThrottledError,
  UnauthorizedError,
  ValidationError,
} from '../../shared/kernel/errors';
import { InvalidDecimalError } from '../../shared/kernel/money';
import {
  AmbiguousPriceRulesError,
  AmbiguousRoutingError,
  ExpressionError,
  ExpressionEvaluationError,
  InvalidChargeModelError,
  InvalidPriceRuleError,
  RatingError,
  RoutingOverlapError,
} from '../../shared/pricing/domain/errors';
import { StageRowError } from '../../shared/streams/domain/columns';

const shown = (error: unknown) => {
  const out = errorReply(error);
  return { status: out.statusCode, ...(JSON.parse(out.body as string) as { error: unknown }) };
};

describe('the one kind → status table of the HTTP edge', () => {
  test('each kind has its status; only failed is a 500', () => {
    expect(HTTP_STATUS).toEqual({
      invalid: 400,
      unauthenticated: 401,
      forbidden: 403,
      'not-found': 404,
      conflict: 409,
      'too-large': 413,
      throttled: 429,
      failed: 500,
    });
  });

  test('a throttled account is a 429 with Retry-After', () => {
    const res = errorReply(new ThrottledError("too many requests for account 'a'", 2));
    expect(res).toMatchObject({ statusCode: 429, headers: { 'retry-after': '2' } });
    expect(JSON.parse(res.body as string)).toEqual({ error: { code: 'throttled', message: "too many requests for account 'a'", details: [] } });
  });

  test.each<[string, unknown, number, string, string[]]>([
    ['validation', new ValidationError('bad body', ['name: required']), 400, 'invalid_input', ['name: required']],
    ['unauthorized', new UnauthorizedError('unknown API key'), 401, 'unauthorized', []],
    ['forbidden', new ForbiddenError('read-only key'), 403, 'forbidden', []],
    ['not found', new NotFoundError('no customer C1'), 404, 'not_found', []],
    ['conflict', new ConflictError('alias_taken', 'label taken', ['label: x']), 409, 'alias_taken', ['label: x']],
    ['too large', new PayloadTooLargeError('request body exceeds 6291456 bytes'), 413, 'payload_too_large', []],
    ['an expression', new ExpressionError('unexpected end of expression at 3', 3), 400, 'invalid_input', []],
    ['a charge model', new InvalidChargeModelError(['model.tiers: required']), 400, 'invalid_input', ['model.tiers: required']],
    ['a price rule', new InvalidPriceRuleError(['currency: required']), 400, 'invalid_input', ['currency: required']],
    ['a date', new InvalidDateError('to: must not be before from'), 400, 'invalid_input', []],
    ['a decimal', new InvalidDecimalError('quantity', 'not a decimal'), 400, 'invalid_input', []],
    ['tied price rules', new AmbiguousPriceRulesError(['r1', 'r2']), 409, 'ambiguous_price_rules', ["ambiguous with: price rule 'r2'"]],
    ['overlapping routing', new RoutingOverlapError('rt2', 'rt1'), 409, 'routing_overlap', ["overlaps: routing rule 'rt1'"]],
    ['tied routing', new AmbiguousRoutingError(['rt1', 'rt2']), 409, 'ambiguous_routing', []],
  ])('%s shows its status, public code, message and details', (_, error, status, code, details) => {
    expect(shown(error)).toEqual({ status, error: { code, message: (error as Error).message, details } });
  });

  test.each<[string, unknown]>([
    ['a purchase that cannot be rated', new RatingError('metadata.base is missing')],
    ['an expression failing on a purchase', new ExpressionEvaluationError('division by zero', 2)],
    ['a row a stage cannot process', new StageRowError('amount is empty')],
    ['a plain error', new Error('boom')],
  ])('%s reaching the edge is a bare 500 (a fault, logged)', (_, error) => {
    expect(shown(error)).toEqual({ status: 500, error: { code: 'internal', message: 'internal error', details: [] } });
  });
});
