import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  EndpointType,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface BlinkRestApiProps {
  /** Construct ids of the API and of its access log group, in the stack's scope (they name deployed resources). */
  ids: { api: string; accessLogs: string };
  restApiName: string;
  description: string;
  /** Whether this API creates the account's API Gateway logging role (one per account and region). */
  cloudWatchRole: boolean;
  stageName: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** Whether access logs name the caller and user (the IAM principal an admin audit needs). */
  logCaller: boolean;
  throttling: { rateLimit: number; burstLimit: number };
  /**
   * Response types passed through as bytes (images served from S3). API Gateway judges by the request's first Accept
   * type, which for a browser's image request is an image type, so `image/*` covers icons without touching JSON.
   */
  binaryMediaTypes?: string[];
}

/**
 * A regional REST API with the house stage settings: X-Ray tracing, JSON access logs to a log group of their own,
 * execution logs for errors only, metrics, stage throttling. resourcePath is the route template, never the concrete
 * path, so tokens in URLs stay out of the logs; request and response bodies carry codes and tokens and are never
 * logged (dataTraceEnabled off).
 */
export function createBlinkRestApi(scope: Construct, props: BlinkRestApiProps): RestApi {
  const accessLogs = new LogGroup(scope, props.ids.accessLogs, {
    retention: props.logRetention,
    removalPolicy: props.removalPolicy,
  });
  return new RestApi(scope, props.ids.api, {
    restApiName: props.restApiName,
    description: props.description,
    endpointConfiguration: { types: [EndpointType.REGIONAL] },
    cloudWatchRole: props.cloudWatchRole,
    binaryMediaTypes: props.binaryMediaTypes,
    deployOptions: {
      stageName: props.stageName,
      tracingEnabled: true,
      accessLogDestination: new LogGroupLogDestination(accessLogs),
      accessLogFormat: AccessLogFormat.jsonWithStandardFields({
        caller: props.logCaller,
        httpMethod: true,
        ip: true,
        protocol: true,
        requestTime: true,
        resourcePath: true,
        responseLength: true,
        status: true,
        user: props.logCaller,
      }),
      loggingLevel: MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      metricsEnabled: true,
      throttlingRateLimit: props.throttling.rateLimit,
      throttlingBurstLimit: props.throttling.burstLimit,
    },
  });
}
