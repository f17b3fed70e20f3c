import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { buildApp } from '../../infra/app.js';
import { appFixtureDir, buildTestApp, templatesOf } from './build.js';

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['the demo configuration', {}],
    [
      'an imported VPC with phone number ids and a domain identity',
      {
        vpcId: 'vpc-0123456789abcdef0',
        subnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
        smsOriginationIdentities: 'phone-0123456789abcdef0123456789abcdef',
        emailIdentityDomain: 'example.com',
        alarmEmail: 'ops@example.com',
      },
    ],
  ])('reports no unacknowledged finding for %s', (_name, context) => {
    // cdk-nag 3 runs as a validation plugin during synthesis: Template.fromStack throws on any open finding.
    expect(() => templatesOf(buildTestApp(context))).not.toThrow();
  });

  it('fails synthesis when a resource breaks a rule (so the test above can fail)', () => {
    const built = buildTestApp();
    new Queue(built.data, 'UnencryptedQueue', { encryption: QueueEncryption.UNENCRYPTED });
    expect(() => Template.fromStack(built.data)).toThrow(/AwsSolutions-SQS/);
  });
});

describe('bundling', () => {
  it('copies the configured CA bundle next to the directory worker code', () => {
    const built = buildApp({ 'aws:cdk:bundling-stacks': ['BlinkDirectory'] }, { appFilesDir: appFixtureDir });
    const assembly = built.app.synth();
    const template = JSON.stringify(assembly.getStackByName('BlinkDirectory').template);
    const assetDirs = [...template.matchAll(/"([0-9a-f]{64})\.zip"/g)].map((match) =>
      join(assembly.directory, `asset.${match[1]}`),
    );
    const withCa = assetDirs.filter((dir) => existsSync(join(dir, 'ldap-ca.pem')));
    expect(withCa).toHaveLength(1);
    expect(readFileSync(join(withCa[0] as string, 'ldap-ca.pem'), 'utf8')).toBe(
      readFileSync(built.config.ldapCaPath, 'utf8'),
    );
    expect(existsSync(join(withCa[0] as string, 'index.js'))).toBe(true);
  });
});
