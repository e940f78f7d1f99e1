import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction } from './function';
import { grantTable } from './grants';
import { operations } from '../../shared/edge/routes';
import { subscriptionRoutes } from '../../shared/subscriptions/routes';

/**
 * Subscriptions: catalogues, offers and subscriptions with their history of operations (one API function over
 * the table); a created or changed subscription re-rates its subscriber's purchases through the remap queue.
 */
export class Subscriptions extends Construct {
  readonly api: BillstreamFunction;

  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id);
    const { state } = props;
    this.api = new BillstreamFunction(this, 'Api', {
      entry: 'functions/subscriptions/api.ts',
      timeout: Duration.seconds(29),
      environment: {
        ...baseEnvironment(props),
        TABLE_NAME: state.table.tableName,
        REMAP_QUEUE_URL: state.remapQueue.queueUrl,
        ADMIN_KEY_HASH: props.adminKeyHash,
      },
    });
    grantTable(state.table, this.api, 'readWrite');
    state.remapQueue.grantSendMessages(this.api);

    for (const r of operations(subscriptionRoutes)) props.api.route(r.method, r.path, this.api);
  }
}
