import { randomBytes, randomUUID } from 'node:crypto';
import { Agent } from 'node:https';
import { generateDeviceKeys } from '../../device-client/client';
import type { ExpiryReminderChoice } from '../../shared/domain/enrollment.js';
import { activeEnrollment } from '../support/enrollments.js';
import { jobQueueDrained, queueDepth } from './support/queue.js';
import { startPushService, type PushServiceStandIn, type TestSubscription } from '../support/push-service.js';
import { asAdmin, passwordSettingsFor, type TestUser, useSambaSuite } from './support/samba.js';

// The reminder channels users choose (SMS at setup, push in the app) with the admin's SMS and push settings off,
// against the Samba DC (a PSO makes these users' passwords expire in 6 days): the chosen SMS goes to the verified
// phone, the chosen push reaches the installed app by Web Push (a loopback push service that checks VAPID and
// decrypts, the only stand-in) and the bound phone by mobile push, and a user who chose neither gets the email alone.

describe('password-expiry reminder channels chosen by the user', () => {
  let pso: string | undefined;
  let pushService: PushServiceStandIn;
  let agent: Agent;
  beforeAll(async () => {
    pushService = await startPushService();
    agent = new Agent({ ca: pushService.caPem });
  });
  const { blink, directory, users } = useSambaSuite(() => ({
    env: {
      TOKEN_HMAC_KEY: randomBytes(32).toString('base64'),
      WEB_PUSH_HOSTS: '127.0.0.1',
      PASSWORD_EXPIRY_REMINDER_SMS: 'false',
      PASSWORD_EXPIRY_REMINDER_PUSH: 'false',
    },
    webPushAgent: agent,
  }));

  interface Person extends TestUser {
    guid: string;
    phone: string;
    mail: string;
    subscription: TestSubscription;
    pushToken: string;
  }
  const people: Record<'bySms' | 'byPush' | 'emailOnly', Person> = {} as never;
  const choices: Record<keyof typeof people, ExpiryReminderChoice | undefined> = {
    bySms: { sms: true },
    byPush: { push: true, sms: false },
    emailOnly: undefined,
  };

  beforeAll(async () => {
    const { enrollmentStore, deviceStore } = blink.composition.adapters;
    for (const name of Object.keys(choices) as Array<keyof typeof people>) {
      const user = await users.create(`rc${name.slice(0, 6)}`);
      const found = await directory.findUserBySamAccountName(user.samAccountName);
      if (!found) throw new Error(`${user.samAccountName} not found`);
      const phone = `+1415555${String(1000 + (randomBytes(2).readUInt16BE(0) % 9000))}`;
      const enrollment = activeEnrollment(
        { userGuid: found.objectGuid, dn: found.dn, samAccountName: user.samAccountName, mail: found.mail ?? '' },
        { phoneE164: phone, app: true },
      );
      const choice = choices[name];
      await enrollmentStore.save({ ...enrollment, ...(choice ? { expiryReminders: choice } : {}) }, 0);
      const subscription = pushService.subscribe();
      const pushToken = `arn:aws:sns:us-east-1:123456789012:endpoint/APNS/blink/${randomUUID()}`;
      const deviceId = randomUUID();
      await deviceStore.add({
        deviceId,
        userGuid: found.objectGuid,
        publicKey: generateDeviceKeys().publicKey,
        unlockMethod: 'none',
        platform: 'ios',
        pushToken,
        boundAt: new Date(),
      });
      await deviceStore.saveWebPush(deviceId, subscription);
      people[name] = { ...user, guid: found.objectGuid, phone, mail: found.mail ?? '', subscription, pushToken };
    }
    pso = await passwordSettingsFor(6, Object.values(people));
  });

  afterAll(async () => {
    agent?.destroy();
    await pushService?.close();
    if (pso) await asAdmin((client) => client.del(pso ?? ''));
  });

  const smsTo = (phone: string) => blink.listSms().filter((sms) => sms.to === phone);
  const webPushesTo = (subscription: TestSubscription) =>
    pushService.received().filter((push) => subscription.endpoint.endsWith(`/${push.subscriptionId}`));
  const mobilePushesTo = (target: string) =>
    blink.composition.adapters.pushSender.list().filter((push) => push.target === target);

  it('sends each user the channels they chose, besides the email everyone gets', async () => {
    // The daily job, handled by the worker as deployed.
    await blink.composition.adapters.jobQueue.enqueue({
      kind: 'password-expiry-scan',
      jobId: randomUUID(),
      requestedAt: new Date().toISOString(),
    });
    await jobQueueDrained(blink);
    expect(await queueDepth(blink, blink.queue.deadLetterQueueUrl)).toBe(0);
    const emails = await blink.listEmails();
    for (const person of Object.values(people)) {
      expect(emails.filter((email) => email.to === person.mail)).toHaveLength(1);
    }

    const { bySms, byPush, emailOnly } = people;
    expect(smsTo(bySms.phone).map((sms) => sms.body)).toEqual([
      expect.stringMatching(/^Blink: your Windows password expires .+\. Change it: Ctrl-Alt-Del > Change a password/),
    ]);
    expect(webPushesTo(bySms.subscription)).toEqual([]);
    expect(mobilePushesTo(bySms.pushToken)).toEqual([]);

    expect(smsTo(byPush.phone)).toEqual([]);
    expect(pushService.refusals()).toEqual([]);
    const [web, ...moreWeb] = webPushesTo(byPush.subscription);
    expect(moreWeb).toEqual([]);
    expect(web).toMatchObject({ topic: 'password-expiry', ttl: 86_400 });
    expect(JSON.parse(web?.plaintext ?? '{}')).toEqual({
      title: 'Blink: password expires in 6 days',
      body: expect.stringContaining('Change it with Ctrl-Alt-Del > Change a password') as unknown,
      data: { kind: 'password-expiry', url: '/app/' },
      actions: [],
    });
    expect(mobilePushesTo(byPush.pushToken)).toEqual([
      expect.objectContaining({ title: 'Blink: password expires in 6 days' }),
    ]);

    expect(smsTo(emailOnly.phone)).toEqual([]);
    expect(webPushesTo(emailOnly.subscription)).toEqual([]);
    expect(mobilePushesTo(emailOnly.pushToken)).toEqual([]);
  });
});
