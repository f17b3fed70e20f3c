import { randomInt } from 'node:crypto';
import { activate, testUser } from '../support/activations.js';
import { ManualClock } from '../support/manual-clock.js';
import { postJson, useLocalBlink } from '../support/local-blink.js';

// Where the setup page may send a verification code: only to mobile numbers of the allowed countries, and never to
// a number that texted STOP to Blink. Through the local runtime (inbound STOP/START through the SNS route).

const PUBLISHED = '+18553917277';

const clock = new ManualClock(new Date());
const blink = useLocalBlink({ clock });

beforeEach(() => {
  clock.advanceSeconds(3600);
});

/** Status and JSON only: the tests compare whole answers. */
async function post(urlPath: string, body: unknown) {
  const { status, json } = await postJson(blink, urlPath, body);
  return { status, json };
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
          message:
            'Blink can text only mobile numbers in United States. Enter such a number, or contact your IT service desk.',
        },
      },
    });
    expect(codesTo(somali)).toBe(0);
    // The refusal cost the user no resend wait: an allowed number works at once.
    expect(
      (
        await post('/api/setup/phone', {
          token,
          phone: `+1201${200 + randomInt(700)}${String(1000 + randomInt(9000))}`,
        })
      ).status,
    ).toBe(200);
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
          message:
            'This number has opted out of text messages from Blink. Text START to +1 855 391 7277 to opt back in, or enter another number.',
        },
      },
    });
    expect(codesTo(phone)).toBe(0);

    await textBlink(phone, 'START');
    expect((await post('/api/setup/phone', { token, phone })).status).toBe(200);
    expect(codesTo(phone)).toBe(1);
  });
});
