import type { EmailSender } from '../../shared/ports/email-sender';
import { createAdminApiHandler } from '../../functions/admin-api/handler.js';
import { testObservability } from '../support/observability.js';
import type { AuditEvent, AuditLog } from '../../shared/ports/audit-log.js';
import type { DeviceStore } from '../../shared/ports/device-store.js';
import type { EnrollmentStore } from '../../shared/ports/enrollment-store.js';
import { apiEvent } from '../support/api-event.js';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { lambdaContext } from '../support/lambda-context.js';

const GUID = '0b8e1c9a-4f7d-4c5e-9a3b-2d1f0e9c8b7a';

/** An in-memory AuditLog: the port's contract (newest first, at most `limit`), nothing more. */
class MemoryAuditLog implements AuditLog {
  readonly events: AuditEvent[] = [];
  readonly limits: number[] = [];
  async record(event: AuditEvent): Promise<void> {
    this.events.push(event);
  }
  async listForUser(userGuid: string, limit: number): Promise<AuditEvent[]> {
    this.limits.push(limit);
    return this.events
      .filter((event) => event.userGuid === userGuid)
      .sort((a, b) => b.at.getTime() - a.at.getTime())
      .slice(0, limit);
  }
}

describe('admin API: GET /admin/enrollments/{userGuid}/audit', () => {
  let logs: LogCapture;
  let auditLog: MemoryAuditLog;
  let handler: ReturnType<typeof createAdminApiHandler>;

  beforeEach(() => {
    logs = captureLogs();
    auditLog = new MemoryAuditLog();
    const unused = <T>(name: string) =>
      new Proxy({}, { get: () => () => Promise.reject(new Error(`${name} is not used by the audit route`)) }) as T;
    handler = createAdminApiHandler({
      observability: testObservability('admin-audit-test'),
      worker: { invoke: () => Promise.reject(new Error('the audit route never calls the worker')) },
      enrollmentStore: unused<EnrollmentStore>('enrollmentStore'),
      deviceStore: unused<DeviceStore>('deviceStore'),
      listEnrolledUsers: async () => [],
      auditLog,
      clock: { now: () => new Date('2026-11-27T12:00:00Z') },
      emailSender: unused<EmailSender>('emailSender'),
      notices: { productName: 'Blink', supportContact: 'the service desk' },
      logger: { error: () => undefined },
    });
  });
  afterEach(() => logs.restore());

  const get = async (userGuid: string, limit?: string) => {
    const answer = await handler(
      apiEvent('GET', `/admin/enrollments/${userGuid}/audit`, {
        pathParameters: { userGuid },
        ...(limit === undefined ? {} : { queryStringParameters: { limit } }),
      }),
      lambdaContext('blink-admin-api'),
    );
    return { status: answer.statusCode, body: JSON.parse(answer.body) as Record<string, unknown> };
  };

  it('lists the user’s events newest first, with reason and request id only when recorded', async () => {
    await auditLog.record({
      userGuid: GUID,
      action: 'reset-requested',
      channel: 'app',
      result: 'success',
      requestId: 'job-1',
      at: new Date('2026-11-27T10:00:00Z'),
    });
    await auditLog.record({
      userGuid: GUID,
      action: 'reset',
      channel: 'app',
      result: 'refused',
      reason: 'protected',
      requestId: 'job-1',
      at: new Date('2026-11-27T10:00:02Z'),
    });
    await auditLog.record({
      userGuid: GUID,
      action: 'opt-out',
      channel: 'sms',
      result: 'success',
      at: new Date('2026-11-27T09:00:00Z'),
    });
    await auditLog.record({
      userGuid: 'ffffffff-4f7d-4c5e-9a3b-2d1f0e9c8b7a',
      action: 'reset',
      channel: 'sms',
      result: 'success',
      at: new Date('2026-11-27T11:00:00Z'),
    });

    expect(await get(GUID.toUpperCase())).toEqual({
      status: 200,
      body: {
        userGuid: GUID,
        events: [
          {
            at: '2026-11-27T10:00:02.000Z',
            action: 'reset',
            channel: 'app',
            result: 'refused',
            reason: 'protected',
            requestId: 'job-1',
          },
          {
            at: '2026-11-27T10:00:00.000Z',
            action: 'reset-requested',
            channel: 'app',
            result: 'success',
            requestId: 'job-1',
          },
          { at: '2026-11-27T09:00:00.000Z', action: 'opt-out', channel: 'sms', result: 'success' },
        ],
      },
    });
    expect(auditLog.limits).toEqual([100]);
  });

  it('passes a limit on, and answers a bad limit or a user id that is not a GUID with a 400', async () => {
    expect((await get(GUID, '2')).status).toBe(200);
    expect(auditLog.limits).toEqual([2]);
    for (const limit of ['0', '1001', '2.5', 'ten']) {
      expect(await get(GUID, limit)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    }
    expect(await get('alice')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(auditLog.limits).toEqual([2]);
  });
});

describe('admin API: who acted', () => {
  it('passes the IAM caller to the worker with an activation and records it with a device revocation', async () => {
    const logs = captureLogs();
    try {
      const auditLog = new MemoryAuditLog();
      const workerRequests: unknown[] = [];
      const deviceId = '6f1c1f6e-0f4e-4b8e-9a51-3d2f7e1b2c3d';
      const device = {
        deviceId,
        userGuid: GUID,
        publicKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
        unlockMethod: 'pin',
        platform: 'ios',
        boundAt: new Date(),
      };
      const handler = createAdminApiHandler({
        observability: testObservability('admin-actor-test'),
        worker: {
          invoke: async (request: unknown) => {
            workerRequests.push(request);
            return { ok: true, result: { activated: [], skipped: [] } };
          },
        },
        // No enrollment to notify: the revocation itself is what this test audits.
        enrollmentStore: { get: async () => undefined } as unknown as EnrollmentStore,
        deviceStore: { get: async () => device, revoke: async () => true } as unknown as DeviceStore,
        listEnrolledUsers: async () => [],
        auditLog,
        clock: { now: () => new Date('2026-11-27T12:00:00Z') },
        emailSender: { send: async () => ({ messageId: 'm-1' }) },
        notices: { productName: 'Blink', supportContact: 'the service desk' },
        logger: { error: () => undefined },
      });
      const admin = 'arn:aws:sts::123456789012:assumed-role/HelpDesk/jane';
      const asAdmin = (method: string, path: string, extra: Record<string, unknown>) => {
        const event = apiEvent(method, path, extra);
        return handler(
          {
            ...event,
            requestContext: { ...event.requestContext, identity: { ...event.requestContext.identity, userArn: admin } },
          },
          lambdaContext('blink-admin-api'),
        );
      };
      const activated = await asAdmin('POST', '/admin/activations', { body: JSON.stringify({ userGuids: [GUID] }) });
      expect(activated.statusCode).toBe(200);
      expect(workerRequests).toEqual([
        expect.objectContaining({ action: 'activate', userGuids: [GUID], actor: admin }),
      ]);

      const revoked = await asAdmin('POST', `/admin/devices/${deviceId}/revoke`, { pathParameters: { deviceId } });
      expect(revoked.statusCode).toBe(200);
      expect(auditLog.events).toEqual([
        expect.objectContaining({ action: 'device.revoked', channel: 'admin', actor: admin }),
      ]);
    } finally {
      logs.restore();
    }
  });
});
