/**
 * Latency of each enrollment route on the local runtime (the same handlers, adapters and stand-ins as `npm start`),
 * requests sent one at a time over HTTP, against GET /health through the same bridge as the baseline.
 *
 * Every user walks the flow once, as a person would: the SMS path (open → phone → verify) for one set of users and the
 * QR path (open → qr → status → register → device status) for another. The runtime's clock is stepped an hour every
 * few users so the per-IP hourly limits (all requests come from 127.0.0.1) do not refuse the bench; nothing else is
 * relaxed.
 */
import { startLocalBlink, type LocalBlink } from '../../local/runtime.js';
import { activate as activateTestUser, testUser } from '../../test/support/activations.js';
import type { Clock } from '../../shared/ports/clock.js';
import { enroll, type DeviceClient } from '../../device-client/client.js';

const usersPerPath = Number(process.env.BENCH_ENROLLMENT_USERS ?? 200);
/** Below the tightest per-IP hourly limit (30), so the bench measures answers, not refusals. */
const usersPerClockHour = 25;

class SteppedClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advanceHours(hours: number): void {
    this.offsetMs += hours * 3_600_000;
  }
}

type RouteName =
  | 'GET /health (baseline)'
  | 'GET /setup'
  | 'POST /api/setup/open'
  | 'POST /api/setup/phone'
  | 'POST /api/setup/verify'
  | 'POST /api/setup/qr'
  | 'POST /api/setup/status'
  | 'POST /api/device/register'
  | 'GET /api/device/status';

export async function benchEnrollmentRoutes(): Promise<void> {
  const clock = new SteppedClock();
  // Request logs would bury the table; errors still show.
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const blink = await startLocalBlink({
    env: { ...process.env, BLINK_VERSION: 'bench' },
    port: 0,
    directory: 'demo',
    clock,
    lockoutScanIntervalSeconds: 3600,
  });
  const samples = new Map<RouteName, number[]>();
  const timed = async <T>(route: RouteName, request: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    const result = await request();
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    samples.set(route, [...(samples.get(route) ?? []), elapsedMs]);
    return result;
  };
  try {
    // Warm-up: the first requests pay for module and connection set-up, which a cold-start figure covers elsewhere.
    for (let index = 0; index < 20; index += 1) await call(blink, 'GET', '/health');
    for (let index = 0; index < usersPerPath; index += 1)
      await timed('GET /health (baseline)', () => call(blink, 'GET', '/health'));
    for (let index = 0; index < usersPerPath; index += 1) await timed('GET /setup', () => call(blink, 'GET', '/setup'));

    for (let index = 0; index < usersPerPath; index += 1) {
      if (index % usersPerClockHour === 0) clock.advanceHours(1);
      const token = await activate(blink);
      await timed('POST /api/setup/open', () => call(blink, 'POST', '/api/setup/open', { token }));
      const phone = benchPhone(index);
      await timed('POST /api/setup/phone', () => call(blink, 'POST', '/api/setup/phone', { token, phone }));
      const code = codeSentTo(blink, phone);
      const verified = await timed('POST /api/setup/verify', () =>
        call(blink, 'POST', '/api/setup/verify', { token, code }),
      );
      if ((verified as { state?: string }).state !== 'complete')
        throw new Error(`verify did not complete: ${JSON.stringify(verified)}`);
    }

    const devices: DeviceClient[] = [];
    for (let index = 0; index < usersPerPath; index += 1) {
      if (index % usersPerClockHour === 0) clock.advanceHours(1);
      const token = await activate(blink);
      await call(blink, 'POST', '/api/setup/open', { token });
      const { uri } = (await timed('POST /api/setup/qr', () => call(blink, 'POST', '/api/setup/qr', { token }))) as {
        uri: string;
      };
      await timed('POST /api/setup/status', () => call(blink, 'POST', '/api/setup/status', { token }));
      const { client } = await timed('POST /api/device/register', () => enroll(uri, { unlockMethod: 'biometric' }));
      devices.push(client);
    }
    for (const device of devices) {
      const headers = device.headersFor('GET', '/api/device/status', '', { timestamp: clock.now().getTime() });
      await timed('GET /api/device/status', async () => {
        const response = await device.send('GET', '/api/device/status', { headers });
        if (response.status !== 200) throw new Error(`device status answered ${response.status}`);
        return response.json();
      });
    }
  } finally {
    await blink.stop();
  }
  printTable(samples);
}

async function call(blink: LocalBlink, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${blink.url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
}

async function activate(blink: LocalBlink): Promise<string> {
  return (await activateTestUser(blink, testUser('Bench User'))).token;
}

/** Distinct fictional US mobile numbers, one per user, so per-number daily limits never meet. */
function benchPhone(index: number): string {
  return `+1201${String(200 + Math.floor(index / 1000)).padStart(3, '0')}${String(index % 1000).padStart(4, '0')}`;
}

function codeSentTo(blink: LocalBlink, phone: string): string {
  const sms = blink
    .listSms()
    .filter((message) => message.to === phone)
    .at(-1);
  const code = /verification code is (\d{6})\./.exec(sms?.body ?? '')?.[1];
  if (!code) throw new Error(`no verification code was sent to ${phone}`);
  return code;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

function printTable(samples: Map<RouteName, number[]>): void {
  const baseline = [...(samples.get('GET /health (baseline)') ?? [])].sort((a, b) => a - b);
  const baseP50 = percentile(baseline, 0.5);
  console.log(`\nEnrollment routes on the local runtime (requests one at a time; ${usersPerPath} per route)`);
  console.log('| route | n | p50 ms | p99 ms | p50 ratio to baseline |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [route, values] of samples) {
    const sorted = [...values].sort((a, b) => a - b);
    const p50 = percentile(sorted, 0.5);
    console.log(
      `| ${route} | ${sorted.length} | ${p50.toFixed(1)} | ${percentile(sorted, 0.99).toFixed(1)} | ${(p50 / baseP50).toFixed(2)}× |`,
    );
  }
}
