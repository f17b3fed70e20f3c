import { randomBytes } from 'node:crypto';
import { GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import type { LocalBlink } from '../../local/runtime.js';
import { DeleteTopicCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
import { LOCAL_ALARM_INBOX, LOCAL_ALARM_TOPIC } from '../../local/stand-ins/alarm-topic.js';
import { createSnsClient, createSqsClient } from '../../shared/composition/aws-clients.js';
import { localTarget } from '../support/local-aws.js';
import { pollUntil } from '../support/poll.js';
import type { PortalClient } from '../support/portal-client.js';
import { enrolledSambaUser, startPortalOnSamba } from './support/portal.js';
import { throwawayUsers } from './support/samba.js';

// The emergency path for a caller who lost their phone, on Samba: only an Admin, only with a reason; the operators
// hear of it on the alarm topic (fauxqs SNS, read back through a subscribed queue), the lost phone and apps are
// revoked, the user gets a new activation link and a notice by email. No password exists anywhere in it.

const ADMIN_TOKEN = `admin-${randomBytes(24).toString('base64url')}`;
const WAIT = { timeoutMs: 30_000, intervalMs: 200 };
let blink: LocalBlink;
const users = throwawayUsers();
let tina: PortalClient;
let adam: PortalClient;

beforeAll(async () => {
  ({ blink, tina, adam } = await startPortalOnSamba(ADMIN_TOKEN));
});

afterAll(async () => {
  await blink?.stop();
  await users.removeAll();
});

const snsEnvelope = z.object({ Subject: z.string(), Message: z.string() });

/** What was published to the alarm topic, as its subscribed queue received it. */
async function alarmMessages(): Promise<z.infer<typeof snsEnvelope>[]> {
  const sqs = createSqsClient(localTarget(blink.services.sqs));
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: LOCAL_ALARM_INBOX }));
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    return (received.Messages ?? []).map((message) => snsEnvelope.parse(JSON.parse(message.Body ?? '{}')));
  } finally {
    sqs.destroy();
  }
}

const emergency = (client: PortalClient, userGuid: string, body: unknown) =>
  client.change(`/admin/portal/api/users/${userGuid}/emergency`, body);

test('a technician cannot use the emergency path, and an Admin must give a reason', async () => {
  const { userGuid } = await enrolledSambaUser(blink, ADMIN_TOKEN, users, 'pemrefuse');
  const reason = 'Lost phone on a trip, caller known by voice';
  expect((await emergency(tina, userGuid, { reason })).status).toBe(403);
  expect((await emergency(adam, userGuid, { reason: 'lost' })).status).toBe(400);
  expect((await emergency(adam, userGuid, {})).status).toBe(400);
  // Nothing happened: the phone is still the user's.
  const enrollment = await blink.composition.adapters.enrollmentStore.get(userGuid);
  expect(enrollment).toMatchObject({ status: 'active', methods: { sms: true } });
});

test('an Admin with a reason: the operators are alerted, the lost phone revoked, the user emailed a new link', async () => {
  const { user, userGuid, phone } = await enrolledSambaUser(blink, ADMIN_TOKEN, users, 'pemlost');
  const reason = 'Caller lost phone; identity checked by manager callback (ticket 4711)';
  const response = await emergency(adam, userGuid, { reason });
  const answerText = await response.text();
  expect(response.status).toBe(200);
  expect(JSON.parse(answerText)).toEqual({ revokedDevices: [], activationSent: true });

  // The lost phone can no longer reset or unlock; the user is back to "activation sent".
  expect(await blink.composition.adapters.enrollmentStore.get(userGuid)).toMatchObject({
    status: 'activated',
    methods: { sms: false, app: false },
  });

  // The operators: who, whom, why; no link, no password.
  const alarm = await pollUntil(
    async () => (await alarmMessages()).find((message) => message.Message.includes(user.samAccountName)),
    { ...WAIT, description: 'the emergency alert on the alarm topic' },
  );
  expect(alarm.Subject).toContain(`emergency help-desk action on ${user.samAccountName}`);
  expect(alarm.Message).toContain('Adam');
  expect(alarm.Message).toContain(reason);
  expect(alarm.Message).not.toMatch(/https?:\/\//);

  // The user: a notice naming the Admin and the reason, and a new activation link (to their own mailbox only).
  const mails = await pollUntil(
    async () => {
      const sent = (await blink.listEmails()).filter((email) =>
        email.to.toLowerCase().includes(user.samAccountName.toLowerCase()),
      );
      return sent.length >= 2 ? sent : undefined;
    },
    { ...WAIT, description: 'the notice and the activation email' },
  );
  const notice = mails.find((email) => email.subject.includes('removed your phone'));
  expect(notice?.text).toContain(reason);
  expect(notice?.text).toContain('Adam');
  expect(notice?.text).not.toMatch(/https?:\/\//);
  expect(mails.some((email) => /\/setup#t=[\w-]{20,}/.test(email.text))).toBe(true);
  // No text message to the lost phone, and nothing the portal answered holds the link.
  expect(blink.listSms().filter((sms) => sms.to === phone)).toEqual([]);
  expect(answerText).not.toContain('#');

  // Audited with the Admin and the reason.
  const detail = (await (await adam.request(`/admin/portal/api/users/${userGuid}`)).json()) as {
    timeline: Array<{ action: string; actor?: string; reason?: string }>;
  };
  const audited = JSON.stringify(detail);
  expect(audited).toContain('portal.emergency');
  expect(audited).toContain(reason);
});

test('when the operators cannot be told, nothing is done (fail closed)', async () => {
  const { userGuid } = await enrolledSambaUser(blink, ADMIN_TOKEN, users, 'pemclosed');
  const sns = createSnsClient(localTarget(blink.services.sqs));
  try {
    const topics = await sns.send(new ListTopicsCommand({}));
    const topic = topics.Topics?.find((entry) => entry.TopicArn?.endsWith(`:${LOCAL_ALARM_TOPIC}`));
    await sns.send(new DeleteTopicCommand({ TopicArn: topic?.TopicArn }));
  } finally {
    sns.destroy();
  }
  const response = await emergency(adam, userGuid, { reason: 'Lost phone, the alarm topic is gone' });
  expect(response.status).toBeGreaterThanOrEqual(500);
  expect(await blink.composition.adapters.enrollmentStore.get(userGuid)).toMatchObject({
    status: 'active',
    methods: { sms: true },
  });
});
