import { randomBytes } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { createDemoCertificates } from './certificates.js';
import { bindRequired, DemoDirectory, LdapRefusal } from './directory.js';
import {
  decodedSearch,
  keepRawSearchFilters,
  ldap,
  silentLog,
  type LdapBindRequest,
  type LdapModifyRequest,
  type LdapResponse,
  type LdapSearchRequest,
} from './ldapjs-api.js';
import { demoDomain } from './seed.js';

export interface DemoDirectoryServer {
  /** ldaps://127.0.0.1:PORT */
  url: string;
  baseDn: string;
  bindDn: string;
  bindPassword: string;
  /** PEM of the CA that signed the server certificate. */
  caPem: string;
  directory: DemoDirectory;
  stop(): Promise<void>;
}

const PAGED_RESULTS = '1.2.840.113556.1.4.319';

/**
 * Serves the demo directory over LDAPS on 127.0.0.1 (ldapjs 3), with a certificate from a CA generated at start.
 * The service account's password is generated per start and handed to the runtime in memory.
 */
export async function startDemoDirectory(options: { port?: number } = {}): Promise<DemoDirectoryServer> {
  keepRawSearchFilters();
  const certificates = await createDemoCertificates();
  const bindPassword = randomBytes(18).toString('base64url');
  const directory = new DemoDirectory(bindPassword);
  const boundDns = new WeakMap<TLSSocket, string>();
  const sockets = new Set<TLSSocket>();

  const server = ldap.createServer({
    certificate: certificates.certificatePem,
    key: certificates.keyPem,
    log: silentLog,
    connectionRouter: (socket) => {
      // Without this every search answer waits ~40 ms for Nagle's algorithm.
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      server.newConnection(socket);
      // Any bind (also an anonymous one, which ldapjs answers itself) first drops the connection's identity.
      watchBinds(socket, directory, () => boundDns.delete(socket));
    },
  });
  server.on('error', () => undefined);
  server.on('clientError', () => undefined);

  server.bind('', (request: LdapBindRequest, response: LdapResponse, next: () => void) => {
    answer(response, next, () => {
      const dn = request.dn.toString();
      directory.bind(dn, request.credentials);
      boundDns.set(request.connection, dn);
    });
  });

  server.search('', (request: LdapSearchRequest, response: LdapResponse, next: () => void) => {
    answer(response, next, () => {
      const decoded = decodedSearch(request);
      if (!decoded) throw new LdapRefusal(2, 'the demo directory could not decode the search request');
      if (decoded.baseObject === '' && decoded.scope === 0) {
        response.send(rootDse(response.messageId));
        return;
      }
      if (!boundDns.has(request.connection)) throw bindRequired();
      let matches = directory.search(decoded.baseObject, decoded.scope, decoded.filter);
      const paging = request.controls.find((control) => control.type === PAGED_RESULTS);
      if (paging) {
        const offset = paging.value?.cookie?.length ? Number(paging.value.cookie.toString('utf8')) : 0;
        const size = paging.value?.size || matches.length;
        const page = matches.slice(offset, offset + size);
        const nextOffset = offset + page.length;
        const cookie = nextOffset < matches.length ? Buffer.from(String(nextOffset), 'utf8') : Buffer.alloc(0);
        response.controls = [new ldap.PagedResultsControl({ value: { size: 0, cookie } })];
        matches = page;
      }
      const limited = decoded.sizeLimit > 0 && matches.length > decoded.sizeLimit;
      for (const entry of limited ? matches.slice(0, decoded.sizeLimit) : matches) {
        const attributes = directory
          .attributesFor(entry, request.attributes)
          .map((attribute) => new ldap.Attribute({ type: attribute.name, values: attribute.values }));
        response.send(new ldap.SearchEntry({ messageId: response.messageId, objectName: entry.dn, attributes }));
      }
      if (limited) throw new LdapRefusal(4, 'Size limit exceeded');
    });
  });

  server.modify('', (request: LdapModifyRequest, response: LdapResponse, next: () => void) => {
    answer(response, next, () => {
      const changes = request.changes.map((change) => ({
        operation: change.operation,
        attribute: change.modification.type,
        values: change.modification.buffers,
      }));
      directory.modify(
        boundDns.get(request.connection),
        request.object.toString(),
        changes,
        request.controls.map((control) => control.type),
      );
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = server.address().port;

  return {
    url: `ldaps://127.0.0.1:${port}`,
    baseDn: demoDomain.baseDn,
    bindDn: demoDomain.serviceAccountDn,
    bindPassword,
    caPem: certificates.caPem,
    directory,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Runs an operation and ends the response with success or its LDAP refusal (the message in diagnosticMessage). */
function answer(response: LdapResponse, next: () => void, operation: () => void): void {
  try {
    operation();
    response.end(0);
  } catch (error) {
    if (error instanceof LdapRefusal) {
      response.diagnosticMessage = error.message;
      response.end(error.resultCode);
    } else {
      response.diagnosticMessage = 'demo directory internal error';
      response.end(80);
    }
  }
  next();
}

/**
 * ldapjs parses the bind name as a DN before any handler runs, so a UPN (jane.doe@corp.example.test) or a down-level
 * name (CORP\jane.doe) would be refused as invalid DN syntax. This listener runs first and replaces such a name by the
 * account's DN (or by a DN that matches nothing, which then fails as bad credentials, as AD answers).
 */
function watchBinds(socket: TLSSocket, directory: DemoDirectory, onBind: () => void): void {
  const parser = (socket as TLSSocket & { parser: NodeJS.EventEmitter }).parser;
  parser.prependListener('message', (request: { type?: string; name?: unknown }) => {
    if (request.type !== 'BindRequest') return;
    onBind();
    if (typeof request.name !== 'string' || request.name === '') return;
    const name = request.name;
    if (name.includes('=') && !name.includes('@')) return;
    const dn = directory.resolveBindName(name) ?? `CN=unknown-account,${demoDomain.baseDn}`;
    for (const property of ['name', '_dn'])
      Object.defineProperty(request, property, { value: dn, writable: true, configurable: true });
  });
}

function rootDse(messageId: number): object {
  const base = demoDomain.baseDn;
  const attributes = {
    defaultNamingContext: base,
    rootDomainNamingContext: base,
    namingContexts: [base],
    dnsHostName: `dc1.${demoDomain.dnsName}`,
    supportedLDAPVersion: ['3'],
    supportedControl: [PAGED_RESULTS, '1.2.840.113556.1.4.2239'],
    isSynchronized: 'TRUE',
    currentTime: new Date()
      .toISOString()
      .replace(/[-:T]/g, '')
      .replace(/\.\d+Z$/, '.0Z'),
  };
  return new ldap.SearchEntry({
    messageId,
    objectName: '',
    attributes: Object.entries(attributes).map(
      ([type, value]) => new ldap.Attribute({ type, values: Array.isArray(value) ? value : [value] }),
    ),
  });
}
