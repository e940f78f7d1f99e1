import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Object-level grants on the data bucket with exact actions (no `s3:GetObject*`-style wildcards) and
 * resources limited to key patterns. The pattern's trailing `*` is unavoidable (keys are made at run
 * time), so each one is acknowledged for cdk-nag on the role that receives it, with the reason.
 */
export class ObjectGrants {
  private readonly bucketLogicalId: string;

  constructor(private readonly bucket: s3.Bucket) {
    this.bucketLogicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  }

  grant(fn: lambda.Function, actions: string[], ...patterns: string[]): iam.Grant {
    for (const pattern of patterns) {
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.bucketLogicalId}.Arn>/${pattern}]`,
        reason: `Object keys under ${pattern.replace(/\*$/, '')} are generated at run time; the grant is limited to that key pattern and to ${actions.join(', ')}.`,
      });
    }
    return iam.Grant.addToPrincipal({ grantee: fn, actions, resourceArns: patterns.map((p) => this.bucket.arnForObjects(p)) });
  }

  /**
   * s3:ListBucket on the bucket. Needed to list a prefix and, as important, for S3 to answer a GET of a
   * missing key with 404 NoSuchKey (which the adapters treat as "already processed") instead of 403.
   */
  grantList(fn: lambda.Function): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee: fn, actions: ['s3:ListBucket'], resourceArns: [this.bucket.bucketArn] });
  }
}

/**
 * Item-level access to the single table. The grant also covers its indexes (`<table>/index/*`, i.e. gsi1
 * today), which cdk-nag reports as a wildcard: acknowledged here, once, for every caller.
 */
export function grantTable(table: dynamodb.Table, fn: lambda.Function, access: 'read' | 'readWrite'): iam.Grant {
  const logicalId = Stack.of(table).getLogicalId(table.node.defaultChild as dynamodb.CfnTable);
  Validations.of(fn.role!).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
    reason: 'Queries of the sparse gsi1 index (unmapped purchases); the table has no other index and the grant names no other table.',
  });
  return access === 'read' ? table.grantReadData(fn) : table.grantReadWriteData(fn);
}
