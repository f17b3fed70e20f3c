import type { Clock } from '../ports/clock.js';
import type { ServiceClients } from './aws-clients.js';
import { SystemClock } from '../adapters/system/clock.js';

/** What every function root passes its wiring, deployed or local: the AWS clients it uses, the time, tracing. */
export interface FunctionInputs<Client extends keyof ServiceClients> {
  clients: Pick<ServiceClients, Client>;
  clock: Clock;
  /** X-Ray tracing: on deployed, off locally (no daemon). */
  tracing: boolean;
}

/** What every Lambda root passes besides its clients: the system's time, and X-Ray tracing on. */
export function onLambda(): Pick<FunctionInputs<never>, 'clock' | 'tracing'> {
  return { clock: new SystemClock(), tracing: true };
}
