/**
 * The admin portal's Users page on the local runtime with 10,000 enrolled users (BENCH_PORTAL_USERS): a search by
 * name prefix, by the phone's last digits, and the paged list, each request one at a time through the HTTP bridge as
 * a signed-in technician, against GET /health through the same bridge. The target (issue 12): p99 ≤ 100 ms a page.
 */
import { randomUUID } from 'node:crypto';
import { startLocalBlink, type LocalBlink } from '../../local/runtime.js';
import { demoUsers } from '../../local/demo-directory/seed.js';
import { activeEnrollment } from '../../test/support/enrollments.js';
import { PortalClient } from '../../test/support/portal-client.js';

const enrolledUsers = Number(process.env.BENCH_PORTAL_USERS ?? 10_000);
const requestsPerRoute = 200;
const SURNAMES = [
  'Abbott',
  'Baker',
  'Chen',
  'Diaz',
  'Evans',
  'Fischer',
  'Garcia',
  'Hughes',
  'Iyer',
  'Jones',
  'Khan',
  'Lopez',
  'Meyer',
  'Nguyen',
  'Okafor',
  'Patel',
];
const GIVEN = [
  'Ada',
  'Ben',
  'Cara',
  'Dev',
  'Eli',
  'Fay',
  'Gus',
  'Hana',
  'Ivo',
  'Jill',
  'Kai',
  'Lena',
  'Mo',
  'Nia',
  'Omar',
  'Pia',
  'Quin',
  'Rae',
  'Sam',
  'Tess',
];

type RouteName =
  'GET /health (baseline)' | 'users: search by name' | 'users: search by phone digits' | 'users: list page';

export async function benchPortalUsers(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const blink = await startLocalBlink({
    env: { ...process.env, BLINK_VERSION: 'bench' },
    port: 0,
    directory: 'demo',
    identityProvider: 'local',
    lockoutScanIntervalSeconds: 3600,
  });
  const samples = new Map<RouteName, number[]>();
  const timed = async (route: RouteName, request: () => Promise<Response>) => {
    const started = process.hrtime.bigint();
    const response = await request();
    const body = await response.text();
    samples.set(route, [...(samples.get(route) ?? []), Number(process.hrtime.bigint() - started) / 1e6]);
    if (response.status !== 200) throw new Error(`${route} answered ${response.status}: ${body.slice(0, 200)}`);
    return JSON.parse(body) as { users: unknown[]; cursor?: string };
  };
  try {
    const loadStarted = Date.now();
    await load(blink);
    console.log(
      `\nPortal users bench: ${enrolledUsers} enrollments written (with their search entries) in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`,
    );
    const portal = new PortalClient(blink);
    await portal.signIn('tina.tech', demoUsers.find((user) => user.samAccountName === 'tina.tech')?.password ?? '');
    for (let index = 0; index < 20; index += 1) await portal.request('/health');
    for (let index = 0; index < requestsPerRoute; index += 1)
      await timed(
        'GET /health (baseline)',
        async () => new Response(JSON.stringify({ users: [] }), { status: (await portal.request('/health')).status }),
      );
    for (let index = 0; index < requestsPerRoute; index += 1) {
      const name = `${GIVEN[index % GIVEN.length]} ${SURNAMES[index % SURNAMES.length]?.slice(0, 2)}`;
      await timed('users: search by name', () =>
        portal.request(`/admin/portal/api/users?q=${encodeURIComponent(name)}`),
      );
    }
    for (let index = 0; index < requestsPerRoute; index += 1) {
      await timed('users: search by phone digits', () =>
        portal.request(`/admin/portal/api/users?q=${String(index * 37).padStart(4, '0')}`),
      );
    }
    let cursor: string | undefined;
    for (let index = 0; index < requestsPerRoute; index += 1) {
      const page = await timed('users: list page', () =>
        portal.request(`/admin/portal/api/users${cursor ? `?cursor=${cursor}` : ''}`),
      );
      cursor = page.cursor;
    }
  } finally {
    await blink.stop();
  }
  printTable(samples);
}

/** Enrollments through the store, as activation and setup write them (so each save also writes its search entries). */
async function load(blink: LocalBlink): Promise<void> {
  const { enrollmentStore } = blink.composition.adapters;
  const at = new Date();
  const parallel = 25;
  for (let start = 0; start < enrolledUsers; start += parallel) {
    await Promise.all(
      Array.from({ length: Math.min(parallel, enrolledUsers - start) }, (_, offset) => {
        const index = start + offset;
        const given = GIVEN[index % GIVEN.length] ?? 'Ada';
        const surname = `${SURNAMES[Math.floor(index / GIVEN.length) % SURNAMES.length] ?? 'Abbott'}${index}`;
        const samAccountName = `${given}.${surname}`.toLowerCase();
        const phone = `+1202${String(2000000 + index).padStart(7, '0')}`;
        return enrollmentStore.save(
          activeEnrollment(
            {
              userGuid: randomUUID(),
              dn: `CN=${given} ${surname},OU=Staff,DC=corp,DC=example,DC=test`,
              samAccountName,
              displayName: `${given} ${surname}`,
            },
            { phoneE164: phone, at },
          ),
          0,
        );
      }),
    );
  }
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

function printTable(samples: Map<RouteName, number[]>): void {
  const baseline = [...(samples.get('GET /health (baseline)') ?? [])].sort((a, b) => a - b);
  const baseP50 = percentile(baseline, 0.5);
  console.log(
    `Portal Users page API, ${enrolledUsers} enrolled users (requests one at a time; ${requestsPerRoute} per route; 25 rows a page)`,
  );
  console.log('| route | n | p50 ms | p99 ms | p50 ratio to baseline | p99 ≤ 100 ms |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const [route, values] of samples) {
    const sorted = [...values].sort((a, b) => a - b);
    const p50 = percentile(sorted, 0.5);
    const p99 = percentile(sorted, 0.99);
    console.log(
      `| ${route} | ${sorted.length} | ${p50.toFixed(1)} | ${p99.toFixed(1)} | ${(p50 / baseP50).toFixed(2)}× | ${p99 <= 100 ? 'yes' : 'NO'} |`,
    );
  }
}

if (require.main === module) {
  benchPortalUsers().catch((error: unknown) => {
    console.error('The portal users bench failed:', error);
    process.exit(1);
  });
}
