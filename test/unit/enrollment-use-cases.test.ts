import { randomUUID } from 'node:crypto';
import type { Enrollment } from '../../shared/domain/enrollment';
import { OptedOutError, RateLimitedError, ValidationError } from '../../shared/domain/errors';
import type { IssuedSecret, SecretPurpose } from '../../shared/domain/issued-secret';
import type { EnrollmentStore } from '../../shared/ports/enrollment-store';
import type { OutboundEmail } from '../../shared/ports/email-sender';
import type { OutboundSms } from '../../shared/ports/sms-sender';
import type { RateLimiter } from '../../shared/ports/rate-limiter';
import {
  createSetupUseCases,
  enrollmentLimits,
  issueActivation,
  type EnrollmentDependencies,
} from '../../shared/use-cases/enrollment';
import { ManualClock } from '../support/manual-clock';
import { svgQrCodeRenderer } from '../../shared/adapters/qr/svg-qr-code';

// Small in-memory fakes, for the failures the local stand-ins cannot produce on demand (a notice that fails, an
// opted-out number). The real adapters are exercised by the integration tests.

class MemoryEnrollmentStore implements EnrollmentStore {
  readonly enrollments = new Map<string, Enrollment>();
  readonly secrets = new Map<string, IssuedSecret & { superseded?: boolean }>();

  async get(userGuid: string) {
    const found = this.enrollments.get(userGuid);
    return found ? structuredClone(found) : undefined;
  }
  async findByPhone() {
    return [];
  }
  async save(enrollment: Enrollment, expectedVersion: number) {
    if ((this.enrollments.get(enrollment.userGuid)?.version ?? 0) !== expectedVersion) throw new Error('version');
    this.enrollments.set(enrollment.userGuid, { ...structuredClone(enrollment), version: expectedVersion + 1 });
  }
  async putSecret(secret: IssuedSecret) {
    for (const stored of this.secrets.values()) {
      if (stored.userGuid === secret.userGuid && stored.purpose === secret.purpose) stored.superseded = true;
    }
    this.secrets.set(`${secret.purpose}:${secret.hash}`, { ...secret });
  }
  async findSecret(purpose: SecretPurpose, hash: string) {
    const stored = this.secrets.get(`${purpose}:${hash}`);
    if (!stored || stored.superseded) return undefined;
    const { superseded: _superseded, ...secret } = stored;
    return secret;
  }
  async consumeSecret(purpose: SecretPurpose, hash: string, now: Date) {
    const stored = this.secrets.get(`${purpose}:${hash}`);
    if (!stored || stored.superseded || stored.usedAt || stored.expiresAt <= now) return undefined;
    stored.usedAt = now;
    const { superseded: _superseded, ...secret } = stored;
    return secret;
  }
}

function setup(
  options: {
    sms?: (message: OutboundSms) => Promise<{ messageId: string }>;
    email?: (email: OutboundEmail) => Promise<{ messageId: string }>;
    rateLimiter?: RateLimiter;
  } = {},
) {
  const clock = new ManualClock('2026-11-26T12:00:00.000Z');
  const store = new MemoryEnrollmentStore();
  const sent: OutboundSms[] = [];
  const errors: Array<Record<string, unknown> | undefined> = [];
  const deps: EnrollmentDependencies = {
    enrollmentStore: store,
    deviceStore: {
      add: async () => undefined,
      get: async () => undefined,
      listForUser: async () => [],
      revoke: async () => false,
      rememberNonce: async () => true,
    },
    secrets: { get: async () => 'unit-test-key' },
    clock,
    rateLimiter: options.rateLimiter ?? { hit: async () => ({ allowed: true, remaining: 1, retryAfterSeconds: 1 }) },
    optOutList: { optOut: async () => undefined, optIn: async () => undefined, isOptedOut: async () => false },
    smsSender: {
      send:
        options.sms ??
        (async (message) => {
          sent.push(message);
          return { messageId: randomUUID() };
        }),
    },
    emailSender: { send: options.email ?? (async () => ({ messageId: randomUUID() })) },
    auditLog: { record: async () => undefined, listForUser: async () => [] },
    logger: {
      info: () => undefined,
      error: (_message: string, attributes?: Record<string, unknown>) => void errors.push(attributes),
    } as unknown as EnrollmentDependencies['logger'],
    settings: {
      publicBaseUrl: 'https://blink.example.test',
      activationTtlHours: 72,
      defaultCountry: 'US',
      smsCountries: ['US'],
      publishedNumber: '+18553917277',
      productName: 'Blink',
      supportContact: 'IT',
      confirmationFrom: '+18553917277',
    },
    qrCode: svgQrCodeRenderer,
  };
  return { deps, store, sent, errors, useCases: createSetupUseCases(deps) };
}

