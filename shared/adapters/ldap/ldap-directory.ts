import { isIP } from 'node:net';
import {
  AndFilter,
  Attribute,
  BerWriter,
  Change,
  Client,
  Control,
  EqualityFilter,
  escapeFilter,
  type Entry,
  type Filter,
} from 'ldapts';
import * as z from 'zod';
import { ConfigurationError } from '../../config/env.js';
import {
  AmbiguousUserError,
  DirectoryOperationError,
  DirectoryUnavailableError,
  NotFoundError,
  PasswordRejectedError,
  ValidationError,
} from '../../domain/errors.js';
import type {
  BadPasswordsOnDc,
  ChangeWatermark,
  Directory,
  DirectoryUser,
  LockedAccount,
  LockoutScanOptions,
  ExpiringPassword,
  LockoutScanResult,
  PasswordExpiryScanOptions,
  PasswordExpiryScanResult,
  PasswordPolicy,
  PolicySource,
  DirectoryWrite,
  PasswordWrite,
  ReplicationCheck,
  ReplicationConfirmOptions,
  ResetOptions,
} from '../../ports/directory.js';
import type { DirectoryTargets } from '../../ports/directory-targets.js';
import type { TargetKind, TargetOption } from '../../domain/worker-admin-contract.js';
import {
  adDurationToSeconds,
  dateToFileTime,
  encodeUnicodePwd,
  fileTimeToDate,
  formatSid,
  UF_ACCOUNTDISABLE,
  UF_DONT_EXPIRE_PASSWD,
  UF_LOCKOUT,
} from './ad-values.js';
import { configuredUrlOf, hostOfUrl, parentDn, writeOrder, type ConfiguredDcIdentity } from './dc-topology.js';
import { formatGuid, parseGuid } from './guid.js';
import { ATTID_UNICODE_PWD, attributeStateFromBlob, attributeStateFromXml } from './replication-metadata.js';
import { classifyLdapError, describeLdapError, resultCodeOf } from './ldap-errors.js';

export interface LdapDirectoryOptions {
  /**
   * The domain's DCs: ldaps://host[:port], or ldap://… with startTls. Reads use the first that answers; resets and
   * unlocks go to the PDC emulator (found in the directory, mapped onto these URLs) when it answers, else to the next.
   * Only these URLs are ever contacted.
   */
  urls: string[];
  baseDn: string;
  bindDn: string;
  /** The service account's password, or a provider asked on every (re)bind so that a rotated secret is picked up. */
  bindPassword: string | (() => Promise<string>);
  /** PEM of the CA(s) that signed the DCs' certificates. The server certificate is always verified against it. */
  caPem: string;
  startTls: boolean;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  /** Page size for member and OU listings (AD returns at most 1000 entries per unpaged search). */
  listPageSize?: number;
  /** Before a write, a kept connection idle for longer than this is probed first (default 30 s). */
  idleProbeAfterMs?: number;
  /**
   * Send the password policy hints control with resets, so AD applies password history (and minimum age) to them as
   * it does to a user's own change (Windows Server 2016+ DCs; default off: DCs without it refuse the critical control).
   */
  passwordPolicyHints?: boolean;
}

/**
 * LDAP_SERVER_POLICY_HINTS_OID (MS-ADTS 3.1.1.3.4.1.38): value SEQUENCE { Flags INTEGER }, flag 1 = enforce the
 * password policy, history included, on this password reset.
 */
export class PolicyHintsControl extends Control {
  static readonly oid = '1.2.840.113556.1.4.2239';

  constructor() {
    super(PolicyHintsControl.oid, { critical: true });
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(1);
    value.endSequence();
    writer.writeBuffer(value.buffer, 0x04);
  }
}

const optionsSchema = z.object({
  urls: z
    .array(z.string().regex(/^ldaps?:\/\/[^\s/]+\/?$/i, 'must be ldaps://host[:port] or ldap://host[:port]'))
    .min(1),
  baseDn: z.string().min(3),
  bindDn: z.string().min(3),
  caPem: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'must be a PEM certificate bundle' }),
  startTls: z.boolean(),
  connectTimeoutMs: z.number().int().positive(),
  operationTimeoutMs: z.number().int().positive(),
  listPageSize: z.number().int().min(1).max(1000).optional(),
  idleProbeAfterMs: z.number().int().min(0).optional(),
  passwordPolicyHints: z.boolean().optional(),
});

const USER_ATTRIBUTES = [
  'objectGUID',
  'sAMAccountName',
  'userPrincipalName',
  'displayName',
  'mail',
  'userAccountControl',
  'adminCount',
  'accountExpires',
  'lockoutTime',
  'objectClass',
];
const BINARY_ATTRIBUTES = ['objectGUID', 'objectSid'];
const USERS_FILTER = '(&(objectCategory=person)(objectClass=user))';
const IN_CHAIN = '1.2.840.113556.1.4.1941';
const COMPUTED_UAC = 'msDS-User-Account-Control-Computed';
const PASSWORD_EXPIRY = 'msDS-UserPasswordExpiryTimeComputed';
/** Constructed: the DN of the PSO in force for the user; absent when the domain policy applies. */
const RESULTANT_PSO = 'msDS-ResultantPSO';
const BIT_AND = '1.2.840.113556.1.4.803';

/** Protected groups of active-directory.md, by well-known SID (names are localised, SIDs are not). */
const PROTECTED_BUILTIN_SIDS = [
  'S-1-5-32-544', // Administrators
  'S-1-5-32-548', // Account Operators
  'S-1-5-32-549', // Server Operators
  'S-1-5-32-550', // Print Operators
  'S-1-5-32-551', // Backup Operators
  'S-1-5-32-552', // Replicator
];
/** Domain-relative RIDs: Domain Admins, Domain Controllers, Schema Admins, Enterprise Admins, RODCs, Key Admins, Enterprise Key Admins. */
const PROTECTED_GROUP_RIDS = [512, 516, 518, 519, 521, 526, 527];
/** Groups a user can belong to through primaryGroupID, which memberOf does not show. */
const PROTECTED_PRIMARY_GROUP_RIDS = [512, 516, 518, 519, 521];
/** Administrator and krbtgt. */
const PROTECTED_ACCOUNT_RIDS = [500, 502];

/** A DC of the domain, with its configured URL when it has one (unreachable: it may be a configured DC that did not answer). */
interface DomainController {
  name: string;
  url?: string;
  unreachable?: boolean;
}

interface Session {
  client: Client;
  url: string;
  lastUsedAt: number;
  /** The DC's NTDS Settings DN and host name (root DSE), read when first needed. */
  identity?: Promise<ConfiguredDcIdentity | undefined>;
}

