/** Time source; injected so expiry and rate windows can be tested with a controlled clock. */
export interface Clock {
  now(): Date;
}
