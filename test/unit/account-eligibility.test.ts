import { fileTimeToDate, ineligibilityOf, userAccountControl } from '../../shared/domain/account-eligibility.js';
import type { DirectoryUser } from '../../shared/ports/directory.js';

const now = new Date('2026-11-26T12:00:00Z');

function user(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    objectGuid: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    dn: 'CN=Jane Doe,OU=Staff,DC=corp,DC=example,DC=test',
    samAccountName: 'jane.doe',
    userAccountControl: userAccountControl.normalAccount,
    adminCount: 0,
    accountExpires: '9223372036854775807',
    lockoutTime: '0',
    isComputer: false,
    ...overrides,
  };
}

/** FILETIME string for a Date. */
const fileTime = (date: Date) => String((BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n);

describe('fileTimeToDate', () => {
  it('converts AD FILETIME and treats 0 and "never" as no date', () => {
    expect(fileTimeToDate('133000000000000000')?.toISOString()).toBe('2022-06-18T04:26:40.000Z'); // 13300000000 s after 1601 = Unix 1655526400;
    expect(fileTimeToDate(fileTime(now))?.getTime()).toBe(now.getTime());
    expect(fileTimeToDate('0')).toBeUndefined();
    expect(fileTimeToDate('9223372036854775807')).toBeUndefined();
    expect(fileTimeToDate('garbage')).toBeUndefined();
  });
});

describe('ineligibilityOf', () => {
  it('accepts an ordinary enabled account', () => {
    expect(ineligibilityOf(user(), false, now)).toBeUndefined();
    expect(ineligibilityOf(user({ accountExpires: '0' }), false, now)).toBeUndefined();
  });

  it('refuses protected accounts, by group membership or by adminCount', () => {
    expect(ineligibilityOf(user(), true, now)).toBe('protected');
    expect(ineligibilityOf(user({ adminCount: 1 }), false, now)).toBe('protected');
  });

  it('refuses disabled, expired and computer accounts', () => {
    expect(ineligibilityOf(user({ userAccountControl: 0x202 }), false, now)).toBe('disabled');
    expect(ineligibilityOf(user({ accountExpires: fileTime(new Date(now.getTime() - 1000)) }), false, now)).toBe(
      'expired',
    );
    expect(
      ineligibilityOf(user({ accountExpires: fileTime(new Date(now.getTime() + 86_400_000)) }), false, now),
    ).toBeUndefined();
    expect(ineligibilityOf(user({ isComputer: true }), false, now)).toBe('computer');
    expect(ineligibilityOf(user({ userAccountControl: 0x1000 }), false, now)).toBe('computer');
  });
});
