import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import * as z from 'zod';
import { isTimeZone } from '../shared/config/time-zone.js';
import { optInKeywords, optOutKeywords } from '../shared/domain/sms-keywords.js';

/**
 * Deployment configuration, read from cdk.json context or `-c key=value` and validated once at synth time. Values
 * from `-c` arrive as strings and values from cdk.json as JSON, so lists, numbers and flags accept both forms.
 * Every default synthesizes a demo; a bad value stops synth with a list of every problem at once.
 */

/** The published numbers of the user guide: users text these, and Blink sends from them. */
export const PUBLISHED_SMS_NUMBERS = ['+18553917277', '+14437477277'];

const E164 = /^\+[1-9]\d{6,14}$/;
const SMS_ARN = /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id)\/\S+$/;
const PHONE_NUMBER_ID = /^phone-[0-9a-f]{32}$/;
const POOL_ID = /^pool-[0-9a-f]{32}$/;
const LDAP_URL = /^(ldaps?):\/\/([^\s/:]+)(?::(\d{1,5}))?\/?$/;
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** `a,b` (from -c) or `["a","b"]` (from cdk.json) → a trimmed, non-empty list. */
function list<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part.length > 0)
        : value,
    z.array(item).min(1, 'must list at least one value'),
  );
}

const integer = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const flag = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean({ error: 'must be true or false' }),
);

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** A keyword alias: letters, digits, spaces and hyphens, never an opt-out or opt-in word (checked by the product too). */
const smsKeyword = z
  .string()
  .regex(/^[\p{L}\p{N} -]{1,20}$/u, 'must be 1 to 20 letters, digits, spaces or hyphens')
  .refine(
    (word) => ![...optOutKeywords, ...optInKeywords].includes(word.toUpperCase().replace(/\s+/g, '')),
    'must not be an opt-out or opt-in word (STOP, START…)',
  );

const smsOriginationIdentity = z
  .string()
  .refine(
    (value) => E164.test(value) || SMS_ARN.test(value) || PHONE_NUMBER_ID.test(value) || POOL_ID.test(value),
    'must be an E.164 number (+18553917277), a phone number id (phone-…), a pool id (pool-…) or an sms-voice ARN',
  );

