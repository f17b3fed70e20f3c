import { randomUUID } from 'node:crypto';
import { demoDomain, demoUsers } from '../../local/demo-directory/seed.js';
import { activeEnrollment } from '../support/enrollments.js';
import { testUser } from '../support/activations.js';
import { adminCall, useLocalBlink } from '../support/local-blink.js';
import { PortalClient } from '../support/portal-client.js';
import { dayOf } from '../../shared/domain/reports.js';

// The portal's Admin-only API on the local runtime and the demo directory: the Activate page's picker, dry run and
// chunks (audited with the admin's IdP subject and name, CSRF as every change), the Reports page's counters (written
// as things happen) and their CSV; technicians are refused all of it.
const blink = useLocalBlink({ identityProvider: 'local' });
const passwordOf = (sam: string) => demoUsers.find((user) => user.samAccountName === sam)?.password ?? '';
const groupsOu = `OU=Groups,${demoDomain.baseDn}`;
let admin: PortalClient;
let technician: PortalClient;

beforeAll(async () => {
  admin = new PortalClient(blink);
  await admin.signIn('adam.itadmin', passwordOf('adam.itadmin'));
  technician = new PortalClient(blink);
  await technician.signIn('tina.tech', passwordOf('tina.tech'));
});

async function json(response: Response, status = 200): Promise<Record<string, unknown>> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  return JSON.parse(text) as Record<string, unknown>;
}

test('a technician is refused every Activate and Reports route', async () => {
  for (const path of [
    '/admin/portal/api/activation-targets?kind=group&q=Blink',
    '/admin/portal/api/reports',
    '/admin/portal/api/reports/csv/daily',
    `/admin/portal/api/reports/group?group=${encodeURIComponent(`CN=Blink Users,${groupsOu}`)}`,
  ])
    expect((await technician.request(path)).status).toBe(403);
  expect(
    (await technician.change('/admin/portal/api/activations/resolve', { target: { group: 'Blink Users' } })).status,
  ).toBe(403);
  expect((await technician.change('/admin/portal/api/activations', { userGuids: [randomUUID()] })).status).toBe(403);
  expect(await blink.listEmails()).toEqual([]);
});

test('the picker finds groups, users and OUs by the beginning of their names', async () => {
  const groups = await json(await admin.request('/admin/portal/api/activation-targets?kind=group&q=blink'));
  expect(groups['options']).toEqual(
    expect.arrayContaining([
      {
        kind: 'group',
        value: `CN=Blink Users,${groupsOu}`,
        label: 'Blink Users',
        detail: `CN=Blink Users,${groupsOu}`,
      },
    ]),
  );
  const users = (await json(await admin.request('/admin/portal/api/activation-targets?kind=user&q=Jane')))[
    'options'
  ] as Array<Record<string, string>>;
  expect(users.map((option) => option.value)).toEqual(['jane.doe']);
  const ous = (await json(await admin.request('/admin/portal/api/activation-targets?kind=ou&q=')))['options'] as Array<
    Record<string, string>
  >;
  expect(ous.map((option) => option.label)).toEqual(expect.arrayContaining(['Groups', 'Staff']));
  // A filter character in the text is a literal, not LDAP syntax.
  const injected = await json(
    await admin.request('/admin/portal/api/activation-targets?kind=user&q=*)(sAMAccountName=*'),
  );
  expect(injected['options']).toEqual([]);
  expect((await admin.request('/admin/portal/api/activation-targets?kind=printer&q=x')).status).toBe(400);
});

test('an admin dry-runs a group, then activates it in chunks: emails sent, audited with the IdP subject and name', async () => {
  const group = `CN=Blink Users,${groupsOu}`;
  const dryRun = await json(await admin.change('/admin/portal/api/activations/resolve', { target: { group } }));
  const candidates = dryRun['candidates'] as Array<{ userGuid: string; samAccountName: string }>;
  expect(candidates.map((user) => user.samAccountName).sort()).toEqual(['dave.locked', 'jane.doe', 'john.smith']);
  expect(dryRun['skipped']).toEqual([{ name: 'carol.former', reason: 'disabled' }]);
  expect(await blink.listEmails()).toEqual([]);

  // Without the CSRF token nothing is sent.
  const forged = await admin.change(
    '/admin/portal/api/activations',
    { userGuids: candidates.map((user) => user.userGuid) },
    { 'x-csrf-token': 'forged' },
  );
  expect(forged.status).toBe(403);
  expect(await blink.listEmails()).toEqual([]);

  const done = await json(
    await admin.change('/admin/portal/api/activations', { userGuids: candidates.map((user) => user.userGuid) }),
  );
  expect((done['activated'] as unknown[]).length).toBe(3);
  expect((await blink.listEmails()).map((email) => email.to).sort()).toEqual(
    ['dave.locked', 'jane.doe', 'john.smith'].map((sam) => `${sam}@corp.example.test`).sort(),
  );
  const { subject } = await admin.session();
  const events = await blink.composition.adapters.auditLog.listForUser(candidates[0]?.userGuid ?? '', 5);
  expect(events).toContainEqual(
    expect.objectContaining({ action: 'enrollment.activated', actor: `portal:${subject} (Adam Itadmin)` }),
  );

  // The Reports page counts them: three activated today, all never enrolled so far; and the group's coverage.
  const reports = await json(await admin.request('/admin/portal/api/reports?days=7'));
  const today = (reports['daily'] as Array<Record<string, number | string>>).at(-1);
  expect(today).toMatchObject({ day: dayOf(new Date()), activations: 3 });
  expect((reports['coverage'] as Array<Record<string, number | string>>).at(-1)).toMatchObject({
    activated: 3,
    'never-enrolled': 3,
  });
  const coverage = await json(
    await admin.request(`/admin/portal/api/reports/group?group=${encodeURIComponent(group)}`),
  );
  expect(coverage).toMatchObject({ members: 4, 'not-activated': 1, counts: { activated: 3, 'never-enrolled': 3 } });

  // The backfill (`npm run admin -- backfill-reports`, IAM route) finds them already counted: nothing moves.
  expect(await adminCall(blink, blink.adminToken, 'POST', '/admin/reports/coverage-backfill', {})).toEqual({
    counted: 3,
  });
  const again = await json(await admin.request('/admin/portal/api/reports?days=7'));
  expect((again['coverage'] as Array<Record<string, number | string>>).at(-1)).toMatchObject({ activated: 3 });
});

