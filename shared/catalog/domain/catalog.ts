import { z } from 'zod';
import { currency, identifier, name } from '../../kernel/fields';
import { ConflictError, ValidationError } from '../../kernel/errors';
import { D } from '../../kernel/money';

/** Customer clusters and product clusters are trees per account; a node names its parent. */
export const customerClusterSchema = z.strictObject({
  name,
  parent: identifier.nullish(),
});
export type CustomerClusterInput = z.output<typeof customerClusterSchema>;

export const productClusterSchema = z.strictObject({
  name,
  parent: identifier.nullish(),
  aliases: z.array(identifier).max(1000, 'at most 1000 aliases').default([]),
});
export type ProductClusterInput = z.output<typeof productClusterSchema>;

/** How a customer is invoiced: on its own invoice, or on its parent's (docs/product.md §6b). */
export const INVOICING = ['self', 'parent'] as const;
export type Invoicing = (typeof INVOICING)[number];

/** Payment terms when a customer names none. */
export const DEFAULT_PAYMENT_TERMS_DAYS = 30;

/** How many customers a parent chain may have above any customer written (bounds the chain check, see checkParentChain). */
export const MAX_PARENT_CHAIN = 20;

const countryCode = z.string({ error: 'must be a string' }).regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as NL');

const legalText = (max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a string') })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

/** A VAT identification number as printed (e.g. NL123456789B01). */
export const vatIdSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .regex(/^[A-Za-z0-9 .+-]{2,20}$/, 'must be a VAT id of 2 to 20 letters, digits, spaces, dots, dashes or plus signs');

/** A postal address as invoices print it. */
export const addressSchema = z.strictObject({
  line1: legalText(200),
  line2: legalText(200).nullish(),
  postalCode: legalText(20),
  city: legalText(100),
  country: countryCode,
});
export type Address = z.output<typeof addressSchema>;

export const customerSchema = z
  .strictObject({
    name,
    cluster: identifier,
    currency,
    partnerAccount: identifier.nullish(),
    billingDay: z
      .number({ error: 'must be a whole number from 1 to 28' })
      .int('must be a whole number from 1 to 28')
      .min(1, 'must be from 1 to 28')
      .max(28, 'must be from 1 to 28')
      .default(1),
    onHold: z.boolean({ error: 'must be true or false' }).default(false),
    taxRate: z
      .union([z.string(), z.number()], { error: 'must be a decimal percentage' })
      .nullish()
      .transform((v, ctx) => {
        if (v === null || v === undefined) return null;
        const text = String(v).trim();
        if (!/^\d+(\.\d+)?$/.test(text) || new D(text).gt(100)) {
          ctx.addIssue({ code: 'custom', message: 'must be a percentage from 0 to 100' });
          return z.NEVER;
        }
        return new D(text).toFixed();
      }),
    country: countryCode.nullish(),
    parent: identifier.nullish(),
    invoicing: z.enum(INVOICING, { error: 'must be "self" or "parent"' }).optional(),
    legalName: legalText(500).nullish(),
    address: addressSchema.nullish(),
    vatId: vatIdSchema.nullish(),
    email: z.email({ error: 'must be an e-mail address' }).max(320, 'must be at most 320 characters').nullish(),
    paymentTermsDays: z
      .number({ error: 'must be a whole number of days from 0 to 365' })
      .int('must be a whole number of days from 0 to 365')
      .min(0, 'must be from 0 to 365')
      .max(365, 'must be from 0 to 365')
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.invoicing === 'parent' && !c.parent) ctx.addIssue({ code: 'custom', path: ['invoicing'], message: '"parent" needs a parent' });
  });
export type CustomerInput = z.output<typeof customerSchema>;

export interface ClusterNode {
  id: string;
  name: string;
  parent: string | null;
}

/**
 * Checks that `parent` exists and that making it the parent of `id` keeps the tree a tree.
 * `nodes` is the account's current tree (with or without `id` itself).
 */
export function checkClusterParent(nodes: readonly ClusterNode[], id: string, parent: string | null, kind: string): void {
  if (parent === null) return;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  if (!byId.has(parent)) throw new ValidationError(`invalid ${kind}`, [`parent: ${kind} '${parent}' does not exist`]);
  for (let at: string | null = parent, hops = 0; at !== null; hops++) {
    if (at === id || hops > byId.size) {
      throw new ConflictError('cluster_cycle', `${kind} '${id}' cannot be placed under '${parent}': that would make a cycle`);
    }
    at = byId.get(at)?.parent ?? null;
  }
}

/**
 * The customer's parent as code → parent code (null: a root), `undefined` when the catalogue has no such
 * customer. Written as a lookup so that a PUT can answer from stored records and an import from the file
 * laid over them.
 */
export type ParentOf = (code: string) => string | null | undefined;

/**
 * The customers above `code` once its parent is `parent`, nearest first (empty for a root). Refuses a
 * parent that does not exist (400 naming `parent`), a chain that comes back to `code` (409 `parent_loop`
 * naming the whole chain), and a chain longer than MAX_PARENT_CHAIN (400). `parentOf` is asked for the
 * customers above the parent only, never for `code` itself.
 */
export function parentChain(code: string, parent: string | null, parentOf: ParentOf): string[] {
  const chain: string[] = [];
  for (let at = parent; at !== null; ) {
    if (at === code) {
      throw new ConflictError('parent_loop', `customer '${code}' cannot have parent '${parent}': ${[code, ...chain, code].join(' → ')} would loop`, [
        `parent: ${[code, ...chain, code].join(' → ')} is a loop`,
      ]);
    }
    const above = parentOf(at);
    if (above === undefined) {
      const where = chain.length === 0 ? `customer '${at}' does not exist` : `customer '${at}' (above '${parent}') does not exist`;
      throw new ValidationError('invalid customer', [`parent: ${where}`]);
    }
    chain.push(at);
    if (chain.length > MAX_PARENT_CHAIN) {
      throw new ValidationError('invalid customer', [`parent: more than ${MAX_PARENT_CHAIN} customers above '${code}'`]);
    }
    at = above;
  }
  return chain;
}

/** What a customer record holds of its links and legal data; records written before them hold none. */
export interface CustomerLinksOfRecord {
  readonly parent?: string | null;
  readonly invoicing?: Invoicing;
  readonly legalName?: string | null;
  readonly address?: Address | null;
  readonly vatId?: string | null;
  readonly email?: string | null;
  readonly paymentTermsDays?: number;
}

/** The links and legal data of a record, defaults filled in (a record written before them is a root invoiced on its own, 30 days). */
export function customerLinksOf(record: CustomerLinksOfRecord): Required<CustomerLinksOfRecord> {
  return {
    parent: record.parent ?? null,
    invoicing: record.invoicing ?? 'self',
    legalName: record.legalName ?? null,
    address: record.address ? normalAddress(record.address) : null,
    vatId: record.vatId ?? null,
    email: record.email ?? null,
    paymentTermsDays: record.paymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS,
  };
}

function normalAddress(a: Address): Address {
  return { line1: a.line1, line2: a.line2 ?? null, postalCode: a.postalCode, city: a.city, country: a.country };
}
