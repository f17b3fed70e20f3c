import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Shared by every integration test file: makes sure a real Samba AD DC runs on loopback and writes its connection
 * facts to .local/samba/run/connection.json (read with getSambaConnection() from support/samba.ts). Fails loudly, with
 * Samba's log tail, when the DC cannot be provisioned or started: nothing is skipped silently.
 *
 * Several jest runs may use the tree at once, and there can be one DC per machine only (its ports are fixed): each run
 * takes a lease; the first one provisions (from the cached template when valid) and starts the DC, the last one to
 * leave stops it. Those decisions are made under a lock directory.
 *
 * The test domain has two replicating DCs (scripts/samba-dc.sh provision-pair): the test DC (dc1, 127.0.0.1, the PDC
 * emulator) and dc2 on 127.0.0.2; `connection.urls` names dc1 only, `connection.dcs` both. BLINK_SAMBA_DCS=1 runs dc1
 * alone (a quicker local loop; the two-DC tests then fail saying so).
 *
 * jest loads this file outside its module resolver, so it imports no project files; the teardown reaches releaseDc
 * through globalThis, which jest shares between global setup and teardown.
 */

const repoRoot = resolve(__dirname, '../..');
const sambaRoot = join(repoRoot, '.local/samba');
const dcDir = join(sambaRoot, 'dc');
const dc2Dir = join(sambaRoot, 'dc2');
const twoDcs = process.env.BLINK_SAMBA_DCS !== '1';
const runDir = join(sambaRoot, 'run');
const connectionFile = join(runDir, 'connection.json');
const leasesDir = join(runDir, 'leases');
const lockDir = join(runDir, 'lock');
const script = join(repoRoot, 'scripts/samba-dc.sh');

function samba(...args: string[]): string {
  try {
    return execFileSync('bash', [script, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; status?: number | null; signal?: string | null };
    const outcome = failure.signal ? `signal ${failure.signal}` : `exit status ${failure.status ?? 'unknown'}`;
    // stderr carries the script's reason and, when samba itself failed, the tail of its log.
    throw new Error(
      `samba-dc.sh ${args.join(' ')} failed (${outcome}):\n${failure.stderr ?? ''}${failure.stdout ?? ''}`.trim(),
    );
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function withLock<T>(action: () => T): Promise<T> {
  mkdirSync(runDir, { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSafe(join(lockDir, 'pid')) ?? '', 10);
      if (Number.isInteger(holder) && !processAlive(holder)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`Timed out waiting for the Samba lock ${lockDir} (held by pid ${holder})`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
  }
  try {
    return action();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function liveLeases(): number[] {
  if (!existsSync(leasesDir)) return [];
  return readdirSync(leasesDir)
    .map((name) => Number.parseInt(name, 10))
    .filter((pid) => {
      if (Number.isInteger(pid) && processAlive(pid)) return true;
      rmSync(join(leasesDir, String(pid)), { force: true });
      return false;
    });
}

function running(dir: string): boolean {
  try {
    execFileSync('bash', [script, 'status', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function dcCount(): number {
  try {
    return (JSON.parse(readFileSync(connectionFile, 'utf8')) as { dcs?: unknown[] }).dcs?.length ?? 1;
  } catch {
    return 0;
  }
}

interface StartReport {
  reused: boolean;
  timingsMs: Record<string, number>;
}

/** Makes sure the DC runs (provisioning from the cached template when valid) and writes the connection file. */
function acquireDc(): Promise<StartReport> {
  return withLock(() => {
    const timingsMs: Record<string, number> = {};
    const time = (name: string, step: () => void) => {
      const started = Date.now();
      step();
      timingsMs[name] = Date.now() - started;
    };
    const others = liveLeases().filter((pid) => pid !== process.pid);
    const reused =
      others.length > 0 && running(dcDir) && dcCount() === (twoDcs ? 2 : 1) && (!twoDcs || running(dc2Dir));
    if (!reused) {
      time('install', () => samba('install'));
      // DCs left behind by an interrupted run (no live lease) are ours to reset.
      time('stop', () => {
        samba('stop', dc2Dir);
        samba('stop', dcDir);
      });
      if (twoDcs) {
        time('provision', () => samba('provision-pair', dcDir, dc2Dir));
        time('start', () => samba('start', dcDir));
        time('start dc2', () => samba('start', dc2Dir));
      } else {
        time('provision', () => samba('provision', dcDir));
        time('start', () => samba('start', dcDir));
      }
      writeConnectionFile();
    }
    mkdirSync(leasesDir, { recursive: true });
    writeFileSync(join(leasesDir, String(process.pid)), '');
    return { reused, timingsMs };
  });
}

/** Drops this run's lease; the last run to leave stops the DC. */
function releaseDc(): Promise<void> {
  return withLock(() => {
    rmSync(join(leasesDir, String(process.pid)), { force: true });
    if (liveLeases().length === 0) {
      samba('stop', dc2Dir);
      samba('stop', dcDir);
    }
  });
}

function writeConnectionFile(): void {
  const fixtures: unknown = JSON.parse(readFileSync(join(dcDir, 'fixtures.json'), 'utf8'));
  const baseDn = (fixtures as { baseDn: string }).baseDn;
  const connection = {
    urls: ['ldaps://127.0.0.1:636'],
    startTlsUrl: 'ldap://127.0.0.1:389',
    baseDn,
    bindDn: `CN=Administrator,CN=Users,${baseDn}`,
    bindPassword: readFileSync(join(dcDir, 'admin-password'), 'utf8'),
    caFile: join(dcDir, 'tls/ca.pem'),
    dcDir,
    // Every DC of the test domain, the PDC emulator first; a DC's host name is the one in its certificate.
    dcs: [
      { url: 'ldaps://127.0.0.1:636', hostName: 'dc1.corp.example.test', dcDir },
      ...(twoDcs ? [{ url: 'ldaps://127.0.0.2:636', hostName: 'dc2.corp.example.test', dcDir: dc2Dir }] : []),
    ],
    fixtures,
  };
  writeFileSync(connectionFile, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
}

export default async function globalSetup(): Promise<void> {
  const report = await acquireDc();
  (globalThis as { releaseBlinkSambaDc?: () => Promise<void> }).releaseBlinkSambaDc = releaseDc;
  if (process.env.BLINK_SAMBA_TIMINGS === '1') {
    console.log(
      `\nSamba DC ${report.reused ? 'reused from another run' : 'ready'}: ${JSON.stringify(report.timingsMs)}`,
    );
  }
}
