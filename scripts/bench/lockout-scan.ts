/**
 * Lockout scan bench: how long the scan takes over 1,000 and over 10,000 users with 50 locked, and their
 * ratio; for the full scan, and for the steady-state incremental scan (the DC's watermark read, then 50 fresh lockouts,
 * then the scan of the users changed since the watermark). It runs its own Samba DC in .local/samba/bench-dc bound to 127.0.0.3 (scripts/samba-dc.sh with
 * SAMBA_DC_ADDRESS), so the test DCs on 127.0.0.1 and 127.0.0.2 and the tests using them are never touched. Users are bulk-loaded into the
 * stopped DC's sam.ldb in one transaction (scripts/bench/bulk-users.py); the 50 are locked with real bad binds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import type { LockoutScanOptions } from '../../shared/ports/directory.js';

const root = resolve(__dirname, '..', '..');
const script = join(root, 'scripts', 'samba-dc.sh');
const dcDir = join(root, '.local', 'samba', 'bench-dc');
const ADDRESS = '127.0.0.3';
const LOCKED = 50;
const SIZES = [1_000, 10_000];
const RUNS = Number(process.env.BENCH_SCAN_RUNS ?? 9);
const PAGE_SIZE = 500;

interface ScanFigures {
  label: string;
  kind: 'full' | 'incremental';
  users: number;
  locked: number;
  pages: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  loadSeconds: number;
}

function samba(args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync('bash', [script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  if (result.status !== 0) throw new Error(`samba-dc.sh ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Adds users bench-<first>…bench-<first+count-1> offline; the first `withPassword` get `password`. Seconds taken. */
function bulkLoad(first: number, count: number, withPassword: number, password: string): number {
  const started = process.hrtime.bigint();
  execFileSync(
    '/usr/bin/python3',
    [
      join(__dirname, 'bulk-users.py'),
      join(dcDir, 'etc/smb.conf'),
      join(dcDir, 'private/sam.ldb'),
      String(first),
      String(count),
      String(withPassword),
      password,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 },
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** A raw LDAPS client on the bench DC, trusting its CA; `timeoutMs` per operation. */
function benchDcClient(caPem: string, timeoutMs: number): Client {
  return new Client({
    url: `ldaps://${ADDRESS}:636`,
    tlsOptions: { ca: [caPem] },
    connectTimeout: 3000,
    timeout: timeoutMs,
  });
}

/** Bad binds until AD answers "locked" (data 775), as a user mistyping would. */
async function lockWithBadBinds(dn: string, caPem: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const client = benchDcClient(caPem, 5000);
    try {
      await client.bind(dn, `Wrong-${randomBytes(4).toString('hex')}-Pw1`);
      throw new Error(`bad password accepted for ${dn}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/data 775/.test(message)) return;
      if (!/data 52e/.test(message)) throw error;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
  throw new Error(`${dn} was not locked after 10 bad binds`);
}

/** Clears lockoutTime (an admin's unlock), so the same users can be locked afresh. */
async function unlockAll(dns: string[], caPem: string, baseDn: string): Promise<void> {
  const client = benchDcClient(caPem, 10_000);
  try {
    await client.bind(`CN=Administrator,CN=Users,${baseDn}`, readFileSync(join(dcDir, 'admin-password'), 'utf8'));
    for (const dn of dns) {
      await client.modify(dn, [
        new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) }),
      ]);
    }
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

async function timeScans(
  directory: LdapDirectory,
  options: LockoutScanOptions,
  users: number,
): Promise<{ samples: number[]; pages: number }> {
  // One warm-up scan opens and binds the kept connection (as a warm Lambda has it) and fills the DC's caches.
  const warm = await directory.scanLockedAccounts(options);
  const samples: number[] = [];
  let pages = warm.pages;
  for (let run = 0; run < RUNS; run += 1) {
    const started = process.hrtime.bigint();
    const result = await directory.scanLockedAccounts(options);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (
      !result.complete ||
      result.locked.length !== LOCKED ||
      result.incremental !== (options.changedSince !== undefined)
    ) {
      throw new Error(
        `scan over ${users} users found ${result.locked.length} locked (complete: ${result.complete}, incremental: ${result.incremental}), expected ${LOCKED}`,
      );
    }
    pages = result.pages;
  }
  return { samples, pages };
}

async function measure(
  label: string,
  users: number,
  loadSeconds: number,
  lock: string[],
  relock: string[],
): Promise<ScanFigures[]> {
  const caPem = readFileSync(join(dcDir, 'tls/ca.pem'), 'utf8');
  const baseDn = (JSON.parse(readFileSync(join(dcDir, 'fixtures.json'), 'utf8')) as { baseDn: string }).baseDn;
  samba(['start', dcDir]);
  const directory = new LdapDirectory({
    urls: [`ldaps://${ADDRESS}:636`],
    baseDn,
    bindDn: `CN=Administrator,CN=Users,${baseDn}`,
    bindPassword: readFileSync(join(dcDir, 'admin-password'), 'utf8'),
    caPem,
    startTls: false,
    connectTimeoutMs: 3000,
    operationTimeoutMs: 30_000,
  });
  try {
    for (let start = 0; start < lock.length; start += 10) {
      await Promise.all(lock.slice(start, start + 10).map((dn) => lockWithBadBinds(dn, caPem)));
    }
    const options = { pageSize: PAGE_SIZE, timeBudgetMs: 60_000 };
    const figures = (
      kind: ScanFigures['kind'],
      { samples, pages }: { samples: number[]; pages: number },
    ): ScanFigures => ({
      label,
      kind,
      users,
      locked: LOCKED,
      pages,
      medianMs: median(samples),
      minMs: Math.min(...samples),
      maxMs: Math.max(...samples),
      loadSeconds: kind === 'full' ? loadSeconds : 0,
    });
    const rows = [figures('full', await timeScans(directory, options, users))];
    if (relock.length > 0) {
      // Steady state: the last scan's watermark, then 50 fresh lockouts (the same users, unlocked and locked again).
      await unlockAll(relock, caPem, baseDn);
      const watermark = await directory.readChangeWatermark();
      if (!watermark) throw new Error('the bench DC published no highestCommittedUSN');
      for (let start = 0; start < relock.length; start += 10) {
        await Promise.all(relock.slice(start, start + 10).map((dn) => lockWithBadBinds(dn, caPem)));
      }
      rows.push(figures('incremental', await timeScans(directory, { ...options, changedSince: watermark }, users)));
    }
    return rows;
  } finally {
    await directory.close();
    samba(['stop', dcDir]);
  }
}

export async function benchLockoutScan(): Promise<void> {
  if (spawnSync('bash', ['-c', 'command -v samba-tool && command -v samba'], { stdio: 'ignore' }).status !== 0) {
    console.log('\nLockout scan: skipped, Samba is not installed (run `bash scripts/samba-dc.sh install` as root).');
    return;
  }
  // A DC left running by an interrupted bench is ours (samba-dc.sh checks the PID belongs to this directory).
  samba(['stop', dcDir]);
  samba(['provision', dcDir], { SAMBA_DC_ADDRESS: ADDRESS });

  const password = `Bn-${randomBytes(6).toString('hex')}-Qz9!`;
  const lockDns = Array.from(
    { length: LOCKED },
    (_, n) => `CN=bench-${String(n).padStart(5, '0')},OU=Bench,${readBaseDn()}`,
  );
  const figures: ScanFigures[] = [];
  let loaded = 0;
  for (const size of SIZES) {
    const loadSeconds = bulkLoad(loaded, size - loaded, loaded === 0 ? LOCKED : 0, password);
    figures.push(
      ...(await measure(size.toLocaleString('en-US'), size, loadSeconds, loaded === 0 ? lockDns : [], lockDns)),
    );
    loaded = size;
  }
  // The same 10,000 with lockoutTime indexed (Samba and AD leave it unindexed: searchFlags 0).
  execFileSync(
    '/usr/bin/python3',
    [join(__dirname, 'index-lockout-time.py'), join(dcDir, 'etc/smb.conf'), join(dcDir, 'private/sam.ldb')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  figures.push(...(await measure(`${loaded.toLocaleString('en-US')}, lockoutTime indexed`, loaded, 0, [], [])));

  console.log(
    `\nLockout scan (LdapDirectory.scanLockedAccounts, page size ${PAGE_SIZE}, kept LDAPS connection; median of ${RUNS} after one warm-up)`,
  );
  console.log(
    `Samba AD DC on ${ADDRESS} (its own, in .local/samba/bench-dc); users bulk-loaded offline, ${LOCKED} locked with bad binds`,
  );
  console.log(
    'Incremental: (&users(uSNChanged>=watermark+1)(lockoutTime>=1)) after 50 fresh lockouts; full: (&users(lockoutTime>=1))',
  );
  console.log('| users in OU=Bench | scan | locked | pages | scan median ms | min ms | max ms | bulk load s |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const row of figures) {
    console.log(
      `| ${row.label} | ${row.kind} | ${row.locked} | ${row.pages} | ${row.medianMs.toFixed(1)} | ${row.minMs.toFixed(1)} | ${row.maxMs.toFixed(1)} | ${row.loadSeconds > 0 ? row.loadSeconds.toFixed(1) : '—'} |`,
    );
  }
  const row = (label: string, kind: ScanFigures['kind']) =>
    figures.find((entry) => entry.label === label && entry.kind === kind);
  const [smallLabel, largeLabel] = SIZES.map((size) => size.toLocaleString('en-US'));
  const ratio = (large: ScanFigures | undefined, small: ScanFigures | undefined, kind: string) => {
    if (large && small)
      console.log(
        `| ratio ${large.label} / ${small.label} | ${kind} | | | ${(large.medianMs / small.medianMs).toFixed(2)}× | | | |`,
      );
  };
  ratio(row(largeLabel ?? '', 'full'), row(smallLabel ?? '', 'full'), 'full');
  ratio(row(largeLabel ?? '', 'incremental'), row(smallLabel ?? '', 'incremental'), 'incremental');
  ratio(
    figures.find((entry) => entry.label.endsWith('indexed')),
    row(smallLabel ?? '', 'full'),
    'full',
  );
}

function readBaseDn(): string {
  return (JSON.parse(readFileSync(join(dcDir, 'fixtures.json'), 'utf8')) as { baseDn: string }).baseDn;
}
