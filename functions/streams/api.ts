import { accountResolver, httpApi } from '../../shared/edge/http';
import { platformService } from '../../shared/platform/wiring';
import { streamHandlers } from './stream-routes';
import { tableHandlers } from './table-routes';

const platform = platformService();
const account = accountResolver(platform);

/** Streams, batches, exchange rates and lookup tables (docs/api.md "Streams and batches"). */
export const handler = httpApi({ ...streamHandlers(account), ...tableHandlers(account) }, (key) => platform.authenticate(key));
