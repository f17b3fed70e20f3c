import { randomInt, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { hashSecret } from '../../shared/domain/one-time-secrets.js';
import { parseEnrollUri } from '../../device-client/client.js';
import { localTarget } from '../support/local-aws.js';
import type { SentEmailView, SentSmsView } from '../../local/runtime.js';
import { postJson, useLocalBlink } from '../support/local-blink.js';
import { issueActivation, type ActivationDependencies } from '../../shared/use-cases/enrollment/index.js';
import { captureLogs, type LogCapture } from '../support/capture-logs.js';
import { ManualClock } from '../support/manual-clock.js';
import { pollUntil } from '../support/poll.js';
import { activate as activateUser, activationDepsOf, testUser } from '../support/activations.js';
import { changeEnrollment } from '../support/enrollments.js';

// The setup page's API end to end through the local runtime (HTTP bridge → API handler → use cases → dynalite, the
// SMS and SES stand-ins), with a manual clock so expiry, cooldowns and locks can be stepped over without waiting.

const linkInvalidBody = {
  error: {
    code: 'LINK_INVALID',
    message: 'This setup link is not valid. Ask your IT team for a new activation email.',
  },
};
/** The wrong-code answer, with the attempts left before verification locks (5 wrong codes per enrollment). */
const codeInvalidBody = (attemptsLeft: number) => ({
  error: {
    code: 'CODE_INVALID',
    message: 'That code is not right. Check the latest text message and try again.',
    attemptsLeft,
  },
});
const lockedBody = { error: { code: 'RATE_LIMITED', message: 'Too many wrong codes, so verification is locked.' } };

const clock = new ManualClock(new Date());
const blink = useLocalBlink({ clock });
let activationDeps: ActivationDependencies;
let logs: LogCapture;

beforeAll(() => {
  activationDeps = activationDepsOf(blink);
});

// Everything the process logs during a test is kept, and searched for secrets at the end of the tests that use them.
beforeEach(() => {
  logs = captureLogs();
  // Each test starts in a fresh hourly window, so the per-IP limit (all requests come from 127.0.0.1) counts one test only.
  clock.advanceSeconds(3600);
});
afterEach(() => {
  logs.restore();
});

interface Activated {
  userGuid: string;
  mail: string;
  token: string;
  link: string;
}

async function activate(): Promise<Activated> {
  const { link, token, user } = await activateUser(blink, testUser('Setup User'));
  return { userGuid: user.userGuid, mail: user.mail, link, token };
}

/** A fresh fictional US mobile number (555-01xx), so per-number limits of one test do not touch another. */
const usedNumbers = new Set<string>();
function freshPhone(): { typed: string; e164: string } {
  for (;;) {
    const exchange = 200 + randomInt(700);
    const line = String(100 + randomInt(100)).padStart(4, '0');
    const e164 = `+1201${exchange}${line}`;
    if (!usedNumbers.has(e164) && exchange !== 555) {
      usedNumbers.add(e164);
      return { typed: `(201) ${exchange}-${line}`, e164 };
    }
  }
}

const post = (urlPath: string, body: unknown) => postJson(blink, urlPath, body);

async function smsTo(phone: string, count: number): Promise<SentSmsView[]> {
  return pollUntil(
    async () => {
      const sent = blink.listSms().filter((sms) => sms.to === phone);
      return sent.length >= count ? sent : undefined;
    },
    { timeoutMs: 5000, description: `${count} SMS to ${phone}` },
  );
}

async function latestCode(phone: string, count: number): Promise<string> {
  const sent = await smsTo(phone, count);
  const match = /verification code is (\d{6})\./.exec(sent[count - 1]?.body ?? '');
  if (!match?.[1]) throw new Error(`no code in SMS ${count} to ${phone}`);
  return match[1];
}

function wrongCode(right: string): string {
  return String((Number(right) + 1) % 1_000_000).padStart(6, '0');
}

async function emailsTo(mail: string, count: number): Promise<SentEmailView[]> {
  return pollUntil(
    async () => {
      const sent = (await blink.listEmails()).filter((email) => email.to === mail);
      return sent.length >= count ? sent : undefined;
    },
    { timeoutMs: 5000, description: `${count} emails to ${mail}` },
  );
}

function expectStrictHeaders(headers: Headers): void {
  expect(headers.get('cache-control')).toBe('no-store');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
  expect(headers.get('content-type')).toMatch(/^application\/json/);
}

function expectNotLogged(...secrets: string[]): void {
  const text = logs.text();
  expect(text.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('setup by SMS', () => {
  it('opens, sends a code, refuses wrong codes, completes with the right one and sends the notices', async () => {
    const { token, mail, userGuid } = await activate();
    const phone = freshPhone();

    const opened = await post('/api/setup/open', { token });
    expect(opened.status).toBe(200);
    expectStrictHeaders(opened.headers);
    expect(opened.json).toEqual({ displayName: 'Setup User', state: 'needs-phone' });

    const invalid = await post('/api/setup/phone', { token, phone: '12345' });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'Enter a valid mobile number, including the country code if it is not a local number.',
      },
    });
    const landline = await post('/api/setup/phone', { token, phone: '+44 20 7946 0018' });
    expect(landline.status).toBe(400);
    expect(landline.json).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'This number cannot receive text messages. Enter a mobile number.' },
    });

    const sent = await post('/api/setup/phone', { token, phone: phone.typed });
    expect(sent.status).toBe(200);
    expectStrictHeaders(sent.headers);
    expect(sent.json).toEqual({
      state: 'choose-method',
      phone: `+1 •••-•••-${phone.e164.slice(-4)}`,
      resendAfterSeconds: 60,
    });
    const [codeSms] = await smsTo(phone.e164, 1);
    const code = await latestCode(phone.e164, 1);
    const { PUBLIC_BASE_URL } = blink.composition.env;
    expect(codeSms?.body).toBe(
      `Blink: your verification code is ${code}. It expires in 10 minutes. Get the Blink app: ${PUBLIC_BASE_URL}/app/`,
    );

    expect((await post('/api/setup/open', { token })).json).toEqual({
      displayName: expect.any(String),
      state: 'choose-method',
      phone: `+1 •••-•••-${phone.e164.slice(-4)}`,
    });
    expect((await post('/api/setup/status', { token })).json).toEqual({ state: 'choose-method' });

    for (const [attempt, attemptsLeft] of [
      [wrongCode(code), 4],
      ['abcdef', 3],
    ] as const) {
      const wrong = await post('/api/setup/verify', { token, code: attempt });
      expect(wrong.status).toBe(400);
      expectStrictHeaders(wrong.headers);
      expect(wrong.json).toEqual(codeInvalidBody(attemptsLeft));
    }

    const verified = await post('/api/setup/verify', { token, code });
    expect(verified.status).toBe(200);
    expect(verified.json).toEqual({ state: 'complete', method: 'sms' });

    const [, confirmation] = await smsTo(phone.e164, 2);
    expect(confirmation).toMatchObject({
      from: blink.composition.env.SMS_ORIGINATION_IDENTITIES[0],
      body: 'Blink: setup is complete. Save this number; to reset your Windows password, text RESET to it.',
    });
    const [notice] = await emailsTo(mail, 1);
    expect(notice?.subject).toBe('Blink: your mobile number was verified');
    expect(notice?.text).toContain(`+1 •••-•••-${phone.e164.slice(-4)}`);
    expect(notice?.html).toContain('<p>');
    expect(`${notice?.text}${notice?.html}`).not.toContain(code);
    expect(`${notice?.text}${notice?.html}`).not.toContain(phone.e164);

    const enrollment = await blink.composition.adapters.enrollmentStore.get(userGuid);
    expect(enrollment).toMatchObject({
      status: 'active',
      phoneE164: phone.e164,
      methods: { sms: true, app: false },
      verificationFailures: 0,
    });
    expect(enrollment?.pendingPhoneE164).toBeUndefined();
    // The number the code came from, which the user saves: Blink's own alerts and notices go from it.
    expect(codeSms?.from).toBe(blink.composition.env.SMS_ORIGINATION_IDENTITIES[0]);
    expect(enrollment?.senderNumber).toBe(codeSms?.from);

    // The page learns it is done; the used link, opened again, says setup is complete (and how to reset), instead of
    // sending its holder to IT for a new link. It does nothing else any more, and the used code does nothing.
    expect((await post('/api/setup/status', { token })).json).toEqual({ state: 'complete', method: 'sms' });
    const reopened = await post('/api/setup/open', { token });
    expect(reopened.status).toBe(200);
    expectStrictHeaders(reopened.headers);
    expect(reopened.json).toEqual({ displayName: 'Setup User', state: 'complete', methods: { sms: true, app: false } });
    expect((await post('/api/setup/verify', { token, code })).status).toBe(404);
    expect((await post('/api/setup/phone', { token, phone: freshPhone().e164 })).status).toBe(404);
    expect((await post('/api/setup/qr', { token })).status).toBe(404);

    expectNotLogged(token, code);
  });

  it('accepts a right code once when two verify calls race', async () => {
    const { token } = await activate();
    const phone = freshPhone();
    expect((await post('/api/setup/phone', { token, phone: phone.e164 })).status).toBe(200);
    const code = await latestCode(phone.e164, 1);
    const results = await Promise.all([
      post('/api/setup/verify', { token, code }),
      post('/api/setup/verify', { token, code }),
    ]);
    const statuses = results.map((result) => result.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status !== 200)).toHaveLength(1);
    expect([400, 404]).toContain(statuses.find((status) => status !== 200));
    // Exactly one confirmation was sent.
    await smsTo(phone.e164, 2);
    expect(
      blink.listSms().filter((sms) => sms.to === phone.e164 && sms.body.includes('setup is complete')),
    ).toHaveLength(1);
  });

  it('refuses an expired code, and a code superseded by a newer one', async () => {
    const { token } = await activate();
    const phone = freshPhone();
    await post('/api/setup/phone', { token, phone: phone.e164 });
    const first = await latestCode(phone.e164, 1);
    clock.advanceSeconds(601);
    expect((await post('/api/setup/verify', { token, code: first })).json).toEqual(codeInvalidBody(4));

    await post('/api/setup/phone', { token, phone: phone.e164 });
    const second = await latestCode(phone.e164, 2);
    clock.advanceSeconds(61);
    await post('/api/setup/phone', { token, phone: phone.e164 });
    const third = await latestCode(phone.e164, 3);
    expect(third).not.toBe(second);
    expect((await post('/api/setup/verify', { token, code: second })).json).toEqual(codeInvalidBody(3));
    expect((await post('/api/setup/verify', { token, code: third })).status).toBe(200);
  });

  it('locks verification after 5 wrong codes across codes, for an hour', async () => {
    const { token, userGuid } = await activate();
    const phone = freshPhone();
    await post('/api/setup/phone', { token, phone: phone.e164 });
    const first = await latestCode(phone.e164, 1);
    // Each wrong code says how many attempts are left.
    for (const attemptsLeft of [4, 3, 2]) {
      const wrong = await post('/api/setup/verify', { token, code: wrongCode(first) });
      expect({ status: wrong.status, json: wrong.json }).toEqual({ status: 400, json: codeInvalidBody(attemptsLeft) });
    }
    // A fresh code does not reset the count.
    clock.advanceSeconds(61);
    await post('/api/setup/phone', { token, phone: phone.e164 });
    const second = await latestCode(phone.e164, 2);
    expect((await post('/api/setup/verify', { token, code: wrongCode(second) })).json).toEqual(codeInvalidBody(1));
    const locking = await post('/api/setup/verify', { token, code: wrongCode(second) });
    expect(locking.status).toBe(429);
    // The lock is said once (the page adds the wait from Retry-After).
    expect(locking.json).toEqual(lockedBody);
    expect(Number(locking.headers.get('retry-after'))).toBe(3600);

    // Locked: even the right code is refused, and no new code is sent.
    const right = await post('/api/setup/verify', { token, code: second });
    expect(right.status).toBe(429);
    expect(right.json).toEqual(lockedBody);
    const resend = await post('/api/setup/phone', { token, phone: phone.e164 });
    expect(resend.status).toBe(429);
    expect(resend.json).toEqual(lockedBody);
    expect(await blink.composition.adapters.enrollmentStore.get(userGuid)).toMatchObject({ status: 'activated' });

    clock.advanceSeconds(3601);
    await post('/api/setup/phone', { token, phone: phone.e164 });
    const third = await latestCode(phone.e164, 3);
    expect((await post('/api/setup/verify', { token, code: third })).status).toBe(200);
  });

  it('accepts the code typed with a space or a dash, as it is often written', async () => {
    for (const separator of [' ', '-']) {
      const { token } = await activate();
      const phone = freshPhone();
      await post('/api/setup/phone', { token, phone: phone.e164 });
      const code = await latestCode(phone.e164, 1);
      const typed = `${code.slice(0, 3)}${separator}${code.slice(3)}`;
      expect({ typed: separator, ...(await post('/api/setup/verify', { token, code: typed })) }).toMatchObject({
        typed: separator,
        status: 200,
        json: { state: 'complete', method: 'sms' },
      });
    }
  });

  it('does not let parallel guesses slip past the attempt limit', async () => {
    const { token } = await activate();
    const phone = freshPhone();
    await post('/api/setup/phone', { token, phone: phone.e164 });
    const code = await latestCode(phone.e164, 1);
    const guesses = Array.from({ length: 12 }, (_, index) =>
      String((Number(code) + 1 + index) % 1_000_000).padStart(6, '0'),
    );
    const answers = await Promise.all(guesses.map((guess) => post('/api/setup/verify', { token, code: guess })));
    const statuses = answers.map((answer) => answer.status);
    // Each guess is counted before it is checked: at most 4 are answered "wrong code", the rest are refused.
    expect(statuses.filter((status) => status === 400).length).toBeLessThanOrEqual(4);
    expect(statuses.every((status) => [400, 409, 429].includes(status))).toBe(true);
    expect(statuses).toContain(429);
    expect((await post('/api/setup/verify', { token, code })).status).toBe(429);
  });
});

