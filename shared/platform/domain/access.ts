import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../../kernel/errors';
import { currency, identifier, name } from '../../kernel/fields';

export const ROLES = ['admin', 'billing', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the platform operator, or a key of one account with a role (and the key's id, for the audit log). */
export type Principal = { kind: 'platform' } | { kind: 'account'; accountId: string; role: Role; keyId?: string };

/** What a request wants to do inside an account. */
export type Need = 'read' | 'write' | 'manage-keys';

const ALLOWED: Record<Role, readonly Need[]> = {
  admin: ['read', 'write', 'manage-keys'],
  billing: ['read', 'write'],
  viewer: ['read'],
};

/**
 * Decides whether `principal` may act on account `accountId`. Another account's data answers 404,
 * not 403, so that a key never learns which accounts exist.
 */
export function authorizeAccount(principal: Principal, accountId: string, need: Need): void {
  if (principal.kind === 'platform') return;
  if (principal.accountId !== accountId) throw new NotFoundError(`account '${accountId}' not found`);
  if (!ALLOWED[principal.role].includes(need)) {
    throw new ForbiddenError(`role '${principal.role}' may not ${describe(need)}`);
  }
}

export function requirePlatform(principal: Principal): void {
  if (principal.kind !== 'platform') throw new ForbiddenError('only the platform admin key may do this');
}

function describe(need: Need): string {
  return need === 'manage-keys' ? 'manage API keys' : need === 'write' ? 'change data' : 'read data';
}

export const ACCOUNT_ROLES = ['vendor', 'distributor', 'reseller'] as const;

export const newAccountSchema = z.strictObject({
  id: identifier.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (at most 63)'),
  name,
  roles: z.array(z.enum(ACCOUNT_ROLES, { error: `must be one of ${ACCOUNT_ROLES.join(', ')}` })).min(1, 'must name at least one role'),
  currency,
});
export type NewAccount = z.output<typeof newAccountSchema>;
export type Account = NewAccount & { createdAt: string };

export const newKeySchema = z.strictObject({
  role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
});
