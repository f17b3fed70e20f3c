import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Where a client connects. Deployed: nothing set, the SDK uses the Lambda's region and credentials. Local: the
 * endpoint of an in-process stand-in and dummy credentials. This is the only difference between the two.
 */
export interface ClientTarget {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

function clientConfig(target: ClientTarget) {
  return {
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.region ? { region: target.region } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
    maxAttempts: 3,
  };
}

export function createDocumentClient(target: ClientTarget = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(target)), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export const createSqsClient = (target: ClientTarget = {}) => new SQSClient(clientConfig(target));
export const createSesClient = (target: ClientTarget = {}) => new SESv2Client(clientConfig(target));
export const createSmsVoiceClient = (target: ClientTarget = {}) => new PinpointSMSVoiceV2Client(clientConfig(target));
export const createSnsClient = (target: ClientTarget = {}) => new SNSClient(clientConfig(target));
export const createSecretsClient = (target: ClientTarget = {}) => new SecretsManagerClient(clientConfig(target));

/** The SDK clients a function's wiring builds its adapters on (deployed: default targets; local: the stand-ins). */
export interface ServiceClients {
  documentClient: DynamoDBDocumentClient;
  sqs: SQSClient;
  ses: SESv2Client;
  smsVoice: PinpointSMSVoiceV2Client;
}

/** All four at the deployed targets (the Lambda's region and credentials), for the functions that use them all. */
export function createServiceClients(): ServiceClients {
  return {
    documentClient: createDocumentClient(),
    sqs: createSqsClient(),
    ses: createSesClient(),
    smsVoice: createSmsVoiceClient(),
  };
}
