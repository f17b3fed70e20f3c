import { DynamoMassLockoutEvents } from '../adapters/dynamodb/mass-lockout-events.js';
import type { EnvOf } from '../config/env.js';
import { DynamoReportCounters } from '../adapters/dynamodb/report-counters.js';
import type { InboundSms } from '../domain/inbound-sms.js';
import type { Clock } from '../ports/clock.js';
import type { Secrets } from '../ports/secrets.js';
import { DynamoAuditLog } from '../adapters/dynamodb/audit-log.js';
import { DynamoEnrollmentStore } from '../adapters/dynamodb/enrollment-store.js';
import { DynamoOnceKeys } from '../adapters/dynamodb/once-keys.js';
import { DynamoOptOutList } from '../adapters/dynamodb/opt-out-list.js';
import { DynamoRateLimiter } from '../adapters/dynamodb/rate-limiter.js';
import { SqsJobQueue } from '../adapters/sqs/job-queue.js';
import {
  createInboundSmsUseCase,
  keywordAliasesFrom,
  type InboundSmsDependencies,
  type InboundSmsSettings,
} from '../use-cases/inbound-sms/index.js';
import type { ServiceClients } from './aws-clients.js';
import { createSmsSender } from './sms.js';

// The inbound SMS use case as both of its entries build it: the inbound-sms function (./inbound-sms.ts) and the api
// function's SNS HTTPS route (./api.ts). Kept apart from the inbound-sms wiring so the api bundle carries none of the
// inbound-sms handlers.

/** The inbound SMS use case's settings, read the same way by the Lambda, the api function and the local runtime. */
export function inboundSmsSettingsFrom(env: EnvOf<'sms' | 'inboundSms' | 'enrollment'>): InboundSmsSettings {
  return {
    inboundNumbers: env.SMS_INBOUND_NUMBERS,
    aliases: keywordAliasesFrom({
      reset: env.SMS_RESET_KEYWORDS,
      unlock: env.SMS_UNLOCK_KEYWORDS,
      help: env.SMS_HELP_KEYWORDS,
    }),
    confirmation: env.RESET_CONFIRMATION,
    limits: { resetsPerHour: env.RESETS_PER_HOUR, resetsPerDay: env.RESETS_PER_DAY },
    productName: env.PRODUCT_NAME,
    supportContact: env.SUPPORT_CONTACT,
  };
}

/** The adapters that differ between places (deployed, local) for the inbound SMS use case. */
export interface InboundSmsUseCaseInputs {
  clients: Pick<ServiceClients, 'documentClient' | 'sqs' | 'smsVoice'>;
  secrets: Secrets;
  clock: Clock;
}

/** The adapters of the inbound SMS use case, on one table, one queue and one SMS client. */
export function inboundSmsAdaptersFrom(env: EnvOf<'table' | 'jobQueue' | 'sms'>, inputs: InboundSmsUseCaseInputs) {
  const { documentClient, sqs, smsVoice } = inputs.clients;
  const { clock, secrets } = inputs;
  const table = { tableName: env.TABLE_NAME };
  return {
    clock,
    secrets,
    enrollmentStore: new DynamoEnrollmentStore(documentClient, { ...table, now: () => clock.now() }),
    onceKeys: new DynamoOnceKeys(documentClient, { ...table, clock }),
    optOutList: new DynamoOptOutList(documentClient, table),
    rateLimiter: new DynamoRateLimiter(documentClient, { ...table, clock }),
    auditLog: new DynamoAuditLog(documentClient, table),
    jobQueue: new SqsJobQueue(sqs, { queueUrl: env.JOB_QUEUE_URL }),
    smsSender: createSmsSender(smsVoice, env, {
      counters: new DynamoReportCounters(documentClient, table),
      now: () => clock.now(),
    }),
    massLockoutEvents: new DynamoMassLockoutEvents(documentClient, table),
  } satisfies Omit<InboundSmsDependencies, 'logger' | 'settings'>;
}

/**
 * The inbound SMS use case as both of its entries run it (the inbound-sms function's topic subscription and the api
 * function's SNS HTTPS route), with the local runtime's observer called after each handled message.
 */
export function inboundSmsUseCaseFrom(
  deps: Omit<InboundSmsDependencies, 'settings'> & {
    env: EnvOf<'sms' | 'inboundSms' | 'enrollment'>;
    onHandled?: ((message: InboundSms) => void) | undefined;
  },
) {
  const { env, onHandled, ...dependencies } = deps;
  const useCase = createInboundSmsUseCase({ ...dependencies, settings: inboundSmsSettingsFrom(env) });
  return async (message: InboundSms): Promise<void> => {
    await useCase(message);
    onHandled?.(message);
  };
}
