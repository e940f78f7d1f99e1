import { randomBytes } from 'node:crypto';
import type { S3rverRecord } from './engines/s3';
import type { Resolver } from './intrinsics';
import { LOCAL_REGION, props, resourcesOfType, type CfnTemplate } from './template';

export interface S3Notification {
  readonly id: string;
  readonly bucket: string;
  readonly functionId: string;
  /** e.g. `s3:ObjectCreated:*` */
  readonly events: readonly string[];
  readonly prefix: string;
  readonly suffix: string;
}

/**
 * Lambda notifications of the data buckets, from CDK's `Custom::S3BucketNotifications` resources (and
 * plain `AWS::S3::Bucket` NotificationConfiguration, if a bucket declares one).
 */
export function readS3Notifications(template: CfnTemplate, resolver: Resolver, functionByArn: ReadonlyMap<string, string>): S3Notification[] {
  const sources: Array<{ where: string; bucket: string; config: unknown }> = [];
  for (const [id, resource] of resourcesOfType(template, 'Custom::S3BucketNotifications')) {
    const p = props(resource);
    sources.push({ where: id, bucket: resolver.resolveString(p.BucketName, `${id}.BucketName`), config: p.NotificationConfiguration });
  }
  for (const [id, resource] of resourcesOfType(template, 'AWS::S3::Bucket')) {
    const config = props(resource).NotificationConfiguration;
    if (config) sources.push({ where: id, bucket: resolver.resolveString({ Ref: id }, id), config });
  }
  const notifications: S3Notification[] = [];
  for (const source of sources) {
    const config = resolver.resolve(source.config, `${source.where}.NotificationConfiguration`) as {
      LambdaFunctionConfigurations?: Array<{
        Id?: string;
        Events?: string[];
        Event?: string;
        LambdaFunctionArn?: string;
        Function?: string;
        Filter?: { Key?: { FilterRules?: Array<{ Name: string; Value: string }> }; S3Key?: { Rules?: Array<{ Name: string; Value: string }> } };
      }>;
      QueueConfigurations?: unknown[];
      TopicConfigurations?: unknown[];
    };
    if (config.QueueConfigurations?.length || config.TopicConfigurations?.length) {
      throw new Error(`${source.where}: only Lambda notifications run locally (found queue or topic notifications)`);
    }
    for (const [i, c] of (config.LambdaFunctionConfigurations ?? []).entries()) {
      const arn = c.LambdaFunctionArn ?? c.Function ?? '';
      const functionId = functionByArn.get(arn);
      if (!functionId) throw new Error(`${source.where}: notification target ${arn} is not a function of the template`);
      const rules = c.Filter?.Key?.FilterRules ?? c.Filter?.S3Key?.Rules ?? [];
      const rule = (name: string) => rules.find((r) => r.Name.toLowerCase() === name)?.Value ?? '';
      notifications.push({
        id: c.Id ?? `${source.where}-${i}`,
        bucket: source.bucket,
        functionId,
        events: c.Events ?? (c.Event ? [c.Event] : []),
        prefix: rule('prefix'),
        suffix: rule('suffix'),
      });
    }
  }
  return notifications;
}

function eventMatches(patterns: readonly string[], eventName: string): boolean {
  const full = `s3:${eventName}`;
  return patterns.some((p) => (p.endsWith('*') ? full.startsWith(p.slice(0, -1)) : full === p));
}

/** Notifications that match an s3rver record (filters apply to the key as stored, like S3's). */
export function matchingNotifications(notifications: readonly S3Notification[], record: S3rverRecord): S3Notification[] {
  const key = record.s3.object.key;
  return notifications.filter(
    (n) => n.bucket === record.s3.bucket.name && eventMatches(n.events, record.eventName) && key.startsWith(n.prefix) && key.endsWith(n.suffix),
  );
}

/** S3 puts the key in event records URL-encoded as in a form: spaces as '+', '/' kept. */
export function encodeEventKey(key: string): string {
  return new URLSearchParams({ k: key }).toString().slice(2).replace(/%2F/gi, '/');
}

/** The record as AWS delivers it: encoded key, proper bucket ARN, the notification's id. */
export function toLambdaRecord(record: S3rverRecord, notification: S3Notification): Record<string, unknown> {
  const { object } = record.s3;
  return {
    ...record,
    awsRegion: LOCAL_REGION,
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: notification.id,
      bucket: { name: record.s3.bucket.name, ownerIdentity: { principalId: 'LOCAL' }, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
      object: {
        key: encodeEventKey(object.key),
        ...(object.size !== undefined ? { size: object.size } : {}),
        ...(object.eTag !== undefined ? { eTag: object.eTag } : {}),
        sequencer: object.sequencer ?? randomBytes(8).toString('hex').toUpperCase(),
      },
    },
  };
}
