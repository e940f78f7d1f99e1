import { checkPurchase, contentHash, type PurchaseInput } from './purchase';

/** The most purchases one request (or one chunk of a drop) may carry. */
export const MAX_PURCHASES_PER_REQUEST = 1000;

export interface AcceptedPurchase extends PurchaseInput {
  contentHash: string;
}

export interface Rejection {
  /** Position in the request (HTTP) or line in the file (drop). */
  at: number;
  reference: string | null;
  /** `not_processed`: valid, but not claimed before the request's deadline; nothing was stored, send it again. */
  code: 'invalid' | 'duplicate_conflict' | 'not_processed';
  errors: string[];
}

export interface Triage {
  accepted: AcceptedPurchase[];
  duplicates: string[];
  rejected: Rejection[];
}

/** A triage of checked rows, remembering where each accepted reference stood. */
export interface CheckedRows extends Triage {
  positions: Map<string, number>;
}

export interface CandidateRow {
  at: number;
  raw: unknown;
}

/**
 * Validates rows and settles duplicates inside the batch: a reference repeated with the same content is
 * a duplicate, with other content a conflict. Returns the unique valid rows still to be checked
 * against what is stored.
 */
export function checkRows(rows: readonly CandidateRow[]): CheckedRows {
  const triage: CheckedRows = { accepted: [], duplicates: [], rejected: [], positions: new Map() };
  const seen = new Map<string, string>();
  for (const { at, raw } of rows) {
    const check = checkPurchase(raw);
    if (!check.ok) {
      triage.rejected.push({ at, reference: check.reference, code: 'invalid', errors: check.errors });
      continue;
    }
    const hash = contentHash(check.purchase);
    const earlier = seen.get(check.purchase.reference);
    if (earlier === undefined) {
      seen.set(check.purchase.reference, hash);
      triage.positions.set(check.purchase.reference, at);
      triage.accepted.push({ ...check.purchase, contentHash: hash });
    } else if (earlier === hash) {
      triage.duplicates.push(check.purchase.reference);
    } else {
      triage.rejected.push(conflict(at, check.purchase.reference, 'repeated in this batch with different content'));
    }
  }
  return triage;
}

/**
 * Settles the batch's valid rows against the fingerprints already stored (reference → content hash).
 * Stored with the same hash: duplicate, never billed twice. With another hash: rejected, never overwritten.
 * `notProcessed`: references the acceptance never tried to claim (its time ran out); rejected as
 * `not_processed`, so the answer names none of them accepted and a resend claims them.
 */
export function settleAgainstStored(batch: CheckedRows, stored: ReadonlyMap<string, string>, notProcessed: ReadonlySet<string> = new Set()): Triage {
  const settled: Triage = { accepted: [], duplicates: [...batch.duplicates], rejected: [...batch.rejected] };
  for (const purchase of batch.accepted) {
    const storedHash = stored.get(purchase.reference);
    if (notProcessed.has(purchase.reference)) settled.rejected.push(notClaimed(batch.positions.get(purchase.reference) ?? -1, purchase.reference));
    else if (storedHash === undefined) settled.accepted.push(purchase);
    else if (storedHash === purchase.contentHash) settled.duplicates.push(purchase.reference);
    else settled.rejected.push(conflict(batch.positions.get(purchase.reference) ?? -1, purchase.reference, 'already stored with different content'));
  }
  settled.rejected.sort((a, b) => a.at - b.at);
  return settled;
}

function conflict(at: number, reference: string, why: string): Rejection {
  return { at, reference, code: 'duplicate_conflict', errors: [`reference: duplicate_conflict: ${why}`] };
}

function notClaimed(at: number, reference: string): Rejection {
  return {
    at,
    reference,
    code: 'not_processed',
    errors: ['reference: not_processed: the store was too slow to take it before the request had to answer; nothing was stored, send it again'],
  };
}
