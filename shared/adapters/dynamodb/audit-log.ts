import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { AuditEvent, AuditLog } from '../../ports/audit-log.js';
import { definedAttributes, newestItemsByPrefix, ttlSeconds } from './table.js';
import { resetOrUnlockOf } from '../../domain/user-row.js';
import { DynamoUserRowFacts } from './user-row-facts.js';
import { allWritten, BlinkTableAdapter } from './table-adapter.js';
import { DynamoReportCounters } from './report-counters.js';
import { dailyCountersOf, dayOf } from '../../domain/reports.js';

/*
 * Item layout: pk USER#<guid> (events about an account) or AUDIT#SYSTEM#<yyyy-mm-dd> (events without one, one
 * partition per day), sk AUDIT#<iso time>#<random hex>, so a user's events sort by time and never collide.
 * expiresAt (TTL) when a retention is configured.
 */

const auditItemSchema = z.object({
  userGuid: z.string().optional(),
  action: z.string(),
  channel: z.enum(['sms', 'app', 'web', 'admin', 'system']),
  result: z.enum(['success', 'refused', 'failed']),
  reason: z.string().optional(),
  requestId: z.string().optional(),
  actor: z.string().optional(),
  at: z.iso.datetime().transform((value) => new Date(value)),
});

export class DynamoAuditLog
  extends BlinkTableAdapter<{ tableName: string; retentionDays?: number }>
  implements AuditLog
{
  private readonly rowFacts = new DynamoUserRowFacts(this.client, this.options);
  private readonly reportCounters = new DynamoReportCounters(this.client, { tableName: this.options.tableName });

  async record(event: AuditEvent): Promise<void> {
    const at = event.at.toISOString();
    const pk = event.userGuid ? `USER#${event.userGuid}` : `AUDIT#SYSTEM#${at.slice(0, 10)}`;
    const retention = this.options.retentionDays;
    await this.putItem(
      definedAttributes({
        pk,
        sk: `AUDIT#${at}#${randomBytes(6).toString('hex')}`,
        kind: 'audit',
        userGuid: event.userGuid,
        action: event.action,
        channel: event.channel,
        result: event.result,
        reason: event.reason,
        requestId: event.requestId,
        actor: event.actor,
        at,
        ...(retention ? { expiresAt: ttlSeconds(new Date(event.at.getTime() + retention * 86_400_000)) } : {}),
      }),
    );
    // What follows the recorded event is written together, each to its own item. Every reset and unlock is audited,
    // wherever it ran: the Users page's "last reset or unlock" follows from here. The portal's daily report counters
    // follow the audit log too: a lost count skews a chart by one; failing the action it counts (which already
    // happened and is recorded) would be worse, so a failed count is dropped.
    const action = resetOrUnlockOf(event.action);
    await allWritten([
      ...(action && event.userGuid
        ? [
            this.rowFacts.recordResetOrUnlock(event.userGuid, {
              action,
              channel: event.channel,
              at: event.at,
              result: event.result,
            }),
          ]
        : []),
      this.reportCounters.addDaily(dayOf(event.at), dailyCountersOf(event)).catch(() => undefined),
    ]);
  }

  async listForUser(userGuid: string, limit: number): Promise<AuditEvent[]> {
    const items = await newestItemsByPrefix(this.client, this.options.tableName, {
      pk: `USER#${userGuid}`,
      skPrefix: 'AUDIT#',
      limit,
    });
    return items.map((item) => {
      const { userGuid: guid, reason, requestId, actor, ...rest } = auditItemSchema.parse(item);
      return {
        ...rest,
        ...(guid !== undefined ? { userGuid: guid } : {}),
        ...(reason !== undefined ? { reason } : {}),
        ...(requestId !== undefined ? { requestId } : {}),
        ...(actor !== undefined ? { actor } : {}),
      };
    });
  }
}
