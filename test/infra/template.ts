import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app';

/** Skips esbuild: the template is what we assert on; `cdk synth` and the local stack bundle for real. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

export type Statement = { Effect: string; Action: string[]; Resource: unknown[]; Condition?: unknown };
/**
 * A value of the synthesized template as CDK's `Template.toJSON()` types it (untyped JSON): the tests read
 * it by path, and an assertion on a wrong path fails.
 */
type CfnJson = ReturnType<Template['toJSON']>[string];
type Resource = { Type: string; Properties: Record<string, CfnJson>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** The synthesized Billstream template (no nag, no bundling), with lookups the tests share. */
export function billstreamTemplate() {
  const { stack } = buildApp({ nag: false, context: NO_BUNDLING });
  const template = Template.fromStack(stack);
  const json = template.toJSON() as { Resources: Record<string, Resource>; Parameters: Record<string, CfnJson>; Outputs: Record<string, CfnJson> };
  const resources = json.Resources;

  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  /** Logical id of the function bundled from `entry` (its Description). */
  const fn = (entry: string): string => {
    const found = ofType('AWS::Lambda::Function').filter(([, r]) => r.Properties.Description === entry);
    if (found.length !== 1) throw new Error(`expected one function for ${entry}, found ${found.length}`);
    return found[0]![0];
  };

  /** Every statement of the identity policies attached to the function's execution role. */
  const statements = (functionId: string): Statement[] => {
    const roleId = resources[functionId]!.Properties.Role['Fn::GetAtt'][0] as string;
    const attached = ofType('AWS::IAM::Policy').filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId));
    const managed = resources[roleId]!.Properties.ManagedPolicyArns;
    if (managed?.length) throw new Error(`${roleId} has managed policies: ${JSON.stringify(managed)}`);
    return attached.flatMap(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown }>).map(
        (s) => ({
          Effect: s.Effect,
          Action: ([] as string[]).concat(s.Action),
          Resource: ([] as unknown[]).concat(s.Resource),
          Condition: s.Condition,
        }),
      ),
    );
  };

  /** Actions allowed on resources whose rendering mentions `logicalId` (e.g. the table or the bucket). */
  const actionsOn = (functionId: string, logicalId: string): string[] =>
    statements(functionId)
      .filter((s) => s.Effect === 'Allow' && s.Resource.some((r) => JSON.stringify(r).includes(`"${logicalId}"`)))
      .flatMap((s) => s.Action);

  /** Object-key patterns (after the bucket ARN) on which `action` is allowed. */
  const keyPatterns = (functionId: string, bucketId: string, action: string): string[] =>
    statements(functionId)
      .filter((s) => s.Effect === 'Allow' && s.Action.includes(action))
      .flatMap((s) => s.Resource)
      .filter((r) => JSON.stringify(r).includes(`"${bucketId}"`))
      .map((r) => {
        const join = (r as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
        return join ? String(join[1].at(-1)) : '<bucket>';
      });

  const single = (type: string): string => {
    const found = ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0]![0];
  };

  return { template, json, resources, ofType, fn, statements, actionsOn, keyPatterns, single };
}
