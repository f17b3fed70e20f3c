import { parseEnv } from '../../shared/config/env.js';
import { createObservability } from '../../shared/observability/powertools.js';
import { createApiHandler } from './handler.js';
import { pageRoutes } from './routes/pages.js';

// Lambda composition root: configuration is parsed once per cold start and fails fast when incomplete.
const env = parseEnv(['service']);

export const handler = createApiHandler({
  observability: createObservability({ serviceName: env.POWERTOOLS_SERVICE_NAME, tracing: true }),
  version: env.BLINK_VERSION,
  routes: [...pageRoutes()],
});
