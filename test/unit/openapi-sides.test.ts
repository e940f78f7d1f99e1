import { z } from 'zod';
import { apiDocument } from '../../functions/platform/openapi';
import { SchemaSet } from '../../shared/edge/openapi/json-schema';

type Schema = { required?: string[]; properties?: Record<string, unknown>; additionalProperties?: unknown; $ref?: string };

/** Requests are described as the client may send them (a defaulted field optional), replies as the API answers. */
describe('the OpenAPI document’s request and reply sides', () => {
  test('a price rule’s defaulted priority and scope are optional in the PUT body and present in its reply', () => {
    const schemas = apiDocument().components.schemas as Record<string, Schema>;
    expect(schemas.PriceRuleInput!.required).not.toContain('priority');
    expect(schemas.PriceRuleInput!.required).not.toContain('scope');
    expect(schemas.PriceRule!.required).toEqual(expect.arrayContaining(['priority', 'scope']));
    expect(schemas.Offer!.required).toContain('trialDays');
    expect(schemas.OfferInput!.required ?? []).not.toContain('trialDays');
  });

  test('an id used on both sides with different shapes gets a reply-side entry, and the refs of each side follow', () => {
    const child = z.object({ weight: z.int().default(1) }).meta({ id: 'SidesChild' });
    const parent = z.object({ child }).meta({ id: 'SidesParent' });
    const same = z.object({ name: z.string() }).meta({ id: 'SidesSame' });
    const set = new SchemaSet();
    const request = set.convert(z.object({ parent, same }), 'input');
    const reply = set.convert(z.object({ parent, same }), 'output');
    const doc = set.resolve({ request, reply, components: {} });
    const s = doc.components.schemas as Record<string, Schema>;
    expect(s.SidesChild!.required ?? []).toEqual([]);
    expect(s.SidesChildOutput!.required).toEqual(['weight']);
    // The parent differs only through its child, and still gets its own reply-side entry pointing at the child's.
    expect(s.SidesParentOutput!.properties!.child).toEqual({ $ref: '#/components/schemas/SidesChildOutput' });
    expect(s.SidesParent!.properties!.child).toEqual({ $ref: '#/components/schemas/SidesChild' });
    expect(s.SidesSameOutput).toBeUndefined();
    expect((doc.reply as Schema & { properties: Record<string, Schema> }).properties.parent).toEqual({
      $ref: '#/components/schemas/SidesParentOutput',
    });
    expect((doc.reply as Schema & { properties: Record<string, Schema> }).properties.same).toEqual({ $ref: '#/components/schemas/SidesSame' });
    // A reply's plain object stays open, as a request's is.
    expect(s.SidesSame!.additionalProperties).toBeUndefined();
  });
});
