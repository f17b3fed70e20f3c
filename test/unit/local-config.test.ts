import { envSections } from '../../shared/config/env.js';
import { productSettingNames, productSettingsFrom } from '../../local/config.js';

describe('local runtime: product settings passed to the handlers', () => {
  it('passes every product setting of the shared schema that is set, trimmed, and nothing else', () => {
    const env = {
      PRODUCT_NAME: '  Corp Reset ',
      RESET_FORCE_CHANGE: 'false',
      LOCKOUT_SCAN_WATERMARK_MAX_AGE_SECONDS: '0',
      SNS_HTTPS_TOPIC_ARNS: '',
      PORT: '3000',
      LDAP_BIND_PASSWORD: 'not a product setting',
      HOME: '/root',
    };
    expect(productSettingsFrom(env)).toEqual({
      PRODUCT_NAME: 'Corp Reset',
      RESET_FORCE_CHANGE: 'false',
      LOCKOUT_SCAN_WATERMARK_MAX_AGE_SECONDS: '0',
    });
  });

  it('knows the settings from the schema itself, so a new one needs no local change', () => {
    for (const name of [
      ...Object.keys(envSections.reset),
      ...Object.keys(envSections.inboundSms),
      ...Object.keys(envSections.lockoutAlert),
    ]) {
      expect(productSettingNames).toContain(name);
    }
    // Connection settings are the runtime's own business (its stand-ins and directory), never passed through.
    expect(productSettingNames).not.toContain('TABLE_NAME');
    expect(productSettingNames).not.toContain('LDAP_URLS');
  });
});
