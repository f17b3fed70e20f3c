import { createObservability, type Observability } from '../../shared/observability/powertools.js';

/** Powertools logger, metrics and tracer for a handler a test invokes directly: tracing off (no X-Ray daemon here). */
export function testObservability(serviceName = 'blink-test'): Observability {
  return createObservability({ serviceName, tracing: false });
}
