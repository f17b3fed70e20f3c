import { configuredUrlOf, parentDn, writeOrder } from '../../shared/adapters/ldap/dc-topology.js';
import {
  ATTID_UNICODE_PWD,
  attributeStateFromBlob,
  attributeStateFromXml,
} from '../../shared/adapters/ldap/replication-metadata.js';

const sites = 'CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=corp,DC=example,DC=test';
const dc1Settings = `CN=NTDS Settings,CN=DC1,${sites}`;
const dc2Settings = `CN=NTDS Settings,CN=DC2,${sites}`;

describe('mapping the directory’s DCs onto the configured URLs', () => {
  const byName = ['ldaps://dc1.corp.example.test', 'ldaps://DC2.corp.example.test:636'];
  const byAddress = ['ldaps://127.0.0.1:636', 'ldaps://127.0.0.2:636'];
  const identities = [
    { url: 'ldaps://127.0.0.1:636', serviceDn: dc1Settings, hostName: 'dc1.corp.example.test' },
    { url: 'ldaps://127.0.0.2:636', serviceDn: dc2Settings, hostName: 'dc2.corp.example.test' },
  ];

  it('finds a DC by the host name in its URL, case-insensitively', () => {
    expect(configuredUrlOf(byName, { hostName: 'dc2.corp.example.test' }, [])).toBe(
      'ldaps://DC2.corp.example.test:636',
    );
  });

  it('finds a DC configured by address through what that DC said it is (its NTDS Settings DN)', () => {
    expect(configuredUrlOf(byAddress, { serviceDn: dc2Settings.toUpperCase() }, identities)).toBe(
      'ldaps://127.0.0.2:636',
    );
  });

  it('never returns a URL that is not configured, even when a DC of that name or identity exists', () => {
    expect(configuredUrlOf(byName, { hostName: 'dc3.corp.example.test' }, identities)).toBeUndefined();
    const unconfigured = [{ url: 'ldaps://10.0.0.9:636', serviceDn: dc2Settings }];
    expect(configuredUrlOf(byAddress, { serviceDn: dc2Settings }, unconfigured)).toBeUndefined();
  });

  it('puts the PDC emulator first and keeps the configured order for the rest', () => {
    const urls = ['ldaps://a', 'ldaps://b', 'ldaps://c'];
    expect(writeOrder(urls, 'ldaps://b')).toEqual(['ldaps://b', 'ldaps://a', 'ldaps://c']);
    expect(writeOrder(urls, undefined)).toEqual(urls);
    expect(writeOrder(urls, 'ldaps://elsewhere')).toEqual(urls);
  });

  it('takes the server DN from the NTDS Settings DN, escaped commas kept', () => {
    expect(parentDn(dc1Settings)).toBe(`CN=DC1,${sites}`);
    expect(parentDn('CN=Smith\\, Jo,OU=Staff,DC=x')).toBe('OU=Staff,DC=x');
    expect(parentDn('DC=x')).toBeUndefined();
  });
});

describe('the password’s replication metadata', () => {
  /** A replPropertyMetaDataBlob as Samba and Windows store it: header, then 48-byte entries. */
  function blob(entries: { attid: number; version: number; seconds: number; invocation: Buffer }[]): Buffer {
    const buffer = Buffer.alloc(16 + entries.length * 48);
    buffer.writeUInt32LE(1, 0);
    buffer.writeUInt32LE(entries.length, 8);
    entries.forEach((entry, index) => {
      const offset = 16 + index * 48;
      buffer.writeUInt32LE(entry.attid, offset);
      buffer.writeUInt32LE(entry.version, offset + 4);
      buffer.writeBigUInt64LE(BigInt(entry.seconds), offset + 8);
      entry.invocation.copy(buffer, offset + 16);
      buffer.writeBigUInt64LE(7n, offset + 32);
      buffer.writeBigUInt64LE(9n, offset + 40);
    });
    return buffer;
  }
  const invocation = Buffer.from('6fa806b74abffe4b853779dacea2fb2e', 'hex');
  // 2026-12-04T21:00:00Z in seconds since 1601.
  const seconds = Date.UTC(2026, 11, 4, 21) / 1000 + 11_644_473_600;

  it('reads unicodePwd’s version, originating time and DC from the blob, skipping other attributes', () => {
    const value = blob([
      { attid: 0, version: 1, seconds: 1, invocation },
      { attid: ATTID_UNICODE_PWD, version: 5, seconds, invocation },
    ]);
    expect(attributeStateFromBlob(value, ATTID_UNICODE_PWD)).toEqual({
      version: 5,
      originatedAt: new Date('2026-12-04T21:00:00Z'),
      originatingDsa: 'b706a86f-bf4a-4bfe-8537-79dacea2fb2e',
    });
  });

  it('answers undefined for a blob without the attribute, of another version, or cut short', () => {
    const other = blob([{ attid: 0, version: 1, seconds, invocation }]);
    expect(attributeStateFromBlob(other, ATTID_UNICODE_PWD)).toBeUndefined();
    const full = blob([{ attid: ATTID_UNICODE_PWD, version: 2, seconds, invocation }]);
    expect(attributeStateFromBlob(full.subarray(0, 40), ATTID_UNICODE_PWD)).toBeUndefined();
    const wrongVersion = Buffer.from(full);
    wrongVersion.writeUInt32LE(2, 0);
    expect(attributeStateFromBlob(wrongVersion, ATTID_UNICODE_PWD)).toBeUndefined();
  });

  it('reads Windows’ msDS-ReplAttributeMetaData XML for the named attribute', () => {
    const xml = (name: string, version: number) =>
      `<DS_REPL_ATTR_META_DATA>\n\t<pszAttributeName>${name}</pszAttributeName>\n\t<dwVersion>${version}</dwVersion>\n\t` +
      `<ftimeLastOriginatingChange>2026-12-04T21:00:00Z</ftimeLastOriginatingChange>\n\t` +
      `<uuidLastOriginatingDsaInvocationID>B706A86F-BF4A-4BFE-8537-79DACEA2FB2E</uuidLastOriginatingDsaInvocationID>\n</DS_REPL_ATTR_META_DATA>`;
    expect(attributeStateFromXml([xml('pwdLastSet', 9), xml('unicodePwd', 4)], 'unicodePwd')).toEqual({
      version: 4,
      originatedAt: new Date('2026-12-04T21:00:00Z'),
      originatingDsa: 'b706a86f-bf4a-4bfe-8537-79dacea2fb2e',
    });
    expect(attributeStateFromXml([xml('pwdLastSet', 9)], 'unicodePwd')).toBeUndefined();
  });
});
