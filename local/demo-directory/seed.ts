import { toAdDuration, toFileTime } from './ad-time.js';
import { createEntry, demoGuid, encodeSid, type DirectoryEntry } from './entries.js';

/** The demo domain: names and the domain SID every seeded entry derives from. */
export const demoDomain = {
  baseDn: 'DC=corp,DC=example,DC=test',
  dnsName: 'corp.example.test',
  netbiosName: 'CORP',
  domainSid: 'S-1-5-21-1004336348-1177238915-682003330',
  serviceAccountDn: 'CN=svc-blink,OU=Service Accounts,DC=corp,DC=example,DC=test',
} as const;

/** The domain's password and lockout policy, on the domain root as AD keeps it. */
export const demoPolicy = {
  minPwdLength: 12,
  /** Bit 1: complexity on. */
  pwdProperties: 1,
  pwdHistoryLength: 24,
  lockoutThreshold: 5,
  lockoutDurationSeconds: 15 * 60,
  lockOutObservationWindowSeconds: 15 * 60,
  maxPwdAgeSeconds: 90 * 24 * 3600,
  minPwdAgeSeconds: 0,
} as const;

export interface DemoUser {
  samAccountName: string;
  displayName: string;
  password: string;
  /** What the demo user is for (printed at start and in the report). */
  role: string;
}

/** People of the demo directory with their passwords: documented, for local use only. */
export const demoUsers: readonly DemoUser[] = [
  { samAccountName: 'jane.doe', displayName: 'Jane Doe', password: 'Maple-Lantern-42', role: 'ordinary user' },
  { samAccountName: 'john.smith', displayName: 'John Smith', password: 'Cobalt-River-58', role: 'ordinary user' },
  {
    samAccountName: 'dave.locked',
    displayName: 'Dave Locked',
    password: 'Quiet-Meadow-63',
    role: 'locked out at start',
  },
  {
    samAccountName: 'alice.admin',
    displayName: 'Alice Admin',
    password: 'Granite-Falcon-27',
    role: 'Domain Admins member (protected)',
  },
  {
    samAccountName: 'bob.ops',
    displayName: 'Bob Ops',
    password: 'Amber-Compass-39',
    role: 'nested in Domain Admins via Tier0 Operators (protected)',
  },
  {
    samAccountName: 'carol.former',
    displayName: 'Carol Former',
    password: 'Silver-Orchard-84',
    role: 'disabled account',
  },
  {
    samAccountName: 'Administrator',
    displayName: 'Administrator',
    password: 'Harbor-Beacon-16',
    role: 'built-in administrator (RID 500)',
  },
  {
    samAccountName: 'tina.tech',
    displayName: 'Tina Tech',
    password: 'Copper-Kettle-71',
    role: 'admin portal: Blink Technicians member',
  },
  {
    samAccountName: 'adam.itadmin',
    displayName: 'Adam Itadmin',
    password: 'Violet-Harbor-35',
    role: 'admin portal: Blink Admins through IT Operations (nested)',
  },
];

const UF_NORMAL_ACCOUNT = 0x200;
const UF_ACCOUNTDISABLE = 0x2;
const UF_DONT_EXPIRE_PASSWD = 0x10000;
const UF_WORKSTATION_TRUST_ACCOUNT = 0x1000;
const NEVER_EXPIRES = '9223372036854775807';

export interface SeededDirectory {
  entries: DirectoryEntry[];
  /** Initial passwords by DN; the service account's is generated per start. */
  passwords: Map<string, string>;
}

const base = demoDomain.baseDn;
const usersOu = `OU=Staff,${base}`;
const sid = (rid: number) => encodeSid(`${demoDomain.domainSid}-${rid}`);

function container(dn: string, objectClass: string): DirectoryEntry {
  return createEntry(dn, {
    objectClass: ['top', objectClass],
    objectGUID: demoGuid(dn),
    name: dn.split(',')[0]?.split('=')[1] ?? '',
  });
}

