import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { buildTestApp, configProblems, functionEnvOf, templatesOf } from './build.js';

/** Settings an ops team sets at deploy time for resets and the setup page reach the functions that use them. */
describe('reset and setup settings from cdk context', () => {
  const functionEnv = (context: Record<string, unknown>, name: string) =>
    functionEnvOf(templatesOf(buildTestApp(context)), name);

  it('defaults to force-change and unlock on reset, a 15-character minimum (NIST 800-63B rev 4), US numbers, and no app-store settings', () => {
    expect(functionEnv({}, 'blink-directory-worker')).toMatchObject({
      RESET_FORCE_CHANGE: 'true',
      RESET_UNLOCK_ON_RESET: 'true',
      PASSWORD_MIN_LENGTH: '15',
      REPLICATION_CONFIRM_SECONDS: '10',
    });
    const api = functionEnv({}, 'blink-api');
    expect(api).toMatchObject({ DEFAULT_COUNTRY: 'US' });
    // The verification SMS links the web app at PUBLIC_BASE_URL/app/: there is no store app to link.
    expect(api).not.toHaveProperty('APP_STORE_URL');
    expect(api).not.toHaveProperty('PLAY_STORE_URL');
  });

  it('passes the configured values, each to the function that uses it only', () => {
    const context = {
      resetForceChange: 'false',
      resetUnlocks: 'false',
      passwordMinLength: '16',
      replicationConfirmSeconds: '0',
      defaultCountry: 'GB',
    };
    const worker = functionEnv(context, 'blink-directory-worker');
    const api = functionEnv(context, 'blink-api');
    expect(worker).toMatchObject({
      RESET_FORCE_CHANGE: 'false',
      RESET_UNLOCK_ON_RESET: 'false',
      PASSWORD_MIN_LENGTH: '16',
      REPLICATION_CONFIRM_SECONDS: '0',
    });
    expect(api).toMatchObject({ DEFAULT_COUNTRY: 'GB' });
    expect(api).not.toHaveProperty('RESET_FORCE_CHANGE');
    expect(worker).not.toHaveProperty('DEFAULT_COUNTRY');
  });

  it('refuses values the functions would refuse at cold start', () => {
    expect(configProblems({ passwordMinLength: '6' })).toEqual([expect.stringMatching(/^passwordMinLength:/)]);
    expect(configProblems({ defaultCountry: 'usa' })).toEqual([
      expect.stringMatching(/^defaultCountry: must be a two-letter country code/),
    ]);
    expect(configProblems({ resetForceChange: 'maybe' })).toEqual([expect.stringMatching(/^resetForceChange:/)]);
    // Longer would eat into the worker's 60 s timeout.
    expect(configProblems({ replicationConfirmSeconds: '21' })).toEqual([
      expect.stringMatching(/^replicationConfirmSeconds:/),
    ]);
  });
});
