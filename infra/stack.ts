import { CfnOutput, CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from './constructs/api';
import { Billing } from './constructs/billing';
import { Catalog } from './constructs/catalog';
import { Console } from './constructs/console';
import { Ingest } from './constructs/ingest';
import { Platform } from './constructs/platform';
import { Pricing } from './constructs/pricing';
import { Recovery } from './constructs/recovery';
import { State } from './constructs/state';
import { Streams } from './constructs/streams';
import { Subscriptions } from './constructs/subscriptions';
import { Quotes } from './constructs/quotes';
import { acknowledgeCdkInternals } from './nag';

export const STACK_NAME = 'Billstream';

export interface BillstreamStackProps extends StackProps {
  /** LOG_LEVEL of every handler (default INFO). */
  readonly logLevel?: string;
}

/** Billstream: the stateful part (State) and one construct per bounded context wired to the HTTP API. */
export class BillstreamStack extends Stack {
  readonly state: State;
  readonly api: Api;
  readonly platform: Platform;
  readonly catalog: Catalog;
  readonly ingest: Ingest;
  readonly pricing: Pricing;
  readonly billing: Billing;
  readonly streams: Streams;
  readonly subscriptions: Subscriptions;
  readonly quotes: Quotes;
  readonly recovery: Recovery;
  readonly console: Console;

  constructor(scope: Construct, id: string = STACK_NAME, props: BillstreamStackProps = {}) {
    super(scope, id, { stackName: STACK_NAME, description: 'Billstream: serverless billing, rating and pricing', ...props });

    const adminKeyHash = new CfnParameter(this, 'AdminKeyHash', {
      type: 'String',
      noEcho: true,
      allowedPattern: '^[0-9a-f]{64}$',
      constraintDescription: 'the lowercase SHA-256 hex digest of the platform admin key',
      description: 'SHA-256 (hex) of the platform admin key; the key itself never reaches AWS',
    });

    this.state = new State(this, 'State');
    this.api = new Api(this, 'Api');
    const context = { state: this.state, api: this.api, adminKeyHash: adminKeyHash.valueAsString, logLevel: props.logLevel ?? 'INFO' };
    this.platform = new Platform(this, 'Platform', context);
    this.catalog = new Catalog(this, 'Catalog', context);
    this.ingest = new Ingest(this, 'Ingest', context);
    this.pricing = new Pricing(this, 'Pricing', context);
    this.billing = new Billing(this, 'Billing', { ...context, billingQueue: this.state.billingQueue });
    this.streams = new Streams(this, 'Streams', context);
    this.subscriptions = new Subscriptions(this, 'Subscriptions', context);
    this.quotes = new Quotes(this, 'Quotes', context);
    this.recovery = new Recovery(this, 'Recovery', context);
    this.console = new Console(this, 'Console', { api: this.api });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'ConsoleUrl', { value: this.console.url, description: 'The web console (sign in with an API key)' });
    new CfnOutput(this, 'TableName', { value: this.state.table.tableName });
    new CfnOutput(this, 'BucketName', { value: this.state.bucket.bucketName });

    acknowledgeCdkInternals(this);
  }
}
