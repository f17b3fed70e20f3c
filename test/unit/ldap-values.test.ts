import { BerWriter } from 'ldapts';
import { PolicyHintsControl } from '../../shared/adapters/ldap/ldap-directory.js';
import {
  adDurationToSeconds,
  encodeUnicodePwd,
  fileTimeToDate,
  formatSid,
} from '../../shared/adapters/ldap/ad-values.js';
import { formatGuid, parseGuid } from '../../shared/adapters/ldap/guid.js';
import { ValidationError } from '../../shared/domain/errors.js';

describe('objectGUID conversion', () => {
  // MS-DTYP 2.3.4: Data1, Data2 and Data3 are stored little-endian, Data4 as bytes.
  const canonical = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
  const wire = Buffer.from([
    0xe0, 0x04, 0x25, 0x3f, 0x89, 0x4f, 0xd3, 0x11, 0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01,
  ]);

  it('turns the canonical string into the bytes AD stores, first three groups byte-swapped', () => {
    expect(parseGuid(canonical)).toEqual(wire);
    expect(parseGuid(canonical.toUpperCase())).toEqual(wire);
  });

  it('turns the stored bytes back into the canonical lower-case string', () => {
    expect(formatGuid(wire)).toBe(canonical);
  });

  it('round-trips any GUID, without touching the caller’s buffer', () => {
    const bytes = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const copy = Buffer.from(bytes);
    expect(parseGuid(formatGuid(bytes))).toEqual(copy);
    expect(bytes).toEqual(copy);
  });

  it.each([
    '',
    'not-a-guid',
    '3f2504e0-4f89-11d3-9a0c-0305e82c330',
    '3f2504e04f8911d39a0c0305e82c3301',
    '3f2504e0-4f89-11d3-9a0c-0305e82c330g',
    '*',
  ])('refuses %j', (input) => {
    expect(() => parseGuid(input)).toThrow(ValidationError);
  });

  it('refuses a buffer that is not 16 bytes', () => {
    expect(() => formatGuid(Buffer.alloc(15))).toThrow(ValidationError);
  });
});

describe('AD attribute values', () => {
  it('converts negative 100-ns durations to seconds', () => {
    expect(adDurationToSeconds('-18000000000')).toBe(1800);
    expect(adDurationToSeconds('-36288000000000')).toBe(42 * 24 * 3600);
    expect(adDurationToSeconds('0')).toBe(0);
    expect(adDurationToSeconds(undefined)).toBe(0);
  });

  it('reads the largest negative Int64 ("never" / "until an administrator unlocks") as 0', () => {
    expect(adDurationToSeconds('-9223372036854775808')).toBe(0);
  });

  it('converts FILETIME to a date, with 0 and "never" as no date', () => {
    // 2024-01-01T00:00:00Z
    expect(fileTimeToDate('133485408000000000')?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(fileTimeToDate('0')).toBeUndefined();
    expect(fileTimeToDate('9223372036854775807')).toBeUndefined();
    expect(fileTimeToDate('garbage')).toBeUndefined();
  });

  it('formats binary SIDs', () => {
    const builtinAdministrators = Buffer.from([1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0]);
    expect(formatSid(builtinAdministrators)).toBe('S-1-5-32-544');
    const domain = Buffer.from('010400000000000515000000833ada15356906b85356a4e2', 'hex');
    expect(formatSid(domain)).toBe('S-1-5-21-366623363-3087427893-3802420819');
  });

  it('encodes unicodePwd as the quoted password in UTF-16LE', () => {
    expect(encodeUnicodePwd('Ab1!é')).toEqual(
      Buffer.from([0x22, 0, 0x41, 0, 0x62, 0, 0x31, 0, 0x21, 0, 0xe9, 0, 0x22, 0]),
    );
  });
});

describe('password policy hints control', () => {
  it('encodes as MS-ADTS says: the OID, critical, and the value SEQUENCE { INTEGER 1 }', () => {
    const writer = new BerWriter();
    new PolicyHintsControl().write(writer);
    const oid = Buffer.from('1.2.840.113556.1.4.2239');
    const expected = Buffer.concat([
      Buffer.from([0x30, 2 + oid.length + 3 + 7]),
      Buffer.from([0x04, oid.length]),
      oid,
      Buffer.from([0x01, 0x01, 0xff]),
      Buffer.from([0x04, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01]),
    ]);
    expect(writer.buffer).toEqual(expected);
  });
});
