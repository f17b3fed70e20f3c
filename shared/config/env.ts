import * as z from 'zod';
import { isTimeZone } from './time-zone.js';
import { DEFAULT_WEB_PUSH_HOSTS } from '../domain/web-push.js';

/**
 * The one schema over the environment. Each composition root parses the sections its function needs, once, at
 * start-up, and fails fast with a readable list of what is missing or wrong. Nothing that must be set in production
 * has a silent default.
 */

/** A non-empty list in one variable, items trimmed, empty items dropped. */
const listSeparatedBy = (separator: ',' | ';') =>
  z
    .string()
    .transform((value) =>
      value
        .split(separator)
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    )
    .pipe(z.array(z.string()).min(1));

const commaList = listSeparatedBy(',');
// Group names and DNs contain commas.
const semicolonList = listSeparatedBy(';');

const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +18553917277');

export const envSections = {
  service: {
    POWERTOOLS_SERVICE_NAME: z.string().min(1).default('blink'),
    BLINK_VERSION: z.string().min(1).default('dev'),
  },
  table: {
    TABLE_NAME: z.string().min(1),
  },
  jobQueue: {
    JOB_QUEUE_URL: z.url(),
  },
  publicSite: {
    PUBLIC_BASE_URL: z.url().refine((url) => !url.endsWith('/'), 'must not end with a slash'),
  },
  email: {
    EMAIL_FROM: z.email(),
    SES_CONFIGURATION_SET: z.string().min(1).optional(),
  },
  sms: {
    /** Origination identities (phone numbers in E.164, pool ids or ARNs); the first one sends by default. */
    SMS_ORIGINATION_IDENTITIES: commaList,
    SMS_CONFIGURATION_SET: z.string().min(1).optional(),
    /** Numbers users may text (the published numbers); inbound messages to others are ignored. */
    SMS_INBOUND_NUMBERS: commaList.pipe(z.array(e164)),
    /**
     * The End User Messaging opt-out list (name or ARN) associated with the origination numbers, checked before every
     * send (sms-voice:DescribeOptedOutNumbers). AWS puts every new phone number on the list named Default.
     */
    SMS_OPT_OUT_LIST: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[A-Za-z0-9_:/-]+$/, 'must be an opt-out list name or ARN')
      .default('Default'),
  },
  directory: {
    /** One or more DC URLs, tried in order: ldaps://… or ldap://… with LDAP_STARTTLS=true. */
    LDAP_URLS: commaList.pipe(
      z.array(z.string().regex(/^ldaps?:\/\/[^\s/]+\/?$/, 'must be ldaps://host[:port] or ldap://host[:port]')),
    ),
    LDAP_BASE_DN: z.string().min(3),
    LDAP_BIND_DN: z.string().min(3),
    LDAP_STARTTLS: booleanFlag.default(false),
    /** Path of the PEM bundle of the CA(s) that signed the DCs' certificates (bundled with the worker when deployed). */
    LDAP_CA_FILE: z.string().min(1),
    LDAP_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3_000),
    LDAP_OPERATION_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  },
  /** Secrets Manager ARNs, when deployed. */
  secretArns: {
    TOKEN_HMAC_SECRET_ARN: z.string().startsWith('arn:').optional(),
    DIRECTORY_BIND_SECRET_ARN: z.string().startsWith('arn:').optional(),
    /** The VAPID key pair of Web Push, JSON {"publicKey","privateKey"} (README, "Web Push"). */
    VAPID_SECRET_ARN: z.string().startsWith('arn:').optional(),
    /** The admin portal's OpenID client secret (deployed: the Cognito app client's, copied into Secrets Manager). */
    PORTAL_OIDC_CLIENT_SECRET_ARN: z.string().startsWith('arn:').optional(),
  },
  /** Enrollment (setup page, device binding, activation links). */
  enrollment: {
    /** How long an activation link stays valid (security rule: at most 72 h). */
    ACTIVATION_TTL_HOURS: z.coerce.number().positive().max(72).default(72),
    /** Country assumed for numbers typed without a country code (ISO 3166-1 alpha-2). */
    // The shape only: whether libphonenumber knows the country is checked where its metadata is loaded anyway
    // (shared/domain/phone-number.ts), so functions that never parse a number do not carry the metadata.
    DEFAULT_COUNTRY: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as US')
      .default('US'),
    /** Countries verification codes may be texted to; unset: those of the configured numbers plus DEFAULT_COUNTRY. */
    SMS_ALLOWED_COUNTRIES: commaList
      .pipe(z.array(z.string().regex(/^[A-Z]{2}$/, 'must be two-letter country codes such as US,CA')))
      .optional(),
    /** Name shown in messages and pages. */
    PRODUCT_NAME: z.string().min(1).max(40).default('Blink'),
    /** Who users should contact, named in notices ("If this was not you, contact …"). */
    SUPPORT_CONTACT: z.string().min(1).default('your IT service desk'),
  },
  /** SNS mobile push platform applications: registering apps get endpoints made on them (none: no pushes). */
  push: {
    PUSH_APNS_PLATFORM_APPLICATION_ARN: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:app\/(APNS|APNS_SANDBOX)\/\S+$/,
        'must be an SNS APNs platform application ARN',
      )
      .optional(),
    PUSH_FCM_PLATFORM_APPLICATION_ARN: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:app\/GCM\/\S+$/,
        'must be an SNS FCM (GCM) platform application ARN',
      )
      .optional(),
  },
  /** The admin API's way to the directory worker (a synchronous Lambda invocation). */
  adminApi: {
    DIRECTORY_WORKER_FUNCTION: z.string().min(1),
  },
  /** Resets and unlocks done by the directory worker (design: docs/design/reset.md). */
  reset: {
    /** Write pwdLastSet=0 so the user must choose a new password at next sign-in (an SMS is not a protected channel). */
    RESET_FORCE_CHANGE: booleanFlag.default(true),
    /** Clear lockoutTime in the same modify as the password. */
    RESET_UNLOCK_ON_RESET: booleanFlag.default(true),
    /** Send the password policy hints control with resets, so the DC applies password history to them (DCs that support it). */
    LDAP_PASSWORD_POLICY_HINTS: booleanFlag.default(false),
    /** Shortest generated password (NIST SP 800-63B rev 4: 15 for a single factor); the user's effective AD policy wins when it asks for more. */
    PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(64).default(15),
    /** New passwords tried when AD refuses one (0000052D) before the reset is given up. */
    PASSWORD_REJECTION_RETRIES: z.coerce.number().int().min(0).max(5).default(3),
    /** The job queue's maxReceiveCount: on the last delivery a failing job tells the user before it goes to the DLQ. */
    JOB_MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(100).default(5),
    /** How long an app request's answer (an encrypted password) waits to be fetched. */
    APP_RESULT_TTL_SECONDS: z.coerce.number().int().min(30).max(900).default(300),
    /**
     * After a reset, how long to poll the other DCs for the new password before the SMS goes (0: no check). At most
     * 20 s, so the whole job stays well inside the worker's 60 s timeout; a DC still behind raises ReplicationBehind.
     */
    REPLICATION_CONFIRM_SECONDS: z.coerce.number().int().min(0).max(20).default(10),
  },
  /** Inbound SMS commands (design: docs/design/reset.md). */
  inboundSms: {
    /** Extra words that mean RESET / UNLOCK / HELP (comma separated); the defaults always work. */
    SMS_RESET_KEYWORDS: commaList.optional(),
    SMS_UNLOCK_KEYWORDS: commaList.optional(),
    SMS_HELP_KEYWORDS: commaList.optional(),
    /**
     * Answer RESET and UNLOCK with a 6-digit code and act only when it comes back from the same number within 5
     * minutes (the sender number is a possession signal, not proof: a spoofed sender never sees the code). On by
     * default; `false` acts on the sender number alone (README, "Confirmation codes").
     */
    RESET_CONFIRMATION: booleanFlag.default(true),
    RESETS_PER_HOUR: z.coerce.number().int().min(1).max(100).default(3),
    RESETS_PER_DAY: z.coerce.number().int().min(1).max(1000).default(10),
  },
  /** SNS deliveries over HTTPS to the api function (an alternative to the Lambda subscription). */
  snsHttps: {
    /** Topics whose signed notifications the HTTPS route accepts; the route answers 404 when unset. */
    SNS_HTTPS_TOPIC_ARNS: commaList.optional(),
  },
  lockoutScan: {
    LOCKOUT_SCAN_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
    LOCKOUT_SCAN_TIME_BUDGET_MS: z.coerce.number().int().min(1000).default(20_000),
    /** Incremental scans (users changed since the last scan) build on a full scan at most this old; 0: always full. */
    LOCKOUT_SCAN_WATERMARK_MAX_AGE_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(86_400),
  },
  /** Alerts the lockout scan sends to enrolled users. */
  lockoutAlert: {
    /** IANA time zone of the time in the alert ("locked at 10:42"). */
    LOCKOUT_ALERT_TIME_ZONE: z
      .string()
      .min(1)
      .default('UTC')
      .refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Berlin'),
    /** Lockout alerts per user per day (an SMS and pushes count as one alert); further lockouts that day are recorded only. */
    LOCKOUT_ALERTS_PER_DAY: z.coerce.number().int().min(1).max(100).default(5),
    /** The SMS alert also says on which DC (and when) the latest wrong password was tried (badPwdCount is per DC). */
    LOCKOUT_ALERT_SHOW_DC: booleanFlag.default(false),
    /** A scan that finds more new lockouts than this is a mass lockout (admins first, paced alerts, codes for UNLOCK). */
    MASS_LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(1_000_000).default(50),
    /** …or more than this percentage of enrolled users (at least 10 lockouts); 0 turns this rule off. */
    MASS_LOCKOUT_THRESHOLD_PERCENT: z.coerce.number().min(0).max(100).default(5),
    /** Alerts a second during a mass lockout and SMS reminders: the SMS numbers' throughput (toll-free: 3). */
    SMS_SENDS_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(3),
    /** A mass-lockout event lasts this long after the last scan that found one. */
    MASS_LOCKOUT_EVENT_MINUTES: z.coerce.number().int().min(5).max(1440).default(60),
    /** The alarm topic the admins' mass-lockout alert is published to (deployed; locally the alerts are recorded). */
    ALARM_TOPIC_ARN: z.string().startsWith('arn:').optional(),
  },
  /** Password-expiry reminders (issue 13 §4); the expiry is shown in LOCKOUT_ALERT_TIME_ZONE, the deployment's zone. */
  expiryReminders: {
    /** Days before the expiry a reminder goes out, one per step (comma-separated). */
    PASSWORD_EXPIRY_REMINDER_DAYS: commaList
      .pipe(
        z.array(
          z
            .string()
            .regex(/^\d{1,2}$/, 'must be whole days such as 14,7,3,1')
            .transform(Number)
            .pipe(z.number().int().min(1).max(90)),
        ),
      )
      .refine((days) => new Set(days).size === days.length, 'must not repeat a day')
      .default([14, 7, 3, 1]),
    /** Besides email (always): SMS to the verified phone, and push to the bound apps, for every enrolled user. */
    PASSWORD_EXPIRY_REMINDER_SMS: booleanFlag.default(false),
    PASSWORD_EXPIRY_REMINDER_PUSH: booleanFlag.default(false),
    PASSWORD_EXPIRY_SCAN_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
    /** Reading and sending stop after this long; a continuation job takes the rest. */
    PASSWORD_EXPIRY_SCAN_TIME_BUDGET_MS: z.coerce.number().int().min(1000).default(30_000),
  },
  /** Web Push to the installed app (RFC 8030/8291/8292): where subscriptions may point and who Blink says it is. */
  webPush: {
    /**
     * Push service hosts a subscription endpoint may be on (comma list; `*.suffix` for any host below it). The
     * default: the services of Chrome/Edge/Samsung (FCM), Firefox, Safari and legacy Edge.
     */
    WEB_PUSH_HOSTS: commaList.default([...DEFAULT_WEB_PUSH_HOSTS]),
    /** The VAPID contact (mailto: or https:) push services may use about Blink's pushes; unset: mailto:EMAIL_FROM. */
    WEB_PUSH_SUBJECT: z
      .string()
      .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'must be a mailto: or https: URL')
      .optional(),
  },
  /** The web-push queue (SQS) that the web-push sender outside the VPC consumes; unset: the worker sends no Web Push. */
  webPushQueue: {
    WEB_PUSH_QUEUE_URL: z.url().optional(),
  },
  /**
   * The admin portal (issue 12): OpenID Connect sign-in with the organisation's identity provider, roles from its
   * groups claim. Off while PORTAL_OIDC_ISSUER is unset; with it, the base URL, client id and secret are required.
   */
  portal: {
    /** The admin side's own origin (https deployed), where the portal lives at /admin/; its callback is /admin/portal/callback. */
    PORTAL_BASE_URL: z
      .url()
      .refine((url) => !url.endsWith('/'), 'must not end with a slash')
      .optional(),
    PORTAL_OIDC_ISSUER: z.url().optional(),
    PORTAL_OIDC_CLIENT_ID: z.string().min(1).optional(),
    PORTAL_OIDC_CLIENT_SECRET: z.string().min(16).optional(),
    /** The ID token claim with the groups (Cognito: cognito:groups, or a mapped custom attribute). */
    PORTAL_OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
    /** Groups (names or DNs, separated by semicolons: DNs hold commas) whose members are portal admins / technicians. */
    PORTAL_ADMIN_GROUPS: semicolonList.default(['Blink Admins']),
    PORTAL_TECHNICIAN_GROUPS: semicolonList.default(['Blink Technicians']),
    PORTAL_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(240).default(30),
    PORTAL_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24).default(8),
    /** The price of one SMS (in the currency of your bill) for the Reports page's estimated cost; 0 hides the cost. */
    SMS_PRICE_PER_MESSAGE: z.coerce.number().min(0).max(10).default(0.0075),
    /** The scopes the sign-in asks for (space-separated); Cognito knows no `groups` scope (its groups come as an attribute). */
    PORTAL_OIDC_SCOPES: z
      .string()
      .regex(/^openid( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'must start with openid, scopes separated by single spaces')
      .default('openid profile groups'),
    /** Where the portal's emergency actions are announced to the operators (deployed: the alarm topic). */
    PORTAL_ALARM_TOPIC_ARN: z.string().startsWith('arn:').optional(),
  },
} as const;

type Sections = typeof envSections;
type SectionName = keyof Sections;
type ShapeOf<Names extends SectionName> = UnionToIntersection<Sections[Names]>;
type UnionToIntersection<U> = (U extends unknown ? (arg: U) => void : never) extends (arg: infer I) => void ? I : never;

/** The parsed values of the named sections (optional settings come out as `T | undefined`). */
export type EnvOf<Names extends SectionName> = {
  [Key in keyof ShapeOf<Names>]: ShapeOf<Names>[Key] extends z.ZodType ? z.output<ShapeOf<Names>[Key]> : never;
};

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

/** Parses the named sections of the environment; throws ConfigurationError listing every problem at once. */
export function parseEnv<Names extends SectionName>(
  names: readonly Names[],
  env: Record<string, string | undefined> = process.env,
): EnvOf<Names> {
  const shape: z.ZodRawShape = {};
  for (const name of names) Object.assign(shape, envSections[name]);
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    throw new ConfigurationError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const missing = issue.path.length === 1 && env[String(issue.path[0])] === undefined;
        return `${name}: ${missing ? 'is required but not set' : issue.message}`;
      }),
    );
  }
  return result.data as EnvOf<Names>;
}
