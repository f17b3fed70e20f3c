import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';

/** What use cases and routes log through: a Powertools Logger fits, and tests pass their own. Never given a secret. */
export type Logger = Pick<PowertoolsLogger, 'info' | 'warn' | 'error'>;