async function activated(deps: EnrollmentDependencies) {
  const userGuid = randomUUID();
  const { link } = await issueActivation(deps, {
    userGuid,
    dn: 'CN=A',
    samAccountName: 'a',
    displayName: 'A',
    mail: 'a@example.test',
  });
  return { userGuid, token: new URL(link).hash.slice('#t='.length) };
}

const request = { clientIp: '198.51.100.7' };

describe('setup use cases (with fakes)', () => {
  it('completes the setup even when the email notice fails, and logs which notice without any secret', async () => {
    const { deps, store, sent, errors, useCases } = setup({ email: async () => Promise.reject(new Error('SES down')) });
    const { token, userGuid } = await activated(deps);
    await useCases.submitPhone(token, '+12015550123', request);
    const code = /code is (\d{6})/.exec(sent[0]?.body ?? '')?.[1] ?? '';
    expect(await useCases.verify(token, code, request)).toEqual({ ok: true, state: 'complete', method: 'sms' });
    expect(store.enrollments.get(userGuid)).toMatchObject({ status: 'active', phoneE164: '+12015550123' });
    expect(sent[1]).toMatchObject({ to: '+12015550123', from: '+18553917277' });
    expect(errors).toEqual([{ notice: 'phone-verified-email', userGuid, error: 'Error' }]);
    expect(JSON.stringify(errors)).not.toContain(code);
  });

  it('caps verification texts for the whole deployment per hour, whoever asks and from wherever', async () => {
    // A fixed-window counter like the DynamoDB one, with the deployment-wide window one text short of its ceiling.
    const counts = new Map<string, number>([['setup-codes-global', enrollmentLimits.verificationSmsPerHourGlobal - 1]]);
    const { deps, sent, useCases } = setup({
      rateLimiter: {
        hit: async (key, limit, windowSeconds) => {
          const count = (counts.get(key) ?? 0) + 1;
          counts.set(key, count);
          return count <= limit
            ? { allowed: true, remaining: limit - count, retryAfterSeconds: windowSeconds }
            : { allowed: false, remaining: 0, retryAfterSeconds: 1800 };
        },
      },
    });
    const first = await activated(deps);
    const second = await activated(deps);
    await useCases.submitPhone(first.token, '+12015550123', request);
    const refused = useCases.submitPhone(second.token, '+12015550124', { clientIp: '203.0.113.9' });
    await expect(refused).rejects.toBeInstanceOf(RateLimitedError);
    await expect(refused).rejects.toThrow('Blink is sending too many codes right now. Try again later.');
    expect(sent.map((message) => message.to)).toEqual(['+12015550123']);
  });

  it('tells the user when the number opted out of SMS', async () => {
    const { deps, useCases } = setup({ sms: async () => Promise.reject(new OptedOutError('opted out')) });
    const { token } = await activated(deps);
    const refusal = useCases.submitPhone(token, '+12015550123', request);
    await expect(refusal).rejects.toBeInstanceOf(ValidationError);
    await expect(refusal).rejects.toThrow(/opted out of text messages from Blink/);
  });

  it('never accepts a code issued to one user for another', async () => {
    const { deps, sent, useCases } = setup();
    const first = await activated(deps);
    const second = await activated(deps);
    await useCases.submitPhone(first.token, '+12015550123', request);
    const code = /code is (\d{6})/.exec(sent[0]?.body ?? '')?.[1] ?? '';
    await useCases.submitPhone(second.token, '+12015550124', request);
    expect(await useCases.verify(second.token, code, request)).toMatchObject({ ok: false });
    expect(await useCases.verify(first.token, code, request)).toMatchObject({ ok: true });
  });
});