describe('what is stored', () => {
  it('keeps tokens and codes only as keyed hashes, the code hash bound to its user', async () => {
    const { token, userGuid } = await activate();
    const phone = freshPhone();
    await post('/api/setup/phone', { token, phone: phone.e164 });
    const code = await latestCode(phone.e164, 1);
    const { qrSvg, uri } = (await post('/api/setup/qr', { token })).json as { qrSvg: string; uri: string };
    expect(qrSvg).toContain('<svg');
    const { bindingCode } = parseEnrollUri(uri);
    expect(bindingCode).not.toBe('');

    const key = await blink.composition.adapters.secrets.get('token-hmac-key');
    const store = blink.composition.adapters.enrollmentStore;
    expect(await store.findSecret('sms-code', hashSecret(key, 'sms-code', `${userGuid}:${code}`))).toMatchObject({
      userGuid,
    });
    expect(await store.findSecret('sms-code', hashSecret(key, 'sms-code', code))).toBeUndefined();
    expect(await store.findSecret('sms-code', hashSecret(key, 'sms-code', `${randomUUID()}:${code}`))).toBeUndefined();
    expect(await store.findSecret('activation', hashSecret(key, 'activation', token))).toMatchObject({ userGuid });
    expect(await store.findSecret('binding', hashSecret(key, 'binding', bindingCode))).toMatchObject({ userGuid });

    // Nowhere in the table in plain text (a test may scan; the product never does).
    const client = DynamoDBDocumentClient.from(new DynamoDBClient(localTarget(blink.services.dynamodb)));
    try {
      const { Items = [] } = await client.send(new ScanCommand({ TableName: 'blink-local' }));
      const dump = JSON.stringify(Items);
      expect(dump).toContain(userGuid);
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(bindingCode);
      expect(dump).not.toMatch(new RegExp(`[^0-9a-f]${code}[^0-9a-f]`));
    } finally {
      client.destroy();
    }
  });
});

