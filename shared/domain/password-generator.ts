import { randomInt as cryptoRandomInt } from 'node:crypto';
import type { PasswordPolicy } from './directory.js';

/**
 * Characters that read unambiguously off a phone screen: no I/l/1, O/0, and no characters that need a second
 * keyboard page on a phone.
 */
export const passwordAlphabet = {
  upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  lower: 'abcdefghijkmnpqrstuvwxyz',
  digits: '23456789',
} as const;
const groupCharacters = passwordAlphabet.upper + passwordAlphabet.lower + passwordAlphabet.digits;
const groupSeparator = '-';
const groupLength = 4;

export interface PasswordRequirements {
  policy: Pick<PasswordPolicy, 'minLength' | 'complexity'>;
  /** Deployment minimum (default 15, PASSWORD_MIN_LENGTH); the longer of this and the policy's wins. */
  configuredMinLength: number;
  /** sAMAccountName and display name: AD refuses passwords containing them or any 3+ character name token. */
  accountNames: string[];
}

/** Source of uniform integers in [0, max); the CSPRNG in production, injectable to test rare branches. */
export type RandomIntSource = (max: number) => number;
const cryptoSource: RandomIntSource = (max) => cryptoRandomInt(0, max);

/**
 * A new password such as `Kp7x-Qm4t-Rz9w`: groups of four letters and digits joined by dashes, so it is easy to read
 * off a phone and type. It always holds upper case, lower case, digits and a symbol (meets AD complexity), is at least
 * as long as the policy and the configured minimum, and never contains a name token. Drawn by rejection sampling from
 * the CSPRNG, so every acceptable password is equally likely.
 */
export function generatePassword(requirements: PasswordRequirements, random: RandomIntSource = cryptoSource): string {
  const minLength = Math.max(requirements.policy.minLength, requirements.configuredMinLength, 8);
  const groups = Math.max(2, Math.ceil((minLength + 1) / (groupLength + 1)));
  const forbidden = nameTokens(requirements.accountNames);
  for (let attempt = 0; attempt < 1000; attempt += 1) {
    const candidate = Array.from({ length: groups }, () => randomGroup(random)).join(groupSeparator);
    if (hasEveryClass(candidate) && !containsToken(candidate, forbidden)) return candidate;
  }
  throw new Error('could not generate a password meeting the requirements');
}

function randomGroup(random: RandomIntSource): string {
  let group = '';
  for (let index = 0; index < groupLength; index += 1) group += groupCharacters[random(groupCharacters.length)];
  return group;
}

function hasEveryClass(candidate: string): boolean {
  return (
    [...candidate].some((character) => passwordAlphabet.upper.includes(character)) &&
    [...candidate].some((character) => passwordAlphabet.lower.includes(character)) &&
    [...candidate].some((character) => passwordAlphabet.digits.includes(character))
  );
}

/** The account name and every 3+ character token of the names, split the way AD splits display names. */
export function nameTokens(names: string[]): string[] {
  const tokens = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    if (lower.length >= 3) tokens.add(lower);
    for (const token of lower.split(/[,.\-_\s#\t]+/)) if (token.length >= 3) tokens.add(token);
  }
  return [...tokens];
}

function containsToken(candidate: string, tokens: string[]): boolean {
  const lower = candidate.toLowerCase();
  return tokens.some((token) => lower.includes(token));
}