/** How long the discovered PDC emulator is trusted before it is looked up again (the role rarely moves). */
const PDC_KNOWN_FOR_MS = 5 * 60_000;
/** After a failed lookup, the configured order is used for this long before trying again. */
const PDC_UNKNOWN_FOR_MS = 30_000;
/** A DC that did not answer a connection is tried after the others for this long. */
const DOWN_FOR_MS = 30_000;
const REPLICATION_ATTRIBUTES = ['replPropertyMetaData', 'msDS-ReplAttributeMetaData'];

interface ProtectionFacts {
  domainSid: string;
  groupDns: string[];
}

/**
 * Directory over LDAPS (or StartTLS) with ldapts. One bound connection is kept and reused across calls (a warm Lambda
 * keeps it); it is replaced after a connection failure, trying the configured DCs in order.
 */
export class LdapDirectory implements Directory, DirectoryTargets {
  private readonly options: Required<Omit<LdapDirectoryOptions, 'bindPassword'>>;
  private readonly bindPassword: () => Promise<string>;
  /** The session reads use (the first configured DC that answered). */
  private session?: Session;
  private opening?: Promise<Session>;
  /** Every open session, by URL: writes and confirmations reach particular DCs. */
  private readonly sessions = new Map<string, Session>();
  private readonly connecting = new Map<string, Promise<Session>>();
  private readonly downUntil = new Map<string, number>();
  private writeOrderCache?: { urls: string[]; until: number };
  private readonly knownIdentities = new Map<string, ConfiguredDcIdentity>();
  private domainControllersCache?: { dcs: Promise<DomainController[]>; until: number };
  private protectionFacts?: Promise<ProtectionFacts>;
  /** Per connection: the DC's identity, read once (null when unreadable); a restored DC drops its connections. */
  private readonly dcIdentities = new WeakMap<Client, { dc: string; dcName: string } | null>();

