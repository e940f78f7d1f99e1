import { z } from 'zod';
import { pageOf, routeTable } from '../edge/routes';
import { newAccountSchema, newKeySchema, ROLES } from './domain/access';
import { auditQuerySchema } from './domain/audit';

/** Platform operations: health, this description, accounts, their API keys and their audit log. */

const newAccount = newAccountSchema.meta({ id: 'NewAccount' });
const account = z.object({ ...newAccountSchema.shape, createdAt: z.string().meta({ description: 'ISO 8601 date-time' }) }).meta({ id: 'Account' });
const newKey = newKeySchema.meta({ id: 'NewKey' });
const issuedKey = z
  .object({
    key: z.string().meta({ description: 'shown once; only its SHA-256 is stored' }),
    id: z.string().meta({ description: 'the key id that lists, revokes and the audit log name it by' }),
    role: z.enum(ROLES),
  })
  .partial()
  .meta({ id: 'IssuedKey' });
const instantOrNull = z.string().nullable().meta({ description: 'ISO 8601 date-time, or null' });
const keyInfo = z
  .object({
    id: z.string(),
    role: z.enum(ROLES),
    createdAt: z.string().meta({ description: 'ISO 8601 date-time' }),
    lastUsedAt: instantOrNull.meta({ description: 'last use, to the minute (null: not used since it was issued)' }),
    revokedAt: instantOrNull,
  })
  .meta({ id: 'ApiKey' });
const representation = z.unknown().meta({ description: 'the resource as its GET shows it, or null where the operation has none' });
const auditEntry = z
  .object({
    at: z.string().meta({ description: 'ISO 8601 date-time the request arrived' }),
    keyId: z.string().meta({ description: 'the key that sent it (`platform` for the platform admin key)' }),
    role: z.string().meta({ description: 'its role: admin, billing, viewer or platform' }),
    method: z.string(),
    path: z.string(),
    resource: z.string().meta({ description: 'what it acted on, below the account: `price-rules/r1`, `subscriptions/s1`, `purchases`' }),
    status: z.int(),
    before: representation,
    after: representation,
  })
  .meta({ id: 'AuditEntry' });

export const platformRoutes = routeTable({
  getHealth: {
    method: 'GET',
    path: '/v1/health',
    summary: 'Liveness',
    auth: 'none',
    responses: { 200: { description: 'the service answers', schema: z.object({ status: z.literal('ok') }) } },
  },
  getOpenApi: {
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This OpenAPI description',
    auth: 'none',
    responses: { 200: { description: 'the OpenAPI 3.1 document', schema: z.object({ openapi: z.string() }).loose() } },
  },
  createAccount: {
    method: 'POST',
    path: '/v1/accounts',
    summary: 'Create an account',
    auth: 'platform-admin',
    body: newAccount,
    responses: { 201: { description: 'the account', schema: account }, 409: { description: 'an account with this id exists' } },
  },
  createKey: {
    method: 'POST',
    path: '/v1/accounts/{a}/keys',
    summary: 'Issue an API key',
    description: 'The key is shown once and stored hashed.',
    auth: 'account-admin',
    body: newKey,
    responses: { 201: { description: 'the new key', schema: issuedKey } },
  },
  listKeys: {
    method: 'GET',
    path: '/v1/accounts/{a}/keys',
    summary: 'List API keys',
    description: 'Every key of the account, oldest first, revoked ones included; never a secret.',
    auth: 'account-admin',
    responses: { 200: { description: 'the keys', schema: z.object({ items: z.array(keyInfo) }) } },
  },
  revokeKey: {
    method: 'DELETE',
    path: '/v1/accounts/{a}/keys/{id}',
    summary: 'Revoke an API key',
    description: 'The key answers 401 from then on (within 5 seconds everywhere keys are cached). Revoking it again changes nothing.',
    auth: 'account-admin',
    responses: { 204: { description: 'revoked' } },
  },
  listAudit: {
    method: 'GET',
    path: '/v1/accounts/{a}/audit',
    summary: 'The audit log',
    description:
      'Every request that tried to change the account (every method but GET), newest first: who (key id and role), when, what, how it ended, and the resource before and after where the operation shows one. `from` inclusive, `to` exclusive; `resource` matches that resource and those below it.',
    auth: 'account-read',
    query: auditQuerySchema.meta({ description: 'filters' }),
    page: true,
    responses: { 200: { description: 'a page of entries', schema: pageOf(auditEntry) } },
  },
});
