import { z } from 'zod';
import { routeTable } from '../edge/routes';
import { newAccountSchema, newKeySchema, ROLES } from './domain/access';

/** Platform operations: health, this description, accounts and their API keys. */

const newAccount = newAccountSchema.meta({ id: 'NewAccount' });
const account = z.object({ ...newAccountSchema.shape, createdAt: z.string().meta({ description: 'ISO 8601 date-time' }) }).meta({ id: 'Account' });
const newKey = newKeySchema.meta({ id: 'NewKey' });
const issuedKey = z
  .object({ key: z.string().meta({ description: 'shown once; only its SHA-256 is stored' }), role: z.enum(ROLES) })
  .partial()
  .meta({ id: 'IssuedKey' });

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
});
