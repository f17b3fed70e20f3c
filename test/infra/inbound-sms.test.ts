import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { Match } from 'aws-cdk-lib/assertions';
import { ConfigurationError } from '../../infra/config.js';
import {
  buildTestApp,
  envOf,
  expectProperties,
  functionEnvOf,
  functionOf,
  resourcesOfType,
  synthesizedForSuite,
  type Templates,
  templatesOf,
} from './build.js';

// What inbound SMS commands need deployed: the inbound-sms function's grants and settings, and the
// optional SNS HTTPS route on the public API.

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:blink-inbound-sms';

describe('inbound SMS commands', () => {
  const t = synthesizedForSuite();

  const policyOf = (templates: Templates, idPrefix: string) =>
    JSON.stringify(
      resourcesOfType([templates.api], 'AWS::IAM::Policy')
        .filter(([id]) => id.startsWith(idPrefix))
        .map(([, policy]) => policy.Properties?.PolicyDocument),
    );

  it('gives the inbound-sms function the table, the job queue, the HMAC key and SMS sending, with its settings', () => {
    const env = functionEnvOf(t, 'blink-inbound-sms');
    expect(env).toMatchObject({
      TABLE_NAME: expect.anything(),
      JOB_QUEUE_URL: expect.anything(),
      TOKEN_HMAC_SECRET_ARN: expect.anything(),
      SMS_ORIGINATION_IDENTITIES: '+18553917277,+14437477277',
      SMS_INBOUND_NUMBERS: '+18553917277,+14437477277',
      PRODUCT_NAME: 'Blink',
      SUPPORT_CONTACT: 'your IT service desk',
      RESETS_PER_HOUR: '3',
      RESETS_PER_DAY: '10',
      // On unless turned off: a spoofed sender number never sees the code.
      RESET_CONFIRMATION: 'true',
    });
    const policy = policyOf(t, 'InboundSmsFunctionRoleDefaultPolicy');
    for (const action of [
      'sqs:SendMessage',
      'sms-voice:SendTextMessage',
      'secretsmanager:GetSecretValue',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
    ]) {
      expect(policy).toContain(action);
    }
    // Never the directory bind secret, never a scan, never more than sending to the job queue (it reads only its own
    // failure queue: test/infra/inbound-sms-failures.test.ts).
    expect(policy).not.toMatch(/dynamodb:(Scan|\*)|sqs:\*/);
    const statements = (
      JSON.parse(policy) as { Statement: { Action: string | string[]; Resource: unknown }[] }[]
    ).flatMap((document) => document.Statement);
    const consuming = statements.filter((statement) =>
      [statement.Action].flat().some((action) => /^sqs:(ReceiveMessage|DeleteMessage)$/.test(action)),
    );
    expect(consuming.map((statement) => JSON.stringify(statement.Resource))).toEqual([
      expect.stringMatching(/InboundSmsFailureQueue[0-9A-F]+Arn/),
    ]);
    expect(env).not.toHaveProperty('DIRECTORY_BIND_SECRET_ARN');
  });

  it('passes keyword aliases, confirmation mode and limits from context to the inbound-sms and api functions', () => {
    const configured = templatesOf(
      buildTestApp({
        smsResetKeywords: 'PASSWORD,NEW PASSWORD',
        smsHelpKeywords: ['AIDE'],
        resetConfirmation: 'false',
        resetsPerHour: '2',
        resetsPerDay: '6',
      }),
    );
    for (const service of ['blink-inbound-sms', 'blink-api']) {
      const fn = functionOf(configured, service);
      expect(envOf(fn)).toMatchObject({
        SMS_RESET_KEYWORDS: 'PASSWORD,NEW PASSWORD',
        SMS_HELP_KEYWORDS: 'AIDE',
        RESET_CONFIRMATION: 'false',
        RESETS_PER_HOUR: '2',
        RESETS_PER_DAY: '6',
      });
      expect(envOf(fn)).not.toHaveProperty('SMS_UNLOCK_KEYWORDS');
    }
  });

  it('gives every function that sends SMS the opt-out list to check, and the right to read that list only', () => {
    const statementsOf = (templates: Templates) =>
      resourcesOfType(templates.all, 'AWS::IAM::Policy').flatMap(
        ([, policy]) =>
          (policy.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] })
            .Statement,
      );
    const readers = (templates: Templates) =>
      statementsOf(templates).filter((statement) =>
        [statement.Action].flat().includes('sms-voice:DescribeOptedOutNumbers'),
      );
    const senders = ['blink-inbound-sms', 'blink-api', 'blink-directory-worker'];
    for (const service of senders) expect(functionEnvOf(t, service)).toMatchObject({ SMS_OPT_OUT_LIST: 'Default' });
    const defaults = readers(t);
    expect(defaults).toHaveLength(senders.length);
    for (const statement of defaults) expect(JSON.stringify(statement.Resource)).toMatch(/:opt-out-list\/Default"/);

    const named = templatesOf(buildTestApp({ smsOptOutList: 'blink-users' }));
    for (const service of senders)
      expect(functionEnvOf(named, service)).toMatchObject({ SMS_OPT_OUT_LIST: 'blink-users' });
    for (const statement of readers(named))
      expect(JSON.stringify(statement.Resource)).toMatch(/:opt-out-list\/blink-users"/);
    expect(() => buildTestApp({ smsOptOutList: 'not a list!' })).toThrow(ConfigurationError);
  });

  it('refuses an opt-out word as an alias and a malformed topic ARN at synth time', () => {
    expect(() => buildTestApp({ smsResetKeywords: 'RESET,Stop' })).toThrow(ConfigurationError);
    expect(() => buildTestApp({ snsHttpsTopicArns: 'blink-inbound-sms' })).toThrow(ConfigurationError);
    expect(() => buildTestApp({ snsHttpsTopicArns: 'arn:aws:sqs:us-east-1:123456789012:blink' })).toThrow(
      ConfigurationError,
    );
  });

  it('has no SNS HTTPS route or setting unless snsHttpsTopicArns is set', () => {
    const api = functionOf(t, 'blink-api');
    expect(envOf(api)).not.toHaveProperty('SNS_HTTPS_TOPIC_ARNS');
    expect(
      resourcesOfType([t.api], 'AWS::ApiGateway::Resource').filter(
        ([, resource]) => resource.Properties?.PathPart === 'sns',
      ),
    ).toEqual([]);
  });

  it('with snsHttpsTopicArns, the api function gets the topics and POST /sns/inbound-sms gets its own method', () => {
    const configured = templatesOf(
      buildTestApp({ snsHttpsTopicArns: `${TOPIC},arn:aws:sns:eu-west-1:123456789012:other` }),
    );
    const api = functionOf(configured, 'blink-api');
    expect(envOf(api)).toMatchObject({
      SNS_HTTPS_TOPIC_ARNS: `${TOPIC},arn:aws:sns:eu-west-1:123456789012:other`,
      JOB_QUEUE_URL: expect.anything(),
    });
    expectProperties(configured.api, 'AWS::ApiGateway::Resource', { PathPart: 'sns' });
    expectProperties(configured.api, 'AWS::ApiGateway::Resource', {
      PathPart: 'inbound-sms',
      ParentId: { Ref: Match.stringLikeRegexp('^PublicApisns') },
    });
    expectProperties(configured.api, 'AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: Match.stringLikeRegexp('^PublicApisnsinboundsms') },
      AuthorizationType: 'NONE',
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
    const methods = resourcesOfType([configured.api], 'AWS::ApiGateway::Method').filter(([id]) =>
      id.startsWith('PublicApisnsinboundsms'),
    );
    expect(methods.map(([, method]) => method.Properties?.HttpMethod)).toEqual(['POST']);
  });
});
