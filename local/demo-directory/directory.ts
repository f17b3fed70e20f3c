import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { adDurationToMs, fileTimeToMs, toFileTime } from './ad-time.js';
import {
  BINARY_ATTRIBUTES,
  DN_ATTRIBUTES,
  encodeSid,
  firstText,
  hasObjectClass,
  integerOf,
  normalizeDn,
  parentOf,
  setValues,
  type DirectoryEntry,
  type StoredAttribute,
} from './entries.js';
import type { SearchFilter } from './filter.js';
import { demoDomain, seedDirectory } from './seed.js';

/** An LDAP result that is not success: code and the diagnostic message AD would send. */
export class LdapRefusal extends Error {
  constructor(
    readonly resultCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'LdapRefusal';
  }
}

export interface AttributeChange {
  operation: 'add' | 'delete' | 'replace';
  attribute: string;
  values: Buffer[];
}

const UF_ACCOUNTDISABLE = 0x2;
const UF_LOCKOUT = 0x10;
const UF_DONT_EXPIRE_PASSWD = 0x10000;
const UF_PASSWORD_EXPIRED = 0x800000;
const IN_CHAIN = '1.2.840.113556.1.4.1941';
const BIT_AND = '1.2.840.113556.1.4.803';
const BIT_OR = '1.2.840.113556.1.4.804';
const POLICY_HINTS = ['1.2.840.113556.1.4.2239', '1.2.840.113556.1.4.2066'];
const DOMAIN_ADMINS_DN = normalizeDn(`CN=Domain Admins,CN=Users,${demoDomain.baseDn}`);

/** Attributes AD constructs on read: returned only when asked for by name. */
const CONSTRUCTED = new Set(['msds-user-account-control-computed', 'msds-resultantpso']);

/** AD's bind failure text; the `data` sub-code says why (52e, 533, 701, 773, 775…). */
const bindFailure = (data: string) =>
  new LdapRefusal(49, `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data ${data}, v4563`);
const policyViolation = () =>
  new LdapRefusal(
    19,
    '0000052D: AtrErr: DSID-03191083, #1:\n\t0: 0000052D: DSID-03191083, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n',
  );
const unwilling = (detail: string) =>
  new LdapRefusal(53, `00002035: SvcErr: DSID-03190F80, problem 5003 (WILL_NOT_PERFORM), data 0 (${detail})`);
const insufficientRights = () =>
  new LdapRefusal(50, '00002098: SecErr: DSID-03150F94, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0');
export const bindRequired = () =>
  new LdapRefusal(
    1,
    '000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind must be completed on the connection., data 0, v4563',
  );
const noSuchObject = (dn: string) =>
  new LdapRefusal(
    32,
    `0000208D: NameErr: DSID-03100241, problem 2001 (NO_OBJECT), data 0, best match of:\n\t'${dn}'\n`,
  );

interface StoredPassword {
  salt: Buffer;
  hash: Buffer;
}

function hashPassword(password: string, salt: Buffer = randomBytes(16)): StoredPassword {
  return { salt, hash: scryptSync(password, salt, 32, { N: 1024 }) };
}

function passwordMatches(stored: StoredPassword | undefined, password: string): boolean {
  if (!stored) return false;
  return timingSafeEqual(stored.hash, hashPassword(password, stored.salt).hash);
}

/**
 * The demo Active Directory, in memory: entries, group graph, passwords (hashed), the domain policy, bad-password
 * counting and lockout, and the constructed attributes AD computes on read. Only the operations Blink's LDAP adapter
 * uses are modelled; it is a stand-in for trying the product, never for testing AD behaviour (that is Samba's job).
 */
export class DemoDirectory {
  readonly baseDn = demoDomain.baseDn;
  readonly serviceAccountDn = demoDomain.serviceAccountDn;
  private readonly entries = new Map<string, DirectoryEntry>();
  private readonly passwords = new Map<string, StoredPassword>();
  private readonly history = new Map<string, StoredPassword[]>();

  constructor(
    readonly serviceAccountPassword: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    const seeded = seedDirectory(this.now(), serviceAccountPassword);
    for (const entry of seeded.entries) this.entries.set(normalizeDn(entry.dn), entry);
    for (const [dn, password] of seeded.passwords) this.passwords.set(normalizeDn(dn), hashPassword(password));
  }

  get(dn: string): DirectoryEntry | undefined {
    return this.entries.get(normalizeDn(dn));
  }

