import { randomBytes, randomUUID } from 'node:crypto';
import { generateDeviceKeys } from '../../device-client/client';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { DynamoScanWatermarkStore } from '../../shared/adapters/dynamodb/scan-watermark-store.js';
import { DynamoLockoutAlertLog } from '../../shared/adapters/dynamodb/lockout-alert-log.js';
import { createLockoutWatch, type LockoutWatch } from '../../shared/use-cases/lockout/index.js';
import { createDocumentClient } from '../../shared/composition/aws-clients.js';
import type { ChangeWatermark, Directory, LockoutScanOptions } from '../../shared/ports/directory.js';
import { captureLogs } from '../support/capture-logs.js';
import { localTarget } from '../support/local-aws.js';
import { pollUntil } from '../support/poll.js';
import { asAdmin, directoryOptions, lockOut, tryBind, type TestUser, useSambaSuite } from './support/samba.js';
import { activeEnrollment } from '../support/enrollments.js';

// Incremental lockout scans against the real Samba DC: what Samba does with USNs (a lockout moves the user's
// uSNChanged; the rootDSE names the DC and its highestCommittedUSN), the adapter's incremental search, the watermark
// store's conditional writes on dynalite, and the watch through the local runtime (its own table: no watermark at
// first). The DC is shared with other test files that lock users of their own: assertions are about these users only.

interface Enrolled extends TestUser {
  userGuid: string;
  phone: string;
}

