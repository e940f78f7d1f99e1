import { S3Files } from '../../../storage/bucket';
import { objects } from '../../../storage/keys';
import type { ImportResult } from '../../domain/customer-import';
import type { CustomerDropFiles } from '../../ports';

/** Customer drops are read whole (at most 10,000 lines); results land beside them under customers/results/. */
export class S3CustomerDropFiles extends S3Files implements CustomerDropFiles {
  read(key: string): Promise<string | null> {
    return this.getText(key);
  }

  async readResult(accountId: string, name: string): Promise<(ImportResult & { etag?: string }) | null> {
    const text = await this.getText(objects.customerDropResult(accountId, name));
    return text === null ? null : (JSON.parse(text) as ImportResult & { etag?: string });
  }

  writeResult(accountId: string, name: string, result: ImportResult & { etag: string }): Promise<void> {
    return this.put(objects.customerDropResult(accountId, name), JSON.stringify(result), 'application/json');
  }
}
