import { randomBytes } from 'node:crypto';
import { pollUntil } from '../support/poll.js';
import { PortalClient } from '../support/portal-client.js';
import { usePushService } from '../support/push-service.js';
import { boundDevice, enrolledSambaUser, signedInTinaAndAdam } from './support/portal.js';
import { lockOut, tryBind, useSambaSuite } from './support/samba.js';

// Verify caller through the app (issue 12 §3) against Samba AD: a technician signed in through the local identity
// provider asks the user's bound app to approve; the app (a signing device client) lists the request and answers it.
// An approval verifies that technician for that user for 10 minutes, as the SMS code does; deny ends the request; an
// answer counts once. The approval push goes to a loopback push service that decrypts it (Chromium's is remote).

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;
const WAIT = { timeoutMs: 30_000, intervalMs: 200 };
const APPROVALS = '/api/device/caller-approvals';
const loopbackPush = usePushService();
const { blink, users } = useSambaSuite(() => ({
  env: { WEB_PUSH_HOSTS: '127.0.0.1' },
  adminToken: ADMIN_TOKEN,
  identityProvider: 'local',
  webPushAgent: loopbackPush.agent,
}));
let tina: PortalClient;
let adam: PortalClient;

beforeAll(async () => {
  ({ tina, adam } = await signedInTinaAndAdam(blink));
});

/** An enrolled Samba user with a bound app subscribed to Web Push at the loopback push service. */
async function userWithApp(prefix: string) {
  const { user, userGuid } = await enrolledSambaUser(blink, ADMIN_TOKEN, users, prefix);
  const { deviceId, client } = await boundDevice(blink, userGuid);
  const subscription = loopbackPush.service.subscribe();
  await blink.composition.adapters.deviceStore.saveWebPush(deviceId, subscription);
  const pushes = () =>
    loopbackPush.service
      .received()
      .filter((push) => subscription.endpoint.endsWith(`/${push.subscriptionId}`))
      .map((push) => JSON.parse(push.plaintext) as { title: string; body: string; data: { url: string } });
  return { user, userGuid, client, pushes };
}

const ask = (technician: PortalClient, userGuid: string) =>
  technician.change(`/admin/portal/api/users/${userGuid}/verify-caller/app`, {});
const stateSeenBy = async (technician: PortalClient, userGuid: string) =>
  (await (await technician.request(`/admin/portal/api/users/${userGuid}/verify-caller/app`)).json()) as {
    state: string;
    verifiedUntil?: string;
  };
const waiting = async (client: Awaited<ReturnType<typeof userWithApp>>['client']) => {
  const response = await client.send('GET', APPROVALS);
  expect(response.status).toBe(200);
  return ((await response.json()) as { approvals: Array<{ approvalId: string; technicianName: string }> }).approvals;
};
const answer = (
  client: Awaited<ReturnType<typeof userWithApp>>['client'],
  approvalId: string,
  verdict: 'approve' | 'deny',
) => client.send('POST', APPROVALS, { body: JSON.stringify({ approvalId, answer: verdict }) });