test('reports count resets, unlocks, alerts, failures, dead letters and SMS as they happen; CSV is guarded', async () => {
  const { enrollmentStore, auditLog } = blink.composition.adapters;
  const before = await json(await admin.request('/admin/portal/api/reports?days=1'));
  const [start] = before['daily'] as Array<Record<string, number>>;
  const startCoverage = (before['coverage'] as Array<Record<string, number>>)[0];
  const user = { ...testUser('Report User'), samAccountName: `rep-${randomUUID().slice(0, 6)}` };
  await enrollmentStore.save(activeEnrollment(user, { phoneE164: '+12065550199', app: true }), 0);
  const event = (
    action: string,
    channel: 'sms' | 'app' | 'admin' | 'system',
    result: 'success' | 'failed',
    reason?: string,
  ) =>
    auditLog.record({
      userGuid: user.userGuid,
      action,
      channel,
      result,
      ...(reason ? { reason } : {}),
      at: new Date(),
    });
  await event('reset', 'sms', 'success');
  await event('reset', 'app', 'success');
  await event('unlock', 'admin', 'success');
  await event('lockout-alert', 'system', 'success');
  await event('reset', 'sms', 'failed', 'directory-unavailable');
  await event('reset', 'sms', 'failed', 'opted-out');

  const after = await json(await admin.request('/admin/portal/api/reports?days=1'));
  const [today] = after['daily'] as Array<Record<string, number>>;
  const delta = (name: string) => (today?.[name] ?? 0) - (start?.[name] ?? 0);
  expect({
    resetSms: delta('reset.sms'),
    resetApp: delta('reset.app'),
    unlockAdmin: delta('unlock.admin'),
    alerts: delta('lockout-alerts'),
    failures: delta('failures'),
    dlq: delta('dlq'),
  }).toEqual({ resetSms: 1, resetApp: 1, unlockAdmin: 1, alerts: 1, failures: 2, dlq: 1 });
  const [coverage] = after['coverage'] as Array<Record<string, number>>;
  expect((coverage?.['sms-and-app'] ?? 0) - (startCoverage?.['sms-and-app'] ?? 0)).toBe(1);

  // An SMS the help desk sends is counted (the caller code to this user's phone), with the estimated cost.
  const sent = await admin.change(`/admin/portal/api/users/${user.userGuid}/verify-caller`, {});
  expect(sent.status).toBe(200);
  const withSms = await json(await admin.request('/admin/portal/api/reports?days=1'));
  const [smsDay] = withSms['daily'] as Array<Record<string, number>>;
  expect((smsDay?.['sms-sent'] ?? 0) - (today?.['sms-sent'] ?? 0)).toBe(1);
  expect(smsDay?.['sms-cost']).toBeCloseTo((smsDay?.['sms-sent'] ?? 0) * (withSms['smsPricePerMessage'] as number), 2);

  const csv = await admin.request('/admin/portal/api/reports/csv/daily?days=3');
  expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="blink-daily-/);
  const lines = (await csv.text()).trim().split('\r\n');
  expect(lines[0]).toBe(
    'day,activations,reset.sms,reset.app,reset.admin,unlock.sms,unlock.app,unlock.admin,lockout-alerts,lockout-alerts-unreached,failures,dlq,sms-sent,sms-cost',
  );
  expect(lines).toHaveLength(4);
  expect(lines[3]?.startsWith(`${dayOf(new Date())},`)).toBe(true);
  expect((await admin.request('/admin/portal/api/reports?days=0')).status).toBe(400);
  expect((await admin.request('/admin/portal/api/reports/csv/users')).status).toBe(400);
});
