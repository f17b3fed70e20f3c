import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { appPageHeaders } from '../functions/api/routes/pages.js';
import { appOutDir } from '../scripts/build-app.js';
import { portalOutDir } from '../scripts/build-web-assets.js';
import { portalPageHeaders } from '../functions/admin-api/portal.js';
import { ConfigurationError, loadConfig, type BlinkConfig } from './config.js';
import { AdminStack } from './stacks/admin-stack.js';
import { ApiStack } from './stacks/api-stack.js';
import { DataStack, GSI1 } from './stacks/data-stack.js';
import { DirectoryStack } from './stacks/directory-stack.js';
import { MessagingStack } from './stacks/messaging-stack.js';

export interface BlinkApp {
  app: App;
  config: BlinkConfig;
  data: DataStack;
  messaging: MessagingStack;
  directory: DirectoryStack;
  api: ApiStack;
  admin: AdminStack;
}

export class AppNotBuiltError extends Error {
  constructor(dir: string) {
    super(`The Blink app is not built (no index.html in ${dir}): run \`npm run build:app\` first.`);
    this.name = 'AppNotBuiltError';
  }
}

export interface BuildOptions {
  /** The app's built files; tests pass a small fixture folder instead of building the app. */
  appFilesDir?: string;
  /** The portal's built files (`npm run build:web`); tests pass a fixture folder. */
  portalFilesDir?: string;
}

/**
 * Builds the whole app. The CLI passes context through the environment; tests pass it here (for example
 * `{ 'aws:cdk:bundling-stacks': [] }` to skip bundling). Throws ConfigurationError listing every bad context value.
 */
export function buildApp(context: Record<string, unknown> = {}, options: BuildOptions = {}): BlinkApp {
  const app = new App({ context });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const appFilesDir = options.appFilesDir ?? appOutDir;
  if (!existsSync(join(appFilesDir, 'index.html'))) throw new AppNotBuiltError(appFilesDir);
  const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
  const version = readVersion();
  // Environment-agnostic stacks: synth needs no AWS credentials; the account and region come from the deploy profile.
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

  const data = new DataStack(app, 'BlinkData', { env, removalPolicy, description: 'Blink: table, secrets, keys' });
  const messaging = new MessagingStack(app, 'BlinkMessaging', {
    env,
    config,
    removalPolicy,
    description: 'Blink: job queue, schedules, SMS and email configuration, alarm topic',
  });
  // What every stack of functions is given (FunctionStackProps), then what the public API and the worker share.
  const functionStack = {
    env,
    config,
    version,
    removalPolicy,
    table: data.table,
    tableIndexes: [GSI1],
    alarmTopic: messaging.alarmTopic,
  };
  const shared = {
    ...functionStack,
    jobQueue: messaging.jobQueue,
    tokenHmacSecret: data.tokenHmacSecret,
    vapidSecret: data.vapidSecret,
    email: messaging.email,
    sms: messaging.sms,
  };
  const api = new ApiStack(app, 'BlinkApi', {
    ...shared,
    description: 'Blink: public REST API behind WAF, inbound SMS subscriber',
    inboundSmsTopic: messaging.inboundSmsTopic,
    inboundSmsFailures: messaging.inboundSmsFailures,
    appFiles: { sourceDir: appFilesDir, headers: appPageHeaders, pageRoutes: ['enroll'] },
  });
  const directory = new DirectoryStack(app, 'BlinkDirectory', {
    ...shared,
    description: 'Blink: directory worker (the only part that talks to AD)',
    directoryBindSecret: data.directoryBindSecret,
    webPushQueue: messaging.webPushQueue,
    // Activation links in the worker's emails start with the public API's base URL.
    publicBaseUrl: api.publicBaseUrl,
  });
  const admin = new AdminStack(app, 'BlinkAdmin', {
    ...functionStack,
    worker: directory.worker,
    email: messaging.email,
    jobQueue: messaging.jobQueue,
    webPushQueue: messaging.webPushQueue,
    sms: messaging.sms,
    tokenHmacSecret: data.tokenHmacSecret,
    portalFiles: { sourceDir: options.portalFilesDir ?? portalOutDir, headers: portalPageHeaders },
    description: 'Blink: IAM-authorized admin API (activation, enrollments, revocation)',
  });
  // The public API's stack sets up the account's API Gateway logging role, which the admin stage's logs need.
  admin.addStackDependency(api);

  Tags.of(app).add('project', 'blink');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, config, data, messaging, directory, api, admin };
}

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'dev';
}

if (require.main === module) {
  try {
    buildApp().app.synth();
  } catch (error) {
    if (!(error instanceof ConfigurationError || error instanceof AppNotBuiltError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