function group(cn: string, parent: string, groupSid: Buffer, members: string[], adminCount = 0): DirectoryEntry {
  const dn = `CN=${cn},${parent}`;
  return createEntry(dn, {
    objectClass: ['top', 'group'],
    objectCategory: `CN=Group,CN=Schema,CN=Configuration,${base}`,
    cn,
    sAMAccountName: cn,
    objectGUID: demoGuid(dn),
    objectSid: groupSid,
    ...(members.length > 0 ? { member: members } : {}),
    ...(adminCount ? { adminCount: '1' } : {}),
  });
}

interface UserSpec {
  cn: string;
  parent: string;
  sam: string;
  rid: number;
  /** userAccountControl bits besides UF_NORMAL_ACCOUNT. */
  flags?: number;
  adminCount?: number;
  lockoutTime?: string;
  mail?: boolean;
}

function user(spec: UserSpec, now: Date): DirectoryEntry {
  const dn = `CN=${spec.cn},${spec.parent}`;
  const [given, ...rest] = spec.cn.split(' ');
  return createEntry(dn, {
    objectClass: ['top', 'person', 'organizationalPerson', 'user'],
    objectCategory: `CN=Person,CN=Schema,CN=Configuration,${base}`,
    cn: spec.cn,
    name: spec.cn,
    displayName: spec.cn,
    ...(given && rest.length > 0 ? { givenName: given, sn: rest.join(' ') } : {}),
    sAMAccountName: spec.sam,
    userPrincipalName: `${spec.sam}@${demoDomain.dnsName}`,
    ...(spec.mail === false ? {} : { mail: `${spec.sam.toLowerCase()}@${demoDomain.dnsName}` }),
    objectGUID: demoGuid(dn),
    objectSid: sid(spec.rid),
    primaryGroupID: '513',
    userAccountControl: String(UF_NORMAL_ACCOUNT | (spec.flags ?? 0)),
    adminCount: String(spec.adminCount ?? 0),
    accountExpires: NEVER_EXPIRES,
    pwdLastSet: toFileTime(now),
    lockoutTime: spec.lockoutTime ?? '0',
    badPwdCount: '0',
  });
}

