/** A message to the people who run Blink (deployed: the alarm topic, which also carries the CloudWatch alarms). */
export interface OperatorAlert {
  subject: string;
  message: string;
}

export interface OperatorAlerts {
  alert(alert: OperatorAlert): Promise<void>;
}
