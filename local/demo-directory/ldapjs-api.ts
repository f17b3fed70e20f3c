import type { Server as TlsServer, TLSSocket } from 'node:tls';
import ldapjs from 'ldapjs';
import { decodeSearchRequest, type SearchRequestFields } from './filter.js';

/**
 * The parts of ldapjs 3 the demo directory uses, typed here: @types/ldapjs describes the 2.x API, and some of what is
 * needed (message classes, controls) is only reachable through the package's re-exports.
 */
export interface LdapControl {
  type: string;
  value?: { size?: number; cookie?: Buffer };
}

export interface LdapAttribute {
  type: string;
  buffers: Buffer[];
}

export interface LdapRequest {
  messageId: number;
  connection: TLSSocket;
  controls: LdapControl[];
}

export interface LdapBindRequest extends LdapRequest {
  dn: { toString(): string };
  credentials: string;
}

export interface LdapSearchRequest extends LdapRequest {
  dn: { toString(): string };
  filter: object;
  attributes: string[];
}

export interface LdapModifyRequest extends LdapRequest {
  object: { toString(): string };
  changes: Array<{ operation: 'add' | 'delete' | 'replace'; modification: LdapAttribute }>;
}

export interface LdapResponse {
  messageId: number;
  diagnosticMessage: string;
  matchedDN: string;
  controls: LdapControl[];
  end(status?: number): void;
  send(entry: object): void;
}

type Handler<Request> = (request: Request, response: LdapResponse, next: () => void) => void;

export interface LdapServer {
  server: TlsServer;
  newConnection(socket: TLSSocket): void;
  bind(base: string, handler: Handler<LdapBindRequest>): void;
  search(base: string, handler: Handler<LdapSearchRequest>): void;
  modify(base: string, handler: Handler<LdapModifyRequest>): void;
  listen(port: number, host: string, callback: () => void): void;
  close(callback?: () => void): void;
  on(event: 'error' | 'clientError', listener: (error: Error) => void): void;
  address(): { port: number };
}

interface LdapjsExports {
  createServer(options: {
    certificate: string;
    key: string;
    log: object;
    connectionRouter: (socket: TLSSocket) => void;
  }): LdapServer;
  SearchRequest: { parseToPojo(ber: BerReaderLike): object };
  SearchEntry: new (options: { messageId: number; objectName: string; attributes: object[] }) => object;
  Attribute: new (options: { type: string; values: Array<string | Buffer> }) => object;
  PagedResultsControl: new (options: { value: { size: number; cookie: Buffer } }) => LdapControl;
  PresenceFilter: new (options: { attribute: string }) => object;
  parseFilter(filter: string): object;
}

interface BerReaderLike {
  /** Reads one whole TLV (tag, length, value) and moves past it. */
  readRawBuffer(tag: number): Buffer | null;
}

export const ldap = ldapjs as unknown as LdapjsExports;

/** The search request as the client encoded it, by the filter object ldapjs attached to the parsed request. */
const decodedSearches = new WeakMap<object, SearchRequestFields>();

let patched = false;

/**
 * ldapjs turns each search filter into a string and parses it again, which corrupts binary values, keeps escapes in
 * others, and throws on some byte sequences (a random objectGUID can end in what looks like a truncated UTF-8
 * character), dropping the connection. This replaces its search request decoder with one that reads the BER as sent;
 * ldapjs gets a placeholder filter object, by which the handler looks the decoded request up (`decodedSearch`).
 */
export function keepRawSearchFilters(): void {
  if (patched) return;
  patched = true;
  ldap.SearchRequest.parseToPojo = (ber: BerReaderLike) => {
    const raw = ber.readRawBuffer(0x63);
    if (!raw) throw new Error('truncated search request');
    const decoded = decodeSearchRequest(raw);
    const placeholder = new ldap.PresenceFilter({ attribute: 'objectClass' });
    decodedSearches.set(placeholder, decoded);
    return {
      protocolOp: 0x63,
      baseObject: decoded.baseObject,
      scope: decoded.scope,
      derefAliases: decoded.derefAliases,
      sizeLimit: decoded.sizeLimit,
      timeLimit: decoded.timeLimit,
      typesOnly: decoded.typesOnly,
      filter: placeholder,
      attributes: decoded.attributes,
    };
  };
}

export function decodedSearch(request: LdapSearchRequest): SearchRequestFields | undefined {
  return decodedSearches.get(request.filter);
}

/** A logger that discards ldapjs's own logging (it would otherwise go nowhere useful). */
export const silentLog = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child() {
    return silentLog;
  },
};
