import type { EnvOf } from '../config/env.js';
import { keywordAliasesFrom, type InboundSmsSettings } from '../use-cases/inbound-sms/index.js';

/** The inbound SMS use case's settings, read the same way by the Lambda, the api function and the local runtime. */
export function inboundSmsSettingsFrom(env: EnvOf<'sms' | 'inboundSms' | 'enrollment'>): InboundSmsSettings {
  return {
    inboundNumbers: env.SMS_INBOUND_NUMBERS,
    aliases: keywordAliasesFrom({ reset: env.SMS_RESET_KEYWORDS, unlock: env.SMS_UNLOCK_KEYWORDS, help: env.SMS_HELP_KEYWORDS }),
    confirmation: env.RESET_CONFIRMATION,
    limits: { resetsPerHour: env.RESETS_PER_HOUR, resetsPerDay: env.RESETS_PER_DAY },
    productName: env.PRODUCT_NAME,
    supportContact: env.SUPPORT_CONTACT,
  };
}