export const configSchema = z
  .object({
    /** Base URL of the public site for links in emails; default: the API's own execute-api URL. */
    publicBaseUrl: z
      .url({ protocol: /^https$/, error: 'must be an https:// URL' })
      .refine((url) => !url.endsWith('/'), 'must not end with a slash')
      .optional(),
    senderEmail: z.email({ error: 'must be an email address' }).default('blink@example.com'),
    emailIdentityDomain: z.string().regex(HOSTNAME, 'must be a domain name such as example.com').optional(),
    smsOriginationIdentities: list(smsOriginationIdentity).default(PUBLISHED_SMS_NUMBERS),
    smsInboundNumbers: list(z.string().regex(E164, 'must be an E.164 number such as +18553917277')).default(
      PUBLISHED_SMS_NUMBERS,
    ),
    /** The opt-out list of the origination numbers (name or ARN), checked before every send; AWS's default is Default. */
    smsOptOutList: z
      .string()
      .regex(
        /^([A-Za-z0-9_-]{1,64}|arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:opt-out-list\/[A-Za-z0-9_-]{1,64})$/,
        'must be an opt-out list name (such as Default) or its ARN',
      )
      .default('Default'),
    smsPhoneNumberId: z
      .string()
      .refine(
        (value) =>
          PHONE_NUMBER_ID.test(value) ||
          /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:phone-number\/phone-[0-9a-f]{32}$/.test(value),
        'must be a phone number id (phone-…) or its ARN',
      )
      .optional(),
    ldapUrls: list(z.string().regex(LDAP_URL, 'must be ldaps://host[:port] or ldap://host[:port]')).default([
      'ldaps://dc1.corp.example.com:636',
    ]),
    ldapBaseDn: z
      .string()
      .min(3, 'must be a DN such as DC=corp,DC=example,DC=com')
      .default('DC=corp,DC=example,DC=com'),
    ldapBindDn: z.string().min(3, 'must be a DN').default('CN=svc-blink,OU=Service Accounts,DC=corp,DC=example,DC=com'),
    ldapStartTls: flag.default(false),
    ldapPasswordPolicyHints: flag.default(false),
    ldapCaFile: z.string().min(1).default('infra/demo/ldap-ca.pem'),
    ldapPeerCidrs: list(z.string().regex(IPV4_CIDR, 'must be an IPv4 CIDR such as 10.20.0.0/24')).default([
      '10.20.0.0/24',
    ]),
    ldapPorts: list(integer(1, 65535)).default([636]),
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id (vpc-…)')
      .optional(),
    subnetIds: list(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id (subnet-…)')).optional(),
    /** Managed prefix lists (pl-…, e.g. DynamoDB's) the worker may reach on 443; without them 443 is open to any address. */
    awsApiPrefixListIds: list(z.string().regex(/^pl-[0-9a-f]{8,17}$/, 'must be a prefix list id (pl-…)')).optional(),
    lockoutScanRateMinutes: integer(1, 1440).default(5),
    /** IANA time zone of the time in lockout alerts ("locked at 10:42"). */
    lockoutAlertTimeZone: z
      .string()
      .refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Berlin')
      .default('UTC'),
    /** Lockout alerts per user per day. */
    lockoutAlertsPerDay: integer(1, 100).default(5),
    /** Password-expiry reminders: days before the expiry, one reminder per step. */
    passwordExpiryReminderDays: list(integer(1, 90))
      .refine((days) => new Set(days).size === days.length, 'must not repeat a day')
      .default([14, 7, 3, 1]),
    /** Local hour (in lockoutAlertTimeZone) of the daily reminder run. */
    passwordExpiryReminderHour: integer(0, 23).default(9),
    /** Reminders by SMS / app push too, for every enrolled user (email always). */
    passwordExpiryReminderSms: flag.default(false),
    passwordExpiryReminderPush: flag.default(false),
    /** The SMS lockout alert names the DC that saw the latest wrong password, and when (DC names reach the user's phone). */
    lockoutAlertShowDc: flag.default(false),
    /** Mass lockouts: more new lockouts in one scan than this, or than this percentage of enrolled users (0: off). */
    massLockoutThreshold: integer(1, 1_000_000).default(50),
    massLockoutThresholdPercent: z.coerce.number().min(0).max(100).default(5),
    /** The SMS numbers' throughput, for paced alerts and reminders (toll-free: 3 a second). */
    smsSendsPerSecond: integer(1, 1000).default(3),
    /** A mass-lockout event lasts this long after the last scan that found one. */
    massLockoutEventMinutes: integer(5, 1440).default(60),
    logRetentionDays: z.coerce
      .number()
      .refine(
        (days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days),
        `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      )
      .default(90),
    alarmEmail: z.email({ error: 'must be an email address' }).optional(),
    /** Named in the activation email, the setup page and notices. */
    productName: z.string().trim().min(1).max(40, 'must be at most 40 characters').default('Blink'),
    /** Who users are told to contact ("If you did not expect this email, … contact <supportContact>"). */
    supportContact: z.string().trim().min(1).max(200, 'must be at most 200 characters').default('your IT service desk'),
    /** How long an activation link works (at most 72 hours). */
    activationTtlHours: integer(1, 72).default(72),
    /** Country assumed for numbers typed without a country code on the setup page (ISO 3166-1 alpha-2). */
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as US')
      .default('US'),
    /**
     * The only countries verification SMS (and every other Blink SMS) may go to: the setup page refuses numbers of
     * other countries, and End User Messaging's protect configuration blocks them. Default: the countries of the
     * configured numbers plus defaultCountry (resolved in loadConfig).
     */
    smsAllowedCountries: list(
      z
        .string()
        .regex(/^[A-Z]{2}$/, 'must be a two-letter upper-case country code such as US')
        // Only shape errors for malformed codes: the country check below is for well-formed ones.
        .refine(
          (code) => !/^[A-Z]{2}$/.test(code) || isSupportedCountry(code),
          'must be an ISO 3166-1 alpha-2 country code with phone numbers',
        ),
    ).optional(),
    /**
     * Monthly SMS budget in USD: an alarm fires at 80 % of it, and the SmsSpendLimitCommand output sets End User
     * Messaging's enforced account limit to it (CloudFormation cannot set that limit).
     */
    smsMonthlySpendLimitUsd: integer(1, 1_000_000).default(100),
    /** A reset makes the user choose a new password at the next sign-in (pwdLastSet=0): an SMS is not a safe channel. */
    resetForceChange: flag.default(true),
    /** A reset also clears a lockout (lockoutTime=0 in the same modify). */
    resetUnlocks: flag.default(true),
    /**
     * Shortest generated password; the user's effective AD policy wins when it asks for more. 15 by default: NIST
     * SP 800-63B rev 4 asks for at least 15 characters where a password is the only factor.
     */
    passwordMinLength: integer(8, 64).default(15),
    /**
     * After a reset, seconds the worker polls the other DCs for the new password before the SMS goes (0: off; at most
     * 20, well inside the worker's timeout). A DC still behind raises ReplicationBehind (alarmed).
     */
    replicationConfirmSeconds: integer(0, 20).default(10),
    /** Resets and unlocks per account (SMS and app together) per hour and per day. */
    resetsPerHour: integer(1, 100).default(3),
    resetsPerDay: integer(1, 1000).default(10),
    /** Reset or unlock by SMS only after the user sends back a 6-digit code from Blink's reply (within 5 minutes). */
    resetConfirmation: flag.default(true),
    /** Extra words that mean RESET / UNLOCK / HELP in an inbound SMS (the defaults always work). */
    smsResetKeywords: list(smsKeyword).optional(),
    smsUnlockKeywords: list(smsKeyword).optional(),
    smsHelpKeywords: list(smsKeyword).optional(),
    /**
     * SNS mobile push platform applications (created with the APNs / FCM credentials, outside Blink): apps that
     * register get an endpoint made from their token on these. Unset: no pushes for that platform.
     */
    pushApnsPlatformApplicationArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:app\/(APNS|APNS_SANDBOX)\/[A-Za-z0-9_.-]{1,256}$/,
        'must be an SNS APNs platform application ARN (arn:aws:sns:REGION:ACCOUNT:app/APNS/NAME)',
      )
      .optional(),
    pushFcmPlatformApplicationArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:app\/GCM\/[A-Za-z0-9_.-]{1,256}$/,
        'must be an SNS FCM platform application ARN (arn:aws:sns:REGION:ACCOUNT:app/GCM/NAME)',
      )
      .optional(),
    /** Push service hosts Web Push subscriptions may point at (`*.suffix` allowed); unset: the browsers' own services. */
    webPushHosts: list(
      z
        .string()
        .regex(
          /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
          'must be host names such as fcm.googleapis.com or *.push.apple.com',
        ),
    ).optional(),
    /** The VAPID contact push services see (mailto: or https:); unset: mailto: of senderEmail. */
    webPushSubject: z
      .string()
      .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'must be a mailto: or https: URL')
      .optional(),
    /** SNS topics whose HTTPS deliveries the public API accepts at POST /sns/inbound-sms; the route is off when unset. */
    snsHttpsTopicArns: list(
      z
        .string()
        .regex(SNS_TOPIC_ARN, 'must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:blink-inbound-sms'),
    ).optional(),
    /** Requests per client IP per 5 minutes before WAF blocks (WAF's minimum is 10). */
    wafRateLimit: integer(10, 2_000_000_000).default(300),
    removalPolicy: z.enum(['retain', 'destroy'], { error: 'must be retain or destroy' }).default('retain'),
    /** Price of one SMS (the currency of your bill) for the portal's estimated SMS cost; 0 hides the cost. */
    smsPricePerMessage: z.coerce
      .number({ error: 'must be a number from 0 to 10' })
      .min(0, 'must be at least 0')
      .max(10, 'must be at most 10')
      .default(0.0075),
    /**
     * The admin portal (README, "Deploying the admin portal"): off unless portalIdpType is set. Then the admin API
     * gets its own host name (portalDomainName, an ACM certificate in the stack's region), a Cognito user pool
     * federated to the organisation's identity provider, and the portal's routes.
     */
    portalIdpType: z.enum(['oidc', 'saml'], { error: 'must be oidc or saml' }).optional(),
    /** Name of the IdP in Cognito (letters, digits, hyphens; e.g. EntraID, Okta, Google, ADFS). */
    portalIdpName: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$/, 'must be 2 to 32 letters, digits, hyphens or underscores')
      .default('Corporate'),
    portalOidcIssuer: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
    portalOidcClientId: z.string().trim().min(1).max(255).optional(),
    /** A Secrets Manager secret (ARN) holding the IdP client secret as plain text; CloudFormation resolves it at deploy. */
    portalOidcClientSecretArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:\S+$/, 'must be a Secrets Manager secret ARN')
      .optional(),
    portalSamlMetadataUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
    /** The IdP claim (OIDC) or SAML attribute with the user's groups, mapped to the pool's custom:groups. */
    portalGroupsClaim: z.string().trim().min(1).max(255).optional(),
    /** The admin origin: a host name whose DNS you point at the PortalDnsTarget output. */
    portalDomainName: z.string().regex(HOSTNAME, 'must be a host name such as blink-admin.corp.example.com').optional(),
    portalCertificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/\S+$/, 'must be an ACM certificate ARN')
      .optional(),
    /** Cognito's sign-in host: a prefix of <prefix>.auth.<region>.amazoncognito.com, or a custom domain (certificate in us-east-1). */
    portalAuthDomainPrefix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be lower-case letters, digits and hyphens')
      .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'must not contain aws, amazon or cognito')
      .optional(),
    portalAuthDomainName: z.string().regex(HOSTNAME, 'must be a host name such as login.corp.example.com').optional(),
    portalAuthCertificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/\S+$/, 'must be an ACM certificate ARN in us-east-1')
      .optional(),
    /** Groups (names or DNs, `;`-separated) whose members are portal admins / technicians. */
    portalAdminGroups: z.string().trim().min(1).default('Blink Admins'),
    portalTechnicianGroups: z.string().trim().min(1).default('Blink Technicians'),
  })
  .superRefine((config, context) => {
    const problem = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
    for (const url of config.ldapUrls) {
      const match = LDAP_URL.exec(url);
      if (!match) continue; // already reported by the field rule
      const [, scheme, , port] = match;
      if (scheme === 'ldap' && !config.ldapStartTls) {
        problem(
          'ldapUrls',
          `${url} is plain LDAP: use ldaps:// or set ldapStartTls=true (passwords never travel in clear)`,
        );
      }
      const effectivePort = Number(port ?? (scheme === 'ldaps' ? 636 : 389));
      if (!config.ldapPorts.includes(effectivePort)) {
        problem(
          'ldapPorts',
          `${url} uses port ${effectivePort}, which is not in ldapPorts (${config.ldapPorts.join(',')})`,
        );
      }
    }
    if (
      config.emailIdentityDomain &&
      !config.senderEmail.toLowerCase().endsWith(`@${config.emailIdentityDomain.toLowerCase()}`)
    ) {
      problem('senderEmail', `must be an address at emailIdentityDomain (${config.emailIdentityDomain})`);
    }
    const caProblem = checkCaFile(config.ldapCaFile);
    if (caProblem) problem('ldapCaFile', caProblem);
    portalProblems(config, problem);
  });

