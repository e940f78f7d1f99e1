import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction } from './function';
import { grantTable } from './grants';
import { operations } from '../../shared/edge/routes';
import { catalogRoutes } from '../../shared/catalog/routes';

/** Catalog: customer clusters, customers, product clusters and their aliases (changes trigger remaps). */
export class Catalog extends Construct {
  readonly api: BillstreamFunction;

  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id);
    const { state } = props;
    this.api = new BillstreamFunction(this, 'Api', {
      entry: 'functions/catalog/api.ts',
      timeout: Duration.seconds(29),
      environment: {
        ...baseEnvironment(props),
        TABLE_NAME: state.table.tableName,
        REMAP_QUEUE_URL: state.remapQueue.queueUrl,
        BILLING_QUEUE_URL: state.billingQueue.queueUrl, // a changed payer link regenerates the cycles of its drafts
        ADMIN_KEY_HASH: props.adminKeyHash,
      },
    });
    grantTable(state.table, this.api, 'readWrite');
    state.remapQueue.grantSendMessages(this.api);
    state.billingQueue.grantSendMessages(this.api);

    for (const r of operations(catalogRoutes)) props.api.route(r.method, r.path, this.api);
  }
}
