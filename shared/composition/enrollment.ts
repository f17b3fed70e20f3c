import type { EnvOf } from '../config/env.js';
import { defaultCountryFrom, smsCountriesFrom } from '../domain/phone-number.js';
import type { EnrollmentSettings } from '../use-cases/enrollment/index.js';

/** The enrollment use cases' settings, read the same way by the api function and the local runtime. */
export function enrollmentSettingsFrom(env: EnvOf<'publicSite' | 'sms' | 'enrollment'>): EnrollmentSettings {
  const defaultCountry = defaultCountryFrom(env.DEFAULT_COUNTRY);
  const [firstOrigination] = env.SMS_ORIGINATION_IDENTITIES;
  const [publishedNumber = ''] = env.SMS_INBOUND_NUMBERS;
  return {
    publicBaseUrl: env.PUBLIC_BASE_URL,
    activationTtlHours: env.ACTIVATION_TTL_HOURS,
    defaultCountry,
    smsCountries: smsCountriesFrom(
      env.SMS_ALLOWED_COUNTRIES,
      [...env.SMS_INBOUND_NUMBERS, ...env.SMS_ORIGINATION_IDENTITIES],
      defaultCountry,
    ),
    publishedNumber,
    productName: env.PRODUCT_NAME,
    supportContact: env.SUPPORT_CONTACT,
    ...(firstOrigination ? { confirmationFrom: firstOrigination } : {}),
  };
}