  constructor(options: LdapDirectoryOptions) {
    const parsed = optionsSchema.safeParse(options);
    const problems = parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`);
    for (const url of options.urls ?? []) {
      const plain = url.toLowerCase().startsWith('ldap://');
      if (plain && !options.startTls) {
        problems.push(
          `${url}: plain ldap:// needs startTls; password writes require an encrypted, verified connection`,
        );
      }
      if (!plain && options.startTls) problems.push(`${url}: startTls applies to ldap:// URLs, not ldaps://`);
    }
    if (problems.length > 0) throw new ConfigurationError(problems.map((problem) => `LDAP ${problem}`));
    const { bindPassword, listPageSize, idleProbeAfterMs, passwordPolicyHints, ...connection } = options;
    this.options = {
      ...connection,
      listPageSize: listPageSize ?? 500,
      idleProbeAfterMs: idleProbeAfterMs ?? 30_000,
      passwordPolicyHints: passwordPolicyHints ?? false,
    };
    this.bindPassword = typeof bindPassword === 'string' ? () => Promise.resolve(bindPassword) : bindPassword;
  }

  async findUserBySamAccountName(samAccountName: string): Promise<DirectoryUser | undefined> {
    if (!plausibleName(samAccountName)) return undefined;
    return this.findOneUser(escapeFilter`(&(objectClass=user)(sAMAccountName=${samAccountName}))`);
  }

  async findUserByUserPrincipalName(upn: string): Promise<DirectoryUser | undefined> {
    if (!plausibleName(upn)) return undefined;
    return this.findOneUser(escapeFilter`(&(objectClass=user)(userPrincipalName=${upn}))`);
  }

  async findUserByGuid(objectGuid: string): Promise<DirectoryUser | undefined> {
    // A filter object carrying the raw bytes: ldapts parses \xx escapes of a filter string into UTF-16 characters and
    // sends them UTF-8 encoded, which corrupts every byte above 0x7f.
    const filter = new AndFilter({
      filters: [
        new EqualityFilter({ attribute: 'objectClass', value: 'user' }),
        new EqualityFilter({ attribute: 'objectGUID', value: parseGuid(objectGuid) }),
      ],
    });
    return this.findOneUser(filter);
  }

  async listGroupMembers(group: string): Promise<DirectoryUser[]> {
    const groupDn = await this.resolveGroupDn(group);
    const filter = `(&${USERS_FILTER}(memberOf:${IN_CHAIN}:=${escapeFilter`${groupDn}`}))`;
    return this.listUsers(this.options.baseDn, filter);
  }

  async listUsersInOu(ouDn: string): Promise<DirectoryUser[]> {
    return this.listUsers(ouDn, USERS_FILTER);
  }

  async findActivationTargets(kind: TargetKind, typed: string, limit: number): Promise<TargetOption[]> {
    // escapeFilter escapes the typed text (a `*` in it stays literal); the wildcard after it is ours.
    const starts = (attribute: string) => `(${attribute}=${escapeFilter`${typed}`}*)`;
    const filters: Record<TargetKind, string> = {
      user: `(&${USERS_FILTER}(|${['sAMAccountName', 'displayName', 'sn', 'userPrincipalName'].map(starts).join('')}))`,
      group: `(&(objectClass=group)(|${starts('cn')}${starts('sAMAccountName')}))`,
      ou: typed === '' ? '(objectClass=organizationalUnit)' : `(&(objectClass=organizationalUnit)${starts('ou')})`,
    };
    const result = await this.read((client) =>
      client.search(this.options.baseDn, {
        scope: 'sub',
        filter: filters[kind],
        attributes: ['sAMAccountName', 'displayName', 'cn', 'ou', 'userPrincipalName'],
        // The server stops at the limit (answering "size limit exceeded", which ldapts returns as results).
        sizeLimit: limit,
      }),
    );
    return result.searchEntries.slice(0, limit).map((entry): TargetOption => {
      if (kind === 'user') {
        const sam = text(entry, 'sAMAccountName') ?? '';
        return { kind, value: sam, label: text(entry, 'displayName') ?? sam, detail: entry.dn };
      }
      const name = text(entry, kind === 'ou' ? 'ou' : 'cn') ?? firstRdnValue(entry.dn);
      return { kind, value: entry.dn, label: name, detail: entry.dn };
    });
  }

  async listGroupMemberGuids(group: string): Promise<string[]> {
    return (await this.listGroupMembers(group)).map((user) => user.objectGuid);
  }

  async isProtected(user: DirectoryUser): Promise<boolean> {
    const facts = await this.loadProtectionFacts();
    const clauses = [
      '(adminCount=1)',
      ...PROTECTED_ACCOUNT_RIDS.map((rid) => `(objectSid=${facts.domainSid}-${rid})`),
      ...PROTECTED_PRIMARY_GROUP_RIDS.map((rid) => `(primaryGroupID=${rid})`),
      ...facts.groupDns.map((dn) => `(memberOf:${IN_CHAIN}:=${escapeFilter`${dn}`})`),
    ];
    // One base search on the user: it comes back only when one of the clauses holds.
    const entries = await this.read((client) =>
      client.search(user.dn, { scope: 'base', filter: `(|${clauses.join('')})`, attributes: ['1.1'] }),
    );
    return entries.searchEntries.length > 0;
  }

  async readDomainPolicy(): Promise<PasswordPolicy> {
    const entry = await this.readEntry(this.options.baseDn, Object.values(DOMAIN_POLICY_ATTRIBUTES));
    // pwdProperties is a bit field; DOMAIN_PASSWORD_COMPLEX is its lowest bit.
    const complexity = (integer(entry, DOMAIN_POLICY_ATTRIBUTES.complexity) & 1) === 1;
    return passwordPolicyOf(entry, DOMAIN_POLICY_ATTRIBUTES, complexity, { kind: 'domain' });
  }

  async readEffectivePolicy(user: DirectoryUser): Promise<PasswordPolicy> {
    const userEntry = await this.readEntry(user.dn, [RESULTANT_PSO]);
    return this.readPolicy(policySourceOf(userEntry));
  }

  async readPolicy(source: PolicySource): Promise<PasswordPolicy> {
    if (source.kind === 'domain') return this.readDomainPolicy();
    let pso: Entry;
    try {
      pso = await this.readEntry(source.dn, Object.values(PSO_POLICY_ATTRIBUTES));
    } catch (error) {
      // AD hides PSOs from accounts without read access to the Password Settings Container.
      if (error instanceof NotFoundError) {
        throw new DirectoryOperationError(
          `cannot read the user's password settings object ${source.dn}: grant the service account read access`,
        );
      }
      throw error;
    }
    const complexity = text(pso, PSO_POLICY_ATTRIBUTES.complexity)?.toUpperCase() === 'TRUE';
    return passwordPolicyOf(pso, PSO_POLICY_ATTRIBUTES, complexity, { kind: 'pso', dn: pso.dn });
  }

  async isLockedOut(user: DirectoryUser): Promise<boolean> {
    // The constructed attribute, not lockoutTime: lockoutTime stays set after the lockout duration has passed.
    const entry = await this.readEntry(user.dn, [COMPUTED_UAC]);
    return (integer(entry, COMPUTED_UAC) & UF_LOCKOUT) !== 0;
  }

  async resetPassword(user: DirectoryUser, newPassword: string, options: ResetOptions): Promise<PasswordWrite> {
    const changes = [replace('unicodePwd', encodeUnicodePwd(newPassword))];
    if (options.forceChange) changes.push(replace('pwdLastSet', '0'));
    if (options.unlock) changes.push(replace('lockoutTime', '0'));
    let url: string;
    try {
      const controls = this.options.passwordPolicyHints ? [new PolicyHintsControl()] : [];
      url = await this.once(async (client, writtenOn) => {
        await client.modify(user.dn, changes, controls);
        return writtenOn;
      });
    } catch (error) {
      throw scrubbed(error, newPassword);
    }
    const writtenAt = new Date();
    // The receipt is best effort: the password is set either way, only its confirmation needs the version (read on the
    // same connection, so on the DC that took the write).
    const session = this.sessions.get(url);
    const version = session ? await this.passwordVersionOn(session, user.dn).catch(() => undefined) : undefined;
    return { ...(await this.writtenOn(url)), ...(version === undefined ? {} : { version }), writtenAt };
  }

  /** The DC behind a write's URL, by the name it gives itself when it says (best effort: the write is done). */
  private async writtenOn(url: string): Promise<DirectoryWrite> {
    const session = this.sessions.get(url);
    const identity = session ? await this.identityOf(session).catch(() => undefined) : undefined;
    return { dc: identity?.hostName ?? hostOfUrl(url), url };
  }

  async confirmPasswordReplication(
    user: DirectoryUser,
    write: PasswordWrite,
    options: ReplicationConfirmOptions,
  ): Promise<ReplicationCheck[]> {
    const deadline = Date.now() + options.timeoutMs;
    const others = (await this.domainControllers()).filter((dc) => dc.url !== write.url);
    const checks = new Map<string, ReplicationCheck>();
    const pending: { name: string; url: string }[] = [];
    for (const dc of others) {
      if (!dc.url) checks.set(dc.name, { dc: dc.name, state: dc.unreachable ? 'unreachable' : 'not-configured' });
      else if (write.version === undefined) checks.set(dc.name, { dc: dc.name, state: 'unknown' });
      else pending.push({ name: dc.name, url: dc.url });
    }
    const writtenVersion = write.version ?? 0;
    while (pending.length > 0) {
      await Promise.all(
        pending.map(async (dc) => {
          try {
            const session = await this.sessionAt(dc.url, Math.max(1, deadline - Date.now()));
            const version = await this.passwordVersionOn(session, user.dn);
            // A later write (a newer reset) also counts: the one confirmed here is then already replaced.
            if (version !== undefined && version >= writtenVersion) {
              checks.set(dc.name, {
                dc: dc.name,
                state: 'caught-up',
                seenAfterMs: Date.now() - write.writtenAt.getTime(),
              });
            }
          } catch (error) {
            // The entry not yet there is "behind"; a DC that cannot be reached is not polled again.
            if (!(error instanceof NotFoundError)) checks.set(dc.name, { dc: dc.name, state: 'unreachable' });
          }
        }),
      );
      const left = pending.filter((dc) => !checks.has(dc.name));
      pending.splice(0, pending.length, ...left);
      if (pending.length === 0 || Date.now() + options.intervalMs >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
    for (const dc of pending) checks.set(dc.name, { dc: dc.name, state: 'behind' });
    return others.map((dc) => checks.get(dc.name) ?? { dc: dc.name, state: 'behind' });
  }

  async unlock(user: DirectoryUser): Promise<DirectoryWrite> {
    let url: string;
    try {
      url = await this.once(async (client, writtenOn) => {
        await client.modify(user.dn, [replace('lockoutTime', '0')]);
        return writtenOn;
      });
    } catch (error) {
      throw scrubbed(error, '');
    }
    return this.writtenOn(url);
  }

  async scanLockedAccounts(options: LockoutScanOptions): Promise<LockoutScanResult> {
    const deadline = Date.now() + options.timeBudgetMs;
    // A read: when a kept connection turns out dead, the scan starts over on a fresh one (maybe another DC).
    return this.read(async (client) => {
      // Read before the search, on the same connection: what changes while the search runs lies above it.
      const startedAt = await this.changeWatermarkOf(client);
      const since = options.changedSince;
      // Another DC's USNs mean nothing here, and a USN that went back means a restored DC: then a full scan.
      const changedSince =
        since && startedAt && startedAt.dc === since.dc && startedAt.highestCommittedUsn >= since.highestCommittedUsn
          ? since
          : undefined;
      // uSNChanged is indexed (lockoutTime is not): the DC walks only the users changed since, not all of them.
      const changed = changedSince ? `(uSNChanged>=${changedSince.highestCommittedUsn + 1})` : '';
      const {
        found: locked,
        pages,
        complete,
      } = await scanUsersInPages(
        client,
        this.options.baseDn,
        {
          filter: `(&${USERS_FILTER}${changed}(lockoutTime>=1))`,
          // The resultant PSO too: the watch reads each distinct policy once, not each user's.
          attributes: ['objectGUID', 'sAMAccountName', 'lockoutTime', COMPUTED_UAC, RESULTANT_PSO],
          pageSize: options.pageSize,
          deadline,
        },
        (entry): LockedAccount | undefined => {
          // lockoutTime stays set after the lockout has expired; only the computed flag says "locked now".
          if ((integer(entry, COMPUTED_UAC) & UF_LOCKOUT) === 0) return undefined;
          const lockoutTime = text(entry, 'lockoutTime') ?? '0';
          return {
            objectGuid: guidOf(entry),
            dn: entry.dn,
            samAccountName: text(entry, 'sAMAccountName') ?? '',
            lockoutTime,
            lockedAt: fileTimeToDate(lockoutTime) ?? new Date(0),
            policySource: policySourceOf(entry),
          };
        },
      );
      return { locked, pages, complete, incremental: changedSince !== undefined, ...(startedAt ? { startedAt } : {}) };
    });
  }

  async scanPasswordExpiries(options: PasswordExpiryScanOptions): Promise<PasswordExpiryScanResult> {
    const deadline = Date.now() + options.timeBudgetMs;
    const now = options.now.getTime();
    const horizonMs = options.horizonDays * 86_400_000;
    // pwdLastSet is not indexed (searchFlags 0 in the AD schema, as Samba ships it), so the DC walks every user once;
    // the bounds keep what comes back, and the per-user work, to the users near expiry under some policy in force.
    const windows = mergeRanges(
      (await this.readMaxPasswordAges()).map(
        (ageSeconds) => [now - ageSeconds * 1000, now - ageSeconds * 1000 + horizonMs] as const,
      ),
    );
    if (windows.length === 0) return { expiring: [], pages: 0, complete: true };
    const bounds = windows.map(
      ([from, to]) => `(&(pwdLastSet>=${dateToFileTime(new Date(from))})(pwdLastSet<=${dateToFileTime(new Date(to))}))`,
    );
    // Goes into the filter as it is: a FILETIME in digits, nothing else.
    if (options.pwdLastSetFrom !== undefined && !/^\d{1,20}$/.test(options.pwdLastSetFrom))
      throw new ValidationError('pwdLastSetFrom must be a FILETIME in digits');
    const from = options.pwdLastSetFrom ? `(pwdLastSet>=${options.pwdLastSetFrom})` : '';
    const filter =
      `(&${USERS_FILTER}(!(userAccountControl:${BIT_AND}:=${UF_ACCOUNTDISABLE}))(!(userAccountControl:${BIT_AND}:=${UF_DONT_EXPIRE_PASSWD}))` +
      `(pwdLastSet>=1)${from}(|${bounds.join('')}))`;
    return this.read(async (client) => {
      const {
        found: expiring,
        pages,
        complete,
      } = await scanUsersInPages(
        client,
        this.options.baseDn,
        {
          filter,
          attributes: ['objectGUID', 'sAMAccountName', 'pwdLastSet', PASSWORD_EXPIRY],
          pageSize: options.pageSize,
          deadline,
        },
        (entry): ExpiringPassword | undefined => {
          // Constructed by the DC from pwdLastSet and the user's resultant policy (PSO or domain); AD and Samba both return
          // it in subtree searches (Get-ADUser -Filter does the same).
          const raw = text(entry, PASSWORD_EXPIRY);
          // 0 (must change) and 0x7FFFFFFFFFFFFFFF (never expires) come back undefined.
          const expiresAt = fileTimeToDate(raw);
          if (!expiresAt || expiresAt.getTime() <= now || expiresAt.getTime() > now + horizonMs) return undefined;
          return {
            objectGuid: guidOf(entry),
            dn: entry.dn,
            samAccountName: text(entry, 'sAMAccountName') ?? '',
            pwdLastSet: text(entry, 'pwdLastSet') ?? '0',
            expiresAt,
          };
        },
      );
      return { expiring, pages, complete };
    });
  }

  /**
   * The maximum password ages in force (seconds; "never" left out): the domain's and every fine-grained PSO's the
   * service account can read. AD hides PSOs from accounts without read access to the Password Settings Container;
   * then only the domain's age bounds the search, and users of a PSO with another age are not reminded (README).
   */
  private async readMaxPasswordAges(): Promise<number[]> {
    const domain = adDurationToSeconds(text(await this.readEntry(this.options.baseDn, ['maxPwdAge']), 'maxPwdAge'));
    let psoAges: number[] = [];
    try {
      const result = await this.read((client) =>
        client.search(`CN=Password Settings Container,CN=System,${this.options.baseDn}`, {
          scope: 'one',
          filter: '(objectClass=msDS-PasswordSettings)',
          attributes: ['msDS-MaximumPasswordAge'],
        }),
      );
      psoAges = result.searchEntries.map((entry) => adDurationToSeconds(text(entry, 'msDS-MaximumPasswordAge')));
    } catch (error) {
      if (!(error instanceof NotFoundError || error instanceof DirectoryOperationError)) throw error;
    }
    return [...new Set([domain, ...psoAges])].filter((age) => age > 0);
  }

  async readBadPasswords(user: { dn: string }): Promise<BadPasswordsOnDc[]> {
    const dcs = (await this.domainControllers()).filter((dc) => dc.url !== undefined || dc.unreachable);
    return Promise.all(
      dcs.map(async (dc): Promise<BadPasswordsOnDc> => {
        if (!dc.url) return { dc: dc.name, state: 'unreachable', count: 0 };
        try {
          const session = await this.sessionAt(dc.url, this.options.connectTimeoutMs);
          const entry = (
            await this.runOn(session, (client) =>
              client.search(user.dn, { scope: 'base', attributes: ['badPwdCount', 'badPasswordTime'] }),
            )
          ).searchEntries[0];
          const lastAt = entry ? fileTimeToDate(text(entry, 'badPasswordTime')) : undefined;
          return {
            dc: dc.name,
            state: 'read',
            count: entry ? integer(entry, 'badPwdCount') : 0,
            ...(lastAt ? { lastAt } : {}),
          };
        } catch (error) {
          if (error instanceof DirectoryUnavailableError) return { dc: dc.name, state: 'unreachable', count: 0 };
          throw error;
        }
      }),
    );
  }

  async readChangeWatermark(): Promise<ChangeWatermark | undefined> {
    return this.read((client) => this.changeWatermarkOf(client));
  }

  async checkHealth(): Promise<{ url: string }> {
    return this.read(async (client, url) => {
      await client.search('', { scope: 'base', attributes: ['defaultNamingContext'] });
      return { url };
    });
  }

  async close(): Promise<void> {
    const open = [...new Set([...this.sessions.values(), ...(this.session ? [this.session] : [])])];
    this.session = undefined;
    this.sessions.clear();
    await Promise.all(open.map((session) => session.client.unbind().catch(() => undefined)));
  }

  /** The domain's DCs, looked up again every few minutes (DCs come and go rarely; every reset asks). */
  private domainControllers(): Promise<DomainController[]> {
    const cached = this.domainControllersCache;
    if (cached && cached.until > Date.now()) return cached.dcs;
    const dcs = this.findDomainControllers();
    // Only a complete answer is kept: a DC that did not answer is looked for again at the next reset.
    this.domainControllersCache = { dcs, until: Date.now() + PDC_KNOWN_FOR_MS };
    dcs.then(
      (found) => {
        if (found.some((dc) => dc.unreachable) && this.domainControllersCache?.dcs === dcs)
          this.domainControllersCache = undefined;
      },
      () => {
        if (this.domainControllersCache?.dcs === dcs) this.domainControllersCache = undefined;
      },
    );
    return dcs;
  }

  /**
   * The domain's DCs (servers with NTDS Settings under CN=Sites), each with its configured URL when it has one. Without
   * read access to the configuration partition, the configured URLs themselves.
   */
  private async findDomainControllers(): Promise<DomainController[]> {
    const urls = this.options.urls;
    try {
      const root = await this.read((client) =>
        client.search('', { scope: 'base', attributes: ['configurationNamingContext'] }),
      );
      const configDn = root.searchEntries[0] ? text(root.searchEntries[0], 'configurationNamingContext') : undefined;
      if (!configDn) throw new NotFoundError('no configuration partition');
      const result = await this.read((client) =>
        client.search(`CN=Sites,${configDn}`, { scope: 'sub', filter: '(objectClass=nTDSDSA)', attributes: ['1.1'] }),
      );
      const identities = await this.configuredIdentities();
      // A DC that maps onto no URL may be one of the configured DCs that did not answer: then it is unreachable, and
      // not-configured only when every configured DC said who it is.
      const someUnidentified = identities.length < urls.length;
      const found = await Promise.all(
        result.searchEntries.map(async (entry) => {
          const serverDn = parentDn(entry.dn);
          const server = serverDn ? await this.readEntry(serverDn, ['dNSHostName']).catch(() => undefined) : undefined;
          const hostName = server ? text(server, 'dNSHostName')?.toLowerCase() : undefined;
          const url = configuredUrlOf(urls, { serviceDn: entry.dn, ...(hostName ? { hostName } : {}) }, identities);
          return { name: hostName ?? entry.dn, ...(url ? { url } : someUnidentified ? { unreachable: true } : {}) };
        }),
      );
      if (found.length > 0) return found;
    } catch (error) {
      if (!(error instanceof DirectoryOperationError || error instanceof NotFoundError)) throw error;
    }
    return urls.map((url) => ({ name: hostOfUrl(url), url }));
  }

  /**
   * What each configured DC says it is (connecting to those not connected yet); a DC that does not answer now is known
   * by what it said before, if it ever answered this instance.
   */
  private async configuredIdentities(): Promise<ConfiguredDcIdentity[]> {
    const identities = await Promise.all(
      this.options.urls.map(async (url) => {
        try {
          const identity = await this.identityOf(await this.sessionAt(url, this.options.connectTimeoutMs));
          if (identity) this.knownIdentities.set(url, identity);
          return identity;
        } catch {
          return this.knownIdentities.get(url);
        }
      }),
    );
    return identities.filter((identity): identity is ConfiguredDcIdentity => identity !== undefined);
  }

  /** The configured URL of the PDC emulator: the domain's fSMORoleOwner, mapped onto the configured DCs. */
  private async findPdcUrl(): Promise<string | undefined> {
    const domain = await this.readEntry(this.options.baseDn, ['fSMORoleOwner']);
    const ownerDn = text(domain, 'fSMORoleOwner');
    if (!ownerDn) return undefined;
    const serverDn = parentDn(ownerDn);
    const server = serverDn ? await this.readEntry(serverDn, ['dNSHostName']).catch(() => undefined) : undefined;
    const hostName = server ? text(server, 'dNSHostName') : undefined;
    const byName = configuredUrlOf(this.options.urls, { ...(hostName ? { hostName } : {}) }, []);
    if (byName) return byName;
    return configuredUrlOf(this.options.urls, { serviceDn: ownerDn }, await this.configuredIdentities());
  }

  /** The DCs in the order writes try them, the PDC emulator first; looked up again every few minutes. */
  private async writeOrder(): Promise<string[]> {
    const urls = this.options.urls;
    if (urls.length < 2) return [...urls];
    const cached = this.writeOrderCache;
    if (cached && cached.until > Date.now()) return cached.urls;
    let pdcUrl: string | undefined;
    try {
      pdcUrl = await this.findPdcUrl();
    } catch (error) {
      // No DC answering reads, or no right to read the role owner: the configured order, and the write says why.
      if (!(
        error instanceof DirectoryOperationError ||
        error instanceof NotFoundError ||
        error instanceof DirectoryUnavailableError
      ))
        throw error;
    }
    const ordered = writeOrder(urls, pdcUrl);
    this.writeOrderCache = { urls: ordered, until: Date.now() + (pdcUrl ? PDC_KNOWN_FOR_MS : PDC_UNKNOWN_FOR_MS) };
    return ordered;
  }

  private identityOf(session: Session): Promise<ConfiguredDcIdentity | undefined> {
    session.identity ??= session.client
      .search('', { scope: 'base', attributes: ['dsServiceName', 'dnsHostName'] })
      .then((result) => {
        const root = result.searchEntries[0];
        const serviceDn = root ? text(root, 'dsServiceName') : undefined;
        const hostName = root ? text(root, 'dnsHostName')?.toLowerCase() : undefined;
        return serviceDn ? { url: session.url, serviceDn, ...(hostName ? { hostName } : {}) } : undefined;
      });
    return session.identity;
  }

  /** unicodePwd's replication version on this session's DC (Windows' XML form, else the metadata blob both DCs keep). */
  private async passwordVersionOn(session: Session, dn: string): Promise<number | undefined> {
    let result;
    try {
      result = await session.client.search(dn, {
        scope: 'base',
        attributes: REPLICATION_ATTRIBUTES,
        explicitBufferAttributes: ['replPropertyMetaData'],
      });
    } catch (error) {
      if (classifyLdapError(error) === 'result') {
        if (resultCodeOf(error) === 32) throw new NotFoundError('no such directory entry');
        throw new DirectoryOperationError(describeLdapError(error), { cause: error });
      }
      this.discard(session);
      throw new DirectoryUnavailableError(`${session.url}: ${describeLdapError(error)}`, { cause: error });
    }
    const entry = result.searchEntries[0];
    if (!entry) return undefined;
    const fromXml = attributeStateFromXml(values(entry, 'msDS-ReplAttributeMetaData'), 'unicodePwd');
    if (fromXml) return fromXml.version;
    const raw = entry['replPropertyMetaData'];
    const blob = Array.isArray(raw) ? raw[0] : raw;
    return Buffer.isBuffer(blob) ? attributeStateFromBlob(blob, ATTID_UNICODE_PWD)?.version : undefined;
  }

  /** The connected DC's identity and highestCommittedUSN; undefined when it publishes no USNs (the local demo directory). */
  private async changeWatermarkOf(client: Client): Promise<ChangeWatermark | undefined> {
    const result = await client.search('', {
      scope: 'base',
      attributes: ['highestCommittedUSN', 'dsServiceName', 'dnsHostName'],
    });
    const root = result.searchEntries[0];
    const usn = Number(root ? text(root, 'highestCommittedUSN') : undefined);
    const serviceDn = root ? text(root, 'dsServiceName') : undefined;
    if (!root || !serviceDn || !Number.isSafeInteger(usn) || usn < 0) return undefined;
    let identity = this.dcIdentities.get(client);
    if (identity === undefined) {
      const invocationId = await readInvocationId(client, serviceDn);
      identity = invocationId ? { dc: invocationId, dcName: text(root, 'dnsHostName') ?? serviceDn } : null;
      this.dcIdentities.set(client, identity);
    }
    return identity ? { ...identity, highestCommittedUsn: usn } : undefined;
  }

  /** A single user, or undefined; refuses lookups that match more than one entry. */
  private async findOneUser(filter: Filter | string): Promise<DirectoryUser | undefined> {
    const result = await this.read((client) =>
      client.search(this.options.baseDn, {
        scope: 'sub',
        filter,
        attributes: USER_ATTRIBUTES,
        explicitBufferAttributes: BINARY_ATTRIBUTES,
        // Two are enough to know the match is not unique.
        sizeLimit: 2,
      }),
    );
    if (result.searchEntries.length > 1)
      throw new AmbiguousUserError('more than one directory entry matches the lookup');
    const entry = result.searchEntries[0];
    return entry ? toDirectoryUser(entry) : undefined;
  }

  private async listUsers(base: string, filter: string): Promise<DirectoryUser[]> {
    const result = await this.read((client) =>
      client.search(base, {
        scope: 'sub',
        filter,
        attributes: USER_ATTRIBUTES,
        explicitBufferAttributes: BINARY_ATTRIBUTES,
        paged: { pageSize: this.options.listPageSize },
      }),
    ).catch((error: unknown) => {
      throw error instanceof NotFoundError ? new NotFoundError(`no such directory entry: ${base}`) : error;
    });
    return result.searchEntries.map(toDirectoryUser);
  }

  /** The group's DN as the directory spells it, from a DN or a name (sAMAccountName or cn). */
  private async resolveGroupDn(group: string): Promise<string> {
    const looksLikeDn = /^[a-z][\w-]*=/i.test(group) && group.includes(',');
    const result = await this.read((client) =>
      looksLikeDn
        ? client.search(group, { scope: 'base', filter: '(objectClass=group)', attributes: ['1.1'] })
        : client.search(this.options.baseDn, {
            scope: 'sub',
            filter: escapeFilter`(&(objectClass=group)(|(sAMAccountName=${group})(cn=${group})))`,
            attributes: ['1.1'],
            sizeLimit: 2,
          }),
    );
    if (result.searchEntries.length > 1) throw new DirectoryOperationError('more than one group matches the name');
    const entry = result.searchEntries[0];
    if (!entry) throw new NotFoundError('no such group');
    return entry.dn;
  }

  /** The domain SID and the DNs of the protected groups, found once per instance by well-known SID. */
  private loadProtectionFacts(): Promise<ProtectionFacts> {
    this.protectionFacts ??= (async () => {
      const root = await this.readEntry(this.options.baseDn, ['objectSid']);
      const sid = root['objectSid'];
      if (!Buffer.isBuffer(sid)) throw new DirectoryOperationError('the domain root has no objectSid');
      const domainSid = formatSid(sid);
      const groupSids = [...PROTECTED_BUILTIN_SIDS, ...PROTECTED_GROUP_RIDS.map((rid) => `${domainSid}-${rid}`)];
      const result = await this.read((client) =>
        client.search(this.options.baseDn, {
          scope: 'sub',
          filter: `(&(objectClass=group)(|${groupSids.map((groupSid) => `(objectSid=${groupSid})`).join('')}))`,
          attributes: ['objectSid'],
          explicitBufferAttributes: BINARY_ATTRIBUTES,
        }),
      );
      const found = new Map(
        result.searchEntries.map((entry) => [
          Buffer.isBuffer(entry['objectSid']) ? formatSid(entry['objectSid']) : '',
          entry.dn,
        ]),
      );
      // Without these two the check would silently pass everyone: fail instead (missing read rights, wrong base).
      for (const required of ['S-1-5-32-544', `${domainSid}-512`]) {
        if (!found.has(required))
          throw new DirectoryOperationError(`protected group ${required} not found under ${this.options.baseDn}`);
      }
      return { domainSid, groupDns: [...found.values()] };
    })();
    // A failed lookup is not cached.
    this.protectionFacts.catch(() => {
      this.protectionFacts = undefined;
    });
    return this.protectionFacts;
  }

  private async readEntry(dn: string, attributes: string[]): Promise<Entry> {
    const result = await this.read((client) =>
      client.search(dn, { scope: 'base', attributes, explicitBufferAttributes: BINARY_ATTRIBUTES }),
    );
    const entry = result.searchEntries[0];
    if (!entry) throw new NotFoundError(`no such directory entry: ${dn}`);
    return entry;
  }

  /**
   * Runs a read. A connection kept from an earlier call may have been dropped by the DC in the meantime: when a reused
   * connection fails, the read is tried once more on a fresh one (maybe another DC).
   */
  private read<T>(operation: (client: Client, url: string) => Promise<T>): Promise<T> {
    return this.run(operation, true);
  }

  /**
   * Runs a write once, on the PDC emulator when it answers, else on the next DC: a write whose answer was lost must not
   * be blindly repeated. A kept connection that has been idle is probed first with a cheap read: DCs drop idle
   * connections (AD after 900 s) and a Lambda thawed after a pause may not have noticed yet; the probe reconnects.
   */
  private async once<T>(operation: (client: Client, url: string) => Promise<T>): Promise<T> {
    const order = await this.writeOrder();
    let session = await this.firstAnswering(order);
    if (Date.now() - session.lastUsedAt >= this.options.idleProbeAfterMs) {
      try {
        await session.client.search('', { scope: 'base', attributes: ['1.1'] });
      } catch {
        this.discard(session);
        session = await this.firstAnswering(order);
      }
    }
    return this.runOn(session, operation);
  }

  private async run<T>(
    operation: (client: Client, url: string) => Promise<T>,
    retryOnReusedConnection: boolean,
  ): Promise<T> {
    const reused = this.session?.client.isConnected === true && this.session.client.isBound;
    const session = await this.bound();
    try {
      return await this.runOn(session, operation);
    } catch (error) {
      if (error instanceof DirectoryUnavailableError && reused && retryOnReusedConnection)
        return this.run(operation, false);
      throw error;
    }
  }

  private async runOn<T>(session: Session, operation: (client: Client, url: string) => Promise<T>): Promise<T> {
    try {
      const result = await operation(session.client, session.url);
      session.lastUsedAt = Date.now();
      return result;
    } catch (error) {
      if (error instanceof DirectoryUnavailableError) throw error;
      const kind = classifyLdapError(error);
      if (kind === 'result') {
        if (resultCodeOf(error) === 32) throw new NotFoundError('no such directory entry');
        throw new DirectoryOperationError(describeLdapError(error), { cause: error });
      }
      this.discard(session);
      throw new DirectoryUnavailableError(`${session.url}: ${describeLdapError(error)}`, { cause: error });
    }
  }

  /** The current bound read session, or a new one; concurrent callers share one connection attempt. */
  private async bound(): Promise<Session> {
    const current = this.session;
    if (current && alive(current)) return current;
    if (current) this.discard(current);
    this.opening ??= this.firstAnswering(this.options.urls)
      .then((session) => {
        this.session = session;
        return session;
      })
      .finally(() => {
        this.opening = undefined;
      });
    return this.opening;
  }

  /**
   * A bound session on the first of `urls` that answers (kept sessions reused). DCs that failed to connect lately are
   * tried last, so a dead PDC costs one connect timeout per DOWN_FOR_MS, not one per write.
   */
  private async firstAnswering(urls: readonly string[]): Promise<Session> {
    const now = Date.now();
    const ordered = [
      ...urls.filter((url) => (this.downUntil.get(url) ?? 0) <= now),
      ...urls.filter((url) => (this.downUntil.get(url) ?? 0) > now),
    ];
    const failures: string[] = [];
    for (const url of ordered) {
      try {
        return await this.sessionAt(url, this.options.connectTimeoutMs);
      } catch (error) {
        if (!(error instanceof DirectoryUnavailableError)) throw error;
        failures.push(error.message);
      }
    }
    throw new DirectoryUnavailableError(`no domain controller answered (${failures.join('; ')})`);
  }

  /** The kept session on this DC, or a new one (concurrent callers share the attempt). */
  private sessionAt(url: string, connectTimeoutMs: number): Promise<Session> {
    const current = this.sessions.get(url);
    if (current && alive(current)) return Promise.resolve(current);
    if (current) this.discard(current);
    let attempt = this.connecting.get(url);
    if (!attempt) {
      attempt = this.connect(url, connectTimeoutMs).finally(() => this.connecting.delete(url));
      this.connecting.set(url, attempt);
    }
    return attempt;
  }

  /** Connects and binds to one DC. */
  private async connect(url: string, connectTimeoutMs: number): Promise<Session> {
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    // Node checks the certificate against the host name or IP (an IP must be in the SAN); SNI only for names.
    const tlsOptions = { ca: [this.options.caPem], ...(isIP(host) ? {} : { servername: host }) };
    const client = new Client({
      url,
      // ldapts treats tlsOptions on the client as "connect with TLS", which breaks a plain connection meant for StartTLS.
      ...(this.options.startTls ? {} : { tlsOptions }),
      connectTimeout: Math.min(connectTimeoutMs, this.options.connectTimeoutMs),
      timeout: this.options.operationTimeoutMs,
    });
    try {
      if (this.options.startTls) await client.startTLS({ ...tlsOptions, host });
      await client.bind(this.options.bindDn, await this.bindPassword());
    } catch (error) {
      await client.unbind().catch(() => undefined);
      if (classifyLdapError(error) === 'result') {
        // A refused service bind is the same on every DC: report it rather than trying the others.
        throw new DirectoryOperationError(`service account bind refused by ${url}: ${describeLdapError(error)}`);
      }
      this.downUntil.set(url, Date.now() + DOWN_FOR_MS);
      throw new DirectoryUnavailableError(`${url}: ${describeLdapError(error)}`);
    }
    this.downUntil.delete(url);
    const session: Session = { client, url, lastUsedAt: Date.now() };
    this.sessions.set(url, session);
    return session;
  }

  private discard(session: Session): void {
    if (this.session === session) this.session = undefined;
    if (this.sessions.get(session.url) === session) this.sessions.delete(session.url);
    session.client.unbind().catch(() => undefined);
  }
}

/**
 * Walks a paged subtree search and keeps what `pick` returns for each entry; stops after the page during which the
 * deadline passed, and then says incomplete (also when that page was the last: conservative).
 */
async function scanUsersInPages<T>(
  client: Client,
  baseDn: string,
  query: { filter: string; attributes: string[]; pageSize: number; deadline: number },
  pick: (entry: Entry) => T | undefined,
): Promise<{ found: T[]; pages: number; complete: boolean }> {
  const found: T[] = [];
  let pages = 0;
  const search = client.searchPaginated(baseDn, {
    scope: 'sub',
    filter: query.filter,
    attributes: query.attributes,
    explicitBufferAttributes: BINARY_ATTRIBUTES,
    paged: { pageSize: query.pageSize },
  });
  for await (const page of search) {
    pages += 1;
    for (const entry of page.searchEntries) {
      const picked = pick(entry);
      if (picked !== undefined) found.push(picked);
    }
    if (Date.now() >= query.deadline) return { found, pages, complete: false };
  }
  return { found, pages, complete: true };
}

function alive(session: Session): boolean {
  return session.client.isConnected && session.client.isBound;
}

/** The DC's invocationId (from its NTDS Settings object), or undefined when the service account cannot read it. */
async function readInvocationId(client: Client, serviceDn: string): Promise<string | undefined> {
  try {
    const result = await client.search(serviceDn, {
      scope: 'base',
      attributes: ['invocationId'],
      explicitBufferAttributes: ['invocationId'],
    });
    const raw = result.searchEntries[0]?.['invocationId'];
    const bytes = Array.isArray(raw) ? raw[0] : raw;
    return Buffer.isBuffer(bytes) && bytes.length === 16 ? formatGuid(bytes) : undefined;
  } catch (error) {
    // Without an identity every scan is a full one, which is always correct.
    if (classifyLdapError(error) === 'result') return undefined;
    throw error;
  }
}

function replace(type: string, value: Buffer | string): Change {
  const modification =
    typeof value === 'string' ? new Attribute({ type, values: [value] }) : new Attribute({ type, values: [value] });
  return new Change({ operation: 'replace', modification });
}

/** Maps a failed reset to the named error, and makes sure the password appears nowhere in what is thrown. */
function scrubbed(error: unknown, password: string): Error {
  const clean = (message: string) => (password.length > 0 ? message.split(password).join('[redacted]') : message);
  if (error instanceof DirectoryUnavailableError) return new DirectoryUnavailableError(clean(error.message));
  if (error instanceof DirectoryOperationError) {
    const ldapError = error.cause;
    const code = resultCodeOf(ldapError);
    // 0000052D: the value broke the password policy (length, complexity, history, minimum age).
    if (code === 19 || (ldapError instanceof Error && ldapError.message.includes('0000052D'))) {
      return new PasswordRejectedError(clean(`AD rejected the new password: ${error.message}`));
    }
    if (code === 12) {
      // unavailableCriticalExtension: only the policy hints control is sent critical.
      return new DirectoryOperationError(
        clean(
          `the DC does not support the password policy hints control; turn LDAP_PASSWORD_POLICY_HINTS off for it (${error.message})`,
        ),
      );
    }
    return new DirectoryOperationError(clean(error.message));
  }
  if (error instanceof Error) return new DirectoryOperationError(clean(error.message));
  return new DirectoryOperationError('password reset failed');
}

/**
 * Names never contain control characters; refusing them here also avoids servers that end a value at an (escaped)
 * NUL byte and would match the prefix (Samba does).
 */
function plausibleName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return name.length > 0 && name.length <= 1024 && !/[\u0000-\u001f\u007f]/.test(name);
}

