import * as z from 'zod';
import { lockedResultSchema } from './lockout-listing-contract.js';
import { parseJson } from '../validation/parse-json.js';

/**
 * The wire contract of admin activation, shared by the worker's admin entry, the admin API and the CLI
 * (docs/design/enrollment.md, "Admin").
 */

/** Users are sent to the worker in chunks of this size, so the CLI can show progress and no invocation runs long. */
export const ACTIVATION_CHUNK_SIZE = 25;

/**
 * A resolve call judges one page of the target's users (eligibility, protection query, enrollment read per user), so
 * that a group or OU of thousands fits in API Gateway's 29 s: this many by default, at most the maximum.
 */
export const RESOLVE_PAGE_SIZE_DEFAULT = 200;
export const RESOLVE_PAGE_SIZE_MAX = 500;

export const skipReasons = [
  'no-mail',
  'disabled',
  'protected',
  'expired',
  'computer',
  'already-enrolled',
  'not-found',
  'ambiguous',
  /** (activate only) The activation was issued but its email could not be sent; activating again supersedes it. */
  'email-failed',
] as const;
export type SkipReason = (typeof skipReasons)[number];

const directoryName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  // Names and DNs never hold control characters; refusing them keeps odd bytes out of filters and logs.
  // eslint-disable-next-line no-control-regex
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters');

/** Who to activate: one user (sAMAccountName or UPN), a group's members (name or DN, nested), or an OU's users (DN). */
export const activationTargetSchema = z.union([
  z.strictObject({ user: directoryName }),
  z.strictObject({ group: directoryName }),
  z.strictObject({
    ou: directoryName.refine(
      (value) => /^[a-z][\w-]*=/i.test(value),
      'must be a DN such as OU=Staff,DC=corp,DC=example,DC=com',
    ),
  }),
]);
export type ActivationTarget = z.infer<typeof activationTargetSchema>;

export const candidateSchema = z.object({
  userGuid: z.string(),
  samAccountName: z.string(),
  displayName: z.string(),
  mail: z.string(),
});
export type ActivationCandidate = z.infer<typeof candidateSchema>;

export const skippedSchema = z.object({ name: z.string(), reason: z.enum(skipReasons) });
export type SkippedUser = z.infer<typeof skippedSchema>;

/**
 * `reactivate`: also issue a new link to users who completed setup (to change their phone or add a device); their
 * enrollment stays active until the new setup completes. Without it such users are skipped as `already-enrolled`.
 */
const reactivate = z.boolean().optional();

/**
 * Where the next resolve page starts: opaque to callers, it only holds the objectGUID of the last user judged (users
 * are judged in objectGUID order). Nothing rides on it: a forged cursor can only make the caller skip users, and
 * activation re-checks every user anyway. Anything that does not decode to a GUID is refused.
 */
const cursorPayloadSchema = z.strictObject({ after: z.guid() });

export function encodeResolveCursor(afterUserGuid: string): string {
  return Buffer.from(JSON.stringify({ after: afterUserGuid.toLowerCase() }), 'utf8').toString('base64url');
}

/** The objectGUID a cursor continues after, or undefined when it is not a cursor this contract issued. */
export function decodeResolveCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  try {
    return parseJson(
      cursorPayloadSchema,
      Buffer.from(cursor, 'base64url').toString('utf8'),
      'cursor',
    ).after.toLowerCase();
  } catch {
    return undefined;
  }
}

const cursor = z
  .string()
  .refine((value) => decodeResolveCursor(value) !== undefined, 'must be a nextCursor from an earlier resolve answer')
  .optional();
const pageSize = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(RESOLVE_PAGE_SIZE_MAX, `must be at most ${RESOLVE_PAGE_SIZE_MAX}`)
  .optional();

export const resolveRequestSchema = z.strictObject({ target: activationTargetSchema, reactivate, cursor, pageSize });
/**
 * One page: the candidates and skipped users among the page's users; `total` is how many users the target lists (0
 * when it names none: then `skipped` says why); `nextCursor` is present while users remain to be judged.
 */
export const resolveResultSchema = z.object({
  candidates: z.array(candidateSchema),
  skipped: z.array(skippedSchema),
  total: z.number().int().min(0),
  nextCursor: z.string().optional(),
});
export type ResolveResult = z.infer<typeof resolveResultSchema>;

export const activateRequestSchema = z.strictObject({
  userGuids: z
    .array(z.uuid())
    .min(1, 'must name at least one user')
    .max(ACTIVATION_CHUNK_SIZE, `at most ${ACTIVATION_CHUNK_SIZE} users per request`),
  reactivate,
});
export const activateResultSchema = z.object({ activated: z.array(candidateSchema), skipped: z.array(skippedSchema) });
export type ActivateResult = z.infer<typeof activateResultSchema>;

export const targetKinds = ['user', 'group', 'ou'] as const;
export type TargetKind = (typeof targetKinds)[number];
/** The most options a target search answers: a picker, not a listing. */
export const TARGET_SEARCH_LIMIT = 20;
/** What the admin typed: a name's beginning; empty lists the first OUs (to browse). */
const targetSearchText = z
  .string()
  .trim()
  .max(256, 'must be at most 256 characters')
  // eslint-disable-next-line no-control-regex
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters');

/** One pick: `value` is what the activation target takes (sAMAccountName, group DN, OU DN). */
export const targetOptionSchema = z.object({
  kind: z.enum(targetKinds),
  value: z.string(),
  label: z.string(),
  detail: z.string().optional(),
});
export type TargetOption = z.infer<typeof targetOptionSchema>;
export const targetOptionsSchema = z.object({ options: z.array(targetOptionSchema) });
export const groupMembersSchema = z.object({ userGuids: z.array(z.string()) });
export type GroupMembers = z.infer<typeof groupMembersSchema>;

/** What the admin API sends to the directory worker (a direct, synchronous invocation: `{ admin: … }`). */
export const workerAdminRequestSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('resolve'),
    target: activationTargetSchema,
    reactivate,
    cursor,
    pageSize,
    requestId: z.string().max(200).optional(),
  }),
  z.strictObject({
    action: z.literal('activate'),
    userGuids: activateRequestSchema.shape.userGuids,
    reactivate,
    requestId: z.string().max(200).optional(),
    /** The admin who asked (IAM principal ARN), recorded in the audit events of the activation. */
    actor: z.string().min(1).max(2048).optional(),
  }),
  /** Currently locked enrolled users and whether the lockout scan alerted them. */
  z.strictObject({ action: z.literal('locked'), requestId: z.string().max(200).optional() }),
  /** The portal's target picker: users, groups or OUs whose name starts with the text. */
  z.strictObject({
    action: z.literal('find-targets'),
    kind: z.enum(targetKinds),
    text: targetSearchText,
    requestId: z.string().max(200).optional(),
  }),
  /** The objectGUIDs of a group's members (nested), for the portal's coverage by group. */
  z.strictObject({
    action: z.literal('group-members'),
    group: directoryName,
    requestId: z.string().max(200).optional(),
  }),
]);
export type WorkerAdminRequest = z.infer<typeof workerAdminRequestSchema>;

/** The worker's answer: a result, or a named failure the admin API maps to an HTTP answer. Never a stack trace. */
export const workerAdminReplySchema = z.union([
  z.object({
    ok: z.literal(true),
    result: z.union([
      resolveResultSchema,
      activateResultSchema,
      lockedResultSchema,
      targetOptionsSchema,
      groupMembersSchema,
    ]),
  }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.string()).optional() }),
  }),
]);
export type WorkerAdminReply = z.infer<typeof workerAdminReplySchema>;