/** What the admin portal needs once portalIdpType is set (and nothing of it otherwise). */
function portalProblems(
  config: {
    portalIdpType?: 'oidc' | 'saml' | undefined;
  } & Partial<Record<(typeof PORTAL_KEYS)[number], string>>,
  problem: (path: string, message: string) => void,
): void {
  const given = PORTAL_KEYS.filter((key) => config[key] !== undefined);
  if (!config.portalIdpType) {
    for (const key of given) problem(key, 'is a portal setting: set portalIdpType (oidc or saml) to deploy the portal');
    return;
  }
  const required: (typeof PORTAL_KEYS)[number][] = [
    'portalDomainName',
    'portalCertificateArn',
    ...(config.portalIdpType === 'oidc'
      ? (['portalOidcIssuer', 'portalOidcClientId', 'portalOidcClientSecretArn'] as const)
      : (['portalSamlMetadataUrl'] as const)),
  ];
  for (const key of required)
    if (config[key] === undefined) problem(key, `is required with portalIdpType=${config.portalIdpType}`);
  const other =
    config.portalIdpType === 'oidc'
      ? (['portalSamlMetadataUrl'] as const)
      : (['portalOidcIssuer', 'portalOidcClientId', 'portalOidcClientSecretArn'] as const);
  for (const key of other)
    if (config[key] !== undefined) problem(key, `does not apply to portalIdpType=${config.portalIdpType}`);
  const customDomain = config.portalAuthDomainName !== undefined || config.portalAuthCertificateArn !== undefined;
  if (customDomain && (config.portalAuthDomainName === undefined || config.portalAuthCertificateArn === undefined))
    problem('portalAuthDomainName', 'portalAuthDomainName and portalAuthCertificateArn go together');
  if (customDomain === (config.portalAuthDomainPrefix !== undefined))
    problem(
      'portalAuthDomainPrefix',
      'give either portalAuthDomainPrefix or portalAuthDomainName (Cognito sign-in host)',
    );
}