/** The demo domain: containers, the protected groups (by their well-known SIDs), users and a computer. */
export function seedDirectory(now: Date, serviceAccountPassword: string): SeededDirectory {
  const userDn = (cn: string, parent = usersOu) => `CN=${cn},${parent}`;
  const root = createEntry(base, {
    objectClass: ['top', 'domain', 'domainDNS'],
    dc: 'corp',
    name: 'corp',
    objectGUID: demoGuid(base),
    objectSid: encodeSid(demoDomain.domainSid),
    minPwdLength: String(demoPolicy.minPwdLength),
    pwdProperties: String(demoPolicy.pwdProperties),
    pwdHistoryLength: String(demoPolicy.pwdHistoryLength),
    lockoutThreshold: String(demoPolicy.lockoutThreshold),
    lockoutDuration: toAdDuration(demoPolicy.lockoutDurationSeconds),
    lockOutObservationWindow: toAdDuration(demoPolicy.lockOutObservationWindowSeconds),
    maxPwdAge: toAdDuration(demoPolicy.maxPwdAgeSeconds),
    minPwdAge: toAdDuration(demoPolicy.minPwdAgeSeconds),
  });

  const builtin = `CN=Builtin,${base}`;
  const users = `CN=Users,${base}`;
  const groups = `OU=Groups,${base}`;
  const services = `OU=Service Accounts,${base}`;
  const computers = `OU=Computers,${base}`;
  const tier0 = `CN=Tier0 Operators,${groups}`;

  const staff: UserSpec[] = [
    { cn: 'Jane Doe', parent: usersOu, sam: 'jane.doe', rid: 1104 },
    { cn: 'John Smith', parent: usersOu, sam: 'john.smith', rid: 1105 },
    { cn: 'Dave Locked', parent: usersOu, sam: 'dave.locked', rid: 1106, lockoutTime: toFileTime(now) },
    { cn: 'Alice Admin', parent: usersOu, sam: 'alice.admin', rid: 1107, adminCount: 1 },
    // Nested into Domain Admins and not (yet) stamped with adminCount: only the in-chain check catches it.
    { cn: 'Bob Ops', parent: usersOu, sam: 'bob.ops', rid: 1108 },
    { cn: 'Carol Former', parent: usersOu, sam: 'carol.former', rid: 1109, flags: UF_ACCOUNTDISABLE },
    {
      cn: 'Administrator',
      parent: users,
      sam: 'Administrator',
      rid: 500,
      adminCount: 1,
      mail: false,
      flags: UF_DONT_EXPIRE_PASSWD,
    },
    { cn: 'krbtgt', parent: users, sam: 'krbtgt', rid: 502, adminCount: 1, mail: false, flags: UF_ACCOUNTDISABLE },
    { cn: 'Tina Tech', parent: usersOu, sam: 'tina.tech', rid: 1111 },
    { cn: 'Adam Itadmin', parent: usersOu, sam: 'adam.itadmin', rid: 1112 },
    { cn: 'svc-blink', parent: services, sam: 'svc-blink', rid: 1103, mail: false, flags: UF_DONT_EXPIRE_PASSWD },
  ];

  const workstation = createEntry(`CN=WS01,${computers}`, {
    objectClass: ['top', 'person', 'organizationalPerson', 'user', 'computer'],
    objectCategory: `CN=Computer,CN=Schema,CN=Configuration,${base}`,
    cn: 'WS01',
    sAMAccountName: 'WS01$',
    objectGUID: demoGuid(`CN=WS01,${computers}`),
    objectSid: sid(1110),
    primaryGroupID: '515',
    userAccountControl: String(UF_WORKSTATION_TRUST_ACCOUNT),
    adminCount: '0',
    accountExpires: NEVER_EXPIRES,
    lockoutTime: '0',
  });

  const entries = [
    root,
    container(builtin, 'builtinDomain'),
    container(users, 'container'),
    container(usersOu, 'organizationalUnit'),
    container(groups, 'organizationalUnit'),
    container(services, 'organizationalUnit'),
    container(computers, 'organizationalUnit'),
    ...staff.map((spec) => user(spec, now)),
    workstation,
    group(
      'Administrators',
      builtin,
      encodeSid('S-1-5-32-544'),
      [userDn('Administrator', users), `CN=Domain Admins,${users}`],
      1,
    ),
    group('Account Operators', builtin, encodeSid('S-1-5-32-548'), [], 1),
    group('Backup Operators', builtin, encodeSid('S-1-5-32-551'), [], 1),
    group('Domain Admins', users, sid(512), [userDn('Administrator', users), userDn('Alice Admin'), tier0], 1),
    group('Domain Users', users, sid(513), []),
    group('Schema Admins', users, sid(518), [userDn('Administrator', users)], 1),
    group('Enterprise Admins', users, sid(519), [userDn('Administrator', users)], 1),
    group('Tier0 Operators', groups, sid(1201), [userDn('Bob Ops')]),
    group('Blink Users', groups, sid(1202), [
      userDn('Jane Doe'),
      userDn('John Smith'),
      userDn('Dave Locked'),
      userDn('Carol Former'),
    ]),
    // The admin portal's roles: a technician directly, an admin through a nested group.
    group('Blink Technicians', groups, sid(1203), [userDn('Tina Tech')]),
    group('IT Operations', groups, sid(1204), [userDn('Adam Itadmin')]),
    group('Blink Admins', groups, sid(1205), [`CN=IT Operations,${groups}`]),
  ];

  const passwords = new Map<string, string>();
  for (const demoUser of demoUsers) {
    const spec = staff.find((candidate) => candidate.sam === demoUser.samAccountName);
    if (spec) passwords.set(`CN=${spec.cn},${spec.parent}`, demoUser.password);
  }
  passwords.set(demoDomain.serviceAccountDn, serviceAccountPassword);
  return { entries, passwords };
}