describe('neutral answers for unusable links', () => {
  /** A fresh activation whose setup was completed by SMS: a phone, then the code sent to it. */
  const setUpBySms = async (): Promise<Activated> => {
    const activated = await activate();
    const phone = freshPhone();
    await post('/api/setup/phone', { token: activated.token, phone: phone.e164 });
    const code = await latestCode(phone.e164, 1);
    expect((await post('/api/setup/verify', { token: activated.token, code })).status).toBe(200);
    return activated;
  };

  it('answers unknown, malformed, used, superseded, expired and revoked links identically on every setup call', async () => {
    const used = await setUpBySms();

    const superseded = await activate();
    const { userGuid, mail } = superseded;
    await issueActivation(activationDeps, {
      userGuid,
      dn: `CN=x,DC=corp,DC=example,DC=test`,
      samAccountName: 'x',
      displayName: 'X',
      mail,
    });

    const revoked = await activate();
    await changeEnrollment(blink.composition.adapters.enrollmentStore, revoked.userGuid, { status: 'revoked' });

    // Set up, then revoked by an admin: its link says nothing about the finished setup.
    const completedThenRevoked = await setUpBySms();
    await changeEnrollment(blink.composition.adapters.enrollmentStore, completedThenRevoked.userGuid, {
      status: 'revoked',
    });

    // Set up, then activated again (new phone): the old link is superseded, however it was used.
    const completedThenReactivated = await setUpBySms();
    await issueActivation(
      activationDeps,
      {
        userGuid: completedThenReactivated.userGuid,
        dn: 'CN=y,DC=corp,DC=example,DC=test',
        samAccountName: 'y',
        displayName: 'Y',
        mail: completedThenReactivated.mail,
      },
      { reactivate: true },
    );

    const expectNeutral = async (kind: string, token: string, options: { status: boolean; open?: boolean }) => {
      const calls: Array<[string, Record<string, string>]> = [
        ...(options.open === false ? [] : [['/api/setup/open', {}] as [string, Record<string, string>]]),
        ['/api/setup/phone', { phone: freshPhone().e164 }],
        ['/api/setup/verify', { code: '123456' }],
        ['/api/setup/qr', {}],
      ];
      if (options.status) calls.push(['/api/setup/status', {}]);
      for (const [path, extra] of calls) {
        const answer = await post(path, { token, ...extra });
        expect({ kind, path, status: answer.status, body: answer.json }).toEqual({
          kind,
          path,
          status: 404,
          body: linkInvalidBody,
        });
        expectStrictHeaders(answer.headers);
      }
    };
    await expectNeutral('unknown', 'A'.repeat(43), { status: true });
    await expectNeutral('malformed', 'not a token at all', { status: true });
    // A used link still tells its holder "complete" on /open and /status (until it expires), and nothing else.
    await expectNeutral('used', used.token, { status: false, open: false });
    expect((await post('/api/setup/open', { token: used.token })).json).toMatchObject({ state: 'complete' });
    await expectNeutral('superseded', superseded.token, { status: true });
    await expectNeutral('revoked', revoked.token, { status: true });
    await expectNeutral('completed, then revoked', completedThenRevoked.token, { status: true });
    await expectNeutral('completed, then superseded', completedThenReactivated.token, { status: true });

    const expired = await activate();
    clock.advanceSeconds(72 * 3600 - 1);
    expect((await post('/api/setup/open', { token: expired.token })).status).toBe(200);
    clock.advanceSeconds(1);
    await expectNeutral('expired', expired.token, { status: true });
    await expectNeutral('used and expired', used.token, { status: true });
  });

  it('answers malformed bodies with a clear 400, never a 500', async () => {
    for (const body of ['{not json', '[]', JSON.stringify({ token: 42 }), JSON.stringify({})]) {
      const answer = await post('/api/setup/open', body);
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
  });
});

describe('setup rate limits', () => {
  it('keeps a resend cooldown and a daily cap per enrollment', async () => {
    const { token } = await activate();
    const phone = freshPhone();
    expect((await post('/api/setup/phone', { token, phone: phone.e164 })).status).toBe(200);
    const tooSoon = await post('/api/setup/phone', { token, phone: phone.e164 });
    expect(tooSoon.status).toBe(429);
    expectStrictHeaders(tooSoon.headers);
    expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(tooSoon.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    for (let sent = 2; sent <= 5; sent++) {
      clock.advanceSeconds(61);
      expect((await post('/api/setup/phone', { token, phone: phone.e164 })).status).toBe(200);
    }
    clock.advanceSeconds(61);
    expect((await post('/api/setup/phone', { token, phone: freshPhone().e164 })).status).toBe(429);
    expect(blink.listSms().filter((sms) => sms.to === phone.e164)).toHaveLength(5);
  });

  it('caps codes per phone number per day across enrollments', async () => {
    const phone = freshPhone();
    const enrollments = [await activate(), await activate(), await activate()];
    const statuses: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const { token } of enrollments)
        statuses.push((await post('/api/setup/phone', { token, phone: phone.e164 })).status);
      clock.advanceSeconds(61);
    }
    expect(statuses.slice(0, 10)).toEqual(Array.from({ length: 10 }, () => 200));
    expect(statuses.slice(10)).toEqual(Array.from({ length: 5 }, () => 429));
    expect(blink.listSms().filter((sms) => sms.to === phone.e164)).toHaveLength(10);
  });

  it('limits phone requests per client IP from the request context, whatever X-Forwarded-For says', async () => {
    const statuses: number[] = [];
    for (let request = 0; request < 31; request++) {
      const response = await fetch(`${blink.url}/api/setup/phone`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${request}` },
        body: JSON.stringify({ token: `unknown-${request}`, phone: '+12015550100' }),
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 30).every((status) => status === 404)).toBe(true);
    expect(statuses[30]).toBe(429);
  });
});
