export interface OutboundSms {
  /** Destination in E.164. */
  to: string;
  body: string;
  /** Origination identity (number, pool or ARN); the adapter's default when absent. */
  from?: string;
}

export interface SmsSender {
  /** Resolves with the provider's message id; throws OptedOutError when the destination opted out. */
  send(message: OutboundSms): Promise<{ messageId: string }>;
}
