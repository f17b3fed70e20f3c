import { InvalidCredentialsError, ConstraintViolationError, UnavailableError } from 'ldapts';
import { LdapDirectory, type LdapDirectoryOptions } from '../../shared/adapters/ldap/ldap-directory.js';
import { classifyLdapError, describeLdapError } from '../../shared/adapters/ldap/ldap-errors.js';
import { ConfigurationError } from '../../shared/config/env.js';

const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const valid: LdapDirectoryOptions = {
  urls: ['ldaps://dc1.corp.example.com', 'ldaps://dc2.corp.example.com:636'],
  baseDn: 'DC=corp,DC=example,DC=com',
  bindDn: 'CN=svc-blink,OU=Service,DC=corp,DC=example,DC=com',
  bindPassword: 'test-only',
  caPem,
  startTls: false,
  connectTimeoutMs: 3000,
  operationTimeoutMs: 5000,
};

function configurationProblem(options: LdapDirectoryOptions): string {
  try {
    new LdapDirectory(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('LdapDirectory configuration', () => {
  it('accepts LDAPS URLs, and ldap:// URLs with StartTLS', () => {
    expect(() => new LdapDirectory(valid)).not.toThrow();
    expect(() => new LdapDirectory({ ...valid, urls: ['ldap://dc1.corp.example.com'], startTls: true })).not.toThrow();
  });

  it('refuses plain ldap:// without StartTLS, with a clear reason', () => {
    expect(
      configurationProblem({ ...valid, urls: ['ldaps://dc1.corp.example.com', 'ldap://dc2.corp.example.com'] }),
    ).toMatch(/ldap:\/\/dc2\.corp\.example\.com: plain ldap:\/\/ needs startTls/);
  });

  it('refuses StartTLS on an ldaps:// URL', () => {
    expect(configurationProblem({ ...valid, startTls: true })).toMatch(/startTls applies to ldap:\/\/ URLs/);
  });

  it('refuses missing URLs, other schemes and a CA that is not PEM', () => {
    expect(configurationProblem({ ...valid, urls: [] })).toMatch(/urls/);
    expect(configurationProblem({ ...valid, urls: ['http://dc1.corp.example.com'] })).toMatch(/must be ldaps:\/\/host/);
    expect(configurationProblem({ ...valid, caPem: '' })).toMatch(/caPem: must be a PEM certificate bundle/);
  });
});

describe('LDAP failure classification', () => {
  it('treats socket failures and timeouts as connection failures', () => {
    expect(
      classifyLdapError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
    ).toBe('connection');
    expect(classifyLdapError(new Error('SearchRequest: Operation timed out'))).toBe('connection');
    expect(classifyLdapError(new UnavailableError('shutting down'))).toBe('connection');
  });

  it('treats certificate problems as TLS failures and says so', () => {
    const error = Object.assign(new Error('unable to verify the first certificate'), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect(classifyLdapError(error)).toBe('tls');
    expect(describeLdapError(error)).toBe(
      'TLS certificate verification failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE unable to verify the first certificate',
    );
  });

  it('treats answers with a result code as results, and a lost bind as a connection failure', () => {
    expect(classifyLdapError(new ConstraintViolationError('0000052D: Constraint violation'))).toBe('result');
    expect(classifyLdapError(new InvalidCredentialsError('80090308: LdapErr: DSID-0C09044E, data 52e'))).toBe('result');
    expect(describeLdapError(new ConstraintViolationError('0000052D: too short\nmore'))).toBe(
      'LDAP 19 ConstraintViolationError: 0000052D: too short',
    );
  });
});
