import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { envSections, parseEnv } from '../../shared/config/env.js';
import { apiEnvSections } from '../../shared/composition/api.js';
import { adminApiEnvSections, adminApiPortalEnvSections } from '../../shared/composition/admin-api.js';
import { directoryWorkerEnvSections } from '../../shared/composition/directory-worker.js';
import { inboundSmsEnvSections } from '../../shared/composition/inbound-sms.js';
import { webPushSenderEnvSections } from '../../shared/composition/web-push-sender.js';
import { blinkFunctions, envOf, functionOf, portalOidcContext, synthesizedForSuite } from './build.js';

// Each function's Lambda root parses the sections its composition module exports; the synthesized environment must
// pass exactly that parse, or the function fails at its first cold start instead of at synth time.
const sectionsByService = {
  'blink-api': apiEnvSections,
  'blink-inbound-sms': inboundSmsEnvSections,
  'blink-directory-worker': directoryWorkerEnvSections,
  'blink-admin-api': adminApiEnvSections,
  'blink-web-push-sender': webPushSenderEnvSections,
} as const;

/** With the portal on, the admin function's root also parses the help-desk sections (functions/admin-api/index.ts). */
const sectionsOf = (service: string, environment: Record<string, unknown>): readonly EnvSection[] =>
  service === 'blink-admin-api' && environment.PORTAL_OIDC_ISSUER !== undefined
    ? [...adminApiEnvSections, ...adminApiPortalEnvSections]
    : sectionsByService[service as keyof typeof sectionsByService];
type EnvSection = keyof typeof envSections;

/** Read by the Lambda runtime and Powertools, not by the function's own schema. */
const runtimeVariables = new Set([
  'NODE_OPTIONS',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_TRACER_CAPTURE_RESPONSE',
]);

/** A value resolved at deploy time (Ref, Fn::GetAtt, Fn::Join…) replaced by a plausible one of the same kind. */
function placeholderFor(name: string): string {
  if (name.endsWith('_URL')) return 'https://sqs.us-east-1.amazonaws.com/123456789012/placeholder';
  if (name.endsWith('_ISSUER')) return 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_placeholder';
  if (name.endsWith('_ARN') || name.endsWith('_ARNS'))
    return `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name.toLowerCase()}`;
  return `placeholder-${name.toLowerCase()}`;
}

function resolvedEnvironment(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : placeholderFor(name)]),
  );
}

describe.each([
  ['the default (demo) configuration', {}],
  [
    'SNS over HTTPS and keyword aliases',
    { snsHttpsTopicArns: 'arn:aws:sns:us-east-1:123456789012:blink-two-way', smsResetKeywords: 'RESTORE' },
  ],
  ['the admin portal behind an OIDC identity provider', portalOidcContext],
])('the synthesized functions with %s', (_, context) => {
  const t = synthesizedForSuite(context);

  it('are exactly the functions that have a composition module', () => {
    expect([...blinkFunctions(t.all).keys()].sort()).toEqual(Object.keys(sectionsByService).sort());
  });

  it.each(Object.entries(sectionsByService))('give %s an environment its own env schema accepts', (service) => {
    const resource = functionOf(t, service);
    expect(resource).toBeDefined();
    const environment = resolvedEnvironment(envOf(resource));
    expect(() => parseEnv(sectionsOf(service, environment), environment)).not.toThrow();
  });

  it.each(Object.entries(sectionsByService))('set no variable on %s that its schema does not read', (service) => {
    const resource = functionOf(t, service);
    const known = new Set<string>(
      sectionsOf(service, envOf(resource)).flatMap((section) => Object.keys(envSections[section])),
    );
    const unread = Object.keys(envOf(resource)).filter((name) => !runtimeVariables.has(name) && !known.has(name));
    expect(unread).toEqual([]);
  });
});
