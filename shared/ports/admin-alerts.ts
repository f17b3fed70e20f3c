/** Messages to the admins (deployed: the alarm topic, whose subscribers are the on-call people). */
export interface AdminAlerts {
  notify(alert: { subject: string; message: string }): Promise<void>;
}
