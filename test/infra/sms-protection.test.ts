import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { Match } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../infra/config.js';
import {
  buildTestApp,
  configProblems,
  envOf,
  expectOutput,
  expectProperties,
  functionOf,
  synthesizedForSuite,
  type Templates,
  templatesOf,
  theOnly,
} from './build.js';

// SMS protection: verification SMS (and every other Blink SMS) go only to the allowed countries, enforced by End User
// Messaging's protect configuration on Blink's configuration set, and SMS spend is alarmed against a monthly budget.

type Rule = { CountryCode: string; ProtectStatus: string };

describe('SMS destinations and spend', () => {
  const t = synthesizedForSuite();

  const smsRules = (templates: Templates): Rule[] => {
    const protect = theOnly([templates.messaging], 'AWS::SMSVOICE::ProtectConfiguration');
    return (protect.Properties?.CountryRuleSet as { SMS: Rule[] }).SMS;
  };

  it('defaults the allowed countries to those of the configured numbers plus defaultCountry', () => {
    expect(loadConfig(() => undefined).smsAllowedCountries).toEqual(['US']);
    const config = loadConfig(
      (key) =>
        ({
          smsInboundNumbers: '+442079460018',
          smsOriginationIdentities: '+442079460018,pool-0123456789abcdef0123456789abcdef',
          defaultCountry: 'DE',
        })[key],
    );
    expect(config.smsAllowedCountries).toEqual(['DE', 'GB']);
  });

  it('accepts only two-letter upper-case country codes', () => {
    expect(loadConfig((key) => ({ smsAllowedCountries: 'US, CA,US' })[key]).smsAllowedCountries).toEqual(['CA', 'US']);
    expect(configProblems({ smsAllowedCountries: 'us' })).toEqual([
      expect.stringMatching(/^smsAllowedCountries\.0: must be a two-letter upper-case country code/),
    ]);
    expect(configProblems({ smsAllowedCountries: 'US,USA' })).toEqual([
      expect.stringMatching(/^smsAllowedCountries\.1: must be a two-letter upper-case/),
    ]);
    expect(configProblems({ smsAllowedCountries: 'ZZ' })).toEqual([
      expect.stringMatching(/^smsAllowedCountries\.0: must be an ISO 3166-1 alpha-2 country code/),
    ]);
    expect(configProblems({ smsMonthlySpendLimitUsd: '0' })).toEqual([
      expect.stringMatching(/^smsMonthlySpendLimitUsd:/),
    ]);
  });

  it("blocks every country but the allowed ones in a protect configuration on Blink's configuration set", () => {
    const rules = smsRules(t);
    expect(rules.filter((rule) => rule.ProtectStatus === 'ALLOW')).toEqual([
      { CountryCode: 'US', ProtectStatus: 'ALLOW' },
    ]);
    const blocked = rules.filter((rule) => rule.ProtectStatus === 'BLOCK').map((rule) => rule.CountryCode);
    expect(blocked.length).toBeGreaterThan(200);
    for (const country of ['GB', 'DE', 'CA', 'CU', 'LV', 'UZ']) expect(blocked).toContain(country);
    expect(new Set(rules.map((rule) => rule.CountryCode)).size).toBe(rules.length);
    expectProperties(t.messaging, 'AWS::SMSVOICE::ConfigurationSet', {
      ProtectConfigurationId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^SmsProtectConfiguration'), 'ProtectConfigurationId'],
      },
    });
  });

  it('allows exactly the configured countries', () => {
    const configured = templatesOf(buildTestApp({ smsAllowedCountries: 'US,CA,GB' }));
    const allowed = smsRules(configured)
      .filter((rule) => rule.ProtectStatus === 'ALLOW')
      .map((rule) => rule.CountryCode);
    expect(allowed).toEqual(['CA', 'GB', 'US']);
  });

  it('passes the allowed countries to the api function, which texts the verification codes', () => {
    const api = functionOf(t, 'blink-api');
    expect(envOf(api).SMS_ALLOWED_COUNTRIES).toBe('US');
    const configured = templatesOf(buildTestApp({ smsAllowedCountries: 'US,CA' }));
    const configuredApi = functionOf(configured, 'blink-api');
    expect(envOf(configuredApi).SMS_ALLOWED_COUNTRIES).toBe('CA,US');
  });

  it("alarms at 80 % of the monthly SMS budget on End User Messaging's spend metric, and prints the limit command", () => {
    expectProperties(t.messaging, 'AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SMSVoice',
      MetricName: 'TextMessageMonthlySpend',
      Statistic: 'Maximum',
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
    expectOutput(t.messaging, 'SmsSpendLimitCommand', {
      Value: {
        'Fn::Join': [
          '',
          [
            'aws pinpoint-sms-voice-v2 set-text-message-spend-limit-override --monthly-limit 100 --region ',
            { Ref: 'AWS::Region' },
          ],
        ],
      },
    });
    const configured = templatesOf(buildTestApp({ smsMonthlySpendLimitUsd: '250' }));
    expectProperties(configured.messaging, 'AWS::CloudWatch::Alarm', {
      MetricName: 'TextMessageMonthlySpend',
      Threshold: 200,
    });
  });
});
