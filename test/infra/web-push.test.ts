import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { ConfigurationError } from '../../infra/config.js';
import {
  blinkFunctions,
  buildTestApp,
  envOf,
  functionEnvOf,
  resourcesOfType,
  templatesOf,
  type Resource,
} from './build.js';

// Issue 11: the VAPID key pair of Web Push lives in a secret of BlinkData, encrypted with the secrets key; the api
// function (serves the public key) and the directory worker (signs the lockout pushes) may read it, nothing else.

type Statement = { Action: string | string[]; Resource: unknown };
const statementsOf = (policy: Resource) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
const importsVapidSecret = (value: unknown) => JSON.stringify(value).includes('VapidSecret');

describe('the VAPID secret', () => {
  const t = templatesOf(buildTestApp());

  it('is a KMS-encrypted secret of the data stack, with the command that stores a key pair as an output', () => {
    const secrets = resourcesOfType([t.data], 'AWS::SecretsManager::Secret').filter(([id]) =>
      id.startsWith('VapidSecret'),
    );
    expect(secrets).toHaveLength(1);
    expect(secrets[0]?.[1].Properties?.KmsKeyId).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^SecretsKey/), 'Arn'],
    });
    const command = JSON.stringify(t.data.findOutputs('VapidSecretSetCommand'));
    expect(command).toContain(
      'npx web-push generate-vapid-keys --json | aws secretsmanager put-secret-value --secret-id ',
    );
    expect(command).toContain('VapidSecret');
  });

  it('is read (GetSecretValue only) by the api function and the directory worker, and by no other function', () => {
    const readers = resourcesOfType(t.all, 'AWS::IAM::Policy')
      .filter(([, policy]) => statementsOf(policy).some((statement) => importsVapidSecret(statement.Resource)))
      .map(([id, policy]) => ({
        id,
        actions: statementsOf(policy)
          .filter((statement) => importsVapidSecret(statement.Resource))
          .map((statement) => statement.Action),
      }));
    expect(readers.map(({ id }) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'ApiFunctionRoleDefaultPolicy',
      'DirectoryWorkerRoleDefaultPolicy',
    ]);
    for (const { actions } of readers) expect(actions).toEqual(['secretsmanager:GetSecretValue']);

    const functions = blinkFunctions(t.all);
    for (const [service, [, resource]] of functions) {
      const hasArn = 'VAPID_SECRET_ARN' in envOf(resource);
      expect({ service, hasArn }).toEqual({
        service,
        hasArn: service === 'blink-api' || service === 'blink-directory-worker',
      });
    }
  });

  it('takes its push service hosts and VAPID contact from the context, for the api function and the worker only', () => {
    const configured = templatesOf(
      buildTestApp({
        webPushHosts: 'push.corp.example.com,*.push.apple.com',
        webPushSubject: 'mailto:it@corp.example.com',
      }),
    );
    for (const service of ['blink-api', 'blink-directory-worker']) {
      expect(functionEnvOf(configured, service)).toMatchObject({
        WEB_PUSH_HOSTS: 'push.corp.example.com,*.push.apple.com',
        WEB_PUSH_SUBJECT: 'mailto:it@corp.example.com',
      });
    }
    expect(functionEnvOf(configured, 'blink-inbound-sms')).not.toHaveProperty('WEB_PUSH_HOSTS');
    expect(() => buildTestApp({ webPushHosts: 'http://evil.test/x' })).toThrow(ConfigurationError);
    expect(() => buildTestApp({ webPushSubject: 'blink@corp.example.com' })).toThrow(ConfigurationError);
  });
});
