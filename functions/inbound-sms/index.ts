import { parseEnv } from '../../shared/config/env.js';
import { createObservability } from '../../shared/observability/powertools.js';
import { createInboundSmsUseCase } from '../../shared/use-cases/inbound-sms.js';
import { createInboundSmsHandler } from './handler.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete.
const env = parseEnv(['service', 'table', 'jobQueue', 'sms']);
const observability = createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: true });

export const handler = createInboundSmsHandler({
  observability,
  handleMessage: createInboundSmsUseCase(observability.logger),
});
