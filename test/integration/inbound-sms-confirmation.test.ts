import { ManualClock } from '../support/manual-clock.js';
import { freshPhone, useInboundSmsBlink } from './support/inbound-sms.js';

// Confirmation mode through the local runtime, as it runs by default (RESET_CONFIRMATION unset): RESET and UNLOCK
// answer with a 6-digit code, and only that code sent back from the same number within 5 minutes queues the job.

const clock = new ManualClock('2026-04-01T01:00:00.000Z');
const inbound = useInboundSmsBlink({ clock });
const { expectHandled } = inbound;
const codes: string[] = [];

afterEach(() => {
  codes.length = 0;
});

/** No code the test was sent ever reached a log line (as a number of its own: a longer number may hold the digits by chance). */
function expectNoCodeLogged(): void {
  const logged = inbound.logs.text();
  expect(codes.filter((code) => new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`).test(logged))).toEqual([]);
}

/** Texts RESET or UNLOCK and returns the code of the reply. */
async function requestCode(phone: string, body: 'RESET' | 'UNLOCK' = 'RESET'): Promise<string> {
  const before = inbound.smsTo(phone).length;
  await expectHandled(phone, body, 'confirmation-sent');
  const replies = inbound.smsTo(phone);
  expect(replies).toHaveLength(before + 1);
  const match =
    /^Blink: reply with (\d{6}) within 5 minutes to confirm (your password reset|the unlock of your account)\.$/.exec(
      replies[before]?.body ?? '',
    );
  expect(match).not.toBeNull();
  const code = match?.[1] ?? '';
  codes.push(code);
  return code;
}

function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

describe('confirmation mode', () => {
  it('RESET answers with a code and queues nothing; the code sent back queues the reset', async () => {
    const user = await inbound.enrolledUser();
    const code = await requestCode(user.phone);
    expect(inbound.smsTo(user.phone)[0]?.body).toBe(
      `Blink: reply with ${code} within 5 minutes to confirm your password reset.`,
    );
    expect((await inbound.auditOf(user.userGuid)).map((event) => event.action)).toEqual(['reset-confirmation-sent']);
    const confirmed = await expectHandled(user.phone, ` ${code} `, 'job-enqueued');
    expect(await inbound.workerStartedJobOf(confirmed)).toBe('reset');
    expect((await inbound.auditOf(user.userGuid)).find((event) => event.action === 'reset-requested')).toMatchObject({
      result: 'success',
      channel: 'sms',
    });
    // Used once: the same code again is wrong.
    await expectHandled(user.phone, code, 'wrong-code');
    expectNoCodeLogged();
  });

  it('UNLOCK confirmed with its code queues an unlock', async () => {
    const user = await inbound.enrolledUser();
    const code = await requestCode(user.phone, 'UNLOCK');
    expect(inbound.smsTo(user.phone)[0]?.body).toBe(
      `Blink: reply with ${code} within 5 minutes to confirm the unlock of your account.`,
    );
    expect(await inbound.workerStartedJobOf(await expectHandled(user.phone, code, 'job-enqueued'))).toBe('unlock');
    expectNoCodeLogged();
  });

  it('a wrong code is answered, queues nothing, and the right one still works within 5 minutes', async () => {
    const user = await inbound.enrolledUser();
    const code = await requestCode(user.phone);
    const wrong = await expectHandled(user.phone, otherCode(code), 'wrong-code');
    expect(inbound.smsTo(user.phone).at(-1)?.body).toBe(
      'Blink: that code is not right or has expired. Text RESET or UNLOCK to get a new one.',
    );
    clock.advanceSeconds(299);
    const right = await expectHandled(user.phone, code, 'job-enqueued');
    await inbound.workerStartedJobOf(right);
    expect(inbound.workerStartedAnyJobOf(wrong)).toBe(false);
    expectNoCodeLogged();
  });

  it('a code expires after 5 minutes', async () => {
    const user = await inbound.enrolledUser();
    const code = await requestCode(user.phone);
    clock.advanceSeconds(300);
    await expectHandled(user.phone, code, 'wrong-code');
    expect((await inbound.auditOf(user.userGuid)).filter((event) => event.action === 'reset-requested')).toEqual([]);
    expectNoCodeLogged();
  });

  it('a code works only from the number it was sent to', async () => {
    const owner = await inbound.enrolledUser();
    const other = await inbound.enrolledUser();
    const code = await requestCode(owner.phone);
    await expectHandled(other.phone, code, 'wrong-code');
    const stranger = freshPhone();
    await expectHandled(stranger, code, 'unknown-sender');
    expect((await inbound.auditOf(other.userGuid)).filter((event) => event.action === 'reset-requested')).toEqual([]);
    // Still unused by the owner.
    await inbound.workerStartedJobOf(await expectHandled(owner.phone, code, 'job-enqueued'));
    expectNoCodeLogged();
  });

  it('a new RESET supersedes the earlier code', async () => {
    const user = await inbound.enrolledUser();
    const first = await requestCode(user.phone);
    const second = await requestCode(user.phone);
    if (first !== second) await expectHandled(user.phone, first, 'wrong-code');
    await expectHandled(user.phone, second, 'job-enqueued');
    expectNoCodeLogged();
  });

  it('wrong codes count in the per-account limit (3 an hour by default)', async () => {
    const user = await inbound.enrolledUser();
    const code = await requestCode(user.phone); // 1 of 3
    await expectHandled(user.phone, otherCode(code), 'wrong-code'); // 2
    await expectHandled(user.phone, otherCode(otherCode(code)), 'wrong-code'); // 3
    await expectHandled(user.phone, otherCode(code), 'rate-limited');
    await expectHandled(user.phone, otherCode(code), 'rate-limited');
    await expectHandled(user.phone, 'RESET', 'rate-limited');
    await expectHandled(user.phone, 'RESET', 'rate-limited');
    // One notice for codes and one for RESET, each once an hour.
    expect(inbound.smsTo(user.phone).filter((sms) => sms.body.startsWith('Blink: too many requests'))).toHaveLength(2);
    expect(inbound.smsTo(user.phone).filter((sms) => sms.body.startsWith('Blink: reply with'))).toHaveLength(1);
    expectNoCodeLogged();
  });

  it('at most 5 code replies per account in 5 minutes: after that even the right code is refused', async () => {
    const user = await inbound.enrolledUser();
    const code = await requestCode(user.phone);
    let guess = code;
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      guess = otherCode(guess);
      const sent = await inbound.text(user.phone, guess);
      outcomes.push(inbound.outcomeOf(sent.inboundMessageId) ?? 'none');
    }
    expect(outcomes).toEqual(['wrong-code', 'wrong-code', 'rate-limited', 'rate-limited', 'rate-limited']);
    await expectHandled(user.phone, code, 'rate-limited');
    expect(
      (await inbound.auditOf(user.userGuid)).filter(
        (event) => event.action === 'reset-requested' && event.result === 'success',
      ),
    ).toEqual([]);
    expectNoCodeLogged();
  });

  it('a 6-digit text with no code outstanding is a wrong code, not a request', async () => {
    const user = await inbound.enrolledUser();
    await expectHandled(user.phone, '123456', 'wrong-code');
    expect((await inbound.auditOf(user.userGuid)).filter((event) => event.action === 'reset-requested')).toEqual([]);
    expectNoCodeLogged();
  });
});
