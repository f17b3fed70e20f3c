import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type MobileNumberResult =
  | { ok: true; e164: string }
  | { ok: false; reason: 'invalid' | 'not-mobile'; message: string };

/**
 * Normalises what a user typed into E.164 and accepts only numbers that the metadata says can receive SMS on a
 * mobile line. Numbers that may be either fixed or mobile (as in the US and Canada) are accepted.
 */
export function normaliseMobileNumber(input: string, defaultCountry: CountryCode): MobileNumberResult {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry);
  if (!parsed || !parsed.isValid()) {
    return { ok: false, reason: 'invalid', message: 'Enter a valid mobile number, including the country code if it is not a local number.' };
  }
  const type = parsed.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') {
    return { ok: false, reason: 'not-mobile', message: 'This number cannot receive text messages. Enter a mobile number.' };
  }
  return { ok: true, e164: parsed.number };
}