/** Overlapping or touching [from, to] ranges joined, in ascending order. */
function mergeRanges(ranges: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const merged: Array<[number, number]> = [];
  for (const [from, to] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

function toDirectoryUser(entry: Entry): DirectoryUser {
  const objectClasses = values(entry, 'objectClass').map((value) => value.toLowerCase());
  return {
    objectGuid: guidOf(entry),
    dn: entry.dn,
    samAccountName: text(entry, 'sAMAccountName') ?? '',
    userPrincipalName: text(entry, 'userPrincipalName'),
    displayName: text(entry, 'displayName'),
    mail: text(entry, 'mail'),
    userAccountControl: integer(entry, 'userAccountControl'),
    adminCount: integer(entry, 'adminCount'),
    accountExpires: text(entry, 'accountExpires') ?? '0',
    lockoutTime: text(entry, 'lockoutTime') ?? '0',
    isComputer: objectClasses.includes('computer'),
  };
}

function guidOf(entry: Entry): string {
  const raw = entry['objectGUID'];
  const bytes = Array.isArray(raw) ? raw[0] : raw;
  if (!Buffer.isBuffer(bytes)) throw new DirectoryOperationError(`entry ${entry.dn} has no objectGUID`);
  return formatGuid(bytes);
}

function values(entry: Entry, name: string): string[] {
  const raw = entry[name];
  if (raw === undefined) return [];
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  return list.map((value) => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value)));
}

