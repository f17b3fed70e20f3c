import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Attribute, Client } from 'ldapts';
import * as z from 'zod';
import { LdapDirectory, type LdapDirectoryOptions } from '../../../shared/adapters/ldap/ldap-directory.js';
import type { DirectorySettings } from '../../../local/compose.js';
import type { LocalBlink, LocalBlinkOptions } from '../../../local/runtime.js';
import { useLocalBlink } from '../../support/local-blink.js';

/** Written by test/integration/global-setup.ts. */
export const connectionFile = join(__dirname, '../../../.local/samba/run/connection.json');

const fixtureUserSchema = z.object({
  samAccountName: z.string(),
  dn: z.string(),
  objectGuid: z.string(),
  userPrincipalName: z.string(),
  displayName: z.string(),
  mail: z.string().nullable(),
});
const policySchema = z.object({
  minPwdLength: z.number(),
  complexity: z.boolean(),
  historyLength: z.number(),
  lockoutThreshold: z.number(),
  lockoutDurationSeconds: z.number(),
  lockoutObservationWindowSeconds: z.number(),
  maxPwdAgeSeconds: z.number(),
  minPwdAgeSeconds: z.number(),
});
const groupSchema = z.object({ name: z.string(), dn: z.string() });

const connectionSchema = z.object({
  urls: z.array(z.string()).min(1),
  startTlsUrl: z.string(),
  baseDn: z.string(),
  bindDn: z.string(),
  bindPassword: z.string(),
  caFile: z.string(),
  dcDir: z.string(),
  dcs: z.array(z.object({ url: z.string(), hostName: z.string(), dcDir: z.string() })).min(1),
  fixtures: z.object({
    realm: z.string(),
    netbiosDomain: z.string(),
    baseDn: z.string(),
    administratorDn: z.string(),
    fixturePassword: z.string(),
    ous: z.object({ staff: z.string(), tests: z.string() }),
    users: z.object({
      alice: fixtureUserSchema,
      bob: fixtureUserSchema,
      carol: fixtureUserSchema,
      dave: fixtureUserSchema,
      domainAdminNested: fixtureUserSchema,
      adminCountOnly: fixtureUserSchema,
      disabled: fixtureUserSchema,
      passwordNeverExpires: fixtureUserSchema,
      withPso: fixtureUserSchema,
      portalTechnician: fixtureUserSchema,
      portalAdmin: fixtureUserSchema,
    }),
    groups: z.object({
      blinkUsers: groupSchema,
      blinkUsersNested: groupSchema,
      tier0Operators: groupSchema,
      blinkTechnicians: groupSchema,
      blinkAdmins: groupSchema,
      itOperations: groupSchema,
    }),
    blinkUsersMembers: z.array(z.string()),
    domainPolicy: policySchema,
    pso: policySchema.extend({ dn: z.string(), appliesTo: z.string() }),
  }),
});

export type SambaConnection = z.infer<typeof connectionSchema> & { caPem: string };

let cached: SambaConnection | undefined;

/** The running test DC, as the integration global setup left it in .local/samba/run/connection.json. */
export function getSambaConnection(): SambaConnection {
  if (!cached) {
    let raw: string;
    try {
      raw = readFileSync(connectionFile, 'utf8');
    } catch (error) {
      throw new Error(`No Samba connection file at ${connectionFile}: run through jest's integration project`, {
        cause: error,
      });
    }
    const connection = connectionSchema.parse(JSON.parse(raw));
    cached = { ...connection, caPem: readFileSync(connection.caFile, 'utf8') };
  }
  return cached;
}

/** Options for an LdapDirectory bound as the domain administrator, over verified LDAPS. */
export function directoryOptions(overrides: Partial<LdapDirectoryOptions> = {}): LdapDirectoryOptions {
  const connection = getSambaConnection();
  return {
    urls: connection.urls,
    baseDn: connection.baseDn,
    bindDn: connection.bindDn,
    bindPassword: connection.bindPassword,
    caPem: connection.caPem,
    startTls: false,
    connectTimeoutMs: 3000,
    operationTimeoutMs: 5000,
    ...overrides,
  };
}

/** The test DC as the local runtime's `directory` option (startLocalBlink), optionally with other DC URLs first. */
export function localDirectorySettings(urls?: string): DirectorySettings {
  const connection = getSambaConnection();
  return {
    urls: urls ?? connection.urls.join(','),
    baseDn: connection.baseDn,
    bindDn: connection.bindDn,
    bindPassword: connection.bindPassword,
    caFile: connection.caFile,
    startTls: false,
  };
}

