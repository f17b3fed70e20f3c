import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Agent } from 'node:https';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod';
import type { InboundSms } from '../shared/domain/inbound-sms.js';
import type { Clock } from '../shared/ports/clock.js';
import type { HttpsGet } from '../shared/adapters/sns/message-verifier.js';
import { errorResponse, jsonResponse } from '../shared/http/responses.js';
import { NotFoundError, ValidationError } from '../shared/domain/errors.js';
import { parseJson } from '../shared/validation/parse-json.js';
import { generateVapidKeys } from '../shared/domain/web-push.js';
import { removeAdminFile, writeAdminFile } from './admin-file.js';
import { servePortalFile } from './portal-files.js';
import { serveApp } from './app-files.js';
import { BodyTooLargeError, readBody, toApiGatewayEvent, writeProxyResult } from './api-gateway-bridge.js';
import { composeLocalBlink, type DirectorySettings, type LocalComposition } from './compose.js';
import { parseLocalEnv, productSettingsFrom, realDirectoryFrom } from './config.js';
import { consoleHeaders, renderConsolePage, type ConsoleData, type ConsoleInboundSms } from './console/page.js';
import { startDemoDirectory, type DemoDirectoryServer } from './demo-directory/server.js';
import { demoUsers } from './demo-directory/seed.js';
import { lockOutDemoUser } from './demo-lockout.js';
import { createLambdaContext } from './lambda-context.js';
import { functionTimeoutMs } from '../shared/composition/timeouts.js';
import { deviceActionRoute, isCrossSiteRequest, SimulatedDevices } from './simulated-devices.js';
import { startSqsPoller, type SqsPollerOptions } from './sqs-poller.js';
import { startDynamoDb } from './stand-ins/dynamodb.js';
import { startSes, type SesStandIn } from './stand-ins/ses.js';
import { startSmsVoice, type SmsVoiceStandIn } from './stand-ins/sms-voice.js';
import { closeServer, listenOnLoopback, portOf } from './stand-ins/listen.js';
import { startSqs } from './stand-ins/sqs.js';
import { inboundSmsNotification } from './stand-ins/lambda-failure-record.js';
import { startLocalIdentityProvider, type LocalIdentityProvider } from './idp/local-idp.js';
import { nextLocalHour } from '../shared/use-cases/expiry-reminders/index.js';

export interface LocalBlinkOptions {
  /** Environment to read settings from (default: process.env). Explicit options below win over it. */
  env?: Record<string, string | undefined>;
  /** HTTP port on 127.0.0.1 (default PORT or 3000; 0 picks a free one). */
  port?: number;
  publicBaseUrl?: string;
  lockoutScanIntervalSeconds?: number;
  queue?: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number };
  /** 'demo' (the in-process demo directory) or a real directory; default: real when LDAP_* are set, else demo. */
  directory?: 'demo' | DirectorySettings;
  /** Time source of the handlers (tests pass a manual clock to step over expiry); the system clock by default. */
  clock?: Clock;
  /** HTTPS GET of the SNS HTTPS route (signing certificates, SubscribeURL); tests serve a test certificate. */
  fetchHttps?: HttpsGet;
  /** TLS agent of the Web Push requests (tests: one that trusts their loopback push service's CA). */
  webPushAgent?: Agent;
  /** Where run files (the demo CA) go; default: a fresh folder under .local/ at the repository root. */
  stateRoot?: string;
  /** Bearer token for the admin routes; default LOCAL_ADMIN_TOKEN, else a random one (see `adminToken`). */
  adminToken?: string;
  /**
   * Where to leave the admin URL and token for `npm run admin` (owner-only; removed on stop). npm start passes
   * local/admin-file.ts's DEFAULT_ADMIN_FILE; unset, no file is written (tests start many runtimes at once).
   */
  adminFile?: string;
  /** How long the console's simulated app waits for the worker's answer to a reset or unlock (default 20 s). */
  appAnswerTimeoutMs?: number;
  /**
   * The admin portal's identity provider when PORTAL_OIDC_ISSUER is not set: 'local' starts the embedded one (npm start
   * does), signing people in with their directory account; 'none' (default) leaves the portal off.
   */
  identityProvider?: 'local' | 'none';
}

