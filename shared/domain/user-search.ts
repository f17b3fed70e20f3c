import type { Enrollment } from './enrollment.js';

/**
 * How the portal finds users without reading the whole table (design: docs/design/portal.md): each enrolled user has
 * a few search terms, each stored as its own small index item, so a search is one Query on the items whose term
 * begins with what was typed. Names and addresses are matched from the start of any word; phone numbers by their
 * last digits (the term holds the digits reversed, so "ends with" becomes "begins with").
 */

/** Shortest query: a one-letter prefix would read a large share of the index. */
export const MIN_SEARCH_LENGTH = 2;
const PHONE_PREFIX = 'phone:';

export function searchTermsOf(
  enrollment: Pick<Enrollment, 'samAccountName' | 'displayName' | 'mail' | 'phoneE164'> & {
    userPrincipalName?: string;
  },
): string[] {
  const terms = new Set<string>();
  const add = (value: string | undefined) => {
    const term = normalizeText(value ?? '');
    if (term.length >= MIN_SEARCH_LENGTH) terms.add(term);
  };
  add(enrollment.samAccountName);
  add(enrollment.displayName);
  // Each later word of the name, so a surname finds the person too.
  for (const word of enrollment.displayName.split(/\s+/).slice(1)) add(word);
  add(enrollment.mail);
  add(enrollment.userPrincipalName);
  if (enrollment.phoneE164) terms.add(`${PHONE_PREFIX}${reversedDigits(enrollment.phoneE164)}`);
  return [...terms].sort();
}

/** The index prefix a typed query stands for; undefined when it is too short to search. */
export function searchPrefixOf(query: string): string | undefined {
  const trimmed = query.trim();
  if (/^\+?[\d\s().-]+$/.test(trimmed)) {
    const digits = trimmed.replace(/\D/g, '');
    return digits.length >= MIN_SEARCH_LENGTH ? `${PHONE_PREFIX}${reversedDigits(digits)}` : undefined;
  }
  const text = normalizeText(trimmed);
  return text.length >= MIN_SEARCH_LENGTH ? text : undefined;
}

function normalizeText(value: string): string {
  return value.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

function reversedDigits(value: string): string {
  return [...value.replace(/\D/g, '')].reverse().join('');
}

/**
 * The portal's list filters, each kept as its own sparse list of users: activated but never enrolled (kept by each
 * enrollment save), and locked at the last lockout scan (kept by the scan, left on a successful reset or unlock).
 */
export type UserListFilter = 'never-enrolled' | 'locked-now';
export const USER_LIST_FILTERS: readonly UserListFilter[] = ['never-enrolled', 'locked-now'];
export const isUserListFilter = (value: string): value is UserListFilter =>
  (USER_LIST_FILTERS as readonly string[]).includes(value);

/** Whether the user belongs on a filter's list: activated (a link was sent) but setup never completed. */
export function userFiltersOf(enrollment: Pick<Enrollment, 'status' | 'methods'>): UserListFilter[] {
  return enrollment.status === 'activated' && !enrollment.methods.sms && !enrollment.methods.app
    ? ['never-enrolled']
    : [];
}
