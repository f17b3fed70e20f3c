import type { Context } from 'aws-lambda';
import { createLambdaContext } from '../../local/lambda-context.js';

/** A Lambda context as the runtime passes it, for invoking handlers directly (the local runtime's own). */
export function lambdaContext(functionName = 'test-function'): Context {
  return createLambdaContext(functionName, 30_000);
}
