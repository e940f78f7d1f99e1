import { accountResolver, httpApi } from '../../shared/edge/http';
import { platformService } from '../../shared/platform/wiring';
import { streamRoutes } from './stream-routes';
import { tableRoutes } from './table-routes';

const platform = platformService();
const account = accountResolver(platform);

/** Streams, batches, exchange rates and lookup tables (API.md "Streams and batches"). */
export const handler = httpApi({ ...streamRoutes(account), ...tableRoutes(account) }, (key) => platform.authenticate(key));
