import { lockedNow, resetOrUnlockOf } from '../../shared/domain/user-row.js';
import { isUserListFilter, searchPrefixOf, searchTermsOf } from '../../shared/domain/user-search.js';

const alert = { outcome: 'alerted' as const, sms: 'sent', pushes: 0, handledAt: new Date('2026-12-05T00:00:00Z') };
const now = new Date('2026-12-05T00:10:00Z');

test('resets and unlocks, self-service or by the help desk, are the row’s last reset or unlock; nothing else is', () => {
  expect(resetOrUnlockOf('reset')).toBe('reset');
  expect(resetOrUnlockOf('unlock')).toBe('unlock');
  expect(resetOrUnlockOf('portal.reset')).toBe('reset');
  expect(resetOrUnlockOf('portal.unlock')).toBe('unlock');
  for (const other of ['portal.reset-requested', 'lockout-alert', 'password-replication', 'resets', 'xunlock'])
    expect(resetOrUnlockOf(other)).toBeUndefined();
});

test('locked now: while the recorded lockout has not run out; without an end, until a reset or unlock clears it', () => {
  const lockedAt = new Date('2026-12-05T00:05:00Z');
  expect(lockedNow(undefined, now)).toBe(false);
  expect(lockedNow({ lockedAt, alert }, now)).toBe(true);
  expect(lockedNow({ lockedAt, endsAt: new Date('2026-12-05T00:35:00Z'), alert }, now)).toBe(true);
  expect(lockedNow({ lockedAt, endsAt: now, alert }, now)).toBe(false);
  expect(lockedNow({ lockedAt, endsAt: new Date('2026-12-05T00:09:59Z'), alert }, now)).toBe(false);
});

test('the UPN is a search term, found from its start', () => {
  const terms = searchTermsOf({
    samAccountName: 'priya',
    displayName: 'Priya Raman',
    mail: 'priya@corp.example.test',
    userPrincipalName: 'P.Raman@corp.example.test',
  });
  expect(terms).toContain('p.raman@corp.example.test');
  expect(terms.some((term) => term.startsWith(searchPrefixOf('p.ram') ?? '?'))).toBe(true);
});

test('list filters: never-enrolled and locked-now, nothing else', () => {
  expect(isUserListFilter('never-enrolled')).toBe(true);
  expect(isUserListFilter('locked-now')).toBe(true);
  expect(isUserListFilter('ALL')).toBe(false);
  expect(isUserListFilter('everyone')).toBe(false);
});
