import { ResultCodeError } from 'ldapts';

/** LDAP result codes that mean "this DC cannot serve now", not "the request is wrong". */
const UNAVAILABLE_RESULT_CODES = new Set([
  51, // busy
  52, // unavailable
  80, // other (AD answers this when shutting down)
]);

/** Node's codes for a server certificate that did not verify against the configured CA or name. */
const TLS_VERIFICATION_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export type LdapFailureKind =
  /** The connection could not be made, broke, or timed out: another DC or a later attempt may work. */
  | 'connection'
  /** The DC's certificate did not verify: a configuration problem (or an attack); never ignored. */
  | 'tls'
  /** The DC answered with an LDAP result code. */
  | 'result';

export function classifyLdapError(error: unknown): LdapFailureKind {
  if (error instanceof ResultCodeError) {
    if (UNAVAILABLE_RESULT_CODES.has(error.code)) return 'connection';
    // 000004DC: "a successful bind must be completed" — the session lost its bind (e.g. a silent reconnect).
    if (error.message.includes('000004DC')) return 'connection';
    return 'result';
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && TLS_VERIFICATION_CODES.has(code)) return 'tls';
  return 'connection';
}

export function resultCodeOf(error: unknown): number | undefined {
  return error instanceof ResultCodeError ? error.code : undefined;
}

/** A short description of a failure for error messages and logs (never includes request data). */
export function describeLdapError(error: unknown): string {
  if (error instanceof ResultCodeError) return `LDAP ${error.code} ${error.name}: ${firstLine(error.message)}`;
  // Duck-typed: Node's own errors may come from another realm (jest's VM context), where instanceof Error fails.
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    const code = (error as { code?: unknown }).code;
    const prefix = classifyLdapError(error) === 'tls' ? 'TLS certificate verification failed: ' : '';
    return `${prefix}${typeof code === 'string' ? `${code} ` : ''}${firstLine((error as { message: string }).message)}`;
  }
  return String(error);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]?.trim() ?? '';
}
