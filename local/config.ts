import * as z from 'zod';
import { ConfigurationError, envSections } from '../shared/config/env.js';
import type { DirectorySettings } from './compose.js';

/** The two origination numbers published in the user guide; users text them, and messages are sent from them. */
export const PUBLISHED_NUMBERS = ['+18553917277', '+14437477277'] as const;

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/**
 * What the local runtime reads from the environment (its own settings; the handlers' configuration is then built from
 * these and parsed with the shared `parseEnv`). Every value has a local default except the real-directory settings,
 * which are all-or-nothing.
 */
const localEnvSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_BASE_URL: optionalText.pipe(
      z
        .url()
        .refine((url) => !url.endsWith('/'), 'must not end with a slash')
        .optional(),
    ),
    LOCKOUT_SCAN_INTERVAL_SECONDS: z.coerce.number().min(0.05).max(86_400).default(300),
    /** Local hour (in LOCKOUT_ALERT_TIME_ZONE) at which the scheduler tick queues the daily password-expiry reminders. */
    PASSWORD_EXPIRY_REMINDER_HOUR: z.coerce.number().int().min(0).max(23).default(9),
    JOB_VISIBILITY_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(43_200).default(30),
    JOB_MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(5),
    BLINK_VERSION: z.string().min(1).default('local'),
    EMAIL_FROM: z.email().default('blink@corp.example.test'),
    SMS_ORIGINATION_IDENTITIES: z.string().min(1).default(PUBLISHED_NUMBERS.join(',')),
    SMS_INBOUND_NUMBERS: z.string().min(1).default(PUBLISHED_NUMBERS.join(',')),
    /** Bearer token the admin routes (/admin/…) and `npm run admin` use locally; a random one per start when unset. */
    LOCAL_ADMIN_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
    /** HMAC key for issued secrets; a random one per start when unset (nothing survives a restart anyway). */
    TOKEN_HMAC_KEY: optionalText,
    LDAP_URL: optionalText,
    LDAP_BASE_DN: optionalText,
    LDAP_BIND_DN: optionalText,
    LDAP_BIND_PASSWORD: optionalText,
    LDAP_CA_FILE: optionalText,
    LDAP_STARTTLS: z.enum(['true', 'false']).default('false'),
  })
  .superRefine((env, context) => {
    const directoryKeys = ['LDAP_URL', 'LDAP_BASE_DN', 'LDAP_BIND_DN', 'LDAP_BIND_PASSWORD', 'LDAP_CA_FILE'] as const;
    const set = directoryKeys.filter((key) => env[key] !== undefined);
    if (set.length > 0 && set.length < directoryKeys.length) {
      for (const key of directoryKeys.filter((candidate) => env[candidate] === undefined)) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `is required when any of ${directoryKeys.join(', ')} is set (a real directory needs all five)`,
        });
      }
    }
  });

export type LocalEnv = z.output<typeof localEnvSchema>;

/**
 * The product settings of the shared schema (wording, limits, reset and lockout behaviour): the local runtime passes
 * whichever are set straight to the handlers, where `parseEnv` validates them as in the Lambdas. Derived from the
 * schema, so a new setting works locally without being listed here.
 */
const productSettingSections = [
  'enrollment',
  'reset',
  'inboundSms',
  'snsHttps',
  'lockoutScan',
  'lockoutAlert',
  'expiryReminders',
  'webPush',
  'portal',
] as const;
export const productSettingNames: readonly string[] = productSettingSections.flatMap((section) =>
  Object.keys(envSections[section]),
);

/** The product settings set (and not blank) in `env`, trimmed. */
export function productSettingsFrom(env: Record<string, string | undefined>): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const name of productSettingNames) {
    const value = env[name]?.trim();
    if (value) settings[name] = value;
  }
  return settings;
}

/** A real AD / Samba DC, as configured by the environment. */
export type RealDirectoryConfig = DirectorySettings;

export function parseLocalEnv(env: Record<string, string | undefined> = process.env): LocalEnv {
  const result = localEnvSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigurationError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  return result.data;
}

export function realDirectoryFrom(env: LocalEnv): RealDirectoryConfig | undefined {
  if (!env.LDAP_URL || !env.LDAP_BASE_DN || !env.LDAP_BIND_DN || !env.LDAP_BIND_PASSWORD || !env.LDAP_CA_FILE)
    return undefined;
  return {
    urls: env.LDAP_URL,
    baseDn: env.LDAP_BASE_DN,
    bindDn: env.LDAP_BIND_DN,
    bindPassword: env.LDAP_BIND_PASSWORD,
    caFile: env.LDAP_CA_FILE,
    startTls: env.LDAP_STARTTLS === 'true',
  };
}