  /** The DN a bind name stands for: a DN, a UPN (user@domain) or a down-level name (DOMAIN\user). */
  resolveBindName(name: string): string | undefined {
    const downLevel = /^([^\\@=,]+)\\([^\\@=,]+)$/.exec(name);
    if (downLevel) {
      if (downLevel[1]?.toUpperCase() !== demoDomain.netbiosName) return undefined;
      return this.findOne('samaccountname', downLevel[2] ?? '')?.dn;
    }
    if (!name.includes('=') && name.includes('@')) return this.findOne('userprincipalname', name)?.dn;
    return this.get(name)?.dn;
  }

  /** A simple bind, with AD's answers: bad password counting, lockout (775), disabled (533), must change (773)… */
  bind(dn: string, password: string): void {
    const key = normalizeDn(dn);
    const entry = this.entries.get(key);
    if (!entry || !hasObjectClass(entry, 'user') || password.length === 0) throw bindFailure('52e');
    const now = this.now().getTime();
    // A locked account is refused before the password is looked at (as AD does).
    if (this.isLocked(entry, now)) throw bindFailure('775');
    if (!passwordMatches(this.passwords.get(key), password)) {
      this.countBadPassword(entry, now);
      throw bindFailure('52e');
    }
    setValues(entry, 'badPwdCount', ['0']);
    const uac = integerOf(entry, 'userAccountControl');
    if (uac & UF_ACCOUNTDISABLE) throw bindFailure('533');
    const expires = fileTimeToMs(firstText(entry, 'accountExpires'));
    if (expires !== 0 && expires <= now) throw bindFailure('701');
    if (firstText(entry, 'pwdLastSet') === '0') throw bindFailure('773');
    if (this.passwordExpired(entry, now)) throw bindFailure('532');
    setValues(entry, 'lockoutTime', ['0']);
    setValues(entry, 'lastLogon', [toFileTime(new Date(now))]);
  }

  /** Entries under `base` in `scope` (0 base, 1 one level, 2 subtree) that match the filter, in tree order. */
  search(base: string, scope: number, filter: SearchFilter): DirectoryEntry[] {
    const baseKey = normalizeDn(base);
    if (!this.entries.has(baseKey)) throw noSuchObject(this.baseDn);
    const now = this.now().getTime();
    const inScope = [...this.entries.entries()].filter(([key]) => {
      if (scope === 0) return key === baseKey;
      if (scope === 1) return parentOf(key) === baseKey;
      return key === baseKey || key.endsWith(`,${baseKey}`);
    });
    return inScope.map(([, entry]) => entry).filter((entry) => this.matches(entry, filter, now));
  }

  /**
   * The attributes to send for an entry: all stored ones for none/`*`, the named ones otherwise (`1.1`: none).
   * Constructed attributes only when named. unicodePwd is never readable.
   */
  attributesFor(entry: DirectoryEntry, requested: string[]): StoredAttribute[] {
    const names = requested.map((name) => name.toLowerCase());
    if (names.length === 1 && names[0] === '1.1') return [];
    const all = names.length === 0 || names.includes('*');
    const result: StoredAttribute[] = [];
    const wanted = new Set(names);
    const keys = new Set([...(all ? entry.attributes.keys() : []), ...(all ? ['memberof'] : []), ...wanted]);
    for (const key of keys) {
      if (key === '*' || key === '1.1' || key === 'unicodepwd') continue;
      if (CONSTRUCTED.has(key) && !wanted.has(key)) continue;
      const values = this.valuesOf(entry, key, this.now().getTime());
      if (values.length === 0) continue;
      const original = requested.find((name) => name.toLowerCase() === key);
      result.push({ name: entry.attributes.get(key)?.name ?? original ?? key, values });
    }
    return result;
  }

