import { CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import { AuthorizationType, LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { BlinkFunction, type EmailSending } from '../constructs/blink-function.js';
import { TIMEOUTS } from '../timeouts.js';
import { createBlinkRestApi } from '../constructs/rest-api.js';
import type { FunctionStackProps } from './function-stack-props.js';

export const ADMIN_API_STAGE = 'v1';

export interface AdminStackProps extends FunctionStackProps {
  /** The directory worker, which the admin function invokes directly for anything that needs AD. */
  worker: IFunction;
  /** The sending identity of the notices the admin function emails (a revoked phone). */
  email: EmailSending;
}

/**
 * The admin API: a REST API of its own, every method IAM-authorized (SigV4), in front of the admin function. It is
 * separate from the public API so that the public API's WAF, throttling and "anyone may call" acknowledgements do not
 * apply to it, and so that no admin route exists on the public host name at all.
 */
export class AdminStack extends Stack {
  readonly api: RestApi;
  readonly adminFunction: BlinkFunction;

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
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Every method of this API requires SigV4 IAM authorization, so API Gateway rejects unsigned requests before any integration runs; the stage is throttled to 10 requests per second. A web ACL would add cost without protecting anything further',
    });

    new CfnOutput(this, 'AdminApiUrl', { value: this.api.url });
  }
}
