import { execFileSync } from 'node:child_process';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { DirectoryOperationError, DirectoryUnavailableError } from '../../shared/domain/errors.js';
import { createTestUser, directoryOptions, getSambaConnection, testPassword, tryBind } from './support/samba.js';

/** A loopback TCP relay to the DC's LDAPS port that counts connections and can drop or stall them. */
class Relay {
  connections = 0;
  /** New and existing connections go silent: a DC that hangs. */
  stalled = false;
  private readonly sockets = new Set<Socket>();
  private readonly silenced = new Set<Socket>();
  private readonly server: Server;

  constructor(targetPort: number) {
    this.server = createServer((client) => {
      this.connections += 1;
      if (this.stalled) {
        this.track(client);
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      this.track(client);
      this.track(upstream);
      const forwarding = () => !this.stalled && !this.silenced.has(client);
      client.on('data', (chunk: Buffer) => {
        if (forwarding()) upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (forwarding()) client.write(chunk);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `ldaps://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The connections open now go silent without closing (a connection the DC forgot); new ones still work. */
  silenceExisting(): void {
    for (const socket of this.sockets) this.silenced.add(socket);
  }

  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback port that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function unrelatedCaPem(): string {
  return execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=Unrelated CA',
      '-keyout',
      '/dev/null',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
}

async function failureOf(action: Promise<unknown>): Promise<Error> {
  const outcome = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the call to fail');
  return outcome;
}

// Transport behaviour against the real DC: TLS verification, failover, timeouts, connection reuse.
describe('LdapDirectory connections to Samba AD', () => {
  const connection = getSambaConnection();
  const relays: Relay[] = [];
  const directories: LdapDirectory[] = [];

  async function relay(): Promise<{ relay: Relay; url: string }> {
    const created = new Relay(636);
    relays.push(created);
    return { relay: created, url: await created.listen() };
  }

  function directory(overrides: Parameters<typeof directoryOptions>[0] = {}): LdapDirectory {
    const created = new LdapDirectory(directoryOptions(overrides));
    directories.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(directories.splice(0).map((created) => created.close()));
    await Promise.all(relays.splice(0).map((created) => created.close()));
  });

  it('fails over: a dead first DC is skipped and the second one serves', async () => {
    const dead = `ldaps://127.0.0.1:${await closedPort()}`;
    const ldap = directory({ urls: [dead, 'ldaps://127.0.0.1:636'] });

    await expect(ldap.checkHealth()).resolves.toEqual({ url: 'ldaps://127.0.0.1:636' });
    await expect(ldap.findUserBySamAccountName('alice.martin')).resolves.toMatchObject({
      samAccountName: 'alice.martin',
    });
  });

  it('reports DirectoryUnavailableError when no DC answers', async () => {
    const ldap = directory({
      urls: [`ldaps://127.0.0.1:${await closedPort()}`, `ldaps://127.0.0.1:${await closedPort()}`],
    });

    const error = await failureOf(ldap.findUserBySamAccountName('alice.martin'));

    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect(error.message).toMatch(/no domain controller answered.*ECONNREFUSED.*ECONNREFUSED/);
  });

  it('gives up on a DC that accepts TCP but never answers, within the connect timeout', async () => {
    const { relay: hanging, url } = await relay();
    hanging.stalled = true;
    const ldap = directory({ urls: [url], connectTimeoutMs: 300 });

    const started = Date.now();
    const error = await failureOf(ldap.checkHealth());
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(2000);
  });

  it('times out an operation on a connection that stops answering', async () => {
    const { relay: flaky, url } = await relay();
    const ldap = directory({ urls: [url], connectTimeoutMs: 300, operationTimeoutMs: 400 });
    await ldap.checkHealth();
    flaky.stalled = true;

    const started = Date.now();
    const error = await failureOf(ldap.findUserBySamAccountName('alice.martin'));

    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    // One operation timeout, then one failed reconnect (connect timeout), then the error.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('keeps one bound connection across calls, and replaces it when the DC drops it', async () => {
    const { relay: counting, url } = await relay();
    const ldap = directory({ urls: [url] });

    await ldap.checkHealth();
    const alice = await ldap.findUserBySamAccountName('alice.martin');
    if (!alice) throw new Error('alice missing');
    await ldap.isLockedOut(alice);
    await ldap.readEffectivePolicy(alice);
    await ldap.isProtected(alice);
    expect(counting.connections).toBe(1);

    counting.dropAll();
    await expect(ldap.findUserBySamAccountName('bob.nguyen')).resolves.toMatchObject({ samAccountName: 'bob.nguyen' });
    expect(counting.connections).toBe(2);
  });

  it('probes an idle kept connection before a write, so a silently dead one does not fail the write', async () => {
    const { relay: forgetful, url } = await relay();
    const ldap = directory({ urls: [url], idleProbeAfterMs: 0, operationTimeoutMs: 400 });
    const created = await createTestUser('probe');
    const user = await ldap.findUserBySamAccountName(created.samAccountName);
    if (!user) throw new Error('test user missing');
    forgetful.silenceExisting();

    await ldap.unlock(user);

    expect(forgetful.connections).toBe(2);
  });

  it('does not repeat a write whose connection died under it', async () => {
    const { relay: forgetful, url } = await relay();
    const ldap = directory({ urls: [url], operationTimeoutMs: 400 });
    const created = await createTestUser('norepeat');
    const user = await ldap.findUserBySamAccountName(created.samAccountName);
    if (!user) throw new Error('test user missing');
    forgetful.silenceExisting();

    await expect(ldap.unlock(user)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    expect(forgetful.connections).toBe(1);
  });

  it('verifies the server certificate: an unrelated CA is refused', async () => {
    const ldap = directory({ caPem: unrelatedCaPem() });

    const error = await failureOf(ldap.checkHealth());

    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect(error.message).toMatch(/TLS certificate verification failed/);
  });

  it('verifies the host name: a name that is not in the certificate is refused', async () => {
    // The certificate names localhost, 127.0.0.1 and dc1.corp.example.test, not ::1.
    const ldap = directory({ urls: ['ldaps://[::1]:636'] });

    const error = await failureOf(ldap.checkHealth());

    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect(error.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    await expect(directory({ urls: ['ldaps://localhost:636'] }).checkHealth()).resolves.toEqual({
      url: 'ldaps://localhost:636',
    });
  });

  it('works over StartTLS on 389, including a password reset (which AD allows only encrypted)', async () => {
    const ldap = directory({ urls: [connection.startTlsUrl], startTls: true });
    const created = await createTestUser('stls');
    const user = await ldap.findUserBySamAccountName(created.samAccountName);
    if (!user) throw new Error('test user missing');
    const newPassword = testPassword();

    await ldap.resetPassword(user, newPassword, { forceChange: false, unlock: false });

    await expect(tryBind(created.dn, newPassword)).resolves.toBe('ok');
  });

  it('asks an async password provider for the bind password', async () => {
    const provider = jest.fn(() => Promise.resolve(connection.bindPassword));
    const ldap = directory({ bindPassword: provider });

    await ldap.checkHealth();

    expect(provider).toHaveBeenCalledTimes(1);
  });

  it('reports a refused service bind as a final error without trying the other DCs', async () => {
    const { relay: second, url } = await relay();
    const ldap = directory({ urls: ['ldaps://127.0.0.1:636', url], bindPassword: 'Not-The-Password-1' });

    const error = await failureOf(ldap.checkHealth());

    expect(error).toBeInstanceOf(DirectoryOperationError);
    expect(error.message).toMatch(/service account bind refused/);
    expect(error.message).not.toContain('Not-The-Password-1');
    expect(second.connections).toBe(0);
  });
});