/** The attributes that hold a password policy's settings: the domain head and a PSO name them differently. */
interface PolicyAttributes {
  minLength: string;
  complexity: string;
  historyLength: string;
  lockoutThreshold: string;
  lockoutDuration: string;
  lockoutObservationWindow: string;
  maxAge: string;
  minAge: string;
}

const DOMAIN_POLICY_ATTRIBUTES: PolicyAttributes = {
  minLength: 'minPwdLength',
  complexity: 'pwdProperties',
  historyLength: 'pwdHistoryLength',
  lockoutThreshold: 'lockoutThreshold',
  lockoutDuration: 'lockoutDuration',
  lockoutObservationWindow: 'lockOutObservationWindow',
  maxAge: 'maxPwdAge',
  minAge: 'minPwdAge',
};

const PSO_POLICY_ATTRIBUTES: PolicyAttributes = {
  minLength: 'msDS-MinimumPasswordLength',
  complexity: 'msDS-PasswordComplexityEnabled',
  historyLength: 'msDS-PasswordHistoryLength',
  lockoutThreshold: 'msDS-LockoutThreshold',
  lockoutDuration: 'msDS-LockoutDuration',
  lockoutObservationWindow: 'msDS-LockoutObservationWindow',
  maxAge: 'msDS-MaximumPasswordAge',
  minAge: 'msDS-MinimumPasswordAge',
};

