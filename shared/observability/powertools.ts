import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

export interface ObservabilityOptions {
  serviceName: string;
  /** Off in the local runtime, where there is no X-Ray daemon. (Metrics follow POWERTOOLS_METRICS_DISABLED.) */
  tracing: boolean;
}

/** One logger, metrics and tracer per function instance, created once at cold start. */
export function createObservability(options: ObservabilityOptions): Observability {
  return {
    logger: new Logger({ serviceName: options.serviceName }),
    metrics: new Metrics({ serviceName: options.serviceName, namespace: 'Blink' }),
    tracer: new Tracer({ serviceName: options.serviceName, enabled: options.tracing }),
  };
}

/**
 * The handler's X-Ray subsegment, without the response as metadata: answers carry binding codes, enrollment URIs and
 * encrypted passwords, and a trace is no place for them (Powertools records the response by default).
 */
export function traceHandler(tracer: Tracer) {
  return captureLambdaHandler(tracer, { captureResponse: false });
}
