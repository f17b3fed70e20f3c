import type { OutboundEmail } from '../../shared/ports/email-sender';
import type { Device } from '../../shared/domain/device.js';
import type { Enrollment } from '../../shared/domain/enrollment.js';
import { ConcurrentUpdateError, NotFoundError } from '../../shared/domain/errors.js';
import type { IssuedSecret } from '../../shared/domain/issued-secret.js';
import type { AuditEvent } from '../../shared/ports/audit-log.js';
import { createAdminUseCases, type AdminDependencies } from '../../shared/use-cases/admin/index.js';
import { ManualClock } from '../support/manual-clock.js';

const USER = '0b8e1c9a-4f7d-4c5e-9a3b-2d1f0e9c8b7a';
const request = { requestId: 'req-1', actor: 'arn:aws:iam::000000000000:user/admin' };

function enrollmentOf(userGuid: string, samAccountName: string): Enrollment {
  return {
    userGuid,
    samAccountName,
    dn: `CN=${samAccountName},DC=corp,DC=example,DC=test`,
    displayName: samAccountName,
    mail: `${samAccountName}@corp.example.test`,
    status: 'active',
    methods: { sms: true, app: true },
    verificationFailures: 0,
    createdAt: new Date('2026-11-01T00:00:00Z'),
    activatedAt: new Date('2026-11-01T00:00:00Z'),
    updatedAt: new Date('2026-11-01T00:00:00Z'),
    version: 3,
  };
}

function deviceOf(deviceId: string, userGuid: string, revokedAt?: Date): Device {
  return {
    deviceId,
    userGuid,
    publicKey: {} as Device['publicKey'],
    unlockMethod: 'pin',
    platform: 'ios',
    boundAt: new Date('2026-11-02T00:00:00Z'),
    ...(revokedAt ? { revokedAt } : {}),
  };
}

/** In-memory stores; `conflicts` saves fail with ConcurrentUpdateError before one succeeds. */
function setUp(options: { conflicts?: number; enrollments?: Enrollment[]; devices?: Device[] } = {}) {
  const clock = new ManualClock('2026-12-01T10:00:00.000Z');
  const enrollments = new Map((options.enrollments ?? [enrollmentOf(USER, 'jane.doe')]).map((e) => [e.userGuid, e]));
  const devices = new Map((options.devices ?? []).map((d) => [d.deviceId, d]));
  const secrets: IssuedSecret[] = [];
  const audit: AuditEvent[] = [];
  const emails: OutboundEmail[] = [];
  let conflicts = options.conflicts ?? 0;
  let saves = 0;
  const deps: AdminDependencies = {
    worker: { invoke: async () => ({ ok: true, result: {} }) } as unknown as AdminDependencies['worker'],
    enrollmentStore: {
      get: async (userGuid) => enrollments.get(userGuid),
      findByPhone: async () => [],
      save: async (enrollment, expectedVersion) => {
        saves++;
        if (conflicts > 0) {
          conflicts--;
          throw new ConcurrentUpdateError('changed meanwhile');
        }
        expect(expectedVersion).toBe(enrollments.get(enrollment.userGuid)?.version);
        enrollments.set(enrollment.userGuid, enrollment);
      },
      putSecret: async (secret) => void secrets.push(secret),
      findSecret: async () => undefined,
      consumeSecret: async () => undefined,
    },
    deviceStore: {
      add: async () => undefined,
      get: async (deviceId) => devices.get(deviceId),
      listForUser: async (userGuid) => [...devices.values()].filter((device) => device.userGuid === userGuid),
      revoke: async (deviceId, at) => {
        const device = devices.get(deviceId);
        if (!device) return false;
        devices.set(deviceId, { ...device, revokedAt: device.revokedAt ?? at });
        return true;
      },
      rememberNonce: async () => true,
    },
    listEnrolledUsers: async () => [...enrollments.keys()],
    auditLog: { record: async (event) => void audit.push(event), listForUser: async () => audit },
    clock,
    emailSender: { send: async (email) => (emails.push(email), { messageId: `m-${emails.length}` }) },
    notices: { productName: 'Blink', supportContact: 'the service desk' },
    logger: { error: () => undefined },
  };
  return { admin: createAdminUseCases(deps), clock, enrollments, devices, secrets, audit, emails, saves: () => saves };
}

