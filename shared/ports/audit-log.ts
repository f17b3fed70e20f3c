export type AuditChannel = 'sms' | 'app' | 'web' | 'admin' | 'system';

/** A structured record of a request and its outcome. Never holds a secret. */
export interface AuditEvent {
  /** Account the event is about (objectGUID), when known. */
  userGuid?: string;
  action: string;
  channel: AuditChannel;
  result: 'success' | 'refused' | 'failed';
  reason?: string;
  /** Correlation with the request or job that caused it. */
  requestId?: string;
  /** Who acted, for admin actions: the caller's IAM principal ARN when deployed, `local-admin` locally. */
  actor?: string;
  at: Date;
}

export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
  listForUser(userGuid: string, limit: number): Promise<AuditEvent[]>;
}