export interface SentSmsView {
  to: string;
  from?: string;
  body: string;
  at: string;
}

export interface SentEmailView {
  to: string;
  subject: string;
  text: string;
  html: string;
  at: string;
}

export interface LocalBlink {
  /** Base URL of the API (the HTTP bridge), e.g. http://127.0.0.1:3000 */
  url: string;
  consoleUrl: string;
  port: number;
  publicBaseUrl: string;
  services: { dynamodb: string; sqs: string; ses: string; sms: string; directory: string };
  queue: { queueUrl: string; queueArn: string; deadLetterQueueUrl: string; deadLetterQueueArn: string };
  directory: { kind: 'demo'; server: DemoDirectoryServer } | { kind: 'real'; urls: string };
  composition: LocalComposition;
  /** The embedded identity provider of the admin portal, when started. */
  identityProvider?: LocalIdentityProvider;
  /** What `Authorization: Bearer …` the admin routes (/admin/…) require; stands in for IAM authorization. */
  adminToken: string;
  /** True when the token was generated for this run (npm start prints it). */
  adminTokenGenerated: boolean;
  listSms(): SentSmsView[];
  listEmails(): Promise<SentEmailView[]>;
  inboundMessages(): ConsoleInboundSms[];
  /** The SMS stand-in itself: tests put numbers on the carrier's opt-out list or make sends fail. */
  smsStandIn: SmsVoiceStandIn;
  /** The SES stand-in itself: tests make sends to one address fail. */
  sesStandIn: SesStandIn;
  stop(): Promise<void>;
}

const REPOSITORY_ROOT = path.resolve(__dirname, '..');
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#2b6cb0"/></svg>';

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be a phone number in E.164 form, such as +12065550123');

/**
 * Starts Blink on this machine: the AWS stand-ins, the directory, the HTTP bridge to the API handler, the job queue
 * poller feeding the directory worker, the lockout-scan schedule, and the console at /_local.
 */