  /**
   * An LDAP modify. The demo service account and Domain Admins may reset unicodePwd, and write pwdLastSet (0 or -1)
   * and lockoutTime (0 only), as the least-privilege delegation in active-directory.md allows. All changes apply or
   * none does.
   */
  modify(boundDn: string | undefined, targetDn: string, changes: AttributeChange[], controlOids: string[]): void {
    if (!boundDn) throw bindRequired();
    if (!this.mayWrite(boundDn)) throw insufficientRights();
    const key = normalizeDn(targetDn);
    const entry = this.entries.get(key);
    if (!entry) throw noSuchObject(this.baseDn);
    const now = this.now();
    const updates: Array<() => void> = [];
    for (const change of changes) {
      const attribute = change.attribute.toLowerCase();
      const value = change.values[0];
      if (change.operation !== 'replace' || change.values.length !== 1 || value === undefined) {
        throw unwilling(`the demo directory supports only single-value replace of ${change.attribute}`);
      }
      if (attribute === 'unicodepwd') {
        const password = this.checkNewPassword(
          entry,
          value,
          controlOids.some((oid) => POLICY_HINTS.includes(oid)),
        );
        const hashed = hashPassword(password);
        updates.push(() => {
          this.rememberPassword(key);
          this.passwords.set(key, hashed);
          setValues(entry, 'pwdLastSet', [toFileTime(now)]);
        });
      } else if (attribute === 'pwdlastset') {
        const text = value.toString('utf8');
        if (text !== '0' && text !== '-1') throw unwilling('pwdLastSet accepts only 0 or -1');
        updates.push(() => setValues(entry, 'pwdLastSet', [text === '0' ? '0' : toFileTime(now)]));
      } else if (attribute === 'lockouttime') {
        if (value.toString('utf8') !== '0') throw unwilling('lockoutTime accepts only 0');
        updates.push(() => {
          setValues(entry, 'lockoutTime', ['0']);
          setValues(entry, 'badPwdCount', ['0']);
        });
      } else {
        throw insufficientRights();
      }
    }
    for (const update of updates) update();
  }

  /** The accounts whose lockout is currently in force (for the console and tests). */
  lockedAccounts(): string[] {
    const now = this.now().getTime();
    return [...this.entries.values()].filter((entry) => this.isLocked(entry, now)).map((entry) => entry.dn);
  }

  private mayWrite(boundDn: string): boolean {
    const key = normalizeDn(boundDn);
    return key === normalizeDn(this.serviceAccountDn) || this.groupsOf(key, true).has(DOMAIN_ADMINS_DN);
  }

  private checkNewPassword(entry: DirectoryEntry, value: Buffer, enforceHistory: boolean): string {
    const quoted = value.toString('utf16le');
    if (value.length % 2 !== 0 || quoted.length < 2 || !quoted.startsWith('"') || !quoted.endsWith('"')) {
      throw unwilling('unicodePwd must be the quoted password in UTF-16LE');
    }
    const password = quoted.slice(1, -1);
    const root = this.entries.get(normalizeDn(this.baseDn));
    const minLength = root ? integerOf(root, 'minPwdLength') : 0;
    if ([...password].length < minLength) throw policyViolation();
    if (root && (integerOf(root, 'pwdProperties') & 1) === 1 && !isComplex(password, entry)) throw policyViolation();
    if (enforceHistory) {
      const historyLength = root ? integerOf(root, 'pwdHistoryLength') : 0;
      const key = normalizeDn(entry.dn);
      const previous = [this.passwords.get(key), ...(this.history.get(key) ?? [])].slice(0, historyLength);
      if (previous.some((stored) => passwordMatches(stored, password))) throw policyViolation();
    }
    return password;
  }

  private rememberPassword(key: string): void {
    const current = this.passwords.get(key);
    if (!current) return;
    this.history.set(key, [current, ...(this.history.get(key) ?? [])].slice(0, 24));
  }

  private policyMs(name: string): number {
    const root = this.entries.get(normalizeDn(this.baseDn));
    return root ? adDurationToMs(firstText(root, name)) : 0;
  }

  private isLocked(entry: DirectoryEntry, now: number): boolean {
    const lockedAt = fileTimeToMs(firstText(entry, 'lockoutTime'));
    if (lockedAt === 0) return false;
    const duration = this.policyMs('lockoutDuration');
    return duration === 0 || lockedAt + duration > now;
  }

  private passwordExpired(entry: DirectoryEntry, now: number): boolean {
    if (integerOf(entry, 'userAccountControl') & UF_DONT_EXPIRE_PASSWD) return false;
    const setAt = firstText(entry, 'pwdLastSet');
    if (setAt === '0') return true;
    const maxAge = this.policyMs('maxPwdAge');
    return maxAge !== 0 && fileTimeToMs(setAt) + maxAge <= now;
  }

