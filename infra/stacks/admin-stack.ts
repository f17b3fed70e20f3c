import { CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import { AuthorizationType, LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct, IConstruct } from 'constructs';
import { BlinkFunction, type EmailSending, type SmsOrigination } from '../constructs/blink-function.js';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { EndpointType, SecurityPolicy, type IResource, type IRequestValidator } from 'aws-cdk-lib/aws-apigateway';
import { PortalSignIn } from '../constructs/portal-sign-in.js';
import { StaticFiles } from '../constructs/static-files.js';
import type { BlinkConfig } from '../config.js';
import { TIMEOUTS } from '../timeouts.js';
import { createBlinkRestApi } from '../constructs/rest-api.js';
import type { FunctionStackProps } from './function-stack-props.js';

export const ADMIN_API_STAGE = 'v1';

export interface AdminStackProps extends FunctionStackProps {
  /** The directory worker, which the admin function invokes directly for anything that needs AD. */
  worker: IFunction;
  /** The sending identity of the notices the admin function emails (a revoked phone). */
  email: EmailSending;
  /** What the portal's help-desk actions use (with portalIdpType only): the job queue, SMS, the code-hashing key. */
  jobQueue: IQueue;
  /** Where the portal's caller approval requests are queued for the web-push sender (the app's Web Push). */
  webPushQueue: IQueue;
  sms: SmsOrigination;
  tokenHmacSecret: ISecret;
  /** The portal's built static files (index.html, portal.js, portal.css), served from S3 on the admin origin. */
  portalFiles: { sourceDir: string; headers: Readonly<Record<string, string>> };
}

/**
 * The admin API: a REST API of its own, every method IAM-authorized (SigV4), in front of the admin function. It is
 * separate from the public API so that the public API's WAF, throttling and "anyone may call" acknowledgements do not
 * apply to it, and so that no admin route exists on the public host name at all.
 */
export class AdminStack extends Stack {
  readonly api: RestApi;
  readonly adminFunction: BlinkFunction;
  /** The portal's Cognito pool and client, when portalIdpType is configured. */
  readonly portal?: PortalSignIn;

  constructor(scope: Construct, id: string, props: AdminStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.adminFunction = new BlinkFunction(this, 'AdminFunction', {
      name: 'admin-api',
      description: 'Blink: admin API (activation, enrollment listing, revocation); reaches AD only through the worker',
      // API Gateway ends an integration after 29 s; the function stops waiting for the worker at the same time.
      timeout: TIMEOUTS.adminApi,
      logRetention: config.logRetentionDays,
      removalPolicy: props.removalPolicy,
      version: props.version,
    })
      .useTable(props.table, 'readWrite', props.tableIndexes)
      .useDirectoryWorker(props.worker)
      .useEmailIdentity(props.email)
      .useEnrollmentSettings(config);
    // The portal's Reports page estimates SMS spend with it.
    this.adminFunction.addEnvironment('SMS_PRICE_PER_MESSAGE', String(config.smsPricePerMessage));
    this.adminFunction.alarmOnErrors(
      props.alarmTopic,
      'the admin API function failed (errors, timeouts); an admin request did not complete. Check its logs.',
    );

    this.api = createBlinkRestApi(this, {
      ids: { api: 'AdminApi', accessLogs: 'AdminApiAccessLogs' },
      restApiName: 'blink-admin',
      description: 'Blink admin API (IAM-authorized): activation, enrollments, revocation',
      // The account's API Gateway logging role is created by the public API's stack (one per account and region).
      cloudWatchRole: false,
      stageName: ADMIN_API_STAGE,
      logRetention: config.logRetentionDays,
      removalPolicy: props.removalPolicy,
      // The caller (the IAM principal) is what an admin audit needs; bodies are never logged.
      logCaller: true,
      throttling: { rateLimit: 10, burstLimit: 20 },
    });
    const validator = this.api.addRequestValidator('AdminRequestValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const method = this.api.root
      .addResource('admin')
      .addResource('{proxy+}')
      .addMethod('ANY', new LambdaIntegration(this.adminFunction, { proxy: true }), {
        authorizationType: AuthorizationType.IAM,
        requestValidator: validator,
      });
    Validations.of(method).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'The admin API uses IAM authorization (SigV4-signed requests of principals allowed execute-api:Invoke), not a Cognito user pool: admins are IAM identities of the account, and the CLI signs with their credentials',
    });
    if (isPortalConfig(config)) {
      this.portal = this.addPortal(props, config, validator);
    } else {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'Every method of this API requires SigV4 IAM authorization, so API Gateway rejects unsigned requests before any integration runs; the stage is throttled to 10 requests per second. A web ACL would add cost without protecting anything further',
      });
    }

    new CfnOutput(this, 'AdminApiUrl', { value: this.api.url });
  }

  /**
   * The admin portal on the admin API's own host name (never the public API's): its sign-in and JSON routes go to the
   * admin function without IAM (it checks the session cookie, CSRF token and Origin itself), its page and files come
   * from S3, and the function gets what the help-desk actions need. Every other /admin/… route keeps IAM.
   */
  private addPortal(props: AdminStackProps, config: PortalConfig, validator: IRequestValidator): PortalSignIn {
    const signIn = new PortalSignIn(this, 'PortalSignIn', { config, removalPolicy: props.removalPolicy });
    const fn = this.adminFunction
      .useQueue(props.jobQueue)
      .useWebPushQueue(props.webPushQueue)
      .useSmsOrigination(props.sms)
      .useSecret('TOKEN_HMAC_SECRET_ARN', props.tokenHmacSecret)
      .useSecret('PORTAL_OIDC_CLIENT_SECRET_ARN', signIn.clientSecret)
      .useOperatorAlerts(props.alarmTopic, 'PORTAL_ALARM_TOPIC_ARN')
      .usePortalSettings({
        portalBaseUrl: `https://${config.portalDomainName}`,
        issuer: signIn.issuer,
        clientId: signIn.client.userPoolClientId,
        groupsClaim: signIn.groupsClaim,
        scopes: signIn.scopes,
        adminGroups: config.portalAdminGroups,
        technicianGroups: config.portalTechnicianGroups,
      });

    // The admin origin: a regional custom domain mapped at the root, so the portal's absolute paths (/admin/…) work.
    const domain = this.api.addDomainName('PortalDomain', {
      domainName: config.portalDomainName,
      certificate: Certificate.fromCertificateArn(this, 'PortalCertificate', config.portalCertificateArn),
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
    });

    const integration = new LambdaIntegration(fn, { proxy: true });
    const admin = this.api.root.getResource('admin') as IResource;
    const portal = admin.addResource('portal');
    const sessionRoutes: [IResource, string][] = [
      [portal.addResource('sign-in'), 'GET'],
      [portal.addResource('callback'), 'GET'],
      [portal.addResource('sign-out'), 'POST'],
      [portal.addResource('api').addResource('{proxy+}'), 'ANY'],
    ];
    for (const [resource, httpMethod] of sessionRoutes) {
      const method = resource.addMethod(httpMethod, integration, { requestValidator: validator });
      acknowledgePortalRoute(method);
    }
    new StaticFiles(this, 'PortalFiles', {
      api: this.api,
      requestValidator: validator,
      pathPrefix: 'admin/portal',
      pagePaths: ['admin'],
      pageRoutes: [],
      ...props.portalFiles,
      removalPolicy: props.removalPolicy,
      description: 'the admin portal files',
    });
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        "The CLI's methods require SigV4 IAM authorization. The portal's routes on the admin host name either start the OpenID sign-in, serve its static files, or act only with a live session (256-bit id in a __Host- HttpOnly SameSite=Strict cookie) plus the CSRF token; the stage is throttled. Sign-in attempts are rate-limited by the organisation's IdP and by Cognito",
    });

    new CfnOutput(this, 'PortalUrl', { value: `https://${config.portalDomainName}/admin/` });
    new CfnOutput(this, 'PortalDnsTarget', {
      description: `Point ${config.portalDomainName} at this name (CNAME, or a Route 53 alias)`,
      value: domain.domainNameAliasDomainName,
    });
    const signInHost =
      config.portalAuthDomainName ?? `${config.portalAuthDomainPrefix}.auth.${this.region}.amazoncognito.com`;
    new CfnOutput(this, 'PortalIdpRedirectUri', {
      description: "Register this as the redirect URI (OIDC) or ACS URL (SAML) in the organisation's IdP",
      value: `https://${signInHost}/${config.portalIdpType === 'oidc' ? 'oauth2' : 'saml2'}/idpresponse`,
    });
    new CfnOutput(this, 'PortalSamlAudience', {
      description: 'SAML only: the entity id (audience) to register in the IdP',
      value: `urn:amazon:cognito:sp:${signIn.userPool.userPoolId}`,
    });
    return signIn;
  }
}

type PortalConfig = BlinkConfig & {
  portalIdpType: 'oidc' | 'saml';
  portalDomainName: string;
  portalCertificateArn: string;
};

/** infra/config.ts has checked that the portal's settings come together; this narrows the type accordingly. */
function isPortalConfig(config: BlinkConfig): config is PortalConfig {
  return config.portalIdpType !== undefined;
}

const PORTAL_ROUTE_FINDINGS: [string, string][] = [
  [
    'AwsSolutions-APIG4',
    "A browser page's route: the admin function authorizes it with the portal session (HttpOnly cookie set after the OpenID sign-in through Cognito) and, for every change, the session's CSRF token and the portal's Origin; the sign-in and callback routes start and finish that sign-in (state single use, PKCE, nonce)",
  ],
  [
    'AwsSolutions-COG4',
    'A Cognito authorizer wants a bearer token in a header, which a page script would have to hold; the portal keeps no token in the browser (an HttpOnly session cookie instead), and it signs in through the Cognito user pool of this stack',
  ],
];

function acknowledgePortalRoute(method: IConstruct): void {
  for (const [id, reason] of PORTAL_ROUTE_FINDINGS) Validations.of(method).acknowledge({ id, reason });
}