describe('admin use cases', () => {
  it('revokes an enrollment after concurrent updates, with its unrevoked devices and its activation link', async () => {
    const earlier = new Date('2026-11-20T00:00:00Z');
    const { admin, clock, enrollments, devices, secrets, audit, saves } = setUp({
      conflicts: 2,
      devices: [deviceOf('d-1', USER), deviceOf('d-2', USER, earlier), deviceOf('d-3', 'someone-else')],
    });

    const revoked = await admin.revokeEnrollment(USER, request);

    expect(revoked).toEqual(['d-1']);
    expect(saves()).toBe(3);
    expect(enrollments.get(USER)).toMatchObject({
      status: 'revoked',
      methods: { sms: false, app: false },
      updatedAt: clock.now(),
    });
    expect(devices.get('d-1')?.revokedAt).toEqual(clock.now());
    expect(devices.get('d-2')?.revokedAt).toEqual(earlier);
    expect(devices.get('d-3')?.revokedAt).toBeUndefined();
    expect(secrets).toEqual([
      expect.objectContaining({ purpose: 'activation', userGuid: USER, issuedAt: clock.now(), expiresAt: clock.now() }),
    ]);
    expect(secrets[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(audit).toEqual([
      {
        userGuid: USER,
        action: 'enrollment.revoked',
        channel: 'admin',
        result: 'success',
        ...request,
        at: clock.now(),
      },
    ]);
  });

  it('gives up after five concurrent updates in a row, revoking nothing', async () => {
    const { admin, enrollments, secrets, audit, saves } = setUp({ conflicts: 5 });

    await expect(admin.revokeEnrollment(USER, request)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(saves()).toBe(5);
    expect(enrollments.get(USER)?.status).toBe('active');
    expect(secrets).toEqual([]);
    expect(audit).toEqual([]);
  });

  it('refuses to revoke an unknown enrollment or device', async () => {
    const { admin, audit } = setUp();

    await expect(admin.revokeEnrollment('11111111-1111-1111-1111-111111111111', request)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(admin.revokeDevice('no-such-device', request)).rejects.toBeInstanceOf(NotFoundError);
    expect(audit).toEqual([]);
  });

  it('revokes one device and records who did it', async () => {
    const { admin, clock, devices, audit, emails } = setUp({ devices: [deviceOf('d-1', USER), deviceOf('d-2', USER)] });

    expect(await admin.revokeDevice('d-1', request)).toEqual({ userGuid: USER });
    // The user is told on another channel (a lost phone, or one removed without their knowing).
    expect(emails.map((email) => [email.to, email.subject])).toEqual([
      [enrollmentOf(USER, 'jane.doe').mail, 'Blink: a phone app was removed from your account'],
    ]);
    expect(emails[0]?.text).toContain('contact the service desk');
    expect(devices.get('d-1')?.revokedAt).toEqual(clock.now());
    expect(devices.get('d-2')?.revokedAt).toBeUndefined();
    expect(audit).toEqual([
      { userGuid: USER, action: 'device.revoked', channel: 'admin', result: 'success', ...request, at: clock.now() },
    ]);
  });

  it('lists enrollments by account name with their devices', async () => {
    const other = '22222222-2222-2222-2222-222222222222';
    const { admin } = setUp({
      enrollments: [enrollmentOf(USER, 'zoe.west'), enrollmentOf(other, 'adam.east')],
      devices: [deviceOf('d-1', USER)],
    });

    const listed = await admin.listEnrollments();

    expect(
      listed.map(({ enrollment, devices }) => [enrollment.samAccountName, devices.map((device) => device.deviceId)]),
    ).toEqual([
      ['adam.east', []],
      ['zoe.west', ['d-1']],
    ]);
  });
});