  private countBadPassword(entry: DirectoryEntry, now: number): void {
    const root = this.entries.get(normalizeDn(this.baseDn));
    const threshold = root ? integerOf(root, 'lockoutThreshold') : 0;
    const lastBad = fileTimeToMs(firstText(entry, 'badPasswordTime'));
    const window = this.policyMs('lockOutObservationWindow');
    const count = lastBad !== 0 && lastBad + window > now ? integerOf(entry, 'badPwdCount') + 1 : 1;
    setValues(entry, 'badPwdCount', [String(count)]);
    setValues(entry, 'badPasswordTime', [toFileTime(new Date(now))]);
    if (threshold > 0 && count >= threshold) setValues(entry, 'lockoutTime', [toFileTime(new Date(now))]);
  }

  private findOne(attribute: string, value: string): DirectoryEntry | undefined {
    const matches = [...this.entries.values()].filter((entry) =>
      (entry.attributes.get(attribute)?.values ?? []).some(
        (candidate) => candidate.toString().toLowerCase() === value.toLowerCase(),
      ),
    );
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Groups whose `member` holds the entry: direct only, or the whole chain. Keys are normalized DNs. */
  private groupsOf(key: string, transitive: boolean): Set<string> {
    const found = new Set<string>();
    const queue = [key];
    while (queue.length > 0) {
      const current = queue.shift() ?? '';
      for (const [groupKey, group] of this.entries) {
        if (found.has(groupKey)) continue;
        const members = group.attributes.get('member')?.values ?? [];
        if (members.some((member) => normalizeDn(member.toString()) === current)) {
          found.add(groupKey);
          if (transitive) queue.push(groupKey);
        }
      }
    }
    return found;
  }

  /** Members of a group, direct or through nested groups (normalized DNs). */
  private membersOf(groupKey: string): Set<string> {
    const found = new Set<string>();
    const queue = [groupKey];
    while (queue.length > 0) {
      const members = this.entries.get(queue.shift() ?? '')?.attributes.get('member')?.values ?? [];
      for (const member of members) {
        const memberKey = normalizeDn(member.toString());
        if (found.has(memberKey)) continue;
        found.add(memberKey);
        queue.push(memberKey);
      }
    }
    return found;
  }

  /** Stored values, or the ones AD constructs (memberOf, msDS-User-Account-Control-Computed, msDS-UserPasswordExpiryTimeComputed). */
  private valuesOf(entry: DirectoryEntry, key: string, now: number): Array<string | Buffer> {
    if (key === 'memberof') {
      return [...this.groupsOf(normalizeDn(entry.dn), false)].map(
        (groupKey) => this.entries.get(groupKey)?.dn ?? groupKey,
      );
    }
    if (key === 'msds-user-account-control-computed') {
      if (!hasObjectClass(entry, 'user')) return [];
      let computed = 0;
      if (this.isLocked(entry, now)) computed |= UF_LOCKOUT;
      if (this.passwordExpired(entry, now)) computed |= UF_PASSWORD_EXPIRED;
      return [String(computed)];
    }
    if (key === 'msds-userpasswordexpirytimecomputed') {
      if (!hasObjectClass(entry, 'user')) return [];
      // As AD: "never" for never-expiring passwords and a domain without a maximum age, 0 for must-change.
      const setAt = firstText(entry, 'pwdLastSet');
      const maxAge = this.policyMs('maxPwdAge');
      if (integerOf(entry, 'userAccountControl') & UF_DONT_EXPIRE_PASSWD || maxAge === 0)
        return ['9223372036854775807'];
      return [setAt === '0' || setAt === undefined ? '0' : toFileTime(new Date(fileTimeToMs(setAt) + maxAge))];
    }
    return entry.attributes.get(key)?.values ?? [];
  }

  private matches(entry: DirectoryEntry, filter: SearchFilter, now: number): boolean {
    switch (filter.kind) {
      case 'and':
        return filter.filters.every((inner) => this.matches(entry, inner, now));
      case 'or':
        return filter.filters.some((inner) => this.matches(entry, inner, now));
      case 'not':
        return !this.matches(entry, filter.filter, now);
      case 'present':
        return (
          filter.attribute.toLowerCase() === 'objectclass' ||
          this.valuesOf(entry, filter.attribute.toLowerCase(), now).length > 0
        );
      case 'equal':
      case 'approx':
        return this.valuesOf(entry, filter.attribute.toLowerCase(), now).some((value) =>
          valueEquals(filter.attribute.toLowerCase(), value, filter.value),
        );
      case 'greaterOrEqual':
      case 'lessOrEqual': {
        const sign = filter.kind === 'greaterOrEqual' ? 1 : -1;
        return this.valuesOf(entry, filter.attribute.toLowerCase(), now).some(
          (value) => sign * compareOrdered(value.toString(), filter.value.toString('utf8')) >= 0,
        );
      }
      case 'substrings':
        return this.valuesOf(entry, filter.attribute.toLowerCase(), now).some((value) =>
          substringsMatch(value.toString(), filter),
        );
      case 'extensible':
        return this.extensibleMatches(entry, filter, now);
    }
  }

  private extensibleMatches(
    entry: DirectoryEntry,
    filter: Extract<SearchFilter, { kind: 'extensible' }>,
    now: number,
  ): boolean {
    const attribute = filter.attribute?.toLowerCase() ?? '';
    const assertion = filter.value.toString('utf8');
    if (filter.rule === IN_CHAIN) {
      const target = normalizeDn(assertion);
      if (attribute === 'memberof') return this.groupsOf(normalizeDn(entry.dn), true).has(target);
      if (attribute === 'member') return this.membersOf(normalizeDn(entry.dn)).has(target);
      return false;
    }
    if (filter.rule === BIT_AND || filter.rule === BIT_OR) {
      const mask = BigInt(/^-?\d+$/.test(assertion) ? assertion : '0');
      return this.valuesOf(entry, attribute, now).some((value) => {
        const text = value.toString();
        if (!/^-?\d+$/.test(text)) return false;
        const bits = BigInt(text) & mask;
        return filter.rule === BIT_AND ? bits === mask : bits !== 0n;
      });
    }
    return false;
  }
}

function valueEquals(attribute: string, stored: string | Buffer, assertion: Buffer): boolean {
  if (BINARY_ATTRIBUTES.has(attribute)) {
    const asText = assertion.toString('utf8');
    // AD also matches objectSid against the string form of a SID.
    const expected =
      attribute === 'objectsid' && /^S-1-\d+(-\d+)+$/i.test(asText) ? encodeSid(asText.toUpperCase()) : assertion;
    return Buffer.isBuffer(stored) && stored.equals(expected);
  }
  const asserted = assertion.toString('utf8');
  if (DN_ATTRIBUTES.has(attribute)) {
    const storedDn = normalizeDn(stored.toString());
    // objectCategory=person is AD's shorthand for the category's DN.
    if (attribute === 'objectcategory' && !asserted.includes('='))
      return storedDn.startsWith(`cn=${asserted.toLowerCase()},`);
    return storedDn === normalizeDn(asserted);
  }
  return stored.toString().toLowerCase() === asserted.toLowerCase();
}

function compareOrdered(stored: string, asserted: string): number {
  if (/^-?\d+$/.test(stored) && /^-?\d+$/.test(asserted)) {
    const difference = BigInt(stored) - BigInt(asserted);
    return difference === 0n ? 0 : difference > 0n ? 1 : -1;
  }
  return stored.toLowerCase().localeCompare(asserted.toLowerCase());
}

function substringsMatch(stored: string, filter: Extract<SearchFilter, { kind: 'substrings' }>): boolean {
  let rest = stored.toLowerCase();
  const initial = filter.initial?.toString('utf8').toLowerCase();
  if (initial !== undefined) {
    if (!rest.startsWith(initial)) return false;
    rest = rest.slice(initial.length);
  }
  for (const part of filter.any) {
    const needle = part.toString('utf8').toLowerCase();
    const index = rest.indexOf(needle);
    if (index < 0) return false;
    rest = rest.slice(index + needle.length);
  }
  const final = filter.final?.toString('utf8').toLowerCase();
  return final === undefined || rest.endsWith(final);
}

/** AD complexity: three of upper, lower, digit, other; and not the account name or a 3+ character name token. */
function isComplex(password: string, entry: DirectoryEntry): boolean {
  const categories = [/\p{Lu}/u, /\p{Ll}/u, /\p{Nd}/u, /[^\p{Lu}\p{Ll}\p{Nd}]/u].filter((pattern) =>
    pattern.test(password),
  ).length;
  if (categories < 3) return false;
  const lower = password.toLowerCase();
  const sam = firstText(entry, 'sAMAccountName')?.toLowerCase() ?? '';
  if (sam.length >= 3 && lower.includes(sam)) return false;
  const tokens = (firstText(entry, 'displayName') ?? '').split(/[,.\-_ #\t]+/).filter((token) => token.length >= 3);
  return !tokens.some((token) => lower.includes(token.toLowerCase()));
}