const PORTAL_KEYS = [
  'portalOidcIssuer',
  'portalOidcClientId',
  'portalOidcClientSecretArn',
  'portalSamlMetadataUrl',
  'portalGroupsClaim',
  'portalDomainName',
  'portalCertificateArn',
  'portalAuthDomainPrefix',
  'portalAuthDomainName',
  'portalAuthCertificateArn',
] as const;

export type BlinkConfig = Omit<z.output<typeof configSchema>, 'smsAllowedCountries'> & {
  /** Absolute path of the CA bundle. */
  ldapCaPath: string;
  /** As configured, or the countries of the configured numbers plus defaultCountry; sorted, no duplicates. */
  smsAllowedCountries: string[];
};

/** Countries of the E.164 numbers Blink sends from and receives on, plus the default country of typed numbers. */
export function defaultSmsAllowedCountries(
  config: Pick<BlinkConfig, 'smsInboundNumbers' | 'smsOriginationIdentities' | 'defaultCountry'>,
): string[] {
  const countries = [...config.smsInboundNumbers, ...config.smsOriginationIdentities]
    .filter((identity) => E164.test(identity))
    .map((number) => parsePhoneNumberFromString(number)?.country)
    .filter((country): country is NonNullable<typeof country> => country !== undefined);
  return [...new Set([...countries, config.defaultCountry])].sort();
}

