import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { Resolver } from './intrinsics';
import { LOCAL_ACCOUNT, LOCAL_REGION, props, resourcesOfType, type CfnTemplate } from './template';

export interface LocalQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  /** Logical id of its dead-letter queue, if it has one. */
  readonly deadLetterQueue?: string;
}

export interface LocalResources {
  readonly resolver: Resolver;
  readonly tables: ReadonlyMap<string, string>;
  readonly buckets: ReadonlyMap<string, string>;
  readonly queues: ReadonlyMap<string, LocalQueue>;
  /** Function logical id → local function name; ARN → logical id. */
  readonly functions: ReadonlyMap<string, string>;
  readonly functionByArn: ReadonlyMap<string, string>;
}

export interface Clients {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}

/** S3 bucket names are lowercase, 3-63 characters: the local name is the logical id, lowercased. */
export function localBucketName(logicalId: string): string {
  const name = logicalId
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return name.length > 63 ? `${name.slice(0, 54)}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}` : name.padEnd(3, '0');
}

/**
 * Names every resource of the template locally (the logical id, lowercased for buckets, unless the template
 * names it), defines what `Ref`/`Fn::GetAtt` return for it, and creates the tables, buckets and queues
 * that do not exist yet.
 */
export async function provision(
  template: CfnTemplate,
  clients: Clients,
  sqsEndpoint: string,
  parameters: Record<string, string>,
): Promise<LocalResources> {
  const resolver = new Resolver();
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = parameters[name] ?? (parameter.Default === undefined ? undefined : String(parameter.Default));
    if (value !== undefined) resolver.define(name, value);
  }

  const tables = new Map<string, string>();
  for (const [id, resource] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
    const name = (props(resource).TableName as string | undefined) ?? id;
    const arn = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${name}`;
    resolver.define(id, name, { Arn: arn, StreamArn: `${arn}/stream/local` });
    tables.set(id, name);
  }
  const buckets = new Map<string, string>();
  for (const [id, resource] of resourcesOfType(template, 'AWS::S3::Bucket')) {
    const name = (props(resource).BucketName as string | undefined) ?? localBucketName(id);
    resolver.define(id, name, {
      Arn: `arn:aws:s3:::${name}`,
      DomainName: `${name}.s3.amazonaws.com`,
      RegionalDomainName: `${name}.s3.${LOCAL_REGION}.amazonaws.com`,
      DualStackDomainName: `${name}.s3.dualstack.${LOCAL_REGION}.amazonaws.com`,
      WebsiteURL: `http://${name}.s3-website-${LOCAL_REGION}.amazonaws.com`,
    });
    buckets.set(id, name);
  }
  const queueDefs: Array<{ id: string; name: string; url: string; arn: string; properties: Record<string, unknown> }> = [];
  for (const [id, resource] of resourcesOfType(template, 'AWS::SQS::Queue')) {
    const properties = props(resource);
    const fifo = properties.FifoQueue === true || properties.FifoQueue === 'true';
    const name = (properties.QueueName as string | undefined) ?? (fifo ? `${id}.fifo` : id);
    const url = `${sqsEndpoint}/${LOCAL_ACCOUNT}/${name}`;
    const arn = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`;
    resolver.define(id, url, { Arn: arn, QueueUrl: url, QueueName: name });
    queueDefs.push({ id, name, url, arn, properties });
  }
  const functions = new Map<string, string>();
  const functionByArn = new Map<string, string>();
  for (const [id, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const name = (props(resource).FunctionName as string | undefined) ?? id;
    const arn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;
    resolver.define(id, name, { Arn: arn });
    functions.set(id, name);
    functionByArn.set(arn, id);
  }
  for (const [id, resource] of resourcesOfType(template, 'AWS::Logs::LogGroup')) {
    const name = (props(resource).LogGroupName as string | undefined) ?? `/local/${id}`;
    resolver.define(id, name, { Arn: `arn:aws:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:log-group:${name}:*` });
  }
  for (const [id] of resourcesOfType(template, 'AWS::IAM::Role')) {
    resolver.define(id, id, { Arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${id}`, RoleId: id });
  }
  for (const [id] of resourcesOfType(template, 'AWS::Events::Rule')) {
    resolver.define(id, id, { Arn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${id}` });
  }
  for (const [id] of resourcesOfType(template, 'AWS::ApiGatewayV2::Api')) {
    resolver.define(id, localApiId(id), { ApiEndpoint: 'http://127.0.0.1', ApiId: localApiId(id) });
  }

  for (const [id, resource] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
    await ensureTable(clients.dynamodb, tables.get(id)!, resolver.resolve(props(resource), id) as Record<string, unknown>);
  }
  for (const name of buckets.values()) {
    try {
      await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
    } catch (error) {
      const code = (error as { name?: string }).name;
      if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
    }
  }

  // Dead-letter queues first: local-aws-sqs checks that a redrive target exists.
  const queues = new Map<string, LocalQueue>();
  const byArn = new Map(queueDefs.map((q) => [q.arn, q.id]));
  const pending = [...queueDefs];
  while (pending.length) {
    const index = pending.findIndex((q) => {
      const target = redriveTarget(q.properties, resolver, q.id);
      return !target || queues.has(byArn.get(target) ?? '') || !byArn.has(target);
    });
    const q = pending.splice(index === -1 ? 0 : index, 1)[0]!;
    const attributes = queueAttributes(resolver.resolve(q.properties, q.id) as Record<string, unknown>);
    await clients.sqs.send(new CreateQueueCommand({ QueueName: q.name, Attributes: attributes }));
    const target = redriveTarget(q.properties, resolver, q.id);
    queues.set(q.id, { logicalId: q.id, name: q.name, url: q.url, arn: q.arn, deadLetterQueue: target ? byArn.get(target) : undefined });
  }

  return { resolver, tables, buckets, queues, functions, functionByArn };
}

function localApiId(logicalId: string): string {
  return createHash('sha256').update(logicalId).digest('hex').slice(0, 10);
}

function redriveTarget(properties: Record<string, unknown>, resolver: Resolver, where: string): string | undefined {
  const policy = properties.RedrivePolicy;
  if (!policy) return undefined;
  const resolved = resolver.resolve(policy, `${where}.RedrivePolicy`);
  const parsed = (typeof resolved === 'string' ? JSON.parse(resolved) : resolved) as { deadLetterTargetArn?: string };
  return parsed.deadLetterTargetArn;
}

const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'SqsManagedSseEnabled',
] as const;

function queueAttributes(properties: Record<string, unknown>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of QUEUE_ATTRIBUTES) if (properties[name] !== undefined) attributes[name] = String(properties[name]);
  if (properties.RedrivePolicy !== undefined) {
    attributes.RedrivePolicy = typeof properties.RedrivePolicy === 'string' ? properties.RedrivePolicy : JSON.stringify(properties.RedrivePolicy);
  }
  return attributes;
}

async function ensureTable(client: DynamoDBClient, name: string, properties: Record<string, unknown>): Promise<void> {
  const keySchema = properties.KeySchema as KeySchemaElement[];
  const attributeDefinitions = properties.AttributeDefinitions as AttributeDefinition[];
  const indexes = ((properties.GlobalSecondaryIndexes as Array<Record<string, unknown>> | undefined) ?? []).map(
    (gsi): GlobalSecondaryIndex => ({
      IndexName: gsi.IndexName as string,
      KeySchema: gsi.KeySchema as KeySchemaElement[],
      Projection: gsi.Projection as GlobalSecondaryIndex['Projection'],
    }),
  );
  let existing: Set<string> | null = null;
  try {
    const described = await client.send(new DescribeTableCommand({ TableName: name }));
    existing = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName ?? ''));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  if (!existing) {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: keySchema,
        AttributeDefinitions: attributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: indexes.length ? indexes : undefined,
      }),
    );
  } else {
    // A data dir made before an index was added to the template gets the new index.
    for (const index of indexes.filter((i) => !existing.has(i.IndexName!))) {
      await client.send(
        new UpdateTableCommand({ TableName: name, AttributeDefinitions: attributeDefinitions, GlobalSecondaryIndexUpdates: [{ Create: index }] }),
      );
    }
  }
  const ttl = properties.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  if (ttl?.Enabled && ttl.AttributeName && !existing) {
    // DynamoDB Local records the setting; it does not expire items.
    await client
      .send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }))
      .catch(() => undefined);
  }
}