test('approve: the app names the technician, the approval verifies only them, once, and a real lockout is unlocked', async () => {
  const { user, userGuid, client, pushes } = await userWithApp('pcaok');
  await lockOut(user);
  expect((await tina.change(`/admin/portal/api/users/${userGuid}/unlock`, {})).status).toBe(403);

  const asked = await ask(tina, userGuid);
  expect(asked.status).toBe(200);
  expect(await asked.json()).toMatchObject({ notified: 1 });
  // The push names the technician and opens the app on the request; nothing secret in it. It is queued for the
  // web-push sender, as deployed: wait for it to arrive.
  await pollUntil(async () => (pushes().length > 0 ? true : undefined), {
    timeoutMs: 20_000,
    description: 'the approval push',
  });
  expect(pushes()).toEqual([
    {
      title: 'Blink: your help desk is asking to verify you',
      body: 'Tina Tech from your help desk is asking you to confirm it is you on the phone. Open Blink to approve or deny.',
      data: { kind: 'caller-approval', url: '/app/?action=approve-caller' },
      actions: [],
    },
  ]);
  expect(await stateSeenBy(tina, userGuid)).toEqual({ state: 'pending' });
  const [request, ...more] = await waiting(client);
  expect(more).toEqual([]);
  expect(request).toMatchObject({ technicianName: 'Tina Tech' });
  const approvalId = request?.approvalId ?? '';

  const approved = await answer(client, approvalId, 'approve');
  expect(approved.status).toBe(200);
  expect(await approved.json()).toEqual({ state: 'approved' });
  // Replay of the approval (a new signature, the same request): refused, and nothing is waiting any more.
  expect((await answer(client, approvalId, 'approve')).status).toBe(404);
  expect((await answer(client, approvalId, 'deny')).status).toBe(404);
  expect(await waiting(client)).toEqual([]);

  const seen = await stateSeenBy(tina, userGuid);
  expect(seen.state).toBe('approved');
  const minutesLeft = (Date.parse(seen.verifiedUntil ?? '') - Date.now()) / 60_000;
  expect(minutesLeft).toBeGreaterThan(9);
  expect(minutesLeft).toBeLessThanOrEqual(10);
  // Another technician gains nothing from Tina's verification.
  expect(await stateSeenBy(adam, userGuid)).toEqual({ state: 'none' });
  expect((await adam.change(`/admin/portal/api/users/${userGuid}/unlock`, {})).status).toBe(403);

  expect((await tina.change(`/admin/portal/api/users/${userGuid}/unlock`, {})).status).toBe(202);
  await pollUntil(async () => ((await tryBind(user.dn, user.password)) === 'ok' ? true : undefined), {
    ...WAIT,
    description: 'the account unlocked',
  });
  // The email notice names the help desk and does not claim a code was texted (the user approved in the app).
  const notice = await pollUntil(
    async () =>
      (await blink.listEmails()).find(
        (email) => email.to.toLowerCase() === `${user.samAccountName}@corp.example.test` && /unlocked/.test(email.text),
      ),
    { ...WAIT, description: 'the unlock email notice' },
  );
  expect(notice.text).toContain(
    'by your help desk, after they checked it was you (a code sent to your phone or an approval in the Blink app)',
  );
  const { timeline } = (await (await tina.request(`/admin/portal/api/users/${userGuid}`)).json()) as {
    timeline: Array<{ action: string; result: string; reason?: string; actor?: string }>;
  };
  expect(timeline).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        action: 'portal.caller-approval-requested',
        result: 'success',
        actor: expect.stringContaining('(Tina Tech)'),
      }),
      expect.objectContaining({ action: 'caller-approval-answered', result: 'success', reason: 'approved' }),
      expect.objectContaining({
        action: 'caller-approval-answered',
        result: 'refused',
        reason: 'approve: no live request',
      }),
    ]),
  );
});

test('deny ends the request: no verification, and a later approval of it is refused', async () => {
  const { userGuid, client } = await userWithApp('pcadeny');
  expect((await ask(tina, userGuid)).status).toBe(200);
  const [request] = await waiting(client);
  const denied = await answer(client, request?.approvalId ?? '', 'deny');
  expect(denied.status).toBe(200);
  expect(await denied.json()).toEqual({ state: 'denied' });
  expect(await stateSeenBy(tina, userGuid)).toEqual({ state: 'denied' });
  expect((await answer(client, request?.approvalId ?? '', 'approve')).status).toBe(404);
  expect((await tina.change(`/admin/portal/api/users/${userGuid}/reset`, {})).status).toBe(403);
});

test("another user's app cannot answer, and a new request replaces the technician's earlier one", async () => {
  const first = await userWithApp('pcaone');
  const second = await userWithApp('pcatwo');
  expect((await ask(tina, first.userGuid)).status).toBe(200);
  const [request] = await waiting(first.client);
  const approvalId = request?.approvalId ?? '';
  // The other user's phone sees nothing and cannot approve this request.
  expect(await waiting(second.client)).toEqual([]);
  expect((await answer(second.client, approvalId, 'approve')).status).toBe(404);
  expect(await stateSeenBy(tina, first.userGuid)).toEqual({ state: 'pending' });

  // Asking again replaces the request: the old id is dead, the new one is the only one waiting.
  expect((await ask(tina, first.userGuid)).status).toBe(200);
  const [renewed, ...more] = await waiting(first.client);
  expect(more).toEqual([]);
  expect(renewed?.approvalId).not.toBe(approvalId);
  expect((await answer(first.client, approvalId, 'approve')).status).toBe(404);
  expect((await answer(first.client, renewed?.approvalId ?? '', 'approve')).status).toBe(200);
  expect((await stateSeenBy(tina, first.userGuid)).state).toBe('approved');
  expect(await stateSeenBy(tina, second.userGuid)).toEqual({ state: 'none' });
});

test('a user without a bound app cannot be asked', async () => {
  const { userGuid } = await enrolledSambaUser(blink, ADMIN_TOKEN, users, 'pcanone');
  const answerToAsk = await ask(tina, userGuid);
  expect(answerToAsk.status).toBe(400);
  expect(await stateSeenBy(tina, userGuid)).toEqual({ state: 'none' });
});
