// The mobile-only metadata (~100 KB, against ~155 KB for "max"): with it a number is valid exactly when it is a
// mobile number (or one that may be mobile, as in the US and Canada), which is the one question Blink asks.
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/mobile';

export type { CountryCode };

export type MobileNumberResult =
  { ok: true; e164: string } | { ok: false; reason: 'invalid' | 'not-mobile'; message: string };

/**
 * Normalises what a user typed into E.164 and accepts only numbers that the metadata says can receive SMS on a
 * mobile line. Numbers that may be either fixed or mobile (as in the US and Canada) are accepted. A number of a
 * plausible length that is not a valid mobile number is reported as "not mobile" (landlines, toll-free numbers).
 */
export function normaliseMobileNumber(input: string, defaultCountry: CountryCode): MobileNumberResult {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry);
  if (!parsed || !parsed.isPossible()) {
    return {
      ok: false,
      reason: 'invalid',
      message: 'Enter a valid mobile number, including the country code if it is not a local number.',
    };
  }
  if (!parsed.isValid()) {
    return {
      ok: false,
      reason: 'not-mobile',
      message: 'This number cannot receive text messages. Enter a mobile number.',
    };
  }
  return { ok: true, e164: parsed.number };
}

/** The country calling code of an E.164 number ("1", "44"…), or "" when it cannot be told. */
export function countryCallingCodeOf(e164: string): string {
  return parsePhoneNumberFromString(e164)?.countryCallingCode ?? '';
}

/** Checks a configured default country against the metadata; throws a readable error at start-up when unknown. */
export function defaultCountryFrom(code: string): CountryCode {
  if (!isSupportedCountry(code))
    throw new Error(`DEFAULT_COUNTRY: ${code} is not a country code libphonenumber knows (e.g. US, GB, DE)`);
  return code;
}

/** The country of an E.164 number, or undefined when the number belongs to no single country (e.g. toll-free +1 8xx). */
export function countryOfNumber(e164: string): CountryCode | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

/**
 * The countries verification texts may be sent to: the configured list (SMS_ALLOWED_COUNTRIES) when set, else the
 * countries of Blink's own numbers plus the default country. A code sent abroad costs more and is the favourite of
 * SMS-pumping fraud, so nothing outside this list is ever texted a code.
 */
export function smsCountriesFrom(
  configured: readonly string[] | undefined,
  ownNumbers: readonly string[],
  defaultCountry: CountryCode,
): CountryCode[] {
  const countries = configured?.length
    ? configured.map((code) => {
        if (!isSupportedCountry(code))
          throw new Error(
            `SMS_ALLOWED_COUNTRIES: ${code} is not a country code libphonenumber knows (e.g. US, GB, DE)`,
          );
        return code;
      })
    : [
        defaultCountry,
        ...ownNumbers.map(countryOfNumber).filter((country): country is CountryCode => country !== undefined),
      ];
  return [...new Set(countries)];
}

/** "United States, Canada": country names for a message to a person. */
export function countryNames(countries: readonly CountryCode[]): string {
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  return countries.map((country) => names.of(country) ?? country).join(', ');
}

/** A number as people write it: "+1 855 391 7277". */
export function formatNumber(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
