import 'aws-cdk-lib/testhelpers/jest-autoclean';
import {
  actionsOf,
  buildTestApp,
  envOf,
  functionEnvOf,
  functionOf,
  resourcesOfType,
  statementsOf,
  synthesizedForSuite,
  templatesOf,
  type Statement,
} from './build.js';

describe('admin API', () => {
  const t = synthesizedForSuite();

  it('is a REST API of its own whose every method needs IAM (SigV4) authorization', () => {
    const methods = resourcesOfType([t.admin], 'AWS::ApiGateway::Method');
    expect(methods.length).toBeGreaterThan(0);
    for (const [, method] of methods) {
      expect(method.Properties).toMatchObject({ AuthorizationType: 'AWS_IAM', HttpMethod: 'ANY' });
    }
    const resources = resourcesOfType([t.admin], 'AWS::ApiGateway::Resource').map(
      ([, resource]) => resource.Properties?.PathPart,
    );
    expect(resources.sort()).toEqual(['admin', '{proxy+}']);
    // No admin route on the public API.
    expect(JSON.stringify(resourcesOfType([t.api], 'AWS::ApiGateway::Resource'))).not.toContain('"admin"');
  });

  it('logs access with the caller, never bodies, and throttles the stage', () => {
    const [[, stage] = ['', { Type: '' }]] = resourcesOfType([t.admin], 'AWS::ApiGateway::Stage');
    expect(stage.Properties).toMatchObject({
      TracingEnabled: true,
      AccessLogSetting: { Format: expect.stringContaining('$context.identity.caller') },
      MethodSettings: [
        expect.objectContaining({ DataTraceEnabled: false, LoggingLevel: 'ERROR', ThrottlingRateLimit: 10 }),
      ],
    });
  });

  it('lets the admin function invoke the directory worker and no other function', () => {
    const invokes = statementsOf([t.admin], 'AdminFunctionRole').filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('lambda:')),
    );
    expect(invokes).toHaveLength(1);
    const [invoke] = invokes;
    expect(actionsOf(invoke as Statement)).toEqual(['lambda:InvokeFunction']);
    // The worker's ARN, imported from the directory stack: one exact function, no wildcard, no qualifier.
    expect(JSON.stringify(invoke?.Resource)).toMatch(/BlinkDirectory.*DirectoryWorker.*Arn/);
    expect(JSON.stringify(invoke?.Resource)).not.toContain('*');
    const fn = functionOf(t, 'blink-admin-api');
    expect(JSON.stringify(envOf(fn).DIRECTORY_WORKER_FUNCTION)).toMatch(/DirectoryWorker/);
  });

  it('gives the admin function item-level table access and notice emails only: no SMS, no secrets, no queue, not in the VPC', () => {
    const statements = statementsOf([t.admin], 'AdminFunctionRole');
    const actions = statements.flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']));
    expect(
      actions.filter((action) => /^(sms-voice|secretsmanager|sqs):/.test(action) || action === 'dynamodb:Scan'),
    ).toEqual([]);
    // A revoked phone is notified by email (issue 11): SendEmail only, on Blink's identity and configuration set.
    expect(actions.filter((action) => action.startsWith('ses:'))).toEqual(['ses:SendEmail']);
    const send = statements.find((statement) => actionsOf(statement).includes('ses:SendEmail'));
    expect(JSON.stringify(send?.Resource)).not.toMatch(/"\*"/);
    const fn = functionOf(t, 'blink-admin-api');
    expect(fn?.Properties?.VpcConfig).toBeUndefined();
    expect(fn?.Properties?.Timeout).toBe(29);
  });

  it('gives the worker what activation needs: the public base URL, the HMAC key secret, SES sending', () => {
    const worker = functionOf(t, 'blink-directory-worker');
    const env = envOf(worker);
    expect(JSON.stringify(env.PUBLIC_BASE_URL)).toMatch(/execute-api/);
    expect(env.TOKEN_HMAC_SECRET_ARN).toBeDefined();
    expect(env.EMAIL_FROM).toBeDefined();
    const actions = statementsOf([t.directory], 'DirectoryWorkerRole').flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['ses:SendEmail', 'secretsmanager:GetSecretValue']));
  });

  it('gives the worker and the api function the configured product name, support contact and link lifetime', () => {
    const built = templatesOf(
      buildTestApp({ productName: 'Corp Reset', supportContact: 'the help desk', activationTtlHours: '24' }),
    );
    for (const name of ['blink-directory-worker', 'blink-api']) {
      expect(functionEnvOf(built, name)).toMatchObject({
        PRODUCT_NAME: 'Corp Reset',
        SUPPORT_CONTACT: 'the help desk',
        ACTIVATION_TTL_HOURS: '24',
      });
    }
    expect(() => buildTestApp({ activationTtlHours: '100' })).toThrow(/activationTtlHours: must be at most 72/);
  });

  it("gives the admin function the SMS price for the portal's estimated SMS cost", () => {
    const admin = (built: ReturnType<typeof templatesOf>) =>
      functionEnvOf(built, 'blink-admin-api').SMS_PRICE_PER_MESSAGE;
    expect(admin(templatesOf(buildTestApp({ smsPricePerMessage: '0.0123' })))).toBe('0.0123');
    expect(admin(templatesOf(buildTestApp()))).toBe('0.0075');
    expect(() => buildTestApp({ smsPricePerMessage: '-1' })).toThrow(/smsPricePerMessage: must be at least 0/);
  });

  it('passes a configured public base URL to the worker as it is', () => {
    const built = templatesOf(buildTestApp({ publicBaseUrl: 'https://reset.example.com' }));
    const worker = functionOf(built, 'blink-directory-worker');
    expect(envOf(worker).PUBLIC_BASE_URL).toBe('https://reset.example.com');
  });
});
