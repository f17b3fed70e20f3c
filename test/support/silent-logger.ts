import type { Logger } from '../../shared/ports/logger.js';

/** A logger that drops everything: for use cases whose logs a test does not look at. */
export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
