import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction } from './function';
import { grantTable } from './grants';
import { operations } from '../../shared/edge/routes';
import { platformRoutes } from '../../shared/platform/routes';

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

    for (const r of operations(platformRoutes)) props.api.route(r.method, r.path, this.api);
    props.api.route('ANY', '$default', this.api);
  }
}
