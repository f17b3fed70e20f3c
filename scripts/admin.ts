import { createHash, createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import {
  ACTIVATION_CHUNK_SIZE,
  RESOLVE_PAGE_SIZE_DEFAULT,
  RESOLVE_PAGE_SIZE_MAX,
  activateResultSchema,
  resolveResultSchema,
  type ActivationCandidate,
  type ActivationTarget,
  type SkippedUser,
} from '../shared/domain/worker-admin-contract.js';
import { DEFAULT_ADMIN_FILE, readAdminFile } from '../local/admin-file.js';
import { lockedResultSchema, type LockedUser } from '../shared/domain/lockout-listing-contract.js';
import { UUID_PATTERN } from '../shared/validation/uuid.js';
import { activationSummary, skippedSummaryLines } from '../shared/domain/activation-summary.js';

/*
 * `npm run admin -- <command>`: activate users, list enrollments, revoke an enrollment or a device.
 * Local by default: the running npm start's URL and token from its owner-only .local/admin/local-admin.json, unless
 * PORT / PUBLIC_BASE_URL and LOCAL_ADMIN_TOKEN are set (they win);
 * `--api <url>` targets a deployed admin API, signing each request with SigV4 (credentials from the default chain).
 */

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  activate --user <sAMAccountName|UPN> | --group <name|DN> | --ou <DN> [--dry-run] [--reactivate] [--page-size <n>]
                                   resolve the target page by page, then activate the eligible users in chunks of
                                   ${ACTIVATION_CHUNK_SIZE} (emails a setup link)
  list                             list enrollments and their devices
  locked                           currently locked enrolled users: when, and whether Blink alerted them
  revoke --user <sAMAccountName|GUID>
                                   revoke a user's enrollment and devices
  revoke-device --device <id>      revoke one device
  audit --user <sAMAccountName|GUID> [--limit <n>]
                                   a user's audit events (requests, resets, unlocks, opt-outs…), newest first
  backfill-reports                 count users enrolled before the portal's Reports existed in its coverage chart
                                   (once after upgrading; running it again changes nothing)

Options:
  --api <url>     a deployed admin API (e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/v1), signed with SigV4
  --dry-run       (activate) show who would be activated and who is skipped; sends and writes nothing
  --reactivate    (activate) also send a new link to users who completed setup (to change their phone or add a
                  device); they stay enrolled until the new setup completes
  --page-size <n> (activate) users judged per resolve request, 1 to ${RESOLVE_PAGE_SIZE_MAX} (default ${RESOLVE_PAGE_SIZE_DEFAULT})
  --help`;

class UsageError extends Error {}

interface AdminClient {
  request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown>;
}

const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

async function send(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new Error(`Cannot reach ${url.origin}: ${(error as Error).message}. Is Blink running (npm start)?`, {
      cause: error,
    });
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const parsed = errorBodySchema.safeParse(json);
    const detail = parsed.success ? `${parsed.data.error.code}: ${parsed.data.error.message}` : text.slice(0, 200);
    const hint =
      response.status === 401
        ? ' (check LOCAL_ADMIN_TOKEN)'
        : response.status === 403
          ? ' (check your AWS credentials and execute-api:Invoke permission)'
          : '';
    throw new Error(`${init.method} ${url.pathname} failed with ${response.status}${hint}: ${detail}`);
  }
  return json;
}

/**
 * The local runtime's admin routes. URL: PORT, else PUBLIC_BASE_URL, else the running `npm start`'s own (from its
 * admin file), else port 3000. Token: LOCAL_ADMIN_TOKEN, else the admin file's when the file is for that same URL.
 */
async function localClient(env: NodeJS.ProcessEnv, adminFile: string): Promise<AdminClient> {
  const running = await readAdminFile(adminFile);
  const configuredBase = env.PORT ? `http://127.0.0.1:${env.PORT}` : env.PUBLIC_BASE_URL;
  const base = (configuredBase ?? running?.url ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const sameRuntime =
    running !== undefined && (configuredBase === undefined || new URL(base).origin === new URL(running.url).origin);
  const token = env.LOCAL_ADMIN_TOKEN || (sameRuntime ? running.token : undefined);
  if (!token) {
    throw new UsageError(
      running
        ? `LOCAL_ADMIN_TOKEN is not set, and ${adminFile} is for ${running.url}, not ${base}: set LOCAL_ADMIN_TOKEN (npm start printed it).`
        : `LOCAL_ADMIN_TOKEN is not set and no running npm start left ${adminFile}: start Blink (npm start), or set LOCAL_ADMIN_TOKEN.`,
    );
  }
  return {
    request: (method, path, body) =>
      send(new URL(path, `${base}/`), {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}

/** Node's crypto behind the hash interface the SigV4 signer expects. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

async function signedClient(api: string, env: NodeJS.ProcessEnv): Promise<AdminClient> {
  const base = new URL(api.replace(/\/+$/, '') + '/');
  if (base.protocol !== 'https:') throw new UsageError('--api must be an https:// URL');
  const region =
    /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(base.hostname)?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError('Cannot tell the AWS region from --api; set AWS_REGION.');
  const [{ SignatureV4 }, { defaultProvider }] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@aws-sdk/credential-provider-node'),
  ]);
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: defaultProvider(), sha256: Sha256 });
  return {
    async request(method, path, body) {
      const url = new URL(path.replace(/^\//, ''), base);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = {
        host: url.host,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      };
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        path: url.pathname,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
      });
      return send(url, { method, headers: signed.headers, ...(payload === undefined ? {} : { body: payload }) });
    },
  };
}

async function activate(
  client: AdminClient,
  target: ActivationTarget,
  options: { dryRun: boolean; reactivate: boolean; pageSize?: number },
  print: (line: string) => void,
): Promise<void> {
  const { dryRun } = options;
  const reactivate = options.reactivate ? { reactivate: true } : {};
  // Resolve page by page: each request judges one page, so a target of thousands never meets the API's 29 s limit.
  const candidates = new Map<string, ActivationCandidate>();
  const resolvedSkipped: SkippedUser[] = [];
  let cursor: string | undefined;
  let judged = 0;
  do {
    const page = resolveResultSchema.parse(
      await client.request('POST', '/admin/activations/resolve', {
        target,
        ...reactivate,
        ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      }),
    );
    for (const candidate of page.candidates) candidates.set(candidate.userGuid, candidate);
    resolvedSkipped.push(...page.skipped);
    judged += page.candidates.length + page.skipped.length;
    if (page.total > 0)
      print(`Resolved ${Math.min(judged, page.total)}/${page.total} (${candidates.size} eligible so far)`);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  const eligible = [...candidates.values()];
  print(`Resolved: ${eligible.length} eligible, ${resolvedSkipped.length} skipped.`);
  if (dryRun) {
    print(`Dry run: nothing sent, nothing written.`);
    print(
      `Would activate ${eligible.length}${eligible.length ? ': ' + eligible.map((c) => c.samAccountName).join(', ') : ''}`,
    );
    if (resolvedSkipped.length > 0)
      print([`Would skip ${resolvedSkipped.length}:`, ...skippedSummaryLines(resolvedSkipped)].join('\n'));
    return;
  }
  const activated: ActivationCandidate[] = [];
  const skipped: SkippedUser[] = [...resolvedSkipped];
  const total = eligible.length;
  for (let start = 0; start < total; start += ACTIVATION_CHUNK_SIZE) {
    const chunk = eligible.slice(start, start + ACTIVATION_CHUNK_SIZE);
    const result = activateResultSchema.parse(
      await client.request('POST', '/admin/activations', {
        userGuids: chunk.map((candidate) => candidate.userGuid),
        ...reactivate,
      }),
    );
    activated.push(...result.activated);
    skipped.push(...result.skipped);
    print(`Progress: ${Math.min(start + chunk.length, total)}/${total} processed (${activated.length} activated)`);
  }
  for (const part of activationSummary(activated, skipped)) print(part);
}

const listSchema = z.object({
  enrollments: z.array(
    z.object({
      userGuid: z.string(),
      samAccountName: z.string(),
      displayName: z.string(),
      status: z.string(),
      methods: z.object({ sms: z.boolean(), app: z.boolean() }),
      devices: z.array(z.object({ deviceId: z.string(), platform: z.string(), revokedAt: z.string().optional() })),
    }),
  ),
});

const auditSchema = z.object({
  events: z.array(
    z.object({
      at: z.string(),
      action: z.string(),
      channel: z.string(),
      result: z.string(),
      reason: z.string().optional(),
      requestId: z.string().optional(),
      actor: z.string().optional(),
    }),
  ),
});

/** A GUID as given, or the enrolled user with that sAMAccountName. */
async function userGuidOf(client: AdminClient, user: string): Promise<string> {
  const wanted = user.toLowerCase();
  if (UUID_PATTERN.test(wanted)) return wanted;
  const { enrollments } = listSchema.parse(await client.request('GET', '/admin/enrollments'));
  const match = enrollments.find((enrollment) => enrollment.samAccountName.toLowerCase() === wanted);
  if (!match) throw new Error(`No enrollment for ${user}.`);
  return match.userGuid;
}

const minutes = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function describeLocked(user: LockedUser): string {
  const until = user.lockoutEndsAt ? `until ${minutes(user.lockoutEndsAt)}` : 'until unlocked';
  const alert = user.alert;
  const told = !alert
    ? 'not alerted yet'
    : alert.outcome === 'capped'
      ? 'not alerted (daily alert limit reached)'
      : `${alert.outcome === 'alerted' ? 'alerted' : 'could not be alerted'} (sms ${alert.sms}, ${alert.pushes} push${alert.pushes === 1 ? '' : 'es'}) at ${minutes(alert.handledAt)}`;
  // Where the wrong passwords were tried: the DCs that counted some (badPwdCount is kept per DC).
  const where = user.badPasswords
    .filter((dc) => dc.state === 'unreachable' || dc.count > 0)
    .map((dc) =>
      dc.state === 'unreachable'
        ? `${dc.dc} unreachable`
        : `${dc.count} on ${dc.dc}${dc.lastAt ? ` (last ${minutes(dc.lastAt)})` : ''}`,
    );
  const bad = where.length > 0 ? `; wrong passwords: ${where.join(', ')}` : '';
  return `${user.samAccountName.padEnd(20)} locked ${minutes(user.lockedAt)} ${until.padEnd(26)} ${told}${bad}`;
}

export async function runAdmin(
  argv: string[],
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  /** Where npm start leaves its URL and token (tests point it elsewhere). */
  adminFile = DEFAULT_ADMIN_FILE,
): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      group: { type: 'string' },
      ou: { type: 'string' },
      device: { type: 'string' },
      limit: { type: 'string' },
      api: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      reactivate: { type: 'boolean', default: false },
      'page-size': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    print(USAGE);
    return;
  }
  const client = values.api ? await signedClient(values.api, env) : await localClient(env, adminFile);
  switch (command) {
    case 'activate': {
      const given = [
        values.user && { user: values.user },
        values.group && { group: values.group },
        values.ou && { ou: values.ou },
      ].filter((target): target is ActivationTarget => Boolean(target));
      const [target] = given;
      if (given.length !== 1 || !target) throw new UsageError('activate needs exactly one of --user, --group, --ou');
      const pageSize = values['page-size'] === undefined ? undefined : Number(values['page-size']);
      if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > RESOLVE_PAGE_SIZE_MAX)) {
        throw new UsageError(`--page-size must be a whole number from 1 to ${RESOLVE_PAGE_SIZE_MAX}`);
      }
      await activate(
        client,
        target,
        { dryRun: values['dry-run'], reactivate: values.reactivate, ...(pageSize !== undefined ? { pageSize } : {}) },
        print,
      );
      return;
    }
    case 'list': {
      const { enrollments } = listSchema.parse(await client.request('GET', '/admin/enrollments'));
      if (enrollments.length === 0) print('No enrollments.');
      for (const enrollment of enrollments) {
        const methods =
          [enrollment.methods.sms && 'sms', enrollment.methods.app && 'app'].filter(Boolean).join('+') || '-';
        print(
          `${enrollment.samAccountName.padEnd(20)} ${enrollment.status.padEnd(10)} ${methods.padEnd(8)} ${enrollment.userGuid}  ${enrollment.displayName}`,
        );
        for (const device of enrollment.devices) {
          print(
            `  device ${device.deviceId} ${device.platform}${device.revokedAt ? ` revoked ${device.revokedAt}` : ''}`,
          );
        }
      }
      return;
    }
    case 'locked': {
      const { locked, complete } = lockedResultSchema.parse(await client.request('GET', '/admin/locked'));
      if (locked.length === 0) print('No locked enrolled users.');
      for (const user of locked) print(describeLocked(user));
      if (!complete) print('Note: the scan ran out of time before its last page; the list may be incomplete.');
      return;
    }
    case 'revoke': {
      if (!values.user) throw new UsageError('revoke needs --user <sAMAccountName|GUID>');
      const userGuid = await userGuidOf(client, values.user);
      const result = z
        .object({ revokedDevices: z.array(z.string()) })
        .parse(await client.request('POST', `/admin/enrollments/${encodeURIComponent(userGuid)}/revoke`));
      print(`Revoked the enrollment of ${values.user} (${result.revokedDevices.length} device(s) revoked).`);
      return;
    }
    case 'revoke-device': {
      if (!values.device) throw new UsageError('revoke-device needs --device <id>');
      await client.request('POST', `/admin/devices/${encodeURIComponent(values.device)}/revoke`);
      print(`Revoked device ${values.device}.`);
      return;
    }
    case 'audit': {
      if (!values.user) throw new UsageError('audit needs --user <sAMAccountName|GUID>');
      const limit = values.limit === undefined ? undefined : Number(values.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000))
        throw new UsageError('--limit must be a whole number from 1 to 1000');
      const userGuid = await userGuidOf(client, values.user);
      const query = limit === undefined ? '' : `?limit=${limit}`;
      const { events } = auditSchema.parse(
        await client.request('GET', `/admin/enrollments/${encodeURIComponent(userGuid)}/audit${query}`),
      );
      if (events.length === 0) print(`No audit events for ${values.user}.`);
      for (const event of events) {
        const detail = [
          event.reason && `reason=${event.reason}`,
          event.actor && `by=${event.actor}`,
          event.requestId && `request=${event.requestId}`,
        ]
          .filter(Boolean)
          .join(' ');
        print(
          `${event.at}  ${event.action.padEnd(20)} ${event.channel.padEnd(7)} ${event.result.padEnd(8)} ${detail}`.trimEnd(),
        );
      }
      return;
    }
    case 'backfill-reports': {
      let after: string | undefined;
      let counted = 0;
      do {
        const page = z
          .object({ counted: z.number(), next: z.string().optional() })
          .parse(await client.request('POST', '/admin/reports/coverage-backfill', after ? { after } : {}));
        counted += page.counted;
        after = page.next;
      } while (after !== undefined);
      print(`Counted ${counted} enrolled user(s) in the portal's coverage report.`);
      return;
    }
    default:
      throw new UsageError(`Unknown command ${command}.\n\n${USAGE}`);
  }
}

if (require.main === module) {
  runAdmin(process.argv.slice(2), process.env, (line) => console.log(line)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