/** A policy read from `entry`; complexity is passed in, because the two sources encode it differently. */
function passwordPolicyOf(
  entry: Entry,
  names: PolicyAttributes,
  complexity: boolean,
  source: PasswordPolicy['source'],
): PasswordPolicy {
  return {
    minLength: integer(entry, names.minLength),
    complexity,
    historyLength: integer(entry, names.historyLength),
    lockoutThreshold: integer(entry, names.lockoutThreshold),
    lockoutDurationSeconds: adDurationToSeconds(text(entry, names.lockoutDuration)),
    lockoutObservationWindowSeconds: adDurationToSeconds(text(entry, names.lockoutObservationWindow)),
    maxAgeSeconds: adDurationToSeconds(text(entry, names.maxAge)),
    minAgeSeconds: adDurationToSeconds(text(entry, names.minAge)),
    source,
  };
}

function policySourceOf(userEntry: Entry): PolicySource {
  const psoDn = text(userEntry, RESULTANT_PSO);
  return psoDn === undefined ? { kind: 'domain' } : { kind: 'pso', dn: psoDn };
}

/** `Staff` of `OU=Staff,DC=corp,…` (escaped commas and other escapes undone). */
function firstRdnValue(dn: string): string {
  const value = /^[^=]+=((?:\\.|[^,])*)/.exec(dn)?.[1] ?? dn;
  return value.replace(/\\(.)/g, '$1');
}

function text(entry: Entry, name: string): string | undefined {
  return values(entry, name)[0];
}

function integer(entry: Entry, name: string): number {
  const value = text(entry, name);
  if (value === undefined) return 0;
  const parsed = Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : 0;
}
