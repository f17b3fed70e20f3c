import { DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  AwsIntegration,
  type IRequestValidator,
  type IResource,
  type MethodResponse,
  type RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

export interface StaticFilesProps {
  /** The REST API that serves the files, on its own origin (the app and the API share it). */
  api: RestApi;
  /** The API's one request validator (it enforces the declared path parameter here). */
  requestValidator: IRequestValidator;
  /** Path the files live under, e.g. `app` for `/app/…` or `admin/portal`. Also their key prefix in the bucket. */
  pathPrefix: string;
  /**
   * Paths from the API's root that answer with `index.html` instead of the prefix and its pageRoutes (the portal's
   * page is `/admin`, its files under `/admin/portal/`).
   */
  pagePaths?: readonly string[];
  /** What the files are, in resource descriptions and acknowledgements (default: the app files). */
  description?: string;
  /** Folder of built files, uploaded as they are (names are kept: `index.html`, `sw.js`, hashed bundles…). */
  sourceDir: string;
  /** Headers every file is answered with (CSP, nosniff, no-referrer…), the same the local runtime sends. */
  headers: Readonly<Record<string, string>>;
  /**
   * Paths below the prefix that answer with `index.html` (a page's routes, e.g. `enroll`), besides the prefix itself.
   * Any other path is a file of the folder or a 404.
   */
  pageRoutes: readonly string[];
  removalPolicy: RemovalPolicy;
}

/** Answers that change with every deploy and must never be cached: the pages and what names the other files. */
const NEVER_CACHED = ['*.html', '*.webmanifest', 'sw.js'];

/**
 * Static files (the Blink app's HTML, scripts, icons) served from S3 by API Gateway's S3 integration, under the same
 * origin as the API: no function runs for them, so they cost the api function nothing, and WAF, the stage's
 * throttling and its access logs cover them as they cover the API. Only API Gateway reads the bucket, through a role
 * that may GetObject under the prefix and nothing else; the bucket itself is private.
 */
export class StaticFiles extends Construct {
  readonly bucket: Bucket;
  private readonly methodResponses: MethodResponse[];
  private readonly prefix: string;
  private readonly requestValidator: IRequestValidator;
  private readonly readRole: Role;
  private readonly description: string;

  constructor(scope: Construct, id: string, props: StaticFilesProps) {
    super(scope, id);
    this.requestValidator = props.requestValidator;
    this.description = props.description ?? 'the app files';
    const declared = (names: string[]) =>
      Object.fromEntries(names.map((name) => [`method.response.header.${name}`, true]));
    // Type and caching come from each object's metadata; every other header is the same for every file.
    const fixedHeaders = Object.entries(props.headers).filter(
      ([name]) => !['content-type', 'cache-control'].includes(name),
    );
    const fixedNames = fixedHeaders.map(([name]) => name);
    this.methodResponses = [
      { statusCode: '200', responseParameters: declared([...fixedNames, 'content-type', 'cache-control']) },
      { statusCode: '404', responseParameters: declared([...fixedNames, 'content-type', 'cache-control']) },
    ];
    const autoDelete = props.removalPolicy === RemovalPolicy.DESTROY;
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: false,
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: autoDelete,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: `The bucket holds ${props.description ?? 'the app files'} only (public, no user data), and its one reader is API Gateway through a role: every read is a request in the API stage access log, with the client IP and status, so S3 server access logs would repeat that log`,
    });

    const prefix = (this.prefix = `${props.pathPrefix}/`);
    const deploymentCommon = {
      destinationBucket: this.bucket,
      destinationKeyPrefix: prefix,
      memoryLimit: 256,
    };
    // Two uploads: the files that name the others are re-fetched every time, the rest may be cached for a day (a
    // new deploy changes their names or the service worker that caches them).
    const pages = new BucketDeployment(this, 'Pages', {
      ...deploymentCommon,
      sources: [Source.asset(props.sourceDir, { exclude: ['*', ...NEVER_CACHED.map((glob) => `!${glob}`)] })],
      cacheControl: [CacheControl.noStore()],
      prune: false,
    });
    const assets = new BucketDeployment(this, 'Assets', {
      ...deploymentCommon,
      sources: [Source.asset(props.sourceDir, { exclude: NEVER_CACHED })],
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.days(1))],
      prune: false,
    });
    assets.node.addDependency(pages);

    const readRole = (this.readRole = new Role(this, 'ReadRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: `API Gateway reads ${this.description} from S3`,
    }));
    readRole.addToPolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${prefix}*`)] }),
    );

    const base = props.api.root.resourceForPath(props.pathPrefix);
    const index = this.integration(readRole, `${prefix}index.html`, {}, fixedHeaders);
    if (props.pagePaths) {
      for (const path of props.pagePaths) this.addGet(props.api.root.resourceForPath(path), index, {});
    } else {
      this.addGet(base, index, {});
    }
    for (const route of props.pageRoutes) this.addGet(base.resourceForPath(route), index, {});
    const files = this.integration(
      readRole,
      `${prefix}{file}`,
      { 'integration.request.path.file': 'method.request.path.file' },
      fixedHeaders,
    );
    this.addGet(base.addResource('{file+}'), files, { 'method.request.path.file': true });
    this.acknowledgeFindings();
  }

  /**
   * BucketDeployment copies the files with CDK's own upload function (one per stack and memory size), which runs only
   * while CloudFormation deploys. Its runtime, managed logging policy and wildcards are CDK's; what it may touch is
   * the CDK assets bucket (read) and this bucket (write).
   */
  private acknowledgeFindings(): void {
    const stack = Stack.of(this);
    const uploader = stack.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!uploader) throw new Error('BucketDeployment created no upload function: the acknowledgements below are stale');
    const reasons: [string, string][] = [
      [
        'AwsSolutions-L1',
        "CDK's BucketDeployment upload function, whose runtime CDK chooses and updates with aws-cdk-lib; it runs only during deployments",
      ],
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's BucketDeployment upload function writes its own logs with the basic execution policy; it holds no data and runs only during deployments",
      ],
    ];
    const bucketArn = `<${stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>`;
    const wildcards = [
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      `Resource::${bucketArn}/*`,
      `Resource::${cdkAssetsBucketArn(stack)}/*`,
    ];
    for (const finding of wildcards) {
      reasons.push([
        `AwsSolutions-IAM5[${finding}]`,
        `CDK's BucketDeployment upload function reads the deployment's asset zip from the CDK assets bucket and writes, lists and prunes objects of the bucket of ${this.description} only: CDK's object wildcards on exactly those two buckets`,
      ]);
    }
    for (const [id, reason] of reasons) Validations.of(uploader).acknowledge({ id, reason });
    Validations.of(this.readRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${this.prefix}*]`,
      reason: `API Gateway reads any of ${this.description} (their names change with each build), under their prefix only, and only GetObject`,
    });
  }

  private integration(
    role: Role,
    key: string,
    requestParameters: Record<string, string>,
    headers: [string, string][],
  ): AwsIntegration {
    const fixed = Object.fromEntries(
      headers.map(([name, value]) => [`method.response.header.${name}`, `'${value.replaceAll("'", "\\'")}'`]),
    );
    return new AwsIntegration({
      service: 's3',
      integrationHttpMethod: 'GET',
      path: `${this.bucket.bucketName}/${key}`,
      options: {
        credentialsRole: role,
        requestParameters,
        integrationResponses: [
          {
            statusCode: '200',
            responseParameters: {
              ...fixed,
              'method.response.header.content-type': 'integration.response.header.Content-Type',
              'method.response.header.cache-control': 'integration.response.header.Cache-Control',
            },
          },
          {
            // S3 answers 403 for a missing key when the reader may not list the bucket: both are "no such file".
            statusCode: '404',
            selectionPattern: '4\\d{2}',
            responseParameters: {
              ...fixed,
              'method.response.header.content-type': "'text/plain; charset=utf-8'",
              'method.response.header.cache-control': "'no-store'",
            },
            responseTemplates: { 'application/json': 'Not found', 'text/html': 'Not found' },
          },
        ],
      },
    });
  }

  private addGet(resource: IResource, integration: AwsIntegration, requestParameters: Record<string, boolean>): void {
    const method = resource.addMethod('GET', integration, {
      requestParameters,
      requestValidator: this.requestValidator,
      methodResponses: this.methodResponses,
    });
    for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
      Validations.of(method).acknowledge({
        id,
        reason: `${this.description} are public by design: a page must load before it holds any credential (the app on a phone, the portal before its sign-in). They contain no secret; every API call they make is authenticated on its own route`,
      });
    }
  }
}

/**
 * The CDK assets bucket's ARN as cdk-nag names it: the stack's partition, account and region where the deploy
 * environment fixes them, otherwise CloudFormation's pseudo parameters; the bootstrap qualifier as configured.
 */
function cdkAssetsBucketArn(stack: Stack): string {
  const part = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  const qualifier =
    (stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ??
    DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  return `arn:${part(stack.partition, 'Partition')}:s3:::cdk-${qualifier}-assets-${part(stack.account, 'AccountId')}-${part(stack.region, 'Region')}`;
}
