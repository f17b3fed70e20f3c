import { randomInt } from 'node:crypto';
import { enroll, generateDeviceKeys, parseEnrollUri, registerDevice } from '../../device-client/client.js';
import type { EnrollmentStore } from '../../shared/ports/enrollment-store.js';
import { issueActivation } from '../../shared/use-cases/enrollment/index.js';
import { activate, activationDepsOf, testUser } from '../support/activations.js';
import { ManualClock } from '../support/manual-clock.js';
import { pollUntil } from '../support/poll.js';
import { postJson, useLocalBlink } from '../support/local-blink.js';

// Every secret issued during setup (a QR binding code, an SMS code) belongs to the activation that issued it and dies
// with it: a revocation, a new activation or a finished setup. Through the local runtime, with a manual clock.

const clock = new ManualClock(new Date());
const blink = useLocalBlink({ clock });

beforeEach(() => {
  // Fresh hourly windows for the per-IP limits (every request comes from 127.0.0.1).
  clock.advanceSeconds(3600);
});

const post = (urlPath: string, body: unknown) => postJson(blink, urlPath, body);

async function adminRevoke(userGuid: string): Promise<void> {
  const response = await fetch(`${blink.url}/admin/enrollments/${userGuid}/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${blink.adminToken}` },
  });
  expect(response.status).toBe(200);
}

async function bindingCodeFor(token: string): Promise<string> {
  const answer = await post('/api/setup/qr', { token });
  expect(answer.status).toBe(200);
  return parseEnrollUri(String(answer.json.uri)).bindingCode;
}

function tokenOf(link: string): string {
  return new URL(link).hash.replace(/^#t=/, '');
}

function registerWith(bindingCode: string) {
  return registerDevice(blink.url, {
    bindingCode,
    publicKey: generateDeviceKeys().publicKey,
    unlockMethod: 'none',
    platform: 'other',
  });
}

function freshPhone(): string {
  return `+1201${200 + randomInt(700)}${String(100 + randomInt(100)).padStart(4, '0')}`;
}

async function codeSentTo(phone: string): Promise<string> {
  const sms = await pollUntil(
    async () =>
      blink.listSms().find((message) => message.to === phone && /verification code is \d{6}/.test(message.body)),
    {
      timeoutMs: 5000,
      description: `a verification code to ${phone}`,
    },
  );
  const code = /verification code is (\d{6})/.exec(sms.body)?.[1];
  if (!code) throw new Error('no code');
  return code;
}

describe('binding codes die with the activation that issued them', () => {
  it('refuses a binding code kept across a revocation and re-activation, and leaves the new activation untouched', async () => {
    const { token, user } = await activate(blink, testUser('Kept Code'));
    const kept = await bindingCodeFor(token);
    await adminRevoke(user.userGuid);
    const { link } = await issueActivation(activationDepsOf(blink), user);

    await expect(registerWith(kept)).rejects.toMatchObject({ status: 404, code: 'BINDING_INVALID' });
    const devices = await blink.composition.adapters.deviceStore.listForUser(user.userGuid);
    expect(devices.filter((device) => !device.revokedAt)).toHaveLength(0);
    const record = await blink.composition.adapters.enrollmentStore.get(user.userGuid);
    expect(record).toMatchObject({ status: 'activated', methods: { app: false } });

    // The user's new link still works: it was not consumed by the refused registration.
    const opened = await post('/api/setup/open', { token: tokenOf(link) });
    expect(opened).toMatchObject({ status: 200, json: { state: 'needs-phone' } });
    const bound = await enroll((await post('/api/setup/qr', { token: tokenOf(link) })).json.uri as string, {
      unlockMethod: 'none',
    });
    expect(bound.state.deviceId).toEqual(expect.any(String));
  });

  it('refuses a binding code of a link that a newer activation superseded', async () => {
    const { token, user } = await activate(blink, testUser('Superseded Code'));
    const kept = await bindingCodeFor(token);
    const { link } = await issueActivation(activationDepsOf(blink), user);
    await expect(registerWith(kept)).rejects.toMatchObject({ status: 404, code: 'BINDING_INVALID' });
    expect((await post('/api/setup/open', { token: tokenOf(link) })).status).toBe(200);
  });

  it('refuses a binding code once setup was finished by SMS with the same link', async () => {
    const { token, user } = await activate(blink, testUser('Finished Setup'));
    const kept = await bindingCodeFor(token);
    const phone = freshPhone();
    expect((await post('/api/setup/phone', { token, phone })).status).toBe(200);
    expect((await post('/api/setup/verify', { token, code: await codeSentTo(phone) })).status).toBe(200);

    await expect(registerWith(kept)).rejects.toMatchObject({ status: 404, code: 'BINDING_INVALID' });
    expect(await blink.composition.adapters.deviceStore.listForUser(user.userGuid)).toHaveLength(0);
  });

  it('lets exactly one of a concurrent SMS verification and device binding finish setup', async () => {
    const { token, user } = await activate(blink, testUser('Two Finishes'));
    const bindingCode = await bindingCodeFor(token);
    const phone = freshPhone();
    await post('/api/setup/phone', { token, phone });
    const code = await codeSentTo(phone);

    const [verified, registered] = await Promise.allSettled([
      post('/api/setup/verify', { token, code }),
      registerWith(bindingCode),
    ]);
    const smsWon = verified.status === 'fulfilled' && verified.value.status === 200;
    const appWon = registered.status === 'fulfilled';
    expect([smsWon, appWon].filter(Boolean)).toHaveLength(1);
    const record = await blink.composition.adapters.enrollmentStore.get(user.userGuid);
    expect(record?.methods).toEqual({ sms: smsWon, app: appWon });
    const liveDevices = (await blink.composition.adapters.deviceStore.listForUser(user.userGuid)).filter(
      (device) => !device.revokedAt,
    );
    expect(liveDevices).toHaveLength(appWon ? 1 : 0);
  });
});

describe('an SMS code verifies the number it was sent to', () => {
  it('keeps the number the code went to even when the pending number changes between the code check and the save', async () => {
    const { token, user } = await activate(blink, testUser('Switched Number'));
    const sentTo = freshPhone();
    const switchedTo = freshPhone();
    await post('/api/setup/phone', { token, phone: sentTo });
    const code = await codeSentTo(sentTo);

    // Fault injection on the real store: right after the code is consumed, the pending number is switched, as a
    // concurrent request could do.
    const store = blink.composition.adapters.enrollmentStore as EnrollmentStore;
    const consume = store.consumeSecret.bind(store);
    store.consumeSecret = async (purpose, hash, now) => {
      const consumed = await consume(purpose, hash, now);
      if (purpose === 'sms-code' && consumed) {
        const current = await store.get(user.userGuid);
        if (current) await store.save({ ...current, pendingPhoneE164: switchedTo }, current.version);
      }
      return consumed;
    };
    try {
      expect((await post('/api/setup/verify', { token, code })).status).toBe(200);
    } finally {
      store.consumeSecret = consume;
    }
    expect(await blink.composition.adapters.enrollmentStore.get(user.userGuid)).toMatchObject({
      status: 'active',
      phoneE164: sentTo,
    });
    expect(await blink.composition.adapters.enrollmentStore.findByPhone(switchedTo)).toHaveLength(0);
  });
});
