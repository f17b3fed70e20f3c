import { randomInt } from 'node:crypto';
import { startLocalBlink, type LocalBlink } from '../../local/runtime.js';
import { activate, testUser } from '../support/activations.js';
import { ManualClock } from '../support/manual-clock.js';

// Where the setup page may send a verification code: only to mobile numbers of the allowed countries, and never to
// a number that texted STOP to Blink. Through the local runtime (inbound STOP/START through the SNS route).

const PUBLISHED = '+18553917277';

let blink: LocalBlink;
const clock = new ManualClock(new Date());

beforeAll(async () => {
  blink = await startLocalBlink({ env: { BLINK_VERSION: 'test' }, port: 0, directory: 'demo', clock, lockoutScanIntervalSeconds: 3600 });
});

afterAll(async () => {
  await blink?.stop();
});

beforeEach(() => {
  clock.advanceSeconds(3600);
});

async function post(urlPath: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${blink.url}${urlPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function textBlink(from: string, body: string): Promise<void> {
  const answer = await post('/_local/api/sms/inbound', { from, to: PUBLISHED, body });
  expect(answer.status).toBeLessThan(300);
}

function codesTo(phone: string): number {
  return blink.listSms().filter((sms) => sms.to === phone && /verification code/.test(sms.body)).length;
}

describe('verification codes go only where they may', () => {
  it('refuses a mobile number outside the allowed countries with a plain message, and texts it nothing', async () => {
    const { token } = await activate(blink, testUser('Abroad User'));
    const somali = '+252612345678';
    const answer = await post('/api/setup/phone', { token, phone: somali });
    expect(answer).toEqual({
      status: 400,
      json: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'Blink can text only mobile numbers in United States. Enter such a number, or contact your IT service desk.',
        },
      },
    });
    expect(codesTo(somali)).toBe(0);
    // The refusal cost the user no resend wait: an allowed number works at once.
    expect((await post('/api/setup/phone', { token, phone: `+1201${200 + randomInt(700)}${String(1000 + randomInt(9000))}` })).status).toBe(200);
  });

  it('refuses a number that texted STOP, says how to opt back in, and sends again after START', async () => {
    const { token } = await activate(blink, testUser('Opted Out'));
    const phone = `+1201${200 + randomInt(700)}${String(1000 + randomInt(9000))}`;
    await textBlink(phone, 'STOP');
    expect(await blink.composition.adapters.optOutList.isOptedOut(phone)).toBe(true);

    const refused = await post('/api/setup/phone', { token, phone });
    expect(refused).toEqual({
      status: 400,
      json: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'This number has opted out of text messages from Blink. Text START to +1 855 391 7277 to opt back in, or enter another number.',
        },
      },
    });
    expect(codesTo(phone)).toBe(0);

    await textBlink(phone, 'START');
    expect((await post('/api/setup/phone', { token, phone })).status).toBe(200);
    expect(codesTo(phone)).toBe(1);
  });
});
