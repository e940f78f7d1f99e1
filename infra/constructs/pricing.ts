import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction } from './function';
import { grantTable, ObjectGrants } from './grants';
import { operations } from '../../shared/edge/routes';
import { pricingRoutes } from '../../shared/pricing/routes';

/**
 * Pricing: price rules and routing rules (a change fans re-evaluation out through the remap queue) and the
 * usage preview of a customer, which reads the purchase journal.
 */
export class Pricing extends Construct {
  readonly api: BillstreamFunction;

  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id);
    const { state } = props;
    this.api = new BillstreamFunction(this, 'Api', {
      entry: 'functions/pricing/api.ts',
      timeout: Duration.seconds(29),
      environment: {
        ...baseEnvironment(props),
        TABLE_NAME: state.table.tableName,
        BUCKET_NAME: state.bucket.bucketName,
        REMAP_QUEUE_URL: state.remapQueue.queueUrl,
        ADMIN_KEY_HASH: props.adminKeyHash,
      },
    });
    grantTable(state.table, this.api, 'readWrite');
    const objects = new ObjectGrants(state.bucket);
    objects.grant(this.api, ['s3:GetObject'], 'journal/*');
    objects.grantList(this.api);
    state.remapQueue.grantSendMessages(this.api);

    for (const r of operations(pricingRoutes)) props.api.route(r.method, r.path, this.api);
  }
}
