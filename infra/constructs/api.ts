import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { DEFAULT_RATE_LIMIT } from '../../shared/kernel/config';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export type RouteMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE' | 'ANY';

/**
 * Stage throttling: steady-state requests per second and burst. API Gateway answers 429 beyond it, before
 * any function runs. On AWS this is the limit of the whole API (all accounts together): an HTTP API has no
 * usage plans, so API Gateway cannot tell tenants apart (their Bearer keys are checked in the functions).
 * The local HTTP API enforces the same numbers per account (infra/local/throttle.ts, BILLSTREAM_THROTTLE;
 * test/infra/local/throttle.test.ts keeps them equal). Per account, on AWS as locally, every API function
 * counts its account's requests in a shared budget (shared/edge/throttle.ts: one conditional write per
 * request; docs/api.md, "Throttling").
 */
const THROTTLE = { rateLimit: DEFAULT_RATE_LIMIT.rate, burstLimit: DEFAULT_RATE_LIMIT.burst };

/**
 * The public HTTP API (API Gateway HTTP API, Lambda proxy payload 2.0). Contexts register their routes with
 * `route()`; `$default` goes to the platform function, which answers unknown routes with our JSON 404.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  private readonly integrations = new Map<IFunction, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'Http', {
      description: 'Billstream HTTP API v1',
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
  }

  /** The base URL of the `$default` stage (ends with '/'). */
  get url(): string {
    return this.stage.url;
  }

  /** Routes `METHOD path` (path templates with `{param}`), or every unmatched request with path `$default`. */
  route(method: RouteMethod, path: string, fn: IFunction): HttpRoute {
    const routeKey = path === '$default' ? HttpRouteKey.DEFAULT : HttpRouteKey.with(path, HttpMethod[method]);
    const routeId = path === '$default' ? 'Default' : `${method}${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
    const route = new HttpRoute(this, routeId, { httpApi: this.httpApi, routeKey, integration: this.integration(fn) });
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Every route but GET /v1/health authenticates a Bearer API key in the handler (SHA-256 lookup in the table, docs/api.md); ' +
        'an API Gateway authorizer would add an invocation and a cache of key decisions to revoke.',
    });
    return route;
  }

  private integration(fn: IFunction): HttpLambdaIntegration {
    let integration = this.integrations.get(fn);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${fn.node.id}Integration`, fn, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 });
      this.integrations.set(fn, integration);
    }
    return integration;
  }
}
