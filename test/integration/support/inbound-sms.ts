import { randomInt, randomUUID } from 'node:crypto';
import type { LocalBlink, LocalBlinkOptions, SentSmsView } from '../../../local/runtime.js';
import type { Enrollment } from '../../../shared/domain/enrollment.js';
import type { AuditEvent } from '../../../shared/ports/audit-log.js';
import { jobIdForInboundMessage } from '../../../shared/use-cases/inbound-sms/handle-inbound-sms.js';
import { captureLogsOfEachTest, type LogCapture } from '../../support/capture-logs.js';
import { useLocalBlink } from '../../support/local-blink.js';
import type { ManualClock } from '../../support/manual-clock.js';
import { pollUntil } from '../../support/poll.js';
import { activeEnrollment } from '../../support/enrollments.js';

/** Helpers of the inbound SMS tests: made-up enrolled users, texting the local runtime, and what came of it. */

const usedNumbers = new Set<string>();

/** A fresh fictional US mobile number, never used before in this process. */
export function freshPhone(): string {
  for (;;) {
    const e164 = `+1303${200 + randomInt(700)}${String(randomInt(10_000)).padStart(4, '0')}`;
    if (!usedNumbers.has(e164)) {
      usedNumbers.add(e164);
      return e164;
    }
  }
}

export interface TestUser {
  userGuid: string;
  phone: string;
}

/** Writes an enrollment straight to the store (no AD contact): active with a verified phone by default. */
export async function enrolledUser(blink: LocalBlink, overrides: Partial<Enrollment> = {}): Promise<TestUser> {
  const userGuid = randomUUID();
  const phone = freshPhone();
  const sam = `sms${randomInt(1_000_000)}`;
  const now = blink.composition.adapters.clock.now();
  const enrollment = activeEnrollment(
    { userGuid, dn: `CN=${sam},OU=Staff,DC=corp,DC=example,DC=test`, samAccountName: sam },
    { phoneE164: phone, at: now },
  );
  await blink.composition.adapters.enrollmentStore.save({ ...enrollment, ...overrides }, 0);
  return { userGuid, phone: overrides.phoneE164 ?? phone };
}

export interface Texted {
  status: number;
  inboundMessageId: string;
}

/** Texts `body` from `from` to Blink through the local runtime's inbound route (an SNS event for the handler). */
export async function text(
  blink: LocalBlink,
  from: string,
  body: string,
  options: { to?: string; inboundMessageId?: string } = {},
): Promise<Texted> {
  const response = await fetch(`${blink.url}/_local/api/sms/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, body, ...options }),
  });
  const json = (await response.json()) as { inboundMessageId: string };
  return { status: response.status, inboundMessageId: json.inboundMessageId };
}

/** SMS Blink sent to `phone` so far, oldest first. */
export function smsTo(blink: LocalBlink, phone: string): SentSmsView[] {
  return blink.listSms().filter((sms) => sms.to === phone);
}

/** What the use case said it did with the latest delivery of a message (its log line), once it has handled it. */
export function outcomeOf(logs: LogCapture, inboundMessageId: string): string | undefined {
  const line = logs
    .lines()
    .findLast(
      (entry) =>
        entry.inboundMessageId === inboundMessageId &&
        (entry.message === 'inbound SMS handled' ||
          entry.message === 'inbound SMS already handled' ||
          entry.message === 'inbound SMS to a number that is not ours ignored'),
    );
  if (!line) return undefined;
  if (line.message === 'inbound SMS already handled') return 'duplicate';
  if (line.message === 'inbound SMS to a number that is not ours ignored') return 'not-our-number';
  return String(line.outcome);
}

export async function auditOf(blink: LocalBlink, userGuid: string): Promise<AuditEvent[]> {
  return blink.composition.adapters.auditLog.listForUser(userGuid, 100);
}

/** Waits until the directory worker started the job an inbound message asked for; returns its kind. */
export async function workerStartedJobOf(logs: LogCapture, inboundMessageId: string): Promise<string> {
  const jobId = jobIdForInboundMessage(inboundMessageId);
  return pollUntil(
    async () => {
      const line = logs.lines().find((entry) => entry.message === 'job started' && entry.jobId === jobId);
      return line ? String(line.jobKind) : undefined;
    },
    { timeoutMs: 10_000, description: `the worker to start job ${jobId}` },
  );
}

/** True when the worker ever started a job for this inbound message (check after a later job was seen started). */
export function workerStartedAnyJobOf(logs: LogCapture, inboundMessageId: string): boolean {
  const jobId = jobIdForInboundMessage(inboundMessageId);
  return logs.lines().some((entry) => entry.message === 'job started' && entry.jobId === jobId);
}

/** The published numbers of the local runtime's SMS stand-in (the first is where replies come from by default). */
export const PUBLISHED = '+18553917277';
export const SECOND_PUBLISHED = '+14437477277';

/** The local runtime of an inbound SMS suite with its logs, and the helpers above bound to both. */
export interface InboundSmsSuite {
  readonly blink: LocalBlink;
  readonly logs: LogCapture;
  enrolledUser(overrides?: Partial<Enrollment>): Promise<TestUser>;
  text(from: string, body: string, options?: { to?: string; inboundMessageId?: string }): Promise<Texted>;
  /** Texts and checks that the route accepted it and the use case handled it as `outcome`; returns the message id. */
  expectHandled(
    from: string,
    body: string,
    outcome: string,
    options?: { to?: string; inboundMessageId?: string },
  ): Promise<string>;
  smsTo(phone: string): SentSmsView[];
  outcomeOf(inboundMessageId: string): string | undefined;
  auditOf(userGuid: string): Promise<AuditEvent[]>;
  workerStartedJobOf(inboundMessageId: string): Promise<string>;
  workerStartedAnyJobOf(inboundMessageId: string): boolean;
}

/**
 * Starts the local runtime for the file (useLocalBlink, so demo directory and no lockout scan; `options` as there) and
 * captures the logs of each test. With a manual `clock`, each test starts one day after the one before at the clock's
 * start time, so the per-hour and per-day limits of one test never reach the next.
 */
export function useInboundSmsBlink(
  options: Omit<LocalBlinkOptions, 'clock'> & { clock?: ManualClock } = {},
): InboundSmsSuite {
  const blink = useLocalBlink(options);
  const logs = captureLogsOfEachTest();
  const { clock } = options;
  if (clock) {
    const start = clock.now().getTime();
    let day = 0;
    beforeEach(() => clock.set(new Date(start + day++ * 86_400_000)));
  }
  const suite: InboundSmsSuite = {
    blink,
    logs,
    enrolledUser: (overrides) => enrolledUser(blink, overrides),
    text: (from, body, textOptions) => text(blink, from, body, textOptions),
    expectHandled: async (from, body, outcome, textOptions) => {
      const sent = await text(blink, from, body, textOptions);
      expect(sent.status).toBe(202);
      expect(outcomeOf(logs, sent.inboundMessageId)).toBe(outcome);
      return sent.inboundMessageId;
    },
    smsTo: (phone) => smsTo(blink, phone),
    outcomeOf: (inboundMessageId) => outcomeOf(logs, inboundMessageId),
    auditOf: (userGuid) => auditOf(blink, userGuid),
    workerStartedJobOf: (inboundMessageId) => workerStartedJobOf(logs, inboundMessageId),
    workerStartedAnyJobOf: (inboundMessageId) => workerStartedAnyJobOf(logs, inboundMessageId),
  };
  return suite;
}