function newClient(url?: string): Client {
  const connection = getSambaConnection();
  return new Client({
    url: url ?? connection.urls[0] ?? 'ldaps://127.0.0.1:636',
    tlsOptions: { ca: [connection.caPem] },
    connectTimeout: 3000,
    timeout: 10_000,
  });
}

export type SambaDc = SambaConnection['dcs'][number];

/** The test domain's two DCs (dc1, the PDC emulator, first); fails when the global setup started one only. */
export function twoSambaDcs(): [SambaDc, SambaDc] {
  const [first, second] = getSambaConnection().dcs;
  if (!first || !second) throw new Error('this test needs the two-DC test domain; unset BLINK_SAMBA_DCS=1');
  return [first, second];
}

/**
 * The TCP ports a DC's Samba processes listen on, read from /proc (no ss or netstat needed): the sockets of every
 * process in the DC's process group (scripts/samba-dc.sh starts it with setsid and records the leader's PID) that are
 * in the LISTEN state.
 */
export function listeningPortsOf(dc: SambaDc): number[] {
  const leader = readFileSync(join(dc.dcDir, 'run', 'blink-samba.pid'), 'utf8').trim();
  const socketInodes = new Set<string>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After the command name (in parentheses, may hold spaces): state, ppid, pgrp.
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2] !== leader) continue;
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) socketInodes.add(inode);
      }
    } catch {
      // The process ended while being read.
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      // sl, local_address (hex address:port), rem_address, st (0A = LISTEN), …, inode (the tenth field).
      const [, local = '', , state, , , , , , inode = ''] = line.trim().split(/\s+/);
      if (state === '0A' && socketInodes.has(inode)) ports.add(Number.parseInt(local.split(':')[1] ?? '', 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * Runs `action` with a fresh ldapts client bound as the domain administrator (test set-up, not the code under test),
 * on the test DC or the DC at `url`.
 */
export async function asAdmin<T>(action: (client: Client) => Promise<T>, url?: string): Promise<T> {
  const connection = getSambaConnection();
  const client = newClient(url);
  try {
    await client.bind(connection.bindDn, connection.bindPassword);
    return await action(client);
  } finally {
    await client.unbind();
  }
}

/**
 * The outcome of a simple bind on the test DC (or the DC at `url`): 'ok', or the AD sub-code ('52e' bad password,
 * '775' locked, '773' must change…).
 */
export async function tryBind(dn: string, password: string, url?: string): Promise<string> {
  const client = newClient(url);
  try {
    await client.bind(dn, password);
    return 'ok';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return /data ([0-9a-f]+)/i.exec(message)?.[1] ?? message;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

export interface TestUser {
  samAccountName: string;
  dn: string;
  userPrincipalName: string;
  password: string;
}

/** A test-only password that satisfies the domain policy (length ≥ 8, three character classes). */
export function testPassword(): string {
  return `Tp-${randomBytes(6).toString('hex')}-Xq7`;
}

/**
 * A new enabled user in OU=Blink Tests with a random name, so that tests that change accounts never share one and do
 * not depend on their order. Extra attributes (userPrincipalName…) can be given.
 */
export async function createTestUser(prefix: string, extra: Record<string, string> = {}): Promise<TestUser> {
  const connection = getSambaConnection();
  // sAMAccountName allows at most 20 characters.
  const samAccountName = `${prefix.slice(0, 8)}-${randomBytes(4).toString('hex')}`;
  const dn = `CN=${samAccountName},${connection.fixtures.ous.tests}`;
  const userPrincipalName = `${samAccountName}@${connection.fixtures.realm.toLowerCase()}`;
  const password = testPassword();
  const attributes: Record<string, string | string[]> = {
    objectClass: ['top', 'person', 'organizationalPerson', 'user'],
    sAMAccountName: samAccountName,
    userPrincipalName,
    displayName: `Test ${samAccountName}`,
    mail: `${samAccountName}@corp.example.test`,
    userAccountControl: '512',
    ...extra,
  };
  await asAdmin((client) =>
    client.add(dn, [
      ...Object.entries(attributes).map(
        ([type, value]) => new Attribute({ type, values: Array.isArray(value) ? value : [value] }),
      ),
      new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le')] }),
    ]),
  );
  return { samAccountName, dn, userPrincipalName, password };
}

export interface ThrowawayUsers {
  create(prefix: string, extra?: Record<string, string>): Promise<TestUser>;
  removeAll(): Promise<void>;
}

/**
 * Users a test file creates and deletes when it is done: changed or locked throwaway users would otherwise linger in
 * the shared DC and show up in every later scan and listing.
 */
export function throwawayUsers(): ThrowawayUsers {
  const created: TestUser[] = [];
  return {
    async create(prefix: string, extra: Record<string, string> = {}): Promise<TestUser> {
      const user = await createTestUser(prefix, extra);
      created.push(user);
      return user;
    },
    async removeAll(): Promise<void> {
      const users = created.splice(0);
      if (users.length === 0) return;
      await asAdmin(async (client) => {
        for (const user of users) await client.del(user.dn).catch(() => undefined);
      });
    },
  };
}

/** What a test file on the test DC works with; each part is ended after the file's last test. */
export interface SambaSuite {
  /** The local runtime with the DC as its directory (useLocalBlink: version "test", a free port, no lockout scan). */
  blink: LocalBlink;
  /** The LDAP adapter on the DC, to look users up as Blink does. */
  directory: LdapDirectory;
  /** Users the file creates on the DC; deleted at the end. */
  users: ThrowawayUsers;
}

/** Starts the local runtime on the test DC for one test file; `options` as useLocalBlink's, which they add to. */
export function useSambaSuite(options: LocalBlinkOptions | (() => LocalBlinkOptions) = {}): SambaSuite {
  const blink = useLocalBlink(() => ({
    directory: localDirectorySettings(),
    ...(typeof options === 'function' ? options() : options),
  }));
  const directory = new LdapDirectory(directoryOptions());
  const users = throwawayUsers();
  afterAll(async () => {
    await directory.close();
    await users.removeAll();
  });
  return { blink, directory, users };
}

/**
 * Fails binds with a wrong password (on the test DC, or the DC at `url`) until AD reports the account locked (data
 * 775); returns the bind count.
 */
export async function lockOut(user: { dn: string }, maxAttempts = 10, url?: string): Promise<number> {
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const outcome = await tryBind(user.dn, `Wrong-${randomBytes(4).toString('hex')}-Pw1`, url);
    if (outcome === '775') return attempt;
    if (outcome !== '52e') throw new Error(`unexpected bind outcome while locking ${user.dn}: ${outcome}`);
  }
  throw new Error(`${user.dn} was not locked after ${maxAttempts} bad binds`);
}

const harnessScript = join(__dirname, '../../../scripts/samba-dc.sh');

/** Runs the Samba harness (scripts/samba-dc.sh start|stop|status|inbound|replicate …) and returns what it printed. */
export function sambaHarness(args: string[], timeoutMs = 90_000): string {
  return execFileSync('bash', [harnessScript, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
  });
}

/** Makes `to` pull the domain partition from `from` now (samba-tool drs replicate). */
export function replicateNow(to: SambaDc, from: SambaDc): void {
  sambaHarness(['replicate', to.dcDir, from.dcDir], 30_000);
}

/** An AD interval of `days` days (negative 100-ns units, as msDS-MaximumPasswordAge and the lockout times are kept). */
export const adDays = (days: number) => String(-BigInt(days) * 864_000_000_000n);

/**
 * A fine-grained password policy (PSO) with this maximum password age, for these users only (msDS-PSOAppliesTo), so
 * that a user created now expires in `days` days while the domain policy and other files' users are untouched. Returns
 * its DN; the caller deletes it.
 */
export async function passwordSettingsFor(days: number, appliesTo: Array<{ dn: string }>): Promise<string> {
  const { baseDn } = getSambaConnection();
  const dn = `CN=Blink Expiry ${days}d ${randomBytes(3).toString('hex')},CN=Password Settings Container,CN=System,${baseDn}`;
  const attributes: Record<string, string | string[]> = {
    objectClass: 'msDS-PasswordSettings',
    'msDS-PasswordSettingsPrecedence': '5',
    'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
    'msDS-PasswordHistoryLength': '0',
    'msDS-PasswordComplexityEnabled': 'TRUE',
    'msDS-MinimumPasswordLength': '8',
    'msDS-MinimumPasswordAge': '0',
    'msDS-MaximumPasswordAge': adDays(days),
    'msDS-LockoutThreshold': '0',
    'msDS-LockoutObservationWindow': adDays(0),
    'msDS-LockoutDuration': adDays(0),
    'msDS-PSOAppliesTo': appliesTo.map((user) => user.dn),
  };
  await asAdmin((client) =>
    client.add(
      dn,
      Object.entries(attributes).map(
        ([type, value]) => new Attribute({ type, values: Array.isArray(value) ? value : [value] }),
      ),
    ),
  );
  return dn;
}
