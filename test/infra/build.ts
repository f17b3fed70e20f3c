import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { buildApp, type BlinkApp } from '../../infra/app.js';
import { ConfigurationError, loadConfig } from '../../infra/config.js';
import { startedForSuite } from '../support/suite-resource.js';

/** A few files standing in for the built app, so the infra tier runs without building it. */
export const appFixtureDir = join(__dirname, 'fixtures', 'app');
/** Likewise for the admin portal's page and files. */
export const portalFilesDir = join(__dirname, 'fixtures', 'portal');

/** Builds the app the way the CLI does, without bundling (fast); `context` holds `-c` style overrides. */
export function buildTestApp(context: Record<string, unknown> = {}): BlinkApp {
  return buildApp({ 'aws:cdk:bundling-stacks': [], ...context }, { appFilesDir: appFixtureDir, portalFilesDir });
}

export interface Templates {
  data: Template;
  messaging: Template;
  directory: Template;
  api: Template;
  admin: Template;
  all: Template[];
}

/** Synthesizes every stack; cdk-nag runs during synthesis, so this throws on any unacknowledged finding. */
export function templatesOf(built: BlinkApp): Templates {
  const of = (stack: Stack) => Template.fromStack(stack);
  const templates = {
    data: of(built.data),
    messaging: of(built.messaging),
    directory: of(built.directory),
    api: of(built.api),
    admin: of(built.admin),
  };
  return { ...templates, all: Object.values(templates) };
}

export type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };

/** Every resource of a type, keyed by logical id, across the given templates. */
export function resourcesOfType(templates: Template[], type: string): [string, Resource][] {
  return templates.flatMap((template) => Object.entries(template.findResources(type) as Record<string, Resource>));
}

/** Our functions (not CDK's own custom-resource handlers), by their Powertools service name. */
export function blinkFunctions(templates: Template[]): Map<string, [string, Resource]> {
  const functions = new Map<string, [string, Resource]>();
  for (const [id, resource] of resourcesOfType(templates, 'AWS::Lambda::Function')) {
    const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    const service = variables?.POWERTOOLS_SERVICE_NAME;
    if (typeof service === 'string' && service.startsWith('blink-')) functions.set(service, [id, resource]);
  }
  return functions;
}

export const envOf = (resource: Resource) =>
  ((resource.Properties?.Environment as { Variables: Record<string, unknown> }).Variables ?? {}) as Record<
    string,
    unknown
  >;

/** One of our functions, by its Powertools service name (e.g. blink-directory-worker); fails loudly when absent. */
export function functionOf(templates: { all: Template[] }, service: string): Resource {
  const [, resource] = blinkFunctions(templates.all).get(service) ?? [];
  if (!resource) throw new Error(`no function ${service}`);
  return resource;
}

/** The environment of one of our functions, by its Powertools service name (e.g. blink-directory-worker). */
export function functionEnvOf(templates: { all: Template[] }, service: string): Record<string, unknown> {
  return envOf(functionOf(templates, service));
}

/** The directory worker's environment. */
export const workerEnvOf = (templates: { all: Template[] }) => functionEnvOf(templates, 'blink-directory-worker');

/** The one resource of a type (whose logical id starts with `idPrefix`); fails loudly when there are more or none. */
export function theOnly(templates: Template[], type: string, idPrefix = ''): Resource {
  const matches = resourcesOfType(templates, type).filter(([id]) => id.startsWith(idPrefix));
  const [first] = matches;
  if (matches.length !== 1 || !first) throw new Error(`expected one ${type} ${idPrefix}*, found ${matches.length}`);
  return first[1];
}

// Template's own assertion methods, under names the lint rule recognizes as assertions.
export const expectProperties = (template: Template, type: string, props: unknown) =>
  template.hasResourceProperties(type, props);
export const expectResource = (template: Template, type: string, props: unknown) => template.hasResource(type, props);
export const expectOutput = (template: Template, id: string, props: unknown) => template.hasOutput(id, props);
export const expectCount = (template: Template, type: string, count: number) => template.resourceCountIs(type, count);

/** An alarm on a metric the directory worker emits that notifies the alarm topic; `props` adds its statistic and rule. */
export const expectDirectoryWorkerAlarm = (template: Template, metricName: string, props: Record<string, unknown>) =>
  expectProperties(template, 'AWS::CloudWatch::Alarm', {
    MetricName: metricName,
    Namespace: 'Blink',
    // The worker's Powertools service name: otherwise the alarm watches a metric nobody writes.
    Dimensions: [{ Name: 'service', Value: 'blink-directory-worker' }],
    Threshold: 1,
    EvaluationPeriods: 1,
    AlarmActions: [Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('AlarmTopic') })],
    ...props,
  });

/** The alarm rule for a failure metric: any occurrence in a period alarms, and a quiet period is fine. */
export const alarmsOnAnyOccurrence = {
  Statistic: 'Sum',
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
};

/** An alarm on a failure metric of the directory worker: any occurrence alarms; `props` adds to that (e.g. Period). */
export const expectWorkerFailureAlarm = (template: Template, metricName: string, props: Record<string, unknown> = {}) =>
  expectDirectoryWorkerAlarm(template, metricName, { ...alarmsOnAnyOccurrence, ...props });

/** What loadConfig refuses in `context`, one line per problem; none for a valid context. */
export function configProblems(context: Record<string, unknown>): string[] {
  try {
    loadConfig((key) => context[key]);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
}

export type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

/** The IAM statements of the policies whose logical id starts with `policyIdPrefix` (a function's role policy). */
export function statementsOf(templates: Template[], policyIdPrefix: string): Statement[] {
  return resourcesOfType(templates, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith(policyIdPrefix))
    .flatMap(([, policy]) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** A statement's actions as a list (CloudFormation writes a single one as a string). */
export const actionsOf = (statement: Statement): string[] => [statement.Action].flat();

/**
 * Worker settings passed through: the environment holds `defaults` in `t` (the suite's app), and `configured` in an
 * app built with `context`.
 */
export function expectWorkerSettings(
  t: Templates,
  defaults: Record<string, unknown>,
  change: { context: Record<string, unknown>; configured: Record<string, unknown> },
): void {
  expect(workerEnvOf(t)).toMatchObject(defaults);
  expect(workerEnvOf(templatesOf(buildTestApp(change.context)))).toMatchObject(change.configured);
}

/** The app's templates (with `context`), synthesized once before the enclosing suite's tests. */
export function synthesizedForSuite(context: Record<string, unknown> = {}): Templates {
  return startedForSuite(
    'the synthesized app',
    async () => templatesOf(buildTestApp(context)),
    async () => {},
  );
}

export const portalTestDomain = 'blink-admin.corp.example.com';
export const portalTestCertificate =
  'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
export const portalTestIdpSecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:blink-idp-AbCdEf';

/** The admin portal with Entra ID over OIDC, Cognito's own sign-in host (a prefix). */
export const portalOidcContext = {
  portalIdpType: 'oidc',
  portalIdpName: 'EntraID',
  portalOidcIssuer: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0',
  portalOidcClientId: '11111111-aaaa-bbbb-cccc-222222222222',
  portalOidcClientSecretArn: portalTestIdpSecret,
  portalDomainName: portalTestDomain,
  portalCertificateArn: portalTestCertificate,
  portalAuthDomainPrefix: 'corp-blink-admin',
  portalTechnicianGroups: 'Blink Technicians;CN=Help Desk,OU=Groups,DC=corp,DC=example,DC=com',
};
