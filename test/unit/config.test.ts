import { ConfigurationError, parseEnv } from '../../shared/config/env.js';

describe('parseEnv', () => {
  it('lists every problem at once in readable words', () => {
    let error: unknown;
    try {
      parseEnv(['table', 'directory'], {
        LDAP_URLS: 'http://dc1.corp.example.com',
        LDAP_BASE_DN: 'DC=corp,DC=example,DC=com',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).toContain('TABLE_NAME: is required but not set');
    expect(message).toContain('LDAP_URLS.0: must be ldaps://host[:port] or ldap://host[:port]');
    expect(message).toContain('LDAP_BIND_DN: is required but not set');
    expect(message).toContain('LDAP_CA_FILE: is required but not set');
  });

  it('parses lists, flags and numbers into typed values', () => {
    const env = parseEnv(['sms', 'directory'], {
      SMS_ORIGINATION_IDENTITIES: '+18553917277, +14437477277',
      SMS_INBOUND_NUMBERS: '+18553917277,+14437477277',
      LDAP_URLS: 'ldaps://dc1.corp.example.com,ldaps://dc2.corp.example.com:636',
      LDAP_BASE_DN: 'DC=corp,DC=example,DC=com',
      LDAP_BIND_DN: 'CN=svc-blink,OU=Service,DC=corp,DC=example,DC=com',
      LDAP_CA_FILE: '/var/task/ldap-ca.pem',
      LDAP_STARTTLS: 'false',
      LDAP_OPERATION_TIMEOUT_MS: '2500',
    });
    expect(env.SMS_ORIGINATION_IDENTITIES).toEqual(['+18553917277', '+14437477277']);
    expect(env.LDAP_URLS).toHaveLength(2);
    expect(env.LDAP_STARTTLS).toBe(false);
    expect(env.LDAP_OPERATION_TIMEOUT_MS).toBe(2500);
    expect(env.LDAP_CONNECT_TIMEOUT_MS).toBe(3000);
  });

  it('refuses inbound numbers that are not E.164', () => {
    expect(() =>
      parseEnv(['sms'], { SMS_ORIGINATION_IDENTITIES: '+18553917277', SMS_INBOUND_NUMBERS: '855-391-7277' }),
    ).toThrow(/SMS_INBOUND_NUMBERS.0: must be an E.164 number/);
  });
});
