import { randomUUID } from 'node:crypto';
import { Attribute, Change, Client, InsufficientAccessError, InvalidCredentialsError } from 'ldapts';
import { LdapDirectory } from '../../shared/adapters/ldap/index.js';
import { DirectoryUnavailableError, PasswordRejectedError } from '../../shared/domain/errors.js';
import type { DirectoryUser } from '../../shared/ports/directory.js';
import { createDemoCertificates } from '../../local/demo-directory/certificates.js';
import { startDemoDirectory, type DemoDirectoryServer } from '../../local/demo-directory/server.js';
import { demoUsers } from '../../local/demo-directory/seed.js';

// The demo directory of `npm start` must serve what the LDAP adapter asks for, over LDAPS verified against the CA the
// runtime generates. This checks the local runtime's stand-in only: real AD behaviour is tested against Samba.

const passwordOf = (samAccountName: string) =>
  demoUsers.find((user) => user.samAccountName === samAccountName)?.password ?? '';

describe('demo directory served to the LdapDirectory adapter', () => {
  let demo: DemoDirectoryServer;
  let directory: LdapDirectory;
  const clients: Client[] = [];

  const adapterFor = (caPem: string) =>
    new LdapDirectory({
      urls: [demo.url],
      baseDn: demo.baseDn,
      bindDn: demo.bindDn,
      bindPassword: demo.bindPassword,
      caPem,
      startTls: false,
      connectTimeoutMs: 2_000,
      operationTimeoutMs: 2_000,
    });

  const userClient = () => {
    const client = new Client({
      url: demo.url,
      tlsOptions: { ca: [demo.caPem] },
      timeout: 2_000,
      connectTimeout: 2_000,
    });
    clients.push(client);
    return client;
  };

  const findUser = async (samAccountName: string): Promise<DirectoryUser> => {
    const user = await directory.findUserBySamAccountName(samAccountName);
    if (!user) throw new Error(`demo user ${samAccountName} not found`);
    return user;
  };

  beforeAll(async () => {
    demo = await startDemoDirectory();
    directory = adapterFor(demo.caPem);
  });

  afterAll(async () => {
    for (const client of clients) await client.unbind().catch(() => undefined);
    await directory?.close();
    await demo?.stop();
  });

  it('answers the health check over LDAPS verified with the generated CA', async () => {
    await expect(directory.checkHealth()).resolves.toEqual({ url: demo.url });
  });

  it('refuses a client that trusts another CA', async () => {
    const other = adapterFor((await createDemoCertificates()).caPem);
    try {
      await expect(other.checkHealth()).rejects.toThrow(DirectoryUnavailableError);
      await expect(other.checkHealth()).rejects.toThrow(/certificate/i);
    } finally {
      await other.close();
    }
  });

  it('finds a user by sAMAccountName, userPrincipalName and binary objectGUID', async () => {
    const jane = await findUser('jane.doe');
    expect(jane).toMatchObject({
      dn: 'CN=Jane Doe,OU=Staff,DC=corp,DC=example,DC=test',
      samAccountName: 'jane.doe',
      userPrincipalName: 'jane.doe@corp.example.test',
      displayName: 'Jane Doe',
      mail: 'jane.doe@corp.example.test',
      userAccountControl: 0x200,
      adminCount: 0,
      lockoutTime: '0',
      isComputer: false,
    });
    expect(jane.objectGuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await directory.findUserByUserPrincipalName('JANE.DOE@corp.example.test'))?.objectGuid).toBe(
      jane.objectGuid,
    );
    expect((await directory.findUserByGuid(jane.objectGuid))?.samAccountName).toBe('jane.doe');
    expect(await directory.findUserByGuid(randomUUID())).toBeUndefined();
    // Bytes that look like truncated UTF-8 (a lead byte at the end) once made ldapjs drop the connection.
    for (const guid of [
      '00000000-0000-0000-0000-0000000000c3',
      'ffffffff-ffff-ffff-ffff-ffffffffffe2',
      '00000000-0000-0000-c3e2-000000000000',
    ]) {
      await expect(directory.findUserByGuid(guid)).resolves.toBeUndefined();
    }
  });

  it('treats filter metacharacters in a name as data', async () => {
    await expect(directory.findUserBySamAccountName('*')).resolves.toBeUndefined();
    await expect(directory.findUserBySamAccountName('jane.doe)(sAMAccountName=*')).resolves.toBeUndefined();
  });

  it('reads the domain password policy from the domain root', async () => {
    const policy = await directory.readDomainPolicy();
    expect(policy).toEqual({
      minLength: 12,
      complexity: true,
      historyLength: 24,
      lockoutThreshold: 5,
      lockoutDurationSeconds: 900,
      lockoutObservationWindowSeconds: 900,
      maxAgeSeconds: 90 * 24 * 3600,
      minAgeSeconds: 0,
      source: { kind: 'domain' },
    });
    expect(await directory.readEffectivePolicy(await findUser('jane.doe'))).toEqual(policy);
  });

  it('evaluates nested group membership (1.2.840.113556.1.4.1941) for protection and listings', async () => {
    expect(await directory.isProtected(await findUser('jane.doe'))).toBe(false);
    expect(await directory.isProtected(await findUser('alice.admin'))).toBe(true);
    // bob.ops has adminCount 0 and is only in Domain Admins through a nested group.
    expect(await directory.isProtected(await findUser('bob.ops'))).toBe(true);
    expect(await directory.isProtected(await findUser('Administrator'))).toBe(true);
    const members = (await directory.listGroupMembers('Domain Admins')).map((user) => user.samAccountName).sort();
    expect(members).toEqual(['Administrator', 'alice.admin', 'bob.ops']);
    const staff = await directory.listUsersInOu('OU=Staff,DC=corp,DC=example,DC=test');
    expect(staff.map((user) => user.samAccountName)).toContain('carol.former');
    expect(staff.every((user) => user.dn.endsWith(',OU=Staff,DC=corp,DC=example,DC=test'))).toBe(true);
  });

  it('resets a password within the policy and refuses one below the minimum length (LDAP 19, 0000052D)', async () => {
    const john = await findUser('john.smith');
    await expect(directory.resetPassword(john, 'Short-1a', { forceChange: false, unlock: false })).rejects.toThrow(
      PasswordRejectedError,
    );
    // The old password still works: nothing was written.
    await expect(userClient().bind('john.smith@corp.example.test', passwordOf('john.smith'))).resolves.toBeUndefined();

    const newPassword = `Blue-Harbor-${randomUUID().slice(0, 8)}`;
    await directory.resetPassword(john, newPassword, { forceChange: false, unlock: false });
    await expect(userClient().bind(john.dn, passwordOf('john.smith'))).rejects.toThrow(InvalidCredentialsError);
    await expect(userClient().bind(john.dn, newPassword)).resolves.toBeUndefined();
    await expect(userClient().bind('CORP\\john.smith', newPassword)).resolves.toBeUndefined();

    // Must change at next logon: AD answers the bind with data 773.
    await directory.resetPassword(john, `${newPassword}-2`, { forceChange: true, unlock: false });
    await expect(userClient().bind(john.dn, `${newPassword}-2`)).rejects.toThrow(/data 773/);
  });

  it('refuses disabled accounts, anonymous searches and writes by ordinary users', async () => {
    await expect(userClient().bind('carol.former@corp.example.test', passwordOf('carol.former'))).rejects.toThrow(
      /data 533/,
    );
    await expect(userClient().search(demo.baseDn, { filter: '(sAMAccountName=jane.doe)' })).rejects.toThrow(/000004DC/);

    const jane = userClient();
    await jane.bind('jane.doe@corp.example.test', passwordOf('jane.doe'));
    const unlockDave = new Change({
      operation: 'replace',
      modification: new Attribute({ type: 'lockoutTime', values: ['0'] }),
    });
    await expect(jane.modify('CN=Dave Locked,OU=Staff,DC=corp,DC=example,DC=test', unlockDave)).rejects.toThrow(
      InsufficientAccessError,
    );
    expect(await directory.isLockedOut(await findUser('dave.locked'))).toBe(true);

    // A later anonymous bind drops the earlier identity.
    await expect(jane.search(demo.baseDn, { filter: '(sAMAccountName=jane.doe)' })).resolves.toBeDefined();
    await jane.bind('', '');
    await expect(jane.search(demo.baseDn, { filter: '(sAMAccountName=jane.doe)' })).rejects.toThrow(/000004DC/);
  });

  it('locks an account after the threshold of bad binds (data 775), reports it, and unlocks it', async () => {
    const jane = await findUser('jane.doe');
    const client = userClient();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await expect(client.bind(jane.dn, 'wrong-password')).rejects.toThrow(/data 52e/);
    }
    // Locked now: even the right password is refused with 775.
    await expect(client.bind('jane.doe@corp.example.test', passwordOf('jane.doe'))).rejects.toThrow(/data 775/);
    expect(await directory.isLockedOut(jane)).toBe(true);
    const scan = await directory.scanLockedAccounts({ pageSize: 1, timeBudgetMs: 5_000 });
    expect(scan.complete).toBe(true);
    expect(scan.pages).toBeGreaterThanOrEqual(2);
    expect(scan.locked.map((account) => account.samAccountName).sort()).toEqual(['dave.locked', 'jane.doe']);

    await directory.unlock(jane);
    expect(await directory.isLockedOut(jane)).toBe(false);
    await expect(client.bind(jane.dn, passwordOf('jane.doe'))).resolves.toBeUndefined();
  });
});
