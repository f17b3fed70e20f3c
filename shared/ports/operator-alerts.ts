/**
 * A message to the people who run Blink (deployed: the alarm topic, which also carries the CloudWatch alarms and mails
 * the on-call admins). The portal's emergency path and the mass-lockout scan both announce themselves here.
 */
export interface OperatorAlert {
  subject: string;
  message: string;
}

export interface OperatorAlerts {
  /** Rejects when the alert could not be published: callers that must not act unannounced rely on it. */
  alert(alert: OperatorAlert): Promise<void>;
}