export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof typeof configSchema.shape)[];

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid Blink configuration (cdk.json "context" or -c key=value):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigurationError';
  }
}

/** Paths in the configuration are relative to the project root (where cdk.json lives). */
const resolveFromRoot = (path: string) => (isAbsolute(path) ? path : resolve(__dirname, '..', path));

function checkCaFile(path: string): string | undefined {
  const absolute = resolveFromRoot(path);
  if (!existsSync(absolute)) return `${path} does not exist`;
  const pem = readFileSync(absolute, 'utf8');
  if (/PRIVATE KEY/.test(pem)) return `${path} contains a private key: give the CA certificate only`;
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return `${path} is not a PEM certificate bundle`;
  return undefined;
}

/** Reads and validates the configuration; `read(key)` returns the raw context value (undefined when unset). */
export function loadConfig(read: (key: string) => unknown): BlinkConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = read(key);
    // An empty `-c key=` means "unset", so optional keys can be cleared from the command line.
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const result = configSchema.safeParse(raw);
  // Checked on the raw values so that it is reported together with any other problem.
  const pairing =
    'vpcId' in raw !== 'subnetIds' in raw
      ? ['vpcId: vpcId and subnetIds go together: give both to import a VPC, or neither for a demo VPC']
      : [];
  if (!result.success || pairing.length > 0) {
    const issues = result.success ? [] : result.error.issues;
    throw new ConfigurationError([
      ...pairing,
      ...issues.map((issue) => {
        const key = issue.path.map(String).join('.');
        const topKey = String(issue.path[0] ?? '');
        const given = topKey in raw ? ` (got ${JSON.stringify(raw[topKey])})` : '';
        return `${key || '(configuration)'}: ${issue.message}${given}`;
      }),
    ]);
  }
  const { smsAllowedCountries, ...data } = result.data;
  return {
    ...data,
    ldapCaPath: resolveFromRoot(data.ldapCaFile),
    smsAllowedCountries: smsAllowedCountries
      ? [...new Set(smsAllowedCountries)].sort()
      : defaultSmsAllowedCountries(data),
  };
}
