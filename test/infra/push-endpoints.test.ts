import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { ConfigurationError } from '../../infra/config.js';
import { buildTestApp, envOf, functionEnvOf, functionOf, resourcesOfType, templatesOf } from './build.js';

// Push endpoints: the api function makes each device's SNS endpoint from its push token, on the configured platform
// applications only; no client ever names a push target.

const APNS = 'arn:aws:sns:us-east-1:123456789012:app/APNS/blink';
const FCM = 'arn:aws:sns:us-east-1:123456789012:app/GCM/blink';

type Statement = { Action: string | string[]; Resource: unknown };
const statementsWith = (templates: ReturnType<typeof templatesOf>, action: string) =>
  resourcesOfType(templates.all, 'AWS::IAM::Policy').flatMap(([id, policy]) =>
    (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement.filter((statement) =>
      [statement.Action].flat().includes(action),
    ).map((statement) => ({ id, statement })),
  );

describe('push endpoints', () => {
  it('are made by the api function only, on exactly the configured platform applications', () => {
    const t = templatesOf(buildTestApp({ pushApnsPlatformApplicationArn: APNS, pushFcmPlatformApplicationArn: FCM }));
    const api = functionOf(t, 'blink-api');
    expect(envOf(api)).toMatchObject({
      PUSH_APNS_PLATFORM_APPLICATION_ARN: APNS,
      PUSH_FCM_PLATFORM_APPLICATION_ARN: FCM,
    });
    const grants = statementsWith(t, 'sns:CreatePlatformEndpoint');
    expect(grants).toEqual([
      {
        id: expect.stringMatching(/^ApiFunctionRoleDefaultPolicy/),
        statement: expect.objectContaining({ Action: 'sns:CreatePlatformEndpoint', Resource: [APNS, FCM] }),
      },
    ]);
    // The api function still cannot publish anywhere: pushes are the worker's (its second statement is the alarm
    // topic, for mass lockouts).
    expect(statementsWith(t, 'sns:Publish').map(({ id }) => id)).toEqual([
      expect.stringMatching(/^DirectoryWorkerRoleDefaultPolicy/),
      expect.stringMatching(/^DirectoryWorkerRoleDefaultPolicy/),
    ]);
  });

  it('are not made at all without platform applications (no grant, no setting)', () => {
    const t = templatesOf(buildTestApp());
    expect(statementsWith(t, 'sns:CreatePlatformEndpoint')).toEqual([]);
    expect(functionEnvOf(t, 'blink-api')).not.toHaveProperty('PUSH_APNS_PLATFORM_APPLICATION_ARN');
  });

  it('refuses an application ARN of the wrong platform or kind at synth time', () => {
    expect(() => buildTestApp({ pushApnsPlatformApplicationArn: FCM })).toThrow(ConfigurationError);
    expect(() =>
      buildTestApp({ pushFcmPlatformApplicationArn: 'arn:aws:sns:us-east-1:123456789012:endpoint/GCM/blink/1' }),
    ).toThrow(ConfigurationError);
  });
});
