import { type CfnElement, DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { CfnApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import * as path from 'node:path';
import { buildConsoleSync } from '../../functions/console/build';
import type { Api } from './api';

export interface ConsoleProps {
  readonly api: Api;
}

/**
 * The web console as its own static site: a private bucket read by CloudFront through origin access
 * control, the bundle built by esbuild at synth (functions/console/build.ts) and uploaded with a
 * `config.json` that carries the API's URL, and CORS on the HTTP API for the site's origin only.
 */
export class Console extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    const logs = new s3.Bucket(this, 'Logs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // CloudFront standard logs are delivered with an ACL.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: "This is the console's log bucket (site bucket access logs and CloudFront logs); logging it into itself would loop.",
    });

    this.bucket = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'site/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Billstream console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The console is for billing teams wherever they are; access is by API key, not by country.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'A static site of public assets (no secrets, no server code); every API call is authenticated by the API itself, which is throttled.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the viewer TLS policy; a custom domain with minimumProtocolVersion TLS 1.2 applies once one is configured.',
      },
    );

    // The bundle is built by esbuild in-process (no Docker); skipped with the other bundling in tests.
    const source = s3deploy.Source.asset(path.resolve(__dirname, '../../functions/console'), {
      bundling: {
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
        local: {
          tryBundle(outputDir: string) {
            buildConsoleSync(outputDir);
            return true;
          },
        },
      },
    });
    const deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [source, s3deploy.Source.jsonData('config.json', { apiUrl: props.api.url })],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
      memoryLimit: 256,
    });
    acknowledgeDeploymentHandler(this, deployment, this.bucket);

    // The console calls the API from its own origin: CORS for that origin only.
    const cfnApi = props.api.httpApi.node.defaultChild as CfnApi;
    cfnApi.corsConfiguration = {
      allowOrigins: [`https://${this.distribution.distributionDomainName}`],
      allowHeaders: ['authorization', 'content-type'],
      allowMethods: ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'],
      maxAge: 600,
    };
  }

  /** The console's URL. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}/`;
  }
}

/**
 * The singleton Lambda behind BucketDeployment is CDK's deploy-time helper (Python, its runtime pinned by
 * aws-cdk-lib): it copies the built bundle from the CDK assets bucket to the site bucket and invalidates
 * the distribution, only while CloudFormation deploys.
 */
function acknowledgeDeploymentHandler(scope: Construct, deployment: s3deploy.BucketDeployment, site: s3.Bucket): void {
  const reason =
    'CDK-managed deploy-time handler of BucketDeployment: copies the console bundle from the CDK assets bucket to the console bucket and invalidates its distribution.';
  const handler = Stack.of(scope).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment')) ?? deployment.handlerRole;
  const grants = ['Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*', 'Action::s3:Abort*', 'Action::s3:DeleteObject*'];
  const resources = [
    'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
    `Resource::<${Stack.of(scope).getLogicalId(site.node.defaultChild as CfnElement)}.Arn>/*`,
  ];
  Validations.of(handler).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: `${reason} It only needs to write its own logs.`,
    },
    ...[...grants, ...resources].map((finding) => ({
      id: `AwsSolutions-IAM5[${finding}]`,
      reason: `${reason} CDK grants it read on the assets and read-write on the console bucket's objects.`,
    })),
    { id: 'AwsSolutions-IAM5[Resource::*]', reason: `${reason} cloudfront:CreateInvalidation is granted on '*' by CDK.` },
    { id: 'AwsSolutions-L1', reason: `${reason} aws-cdk-lib pins its runtime.` },
  );
}
