import { Validations, type Stack } from 'aws-cdk-lib';

/**
 * Acknowledgements for resources CDK itself adds to the stack (not ours to configure). Our own
 * constructs acknowledge their findings where they are made (function.ts, grants.ts, api.ts, state.ts).
 */
export function acknowledgeCdkInternals(stack: Stack): void {
  for (const child of stack.node.children) {
    // The singleton behind `bucket.addEventNotification`: a deploy-time custom resource that only calls
    // PutBucketNotificationConfiguration on our bucket. Its role comes with the basic execution policy.
    if (child.node.id.startsWith('BucketNotificationsHandler')) {
      Validations.of(child).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'CDK-managed deploy-time handler that sets the data bucket notification configuration; it only needs to write its own logs.',
      });
    }
  }
}
