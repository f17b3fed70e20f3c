import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, loadConfig, PUBLISHED_SMS_NUMBERS } from '../../infra/config.js';
import { buildTestApp, configProblems } from './build.js';

const load = (context: Record<string, unknown>) => loadConfig((key) => context[key]);

describe('deployment configuration', () => {
  it('has defaults that describe a demo', () => {
    const config = load({});
    expect(config).toMatchObject({
      smsOriginationIdentities: PUBLISHED_SMS_NUMBERS,
      smsInboundNumbers: ['+18553917277', '+14437477277'],
      ldapUrls: ['ldaps://dc1.corp.example.com:636'],
      ldapStartTls: false,
      ldapPasswordPolicyHints: false,
      ldapPorts: [636],
      ldapCaFile: 'infra/demo/ldap-ca.pem',
      lockoutScanRateMinutes: 5,
      removalPolicy: 'retain',
      wafRateLimit: 300,
    });
    expect(config.vpcId).toBeUndefined();
    expect(config.publicBaseUrl).toBeUndefined();
    expect(config.ldapCaPath).toMatch(/infra\/demo\/ldap-ca\.pem$/);
  });

  it('accepts -c strings and cdk.json JSON alike', () => {
    const fromFlags = load({
      ldapPorts: '636, 3269',
      ldapUrls: 'ldaps://a.example.com,ldaps://b.example.com',
      ldapStartTls: 'false',
      wafRateLimit: '500',
    });
    const fromJson = load({
      ldapPorts: [636, 3269],
      ldapUrls: ['ldaps://a.example.com', 'ldaps://b.example.com'],
      ldapStartTls: false,
      wafRateLimit: 500,
    });
    expect(fromFlags).toEqual(fromJson);
    expect(fromJson.ldapPorts).toEqual([636, 3269]);
  });

  it('names the key, the rule and the given value when a value is bad', () => {
    expect(configProblems({ ldapUrls: 'http://x' })).toEqual([
      'ldapUrls.0: must be ldaps://host[:port] or ldap://host[:port] (got "http://x")',
    ]);
  });

  it('lists every problem at once in one readable message', () => {
    let message = '';
    try {
      load({ ldapUrls: 'http://x', wafRateLimit: 'lots', vpcId: 'vpc-0123456789abcdef0', senderEmail: 'nobody' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid Blink configuration \(cdk\.json "context" or -c key=value\):\n/);
    expect(message).toContain('  - ldapUrls.0: must be ldaps://host[:port] or ldap://host[:port] (got "http://x")');
    expect(message).toContain('  - wafRateLimit: must be a whole number from 10 to 2000000000 (got "lots")');
    expect(message).toContain('  - senderEmail: must be an email address (got "nobody")');
    expect(message).toContain('  - vpcId: vpcId and subnetIds go together');
  });

  it('refuses plain LDAP unless StartTLS is on, and ports the security group would block', () => {
    expect(configProblems({ ldapUrls: 'ldap://dc1.corp.example.com', ldapPorts: '389' })).toEqual([
      expect.stringMatching(
        /^ldapUrls: ldap:\/\/dc1\.corp\.example\.com is plain LDAP: use ldaps:\/\/ or set ldapStartTls=true/,
      ),
    ]);
    expect(load({ ldapUrls: 'ldap://dc1.corp.example.com', ldapPorts: '389', ldapStartTls: 'true' }).ldapStartTls).toBe(
      true,
    );
    expect(load({ ldapPasswordPolicyHints: 'true' }).ldapPasswordPolicyHints).toBe(true);
    expect(configProblems({ ldapUrls: 'ldaps://dc1.corp.example.com:3269' })).toEqual([
      'ldapPorts: ldaps://dc1.corp.example.com:3269 uses port 3269, which is not in ldapPorts (636)',
    ]);
  });

  it('refuses SMS identities and numbers that are not E.164, ids or ARNs', () => {
    expect(
      configProblems({ smsOriginationIdentities: '+18553917277,5551234', smsInboundNumbers: '18553917277' }),
    ).toEqual([
      expect.stringMatching(/^smsOriginationIdentities\.1: must be an E\.164 number/),
      expect.stringMatching(/^smsInboundNumbers\.0: must be an E\.164 number/),
    ]);
    expect(configProblems({ smsPhoneNumberId: '+18553917277' })).toEqual([
      expect.stringMatching(/^smsPhoneNumberId: must be a phone number id/),
    ]);
  });

  it('checks the sender against the identity domain, and the other simple fields', () => {
    expect(configProblems({ emailIdentityDomain: 'example.org', senderEmail: 'blink@example.com' })).toEqual([
      'senderEmail: must be an address at emailIdentityDomain (example.org) (got "blink@example.com")',
    ]);
    expect(configProblems({ publicBaseUrl: 'http://reset.example.com' })).toEqual([
      expect.stringMatching(/^publicBaseUrl: must be an https:\/\/ URL/),
    ]);
    expect(configProblems({ publicBaseUrl: 'https://reset.example.com/' })).toEqual([
      expect.stringMatching(/^publicBaseUrl: must not end with a slash/),
    ]);
    expect(configProblems({ logRetentionDays: '42' })).toEqual([
      expect.stringMatching(/^logRetentionDays: must be one of 1, 3, 5/),
    ]);
    expect(configProblems({ removalPolicy: 'snapshot' })).toEqual([
      expect.stringMatching(/^removalPolicy: must be retain or destroy/),
    ]);
    expect(configProblems({ ldapPeerCidrs: '10.0.0.0/33' })).toEqual([
      expect.stringMatching(/^ldapPeerCidrs\.0: must be an IPv4 CIDR/),
    ]);
    expect(configProblems({ subnetIds: 'subnet-0123456789abcdef0' })).toEqual([
      expect.stringMatching(/^vpcId: vpcId and subnetIds go together/),
    ]);
    expect(configProblems({ lockoutScanRateMinutes: '0' })).toEqual([
      expect.stringMatching(/^lockoutScanRateMinutes:/),
    ]);
  });

  describe('CA file', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'blink-ca-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('must exist, be a certificate, and carry no private key', () => {
      const withKey = join(dir, 'with-key.pem');
      writeFileSync(
        withKey,
        '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n',
      );
      const notPem = join(dir, 'not.pem');
      writeFileSync(notPem, 'hello');
      expect(configProblems({ ldapCaFile: withKey })).toEqual([expect.stringContaining('contains a private key')]);
      expect(configProblems({ ldapCaFile: notPem })).toEqual([
        expect.stringContaining('is not a PEM certificate bundle'),
      ]);
      expect(configProblems({ ldapCaFile: join(dir, 'missing.pem') })).toEqual([
        expect.stringContaining('does not exist'),
      ]);
    });
  });

  it('stops buildApp before any stack exists', () => {
    expect(() => buildTestApp({ ldapUrls: 'http://x' })).toThrow(ConfigurationError);
  });

  it('makes the CDK app exit 1 with only the readable message', () => {
    // The CLI hands context to the app in CDK_CONTEXT_JSON; this is what `cdk synth -c ldapUrls=http://x` runs.
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'infra/app.ts'], {
      cwd: join(__dirname, '..', '..'),
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ ldapUrls: 'http://x' }),
        CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'blink-out-')),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      'Invalid Blink configuration (cdk.json "context" or -c key=value):\n  - ldapUrls.0: must be ldaps://host[:port] or ldap://host[:port] (got "http://x")',
    );
  });
});
