import * as fs from 'node:fs';
import { generateTypes, TYPES_FILE } from '../../functions/console/generate-types';

/**
 * The console's client types are generated from the OpenAPI document the API serves: regenerating them must
 * give the committed file, so a change to a route table that the console does not know of fails here
 * (fix: `npm run console:types`, then make the console compile again with `npm run typecheck`).
 */
describe('console API types', () => {
  it('functions/console/api-types.ts is what openapi-typescript makes of the current OpenAPI document', () => {
    expect(fs.readFileSync(TYPES_FILE, 'utf8') === generateTypes()).toBe(true);
  });
});
