import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { AppNotBuiltError, buildApp } from '../../infra/app.js';
import { appPageHeaders } from '../../functions/api/routes/pages.js';
import { buildTestApp, expectProperties, resourcesOfType, templatesOf, type Resource } from './build.js';

describe('the Blink app files (S3 behind the public API, same origin)', () => {
  const built = buildTestApp();
  const { api } = templatesOf(built);

  it('keeps the files in a private, encrypted, TLS-only bucket', () => {
    expectProperties(api, 'AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    expectProperties(api, 'AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets API Gateway read the app prefix and nothing else', () => {
    const policies = resourcesOfType([api], 'AWS::IAM::Policy').filter(([id]) => id.startsWith('AppFilesReadRole'));
    expect(policies).toHaveLength(1);
    const statements = (policies[0]?.[1].Properties?.PolicyDocument as { Statement: unknown[] }).Statement;
    expect(statements).toEqual([
      {
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^AppFilesBucket/), 'Arn'] }, '/app/*']] },
      },
    ]);
    const roles = resourcesOfType([api], 'AWS::IAM::Role').filter(([id]) => id.startsWith('AppFilesReadRole'));
    expect(JSON.stringify(roles[0]?.[1].Properties?.AssumeRolePolicyDocument)).toContain('apigateway.amazonaws.com');
  });

  it("serves /app, its page routes and its files by GET from S3, with the app's security headers", () => {
    const resources = resourcesOfType([api], 'AWS::ApiGateway::Resource').map(([, r]) => r.Properties?.PathPart);
    expect(resources).toEqual(expect.arrayContaining(['app', 'enroll', '{file+}']));
    const s3Methods = resourcesOfType([api], 'AWS::ApiGateway::Method').filter(([, method]) =>
      JSON.stringify(method.Properties?.Integration ?? {}).includes(':s3:path/'),
    );
    expect(s3Methods).toHaveLength(3);
    for (const [, method] of s3Methods) {
      const properties = method.Properties as Record<string, unknown>;
      expect(properties.HttpMethod).toBe('GET');
      const integration = properties.Integration as {
        Type: string;
        IntegrationResponses: { StatusCode: string; ResponseParameters: Record<string, string> }[];
      };
      expect(integration.Type).toBe('AWS');
      const ok = integration.IntegrationResponses.find((response) => response.StatusCode === '200');
      // A static value is quoted in single quotes, so the CSP's own quotes ('self') are escaped with a backslash.
      const csp = `'${appPageHeaders['content-security-policy']?.replaceAll("'", "\\'")}'`;
      expect(csp).toMatch(/^'default-src \\'none\\'; script-src \\'self\\';/);
      expect(ok?.ResponseParameters).toMatchObject({
        'method.response.header.content-security-policy': csp,
        'method.response.header.x-content-type-options': "'nosniff'",
        'method.response.header.referrer-policy': "'no-referrer'",
        'method.response.header.content-type': 'integration.response.header.Content-Type',
        'method.response.header.cache-control': 'integration.response.header.Cache-Control',
      });
      const missing = integration.IntegrationResponses.find((response) => response.StatusCode === '404');
      expect(missing).toMatchObject({ SelectionPattern: '4\\d{2}' });
    }
    const paths = s3Methods.map(([, method]) =>
      JSON.stringify((method.Properties?.Integration as Resource['Properties'])?.Uri),
    );
    expect(paths.filter((uri) => uri.includes('/app/index.html'))).toHaveLength(2);
    expect(paths.filter((uri) => uri.includes('/app/{file}'))).toHaveLength(1);
  });

  it('passes images through as bytes and leaves JSON as text', () => {
    expectProperties(api, 'AWS::ApiGateway::RestApi', { Name: 'blink-public', BinaryMediaTypes: ['image/*'] });
  });

  it('uploads the pages never cached and the other files cached for a day', () => {
    const deployments = resourcesOfType([api], 'Custom::CDKBucketDeployment').map(([, r]) => r.Properties ?? {});
    expect(deployments.map((d) => d.SystemMetadata)).toEqual(
      expect.arrayContaining([{ 'cache-control': 'no-store' }, { 'cache-control': 'public, max-age=86400' }]),
    );
    for (const deployment of deployments) expect(deployment.DestinationBucketKeyPrefix).toBe('app/');
  });

  it('splits the built folder between the two uploads, each file in exactly one', () => {
    const assembly = built.app.synth();
    const staged = readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(assembly.directory, name))
      .filter((dir) => existsSync(join(dir, 'app.js')) || existsSync(join(dir, 'index.html')));
    const contents = staged.map((dir) => readdirSync(dir).sort());
    expect(contents).toEqual(expect.arrayContaining([['app.webmanifest', 'index.html', 'sw.js'], ['app.js']]));
  });

  it('stays cdk-nag clean when the deploy profile names the account and region (as `cdk deploy` does)', () => {
    const saved = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
    process.env.CDK_DEFAULT_ACCOUNT = '123456789012';
    process.env.CDK_DEFAULT_REGION = 'eu-west-1';
    try {
      const concrete = buildTestApp();
      expect(concrete.api.region).toBe('eu-west-1');
      expect(() => templatesOf(concrete)).not.toThrow();
    } finally {
      for (const [name, value] of [
        ['CDK_DEFAULT_ACCOUNT', saved.account],
        ['CDK_DEFAULT_REGION', saved.region],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('refuses to synthesize without the built app, saying how to build it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'blink-no-app-'));
    try {
      expect(() => buildApp({}, { appFilesDir: empty })).toThrow(AppNotBuiltError);
      expect(() => buildApp({}, { appFilesDir: empty })).toThrow(/npm run build:app/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
