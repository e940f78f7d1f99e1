import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction } from './function';
import { grantTable } from './grants';

/** Platform: health, OpenAPI description, accounts and API keys, and the JSON 404 behind `$default`. */
export class Platform extends Construct {
  readonly api: BillstreamFunction;

  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id);
    const { state } = props;
    this.api = new BillstreamFunction(this, 'Api', {
      entry: 'functions/platform/api.ts',
      timeout: Duration.seconds(29),
      memorySize: 512,
      environment: { ...baseEnvironment(props), TABLE_NAME: state.table.tableName, ADMIN_KEY_HASH: props.adminKeyHash },
    });
    grantTable(state.table, this.api, 'readWrite');

    props.api.route('GET', '/v1/health', this.api);
    props.api.route('GET', '/v1/openapi.json', this.api);
    props.api.route('POST', '/v1/accounts', this.api);
    props.api.route('POST', '/v1/accounts/{a}/keys', this.api);
    props.api.route('ANY', '$default', this.api);
  }
}
