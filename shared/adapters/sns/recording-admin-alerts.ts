import type { AdminAlerts } from '../../ports/admin-alerts.js';

export interface RecordedAdminAlert {
  subject: string;
  message: string;
  at: Date;
}

/** Admin alerts for the local runtime: kept in memory for the console and tests, as the alarm topic would mail them. */
export class RecordingAdminAlerts implements AdminAlerts {
  private readonly alerts: RecordedAdminAlert[] = [];

  async notify(alert: { subject: string; message: string }): Promise<void> {
    this.alerts.push({ ...alert, at: new Date() });
  }

  /** Alerts so far, oldest first. */
  list(): RecordedAdminAlert[] {
    return this.alerts.map((alert) => ({ ...alert }));
  }
}
