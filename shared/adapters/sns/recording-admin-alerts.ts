import type { OperatorAlert, OperatorAlerts } from '../../ports/operator-alerts.js';

export interface RecordedAdminAlert {
  subject: string;
  message: string;
  at: Date;
}

/** Admin alerts for the local runtime: kept in memory for the console and tests, as the alarm topic would mail them. */
export class RecordingAdminAlerts implements OperatorAlerts {
  private readonly alerts: RecordedAdminAlert[] = [];

  async alert(alert: OperatorAlert): Promise<void> {
    this.alerts.push({ ...alert, at: new Date() });
  }

  /** Alerts so far, oldest first. */
  list(): RecordedAdminAlert[] {
    return this.alerts.map((alert) => ({ ...alert }));
  }
}
