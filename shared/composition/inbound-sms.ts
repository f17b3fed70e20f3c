import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EnvOf } from '../config/env.js';
import type { InboundSms } from '../domain/inbound-sms.js';
import { createObservability } from '../observability/powertools.js';
import { createInboundSmsFailureUseCase } from '../use-cases/inbound-sms/index.js';
import {
  createInboundSmsFailureHandler,
  createInboundSmsHandler,
  dispatchInboundSmsEvent,
} from '../../functions/inbound-sms/handler.js';
import {
  inboundSmsAdaptersFrom,
  inboundSmsSettingsFrom,
  inboundSmsUseCaseFrom,
  type InboundSmsUseCaseInputs,
} from './inbound-sms-use-case.js';

/** The environment sections the inbound-sms function reads (its Lambda root parses these; infra tests check them). */
export const inboundSmsEnvSections = [
  'service',
  'table',
  'jobQueue',
  'sms',
  'secretArns',
  'inboundSms',
  'enrollment',
] as const;
export type InboundSmsEnv = EnvOf<(typeof inboundSmsEnvSections)[number]>;

/** What differs between the deployed and the local inbound-sms function: where the clients point, secrets, time. */
export interface InboundSmsInputs extends InboundSmsUseCaseInputs {
  /** X-Ray tracing: on deployed, off locally (no daemon). */
  tracing: boolean;
  /** Told of each message after the use case handled it (the local console lists them). */
  onHandled?: (message: InboundSms) => void;
}

/** The inbound-sms function: the topic's notifications and the batches of its failure queue, on one set of adapters. */
export function wireInboundSms(env: InboundSmsEnv, inputs: InboundSmsInputs) {
  const observability = createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: inputs.tracing });
  const { logger, metrics } = observability;
  const adapters = inboundSmsAdaptersFrom(env, inputs);

  const notifications = createInboundSmsHandler({
    observability,
    handleMessage: inboundSmsUseCaseFrom({ ...adapters, logger, env, onHandled: inputs.onHandled }),
  });
  // Messages whose handling failed every attempt, from the failure queue's event source: the sender is told once.
  const failures = createInboundSmsFailureHandler({
    observability,
    handleFailure: createInboundSmsFailureUseCase({
      ...adapters,
      logger,
      settings: inboundSmsSettingsFrom(env),
      onGaveUp: () => metrics.addMetric('InboundSmsGaveUp', MetricUnit.Count, 1),
    }),
  });

  return { handler: dispatchInboundSmsEvent({ notifications, failures }), adapters };
}
