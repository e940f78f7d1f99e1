import { S3Files } from '../../../storage/bucket';
import type { StreamFiles } from '../../ports';

/** Stream batches' objects (rows, error files, uploads, shared rows): whole, or read as a stream of bytes. */
export class S3StreamFiles extends S3Files implements StreamFiles {}
