import { S3Files } from '../../../storage/bucket';
import type { BillingFiles } from '../../ports';

/**
 * Billing's objects in the data bucket: cycle plans and partition files, invoice documents, exports.
 * Keys are built by shared/storage/keys.ts `objects`; this adapter only moves bytes.
 */
export class S3BillingFiles extends S3Files implements BillingFiles {}
