import type { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { EndUserMessagingSmsSender } from '../adapters/sms/end-user-messaging-sms-sender.js';
import type { EnvOf } from '../config/env.js';
import type { ReportCounters } from '../ports/report-counters.js';
import type { SmsSender } from '../ports/sms-sender.js';
import { CountedSmsSender } from '../adapters/sms/counted-sms-sender.js';

/**
 * The SMS sender every composition (the three Lambdas and the local runtime) builds the same way: from the first
 * origination identity by default, with the configuration set, and checking SMS_OPT_OUT_LIST before each send.
 * End User Messaging keeps opt-outs on the list associated with the origination phone number (not on the
 * configuration set, and SendTextMessage takes no list): SMS_OPT_OUT_LIST must name the list of Blink's numbers
 * ("Default" unless changed), so a number that texted STOP to any of them is never sent to.
 */
export function createSmsSender(client: PinpointSMSVoiceV2Client, env: EnvOf<'sms'>): EndUserMessagingSmsSender;
/** With the report counters: every SMS the provider accepted is counted for the portal's reports. */
export function createSmsSender(
  client: PinpointSMSVoiceV2Client,
  env: EnvOf<'sms'>,
  counted: { counters: Pick<ReportCounters, 'addDaily'>; now: () => Date },
): SmsSender;
export function createSmsSender(
  client: PinpointSMSVoiceV2Client,
  env: EnvOf<'sms'>,
  counted?: { counters: Pick<ReportCounters, 'addDaily'>; now: () => Date },
): SmsSender {
  const sender = new EndUserMessagingSmsSender(client, {
    originationIdentity: env.SMS_ORIGINATION_IDENTITIES[0] ?? '',
    optOutListName: env.SMS_OPT_OUT_LIST,
    ...(env.SMS_CONFIGURATION_SET ? { configurationSetName: env.SMS_CONFIGURATION_SET } : {}),
  });
  return counted ? new CountedSmsSender(sender, counted.counters, counted.now) : sender;
}