describe('incremental lockout scans against the Samba DC', () => {
  const { blink, directory, users } = useSambaSuite();

  const newUser = (prefix: string): Promise<TestUser> => users.create(prefix);

  const usnChangedOf = (user: TestUser) =>
    asAdmin(async (client) => {
      const { searchEntries } = await client.search(user.dn, { scope: 'base', attributes: ['uSNChanged'] });
      return Number(searchEntries[0]?.['uSNChanged']);
    });

  const watermark = async (): Promise<ChangeWatermark> => {
    const current = await directory.readChangeWatermark();
    if (!current) throw new Error('the DC published no watermark');
    return current;
  };

  const scanNames = async (options: Partial<LockoutScanOptions> = {}) => {
    const result = await directory.scanLockedAccounts({ pageSize: 500, timeBudgetMs: 20_000, ...options });
    return { ...result, names: result.locked.map((account) => account.samAccountName) };
  };

  describe('Samba and the LDAP adapter', () => {
    it('names the DC by its invocationId and reports its highestCommittedUSN, the same on every connection', async () => {
      const first = await watermark();
      expect(first.dc).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(first.dcName.toLowerCase()).toContain('dc1');
      expect(Number.isSafeInteger(first.highestCommittedUsn) && first.highestCommittedUsn > 0).toBe(true);
      const other = new LdapDirectory(directoryOptions());
      try {
        const again = await other.readChangeWatermark();
        expect(again?.dc).toBe(first.dc);
        expect(again?.highestCommittedUsn).toBeGreaterThanOrEqual(first.highestCommittedUsn);
      } finally {
        await other.close();
      }
    });

    it('a lockout by bad binds moves the user’s uSNChanged above the DC’s earlier watermark; a bad bind below the threshold does not', async () => {
      const user = await newUser('li-usn');
      const created = await usnChangedOf(user);
      await expect(tryBind(user.dn, `Wrong-${randomBytes(4).toString('hex')}-Pw1`)).resolves.toBe('52e');
      // badPwdCount is not replicated: no new USN.
      expect(await usnChangedOf(user)).toBe(created);

      const before = await watermark();
      await lockOut(user);
      const locked = await usnChangedOf(user);
      expect(locked).toBeGreaterThan(before.highestCommittedUsn);
      expect((await watermark()).highestCommittedUsn).toBeGreaterThanOrEqual(locked);
    });

    it('an incremental scan finds the users locked after the watermark only; another DC’s or a restored DC’s watermark gets a full scan', async () => {
      const early = await newUser('li-early');
      await lockOut(early);
      const between = await watermark();
      const late = await newUser('li-late');
      await lockOut(late);

      const incremental = await scanNames({ changedSince: between });
      expect(incremental).toMatchObject({ incremental: true, complete: true });
      expect(incremental.names).toContain(late.samAccountName);
      expect(incremental.names).not.toContain(early.samAccountName);
      expect(incremental.startedAt?.dc).toBe(between.dc);
      expect(incremental.startedAt?.highestCommittedUsn).toBeGreaterThan(between.highestCommittedUsn);

      const after = await watermark();
      const nothingNew = await scanNames({ changedSince: after });
      expect(nothingNew.incremental).toBe(true);
      expect(nothingNew.names).not.toContain(late.samAccountName);

      const full = await scanNames();
      expect(full.incremental).toBe(false);
      expect(full.names).toEqual(expect.arrayContaining([early.samAccountName, late.samAccountName]));

      for (const foreign of [
        { ...between, dc: randomUUID() },
        { ...between, highestCommittedUsn: after.highestCommittedUsn + 1_000_000 },
      ]) {
        const fallback = await scanNames({ changedSince: foreign });
        expect(fallback.incremental).toBe(false);
        expect(fallback.names).toEqual(expect.arrayContaining([early.samAccountName, late.samAccountName]));
      }
    });
  });

  describe('DynamoScanWatermarkStore on dynalite', () => {
    const store = () =>
      new DynamoScanWatermarkStore(createDocumentClient(localTarget(blink.services.dynamodb)), {
        tableName: blink.composition.env.TABLE_NAME,
      });
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 12, minute));

    it('stores one item per DC and never moves its USN back, whatever order two scans finish in', async () => {
      const watermarks = store();
      const dc = `test-${randomUUID()}`;
      const mark = (usn: number) => ({ dc, dcName: 'dc-test', highestCommittedUsn: usn });
      await expect(watermarks.get(dc)).resolves.toBeUndefined();
      expect(await watermarks.record(mark(100), { startedAt: at(0), full: true })).toBe(true);
      // Two incremental scans: the one that started later (USN 160) finishes first.
      expect(await watermarks.record(mark(160), { startedAt: at(10), full: false })).toBe(true);
      expect(await watermarks.record(mark(150), { startedAt: at(5), full: false })).toBe(false);
      await expect(watermarks.get(dc)).resolves.toEqual({ ...mark(160), recordedAt: at(10), fullScanAt: at(0) });
      // An idle DC: the same USN again renews the time it was read.
      expect(await watermarks.record(mark(160), { startedAt: at(15), full: false })).toBe(true);
      expect((await watermarks.get(dc))?.recordedAt).toEqual(at(15));
      // Another DC's item is its own.
      await expect(watermarks.get(`test-${randomUUID()}`)).resolves.toBeUndefined();
    });

    it('lets a full scan that started after the stored watermark set a lower USN (a restored DC); an older full scan cannot', async () => {
      const watermarks = store();
      const dc = `test-${randomUUID()}`;
      const mark = (usn: number) => ({ dc, dcName: 'dc-test', highestCommittedUsn: usn });
      await watermarks.record(mark(5000), { startedAt: at(20), full: false });
      expect(await watermarks.record(mark(300), { startedAt: at(19), full: true })).toBe(false);
      expect(await watermarks.record(mark(300), { startedAt: at(25), full: false })).toBe(false);
      expect(await watermarks.record(mark(300), { startedAt: at(25), full: true })).toBe(true);
      await expect(watermarks.get(dc)).resolves.toEqual({ ...mark(300), recordedAt: at(25), fullScanAt: at(25) });
    });
  });

  describe('the lockout watch in the local runtime', () => {
    const uniquePhone = () => `+1415555${String(1000 + (randomBytes(2).readUInt16BE(0) % 9000))}`;

    /** An active enrollment with a verified phone and one bound device. */
    const enroll = async (user: TestUser): Promise<Enrolled> => {
      const found = await directory.findUserBySamAccountName(user.samAccountName);
      if (!found) throw new Error(`${user.samAccountName} not found`);
      const phone = uniquePhone();
      const now = new Date();
      const { enrollmentStore, deviceStore } = blink.composition.adapters;
      await enrollmentStore.save(
        activeEnrollment(
          { userGuid: found.objectGuid, dn: found.dn, samAccountName: user.samAccountName },
          { phoneE164: phone, app: true, at: now },
        ),
        0,
      );
      await deviceStore.add({
        deviceId: randomUUID(),
        userGuid: found.objectGuid,
        publicKey: generateDeviceKeys().publicKey,
        unlockMethod: 'biometric',
        platform: 'ios',
        pushToken: `arn:aws:sns:us-east-1:123456789012:endpoint/APNS/blink/${randomUUID()}`,
        boundAt: now,
      });
      return { ...user, userGuid: found.objectGuid, phone };
    };

    /** The runtime's watch with another directory in front of the DC; same table, so same watermarks and alert keys. */
    const watchOver = (other: Directory): LockoutWatch => {
      const { adapters, env } = blink.composition;
      const documentClient = createDocumentClient(localTarget(blink.services.dynamodb));
      return createLockoutWatch({
        ...adapters,
        directory: other,
        alertLog: new DynamoLockoutAlertLog(documentClient, { tableName: env.TABLE_NAME, now: () => new Date() }),
        scanWatermarks: new DynamoScanWatermarkStore(documentClient, { tableName: env.TABLE_NAME }),
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
        metrics: { addMetric: () => undefined },
        settings: {
          scan: { pageSize: 500, timeBudgetMs: 20_000 },
          watermarkMaxAgeSeconds: 86_400,
          timeZone: 'UTC',
          alertsPerDay: 5,
          productName: 'Blink',
        },
      });
    };

    const smsTo = (user: Enrolled) => blink.listSms().filter((sms) => sms.to === user.phone);

    it('full first, then incremental: each lockout is alerted exactly once, a rescan sends nothing, and a lockout during a scan is caught by the next one', async () => {
      const watch = blink.composition.lockoutWatch;
      const first = await enroll(await newUser('li-first'));
      await lockOut(first);
      const full = await watch.scan(randomUUID());
      expect(full).toMatchObject({ incremental: false, fullScanReason: 'first-scan-of-dc', complete: true });
      expect(smsTo(first)).toHaveLength(1);

      const second = await enroll(await newUser('li-second'));
      await lockOut(second);
      const incremental = await watch.scan(randomUUID());
      expect(incremental).toMatchObject({ incremental: true, complete: true, alerted: 1 });
      expect(smsTo(second)).toHaveLength(1);
      expect(smsTo(first)).toHaveLength(1);

      const rescan = await watch.scan(randomUUID());
      expect(rescan).toMatchObject({ incremental: true, alerted: 0 });
      expect(smsTo(first)).toHaveLength(1);
      expect(smsTo(second)).toHaveLength(1);

      // The third user is locked after the scan read its watermark and searched: that scan cannot see it.
      const third = await enroll(await newUser('li-third'));
      const real = blink.composition.adapters.directory;
      const racing: Directory = Object.assign(Object.create(real) as Directory, {
        scanLockedAccounts: async (options: LockoutScanOptions) => {
          const result = await real.scanLockedAccounts(options);
          await lockOut(third);
          return result;
        },
      });
      const during = await watchOver(racing).scan(randomUUID());
      expect(during).toMatchObject({ incremental: true, alerted: 0 });
      expect(smsTo(third)).toEqual([]);
      const next = await watch.scan(randomUUID());
      expect(next).toMatchObject({ incremental: true, alerted: 1 });
      expect(smsTo(third)).toHaveLength(1);

      // The admin listing is a full scan: all three, though the last scans searched only what changed.
      const listed = await watch.listLocked();
      expect(listed.locked.map((entry) => entry.userGuid)).toEqual(
        expect.arrayContaining([first.userGuid, second.userGuid, third.userGuid]),
      );
    });

    it('the scheduled job logs which kind of scan it ran and on which DC, and no phone number', async () => {
      const user = await enroll(await newUser('li-job'));
      await lockOut(user);
      const logs = captureLogs();
      try {
        const queued = await fetch(`${blink.url}/_local/api/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'lockout-scan' }),
        });
        expect(queued.status).toBe(202);
        const done = await pollUntil(async () => logs.lines().find((line) => line.message === 'lockout scan done'), {
          timeoutMs: 20_000,
          description: 'the lockout scan job',
        });
        expect(done).toMatchObject({ incremental: true, complete: true, alerted: 1 });
        expect(String(done.dc).toLowerCase()).toContain('dc1');
        expect(smsTo(user)).toHaveLength(1);
        expect(logs.text()).not.toContain(user.phone);
      } finally {
        logs.restore();
      }
    });
  });
});
