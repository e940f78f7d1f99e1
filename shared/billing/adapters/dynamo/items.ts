/** JSON text kept in an attribute (reports, records), or null when the attribute is absent. */
export const json = <T>(text: unknown): T | null => (typeof text === 'string' ? (JSON.parse(text) as T) : null);
