import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction, PDFKIT_FONTS } from './function';
import { grantTable } from './grants';
import { operations } from '../../shared/edge/routes';
import { quoteRoutes } from '../../shared/quotes/routes';

/** Quotes: versions, approvals, acceptance into subscriptions and the quote PDF (one API function, the table only; pdfkit's fonts in its bundle). */
export class Quotes extends Construct {
  readonly api: BillstreamFunction;

  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id);
    const { state } = props;
    this.api = new BillstreamFunction(this, 'Api', {
      entry: 'functions/quotes/api.ts',
      timeout: Duration.seconds(29),
      environment: { ...baseEnvironment(props), TABLE_NAME: state.table.tableName, ADMIN_KEY_HASH: props.adminKeyHash },
      bundleFiles: PDFKIT_FONTS,
    });
    grantTable(state.table, this.api, 'readWrite');

    for (const r of operations(quoteRoutes)) props.api.route(r.method, r.path, this.api);
  }
}
