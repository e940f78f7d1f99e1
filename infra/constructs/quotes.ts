import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction, PDFKIT_FONTS } from './function';
import { grantTable } from './grants';
import { operations } from '../../shared/edge/routes';
import { quoteRoutes } from '../../shared/quotes/routes';

/** Quotes: versions, approvals, acceptance into subscriptions and the quote PDF (one API function: the table, sends to the remap queue through the subscription service; pdfkit's fonts in its bundle). */
export class Quotes extends Construct {
  readonly api: BillstreamFunction;

  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id);
    const { state } = props;
    this.api = new BillstreamFunction(this, 'Api', {
      entry: 'functions/quotes/api.ts',
      timeout: Duration.seconds(29),
      environment: {
        ...baseEnvironment(props),
        TABLE_NAME: state.table.tableName,
        // an accepted quote creates a subscription, which re-rates its subscriber's purchases (a tracked re-evaluation)
        REMAP_QUEUE_URL: state.remapQueue.queueUrl,
        ADMIN_KEY_HASH: props.adminKeyHash,
      },
      bundleFiles: PDFKIT_FONTS,
    });
    grantTable(state.table, this.api, 'readWrite');
    state.remapQueue.grantSendMessages(this.api);

    for (const r of operations(quoteRoutes)) props.api.route(r.method, r.path, this.api);
  }
}
