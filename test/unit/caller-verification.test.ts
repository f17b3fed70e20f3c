import {
  CALLER_CODE_MAX_ATTEMPTS,
  CALLER_CODE_TTL_SECONDS,
  CALLER_VERIFIED_FOR_SECONDS,
  callerCodeSms,
  callerVerifiedNow,
} from '../../shared/domain/caller-verification.js';
import { helpDeskSms, newPasswordSms, unlockedSms } from '../../shared/use-cases/reset/messages.js';

const wording = { productName: 'Blink', supportContact: 'the IT service desk' };

describe('caller verification rules', () => {
  it('follows the enrollment codes: at most 10 minutes, 5 tries; a verification lasts 10 minutes', () => {
    expect(CALLER_CODE_TTL_SECONDS).toBeLessThanOrEqual(600);
    expect(CALLER_CODE_MAX_ATTEMPTS).toBe(5);
    expect(CALLER_VERIFIED_FOR_SECONDS).toBe(600);
  });

  it('a verification counts until its end, not at or after it, and never when there is none', () => {
    const until = new Date('2026-12-04T10:10:00Z');
    expect(callerVerifiedNow(until, new Date('2026-12-04T10:09:59.999Z'))).toBe(true);
    expect(callerVerifiedNow(until, until)).toBe(false);
    expect(callerVerifiedNow(undefined, new Date('2026-12-04T10:00:00Z'))).toBe(false);
  });

  it('the code SMS names the technician and says not to share the code with anyone the user did not call', () => {
    const text = callerCodeSms('Blink', '042917', 'Tina Tech');
    expect(text).toContain('042917');
    expect(text).toContain('Tina Tech');
    expect(text).toContain('If you did not call them, do not share it.');
  });
});

describe('messages of help-desk jobs', () => {
  it('name the help desk first, keep the password text as it is, and say whom to call', () => {
    const text = helpDeskSms(wording, newPasswordSms(wording, 'Pw-Example-123456', true));
    expect(text).toMatch(
      /^Blink: your help desk acted on your account at your request\. Your new Windows password is Pw-Example-123456 — /,
    );
    expect(text).toMatch(/Not you\? Contact the IT service desk\.$/);
    expect(helpDeskSms(wording, unlockedSms(wording))).toContain('Your Windows account is unlocked.');
  });
});