export async function startLocalBlink(options: LocalBlinkOptions = {}): Promise<LocalBlink> {
  const settings = parseLocalEnv(options.env ?? process.env);
  // Powertools reads these from the process environment; locally there is no CloudWatch EMF consumer.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  const logger = new Logger({ serviceName: 'blink-local' });

  const cleanups: Array<() => Promise<unknown>> = [];
  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) =>
        logger.warn('stopping a local component failed', { error: String(error) }),
      );
    }
  };

  try {
    const stateRoot = options.stateRoot ?? path.join(REPOSITORY_ROOT, '.local');
    await mkdir(stateRoot, { recursive: true });
    const stateDir = await mkdtemp(path.join(stateRoot, 'run-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));

    // The HTTP server listens first, so that the public base URL (which needs the port) is known to the handlers.
    const routing: { handle?: ReturnType<typeof createRequestHandler> } = {};
    const server = createServer((request, response) => {
      if (routing.handle) void routing.handle(request, response);
      else
        sendJson(response, 503, { error: { code: 'STARTING', message: 'Blink is starting; try again in a moment.' } });
    });
    const url = await listenOnLoopback(server, options.port ?? settings.PORT);
    const port = portOf(server);
    cleanups.push(() => closeServer(server));
    // localhost, not 127.0.0.1: WebAuthn refuses an IP address as its relying party id, and the app derives its RP id
    // from this URL. The server still answers on 127.0.0.1 (allowedHostsFor).
    const publicBaseUrl = options.publicBaseUrl ?? settings.PUBLIC_BASE_URL ?? `http://localhost:${port}`;

    const [dynamodb, sqs, ses, sms] = await Promise.all([startDynamoDb(), startSqs(), startSes(), startSmsVoice()]);
    cleanups.push(
      () => dynamodb.stop(),
      () => sqs.stop(),
      () => ses.stop(),
      () => sms.stop(),
    );

    const requested = options.directory ?? realDirectoryFrom(settings) ?? 'demo';
    let directory: LocalBlink['directory'];
    let directorySettings: DirectorySettings;
    if (requested === 'demo') {
      const demo = await startDemoDirectory();
      cleanups.push(() => demo.stop());
      const caFile = path.join(stateDir, 'demo-directory-ca.pem');
      await writeFile(caFile, demo.caPem, { mode: 0o600 });
      directory = { kind: 'demo', server: demo };
      directorySettings = {
        urls: demo.url,
        baseDn: demo.baseDn,
        bindDn: demo.bindDn,
        bindPassword: demo.bindPassword,
        caFile,
        startTls: false,
      };
    } else {
      directory = { kind: 'real', urls: requested.urls };
      directorySettings = requested;
    }

    // The admin portal: the organisation's IdP when PORTAL_OIDC_ISSUER is set, else the embedded one when asked for.
    const productSettings = productSettingsFrom(options.env ?? process.env);
    let identityProvider: LocalIdentityProvider | undefined;
    if (!productSettings['PORTAL_OIDC_ISSUER'] && options.identityProvider === 'local') {
      const portalBaseUrl = productSettings['PORTAL_BASE_URL'] ?? url;
      identityProvider = await startLocalIdentityProvider({
        directory: directorySettings,
        redirectUris: [`${portalBaseUrl}/admin/portal/callback`],
      });
      cleanups.push(() => identityProvider?.stop() ?? Promise.resolve());
      Object.assign(productSettings, {
        PORTAL_BASE_URL: portalBaseUrl,
        PORTAL_OIDC_ISSUER: identityProvider.issuer,
        PORTAL_OIDC_CLIENT_ID: identityProvider.clientId,
        PORTAL_OIDC_CLIENT_SECRET: identityProvider.clientSecret,
      });
    }

    const inbound: ConsoleInboundSms[] = [];
    const composition = await composeLocalBlink({
      endpoints: { dynamodb: dynamodb.endpoint, sqs: sqs.endpoint, ses: ses.endpoint, sms: sms.endpoint },
      directory: directorySettings,
      publicBaseUrl,
      version: settings.BLINK_VERSION,
      emailFrom: settings.EMAIL_FROM,
      smsOriginationIdentities: settings.SMS_ORIGINATION_IDENTITIES,
      smsInboundNumbers: settings.SMS_INBOUND_NUMBERS,
      tokenHmacKey: settings.TOKEN_HMAC_KEY ?? randomBytes(32).toString('base64'),
      enrollmentEnv: productSettings,
      ...(options.fetchHttps ? { fetchHttps: options.fetchHttps } : {}),
      // A new VAPID key pair per start, as TOKEN_HMAC_KEY: subscriptions die with the in-memory table anyway.
      vapidKeys: generateVapidKeys(),
      ...(options.webPushAgent ? { webPushAgent: options.webPushAgent } : {}),
      tableName: 'blink-local',
      ...(options.clock ? { clock: options.clock } : {}),
      queue: {
        name: 'blink-directory-jobs',
        visibilityTimeoutSeconds: options.queue?.visibilityTimeoutSeconds ?? settings.JOB_VISIBILITY_TIMEOUT_SECONDS,
        maxReceiveCount: options.queue?.maxReceiveCount ?? settings.JOB_MAX_RECEIVE_COUNT,
      },
      onInboundSms: (message: InboundSms) =>
        inbound.push({
          from: message.originationNumber,
          to: message.destinationNumber,
          body: message.messageBody,
          inboundMessageId: message.inboundMessageId,
          at: new Date().toISOString(),
        }),
    });
    cleanups.push(() => composition.close());

    // Lambda's event source mappings, locally: each queue's messages go to its function's handler.
    const pollInto = (
      queue: { queueUrl: string; queueArn: string },
      functionName: 'directory-worker' | 'web-push-sender',
      handler: SqsPollerOptions['handler'],
    ) => {
      const poller = startSqsPoller({
        client: composition.sqsClient,
        queueUrl: queue.queueUrl,
        queueArn: queue.queueArn,
        handler,
        createContext: () => createLambdaContext(`blink-${functionName}`, functionTimeoutMs(functionName)),
        onError: (message, error) => logger.error(message, { error: describe(error) }),
      });
      cleanups.push(() => poller.stop());
    };
    pollInto(composition.queue, 'directory-worker', (event, context) =>
      composition.handlers.directoryWorker(event, context),
    );
    // The sender posts what the worker queued.
    pollInto(composition.webPushQueue, 'web-push-sender', (event, context) =>
      composition.handlers.webPushSender(event, context),
    );

    // The EventBridge schedule, locally: a lockout-scan job on the queue every interval.
    const intervalMs = (options.lockoutScanIntervalSeconds ?? settings.LOCKOUT_SCAN_INTERVAL_SECONDS) * 1000;
    const schedule = setInterval(() => {
      composition.adapters.jobQueue
        .enqueue({ kind: 'lockout-scan', jobId: randomUUID(), requestedAt: new Date().toISOString() })
        .catch((error: unknown) =>
          logger.error('could not enqueue the scheduled lockout scan', { error: describe(error) }),
        );
    }, intervalMs);
    cleanups.push(async () => clearInterval(schedule));

    // The daily password-expiry schedule, locally: a password-expiry-scan job at PASSWORD_EXPIRY_REMINDER_HOUR in the
    // deployment's zone (LOCKOUT_ALERT_TIME_ZONE), as the EventBridge Scheduler cron does deployed.
    let expiryTimer: NodeJS.Timeout | undefined;
    const scheduleExpiryRun = () => {
      const next = nextLocalHour(
        new Date(),
        settings.PASSWORD_EXPIRY_REMINDER_HOUR,
        composition.env.LOCKOUT_ALERT_TIME_ZONE,
      );
      expiryTimer = setTimeout(() => {
        composition.adapters.jobQueue
          .enqueue({ kind: 'password-expiry-scan', jobId: randomUUID(), requestedAt: new Date().toISOString() })
          .catch((error: unknown) =>
            logger.error('could not enqueue the scheduled password expiry scan', { error: describe(error) }),
          );
        scheduleExpiryRun();
      }, next.getTime() - Date.now());
    };
    scheduleExpiryRun();
    cleanups.push(async () => clearTimeout(expiryTimer));

    const listSms = (): SentSmsView[] =>
      sms.listMessages().map((message) => ({
        to: message.to,
        ...(message.from ? { from: message.from } : {}),
        body: message.body,
        at: message.at.toISOString(),
      }));
    const listEmails = () => listEmailViews(ses);

    const consoleAssets = {
      script: await readFile(path.join(__dirname, 'console', 'console.js')),
      style: await readFile(path.join(__dirname, 'console', 'console.css')),
    };

    const services = {
      dynamodb: dynamodb.endpoint,
      sqs: sqs.endpoint,
      ses: ses.endpoint,
      sms: sms.endpoint,
      directory: directorySettings.urls,
    };
    const serviceList = () => [
      { name: 'API', url },
      { name: 'Console', url: `${url}/_local` },
      { name: 'Public base URL (links in messages)', url: publicBaseUrl },
      { name: 'DynamoDB (dynalite)', url: services.dynamodb },
      { name: 'SQS (fauxqs)', url: services.sqs },
      { name: 'Job queue', url: composition.queue.queueUrl },
      { name: 'Job dead-letter queue', url: composition.queue.deadLetterQueueUrl },
      { name: 'Web Push queue', url: composition.webPushQueue.queueUrl },
      { name: 'Web Push dead-letter queue', url: composition.webPushQueue.deadLetterQueueUrl },
      { name: 'SES v2 (aws-ses-v2-local, web viewer)', url: services.ses },
      { name: 'End User Messaging SMS (loopback SendTextMessage)', url: services.sms },
      { name: directory.kind === 'demo' ? 'Directory (demo, LDAPS)' : 'Directory (real)', url: services.directory },
      ...(identityProvider
        ? [
            { name: 'Admin portal', url: `${url}/admin/` },
            { name: 'Identity provider (local, OpenID)', url: identityProvider.issuer },
          ]
        : []),
    ];

    // The console's simulated phones: the reference device client, keys in memory, requests to this runtime's own URL.
    const simulatedDevices = new SimulatedDevices({
      apiUrl: url,
      publicBaseUrl,
      now: () => composition.adapters.clock.now().getTime(),
      deviceRecord: (deviceId) => composition.adapters.deviceStore.get(deviceId),
      answerTimeoutMs: options.appAnswerTimeoutMs ?? 20_000,
    });

    const configuredAdminToken = options.adminToken ?? settings.LOCAL_ADMIN_TOKEN;
    const adminToken = configuredAdminToken ?? randomBytes(32).toString('base64url');

    routing.handle = createRequestHandler({
      composition,
      adminToken,
      publicBaseUrl,
      allowedHosts: allowedHostsFor(port, publicBaseUrl),
      consoleAssets,
      listSms,
      listEmails,
      inbound,
      simulatedDevices,
      lockOutDemoUser:
        directory.kind === 'demo' ? (samAccountName) => lockOutDemoUser(directory.server, samAccountName) : undefined,
      consoleData: async (): Promise<ConsoleData> => ({
        apiUrl: url,
        jobs: await jobQueueDepths(composition),
        inboundNumbers: composition.env.SMS_INBOUND_NUMBERS,
        services: serviceList(),
        sms: listSms(),
        inbound: [...inbound],
        email: await listEmails(),
        push: composition.adapters.pushSender.list().map((push) => ({ ...push, at: push.at.toISOString() })),
        devices: await simulatedDevices.list(),
        directory:
          directory.kind === 'demo'
            ? {
                kind: 'demo',
                users: demoUsers.map((user) => ({
                  ...user,
                  locked: directory.kind === 'demo' && isLocked(directory.server, user.samAccountName),
                })),
              }
            : { kind: 'real', urls: directory.urls },
      }),
      logger,
    });

    if (options.adminFile) {
      const adminFile = options.adminFile;
      await writeAdminFile(adminFile, { url, token: adminToken, pid: process.pid });
      cleanups.push(() => removeAdminFile(adminFile));
    }

    let stopping: Promise<void> | undefined;
    return {
      url,
      consoleUrl: `${url}/_local`,
      port,
      publicBaseUrl,
      services,
      queue: composition.queue,
      directory,
      composition,
      ...(identityProvider ? { identityProvider } : {}),
      adminToken,
      adminTokenGenerated: configuredAdminToken === undefined,
      listSms,
      listEmails,
      inboundMessages: () => [...inbound],
      smsStandIn: sms,
      sesStandIn: ses,
      stop: () => (stopping ??= runCleanups()),
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}

function isLocked(demo: DemoDirectoryServer, samAccountName: string): boolean {
  const locked = new Set(demo.directory.lockedAccounts().map((dn) => dn.toLowerCase()));
  return [...locked].some(
    (dn) => demo.directory.get(dn)?.attributes.get('samaccountname')?.values[0]?.toString() === samAccountName,
  );
}

async function listEmailViews(ses: SesStandIn): Promise<SentEmailView[]> {
  return (await ses.listEmails()).map((email) => ({
    to: email.destination.to.join(', '),
    subject: email.subject,
    text: email.body.text ?? '',
    html: email.body.html ?? '',
    at: new Date(email.at * 1000).toISOString(),
  }));
}

/** A JSON request to the console's API: its body's schema and size limit, its name and an example for the errors. */
interface ConsoleJsonRequest<Schema extends z.ZodType> {
  schema: Schema;
  maxBytes: number;
  what: string;
  example: string;
}

const inboundSmsRequest = {
  schema: z.object({
    from: e164,
    to: e164.optional(),
    body: z.string().min(1, 'must not be empty').max(1600, 'must be at most 1600 characters'),
    /** To replay a message (SNS delivers at least once); a fresh id when absent. */
    inboundMessageId: z.string().min(1).max(200).optional(),
  }),
  maxBytes: 64 * 1024,
  what: 'inbound SMS',
  example: '{"from": "+12065550123", "to": "+18553917277", "body": "RESET"}',
};

const lockRequest = {
  schema: z.object({
    samAccountName: z.enum(demoUsers.map((user) => user.samAccountName) as [string, ...string[]]),
  }),
  maxBytes: 4 * 1024,
  what: 'request',
  example: '{"samAccountName": "jane.doe"}',
};

/** Jobs a person may put on the queue from the console (reset and unlock come from the product's own flows). */
const jobRequest = {
  schema: z.object({ kind: z.enum(['ping', 'lockout-scan', 'password-expiry-scan']) }),
  maxBytes: 4 * 1024,
  what: 'job',
  example: '{"kind": "ping"}, {"kind": "lockout-scan"} or {"kind": "password-expiry-scan"}',
};

async function readConsoleRequest<Schema extends z.ZodType>(
  request: IncomingMessage,
  expected: ConsoleJsonRequest<Schema>,
): Promise<z.output<Schema>> {
  const body = (await readBody(request, expected.maxBytes)).toString('utf8');
  return parseJson(expected.schema, body, expected.what, expected.example);
}

async function jobQueueDepths(composition: LocalComposition) {
  const depth = async (queueUrl: string) => {
    const { Attributes = {} } = await composition.sqsClient.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  };
  return {
    queue: await depth(composition.queue.queueUrl),
    deadLetter: await depth(composition.queue.deadLetterQueueUrl),
  };
}

/**
 * The Host values this runtime answers for: 127.0.0.1 and localhost on its own port, and the public base URL's host
 * (with its port, or its scheme's default port). Anything else is a DNS-rebinding page (a hostile name resolved to
 * 127.0.0.1) or a misdirected request, and gets a 421 on every route.
 */
export function allowedHostsFor(port: number, publicBaseUrl: string): ReadonlySet<string> {
  const publicUrl = new URL(publicBaseUrl);
  const publicDefaultPort = publicUrl.protocol === 'https:' ? '443' : '80';
  const candidates = [
    `127.0.0.1:${port}`,
    `localhost:${port}`,
    publicUrl.host,
    `${publicUrl.hostname}:${publicUrl.port || publicDefaultPort}`,
  ];
  return new Set(candidates.map(normalizedHost).filter((host): host is string => host !== undefined));
}

/** A Host header as `hostname[:port]`, lower case, port 80 left out (as an http URL writes it); undefined if malformed. */
export function normalizedHost(header: string | undefined): string | undefined {
  if (!header || !/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(header)) return undefined;
  try {
    return new URL(`http://${header}`).host.toLowerCase();
  } catch {
    return undefined;
  }
}

interface RequestHandlerDependencies {
  composition: LocalComposition;
  adminToken: string;
  publicBaseUrl: string;
  allowedHosts: ReadonlySet<string>;
  consoleAssets: { script: Buffer; style: Buffer };
  listSms: () => SentSmsView[];
  listEmails: () => Promise<SentEmailView[]>;
  inbound: ConsoleInboundSms[];
  simulatedDevices: SimulatedDevices;
  /** Wrong passwords against the demo directory until it locks the account; undefined with a real directory. */
  lockOutDemoUser: ((samAccountName: string) => Promise<number>) | undefined;
  consoleData: () => Promise<ConsoleData>;
  logger: Logger;
}

/** Routes /_local to the console and everything else through the API Gateway bridge to the API handler. */
function createRequestHandler(deps: RequestHandlerDependencies) {
  const domainName = new URL(deps.publicBaseUrl).hostname;

  /** What API Gateway's proxy integration does: the request as an event to the function, its result as the response. */
  const proxyToFunction = async (
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
    name: 'api' | 'admin-api',
    handler: (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>,
  ) => {
    const event = toApiGatewayEvent(request, body, { stage: 'local', domainName });
    const result = (await handler(
      event,
      createLambdaContext(`blink-${name}`, functionTimeoutMs(name)),
    )) as APIGatewayProxyResult;
    writeProxyResult(response, result);
  };

  const handleApi = async (request: IncomingMessage, response: ServerResponse) =>
    proxyToFunction(request, response, await readBody(request), 'api', deps.composition.handlers.api);

  // Stands in for API Gateway's IAM authorization of the deployed admin API: no valid bearer token, no admin route.
  const adminTokenDigest = createHash('sha256').update(deps.adminToken).digest();
  const handleAdmin = async (request: IncomingMessage, response: ServerResponse) => {
    const presented = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    // Digests have the same length whatever was sent, so the comparison takes constant time.
    if (!timingSafeEqual(createHash('sha256').update(presented).digest(), adminTokenDigest)) {
      sendJson(
        response,
        401,
        { error: { code: 'UNAUTHORIZED', message: 'Admin routes need Authorization: Bearer <LOCAL_ADMIN_TOKEN>.' } },
        {
          'www-authenticate': 'Bearer',
        },
      );
      return;
    }
    await proxyToFunction(
      request,
      response,
      await readBody(request, 256 * 1024),
      'admin-api',
      deps.composition.adminHandlers.adminApi,
    );
  };

  // The portal's routes: no bearer token, the admin API checks their session cookie (and CSRF token on changes).
  const handlePortal = async (request: IncomingMessage, response: ServerResponse) =>
    proxyToFunction(
      request,
      response,
      await readBody(request, 64 * 1024),
      'admin-api',
      deps.composition.adminHandlers.adminApi,
    );

  const sendInboundSms = async (request: IncomingMessage, response: ServerResponse) => {
    const sms = await readConsoleRequest(request, inboundSmsRequest);
    const [firstNumber = ''] = deps.composition.env.SMS_INBOUND_NUMBERS;
    const inboundMessageId = sms.inboundMessageId ?? randomUUID();
    const twoWayMessage = {
      originationNumber: sms.from,
      destinationNumber: sms.to ?? firstNumber,
      messageKeyword: sms.body.trim().split(/\s+/)[0]?.toUpperCase() ?? '',
      messageBody: sms.body,
      inboundMessageId,
    };
    await deps.composition.handlers.inboundSms(
      inboundSmsNotification(twoWayMessage),
      createLambdaContext('blink-inbound-sms', functionTimeoutMs('inbound-sms')),
    );
    sendJson(response, 202, { inboundMessageId });
  };

  const enqueueJob = async (request: IncomingMessage, response: ServerResponse) => {
    const { kind } = await readConsoleRequest(request, jobRequest);
    const jobId = randomUUID();
    await deps.composition.adapters.jobQueue.enqueue({ kind, jobId, requestedAt: new Date().toISOString() });
    sendJson(response, 202, { jobId });
  };

  const lockDemoUser = async (request: IncomingMessage, response: ServerResponse) => {
    const { samAccountName } = await readConsoleRequest(request, lockRequest);
    if (!deps.lockOutDemoUser) throw new NotFoundError('Locking a user out is offered for the demo directory only.');
    const wrongPasswords = await deps.lockOutDemoUser(samAccountName);
    sendJson(response, 200, { samAccountName, locked: true, wrongPasswords });
  };

  const consoleRoutes: Record<
    string,
    Partial<Record<string, (request: IncomingMessage, response: ServerResponse) => Promise<void>>>
  > = {
    '/_local': {
      GET: async (_request, response) =>
        send(response, 200, 'text/html; charset=utf-8', renderConsolePage(await deps.consoleData())),
    },
    '/_local/console.js': {
      GET: async (_request, response) =>
        send(response, 200, 'text/javascript; charset=utf-8', deps.consoleAssets.script),
    },
    '/_local/console.css': {
      GET: async (_request, response) => send(response, 200, 'text/css; charset=utf-8', deps.consoleAssets.style),
    },
    '/_local/favicon.svg': {
      GET: async (_request, response) => send(response, 200, 'image/svg+xml', FAVICON),
    },
    '/_local/api/sms': { GET: async (_request, response) => sendJson(response, 200, deps.listSms()) },
    '/_local/api/email': { GET: async (_request, response) => sendJson(response, 200, await deps.listEmails()) },
    '/_local/api/push': {
      GET: async (_request, response) =>
        sendJson(
          response,
          200,
          deps.composition.adapters.pushSender.list().map((push) => ({ ...push, at: push.at.toISOString() })),
        ),
    },
    '/_local/api/jobs': {
      GET: async (_request, response) => sendJson(response, 200, await jobQueueDepths(deps.composition)),
      POST: enqueueJob,
    },
    '/_local/api/sms/inbound': {
      GET: async (_request, response) => sendJson(response, 200, deps.inbound),
      POST: sendInboundSms,
    },
    '/_local/api/directory/lock': { POST: lockDemoUser },
    '/_local/api/devices': {
      GET: async (_request, response) => sendJson(response, 200, await deps.simulatedDevices.list()),
      POST: async (request, response) => {
        const answer = await deps.simulatedDevices.enroll((await readBody(request, 16 * 1024)).toString('utf8'));
        sendJson(response, answer.status, answer.body);
      },
    },
  };

  /** POST /_local/api/devices/{deviceId}/status|reset|unlock: one of the app's signed requests from a simulated phone. */
  const deviceActionRoutes = (pathname: string): (typeof consoleRoutes)[string] | undefined => {
    const target = deviceActionRoute(pathname);
    if (!target) return undefined;
    return {
      POST: async (_request, response) => {
        sendJson(response, 200, await deps.simulatedDevices.act(target.deviceId, target.action));
      },
    };
  };
  const refuseCrossSite = (response: ServerResponse) =>
    sendJson(response, 403, {
      error: { code: 'CROSS_SITE', message: 'The console refuses requests sent from another site.' },
    });

  return async (request: IncomingMessage, response: ServerResponse) => {
    const pathname = new URL(request.url ?? '/', 'http://local.invalid').pathname.replace(/\/+$/, '') || '/';
    const host = normalizedHost(request.headers.host);
    if (host === undefined || !deps.allowedHosts.has(host)) {
      request.resume();
      sendJson(
        response,
        421,
        {
          error: {
            code: 'MISDIRECTED_REQUEST',
            message:
              'This Blink runtime answers only for 127.0.0.1, localhost and the PUBLIC_BASE_URL host on its own port.',
          },
        },
        { connection: 'close' },
      );
      return;
    }
    try {
      if (pathname === '/_local' || pathname.startsWith('/_local/')) {
        const route = consoleRoutes[pathname] ?? deviceActionRoutes(pathname);
        const handler = route?.[request.method ?? 'GET'];
        if (!route) sendJson(response, 404, { error: { code: 'NOT_FOUND', message: 'No such console route.' } });
        else if (!handler)
          sendJson(
            response,
            405,
            { error: { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed.' } },
            { allow: Object.keys(route).join(', ') },
          );
        // Every console action (inbound SMS, jobs, the simulated phone) refuses a browser's request from another site.
        else if (request.method !== 'GET' && isCrossSiteRequest(request.headers)) refuseCrossSite(response);
        else await handler(request, response);
        return;
      }
      // The portal's pages and API sign people in with the identity provider and check their session cookie
      // themselves; every other admin route stands for the IAM-authorized API.
      if (pathname === '/admin' || pathname.startsWith('/admin/portal/')) {
        // The page and its files are static (S3 when deployed); everything else goes to the admin function.
        if (servePortalFile(pathname, request, response)) return;
        await handlePortal(request, response);
        return;
      }
      if (pathname.startsWith('/admin/')) {
        await handleAdmin(request, response);
        return;
      }
      if (pathname === '/app' || pathname.startsWith('/app/')) {
        await serveApp(request, response);
        return;
      }
      await handleApi(request, response);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendJson(response, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: error.message } });
        return;
      }
      if (!(error instanceof ValidationError || error instanceof NotFoundError))
        deps.logger.error('local request failed', { path: pathname, error: describe(error) });
      if (!response.headersSent) writeProxyResult(response, errorResponse(error));
      else response.destroy();
    }
  };
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
) {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  response.writeHead(status, {
    ...consoleHeaders,
    'content-type': contentType,
    'content-length': payload.length,
    ...headers,
  });
  response.end(payload);
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const result = jsonResponse(status, body, headers);
  send(response, status, 'application/json; charset=utf-8', result.body, {
    ...(result.headers as Record<string, string>),
    ...headers,
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error);
}
