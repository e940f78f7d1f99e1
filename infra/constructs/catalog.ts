import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction } from './function';
import { grantTable } from './grants';

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
        ADMIN_KEY_HASH: props.adminKeyHash,
      },
    });
    grantTable(state.table, this.api, 'readWrite');
    state.remapQueue.grantSendMessages(this.api);

    for (const [collection, param] of [
      ['customer-clusters', 'id'],
      ['customers', 'code'],
      ['product-clusters', 'id'],
    ] as const) {
      const path = `/v1/accounts/{a}/${collection}`;
      props.api.route('PUT', `${path}/{${param}}`, this.api);
      props.api.route('GET', `${path}/{${param}}`, this.api);
      props.api.route('GET', path, this.api);
    }
  }
}
