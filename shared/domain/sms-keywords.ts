/** What an inbound SMS asks for. Opt-out and opt-in words are never commands: they only change the opt-out list. */
export type SmsIntent =
  | { kind: 'reset' }
  | { kind: 'unlock' }
  | { kind: 'help' }
  | { kind: 'opt-out' }
  | { kind: 'opt-in' }
  | { kind: 'confirmation-code'; code: string }
  | { kind: 'unknown' };

/** Carrier and AWS opt-out keywords (AWS End User Messaging's defaults plus the CTIA set). */
export const optOutKeywords = [
  'STOP',
  'STOPALL',
  'ARRET',
  'CANCEL',
  'END',
  'OPT-OUT',
  'OPTOUT',
  'QUIT',
  'REMOVE',
  'TD',
  'UNSUBSCRIBE',
];
export const optInKeywords = ['START', 'UNSTOP'];

export interface KeywordAliases {
  reset: string[];
  unlock: string[];
  help: string[];
}

export const defaultKeywordAliases: KeywordAliases = {
  reset: ['RESET'],
  unlock: ['UNLOCK'],
  help: ['HELP', 'INFO'],
};

/**
 * Upper case, inner whitespace removed, trailing punctuation dropped: " reset! " and "Re set." both read RESET.
 * Format characters (Unicode category Cf: zero-width spaces and joiners, bidi marks, soft hyphens, BOM) are removed
 * and compatibility forms folded (NFKC: full-width letters and digits) first, so "S\u200bTOP" is a STOP and
 * "１２３４５６" a code: what a phone shows as a keyword is read as that keyword.
 */
export function normaliseKeyword(body: string): string {
  return (
    body
      .replace(/\p{Cf}/gu, '')
      .normalize('NFKC')
      // NFKC can itself yield format characters from compatibility forms: strip again.
      .replace(/\p{Cf}/gu, '')
      .toUpperCase()
      .replace(/\s+/g, '')
      .replace(/[.!?,;:'"`)\]}]+$/u, '')
      .replace(/^['"`([{]+/u, '')
  );
}

export function parseSmsIntent(body: string, aliases: KeywordAliases = defaultKeywordAliases): SmsIntent {
  const word = normaliseKeyword(body);
  // Opt-out is checked first so that no alias configuration can ever turn STOP into a command.
  if (optOutKeywords.includes(word)) return { kind: 'opt-out' };
  if (optInKeywords.includes(word)) return { kind: 'opt-in' };
  const matches = (list: string[]) => list.some((alias) => normaliseKeyword(alias) === word);
  if (matches(aliases.reset)) return { kind: 'reset' };
  if (matches(aliases.unlock)) return { kind: 'unlock' };
  if (matches(aliases.help)) return { kind: 'help' };
  if (/^\d{6}$/.test(word)) return { kind: 'confirmation-code', code: word };
  return { kind: 'unknown' };
}
