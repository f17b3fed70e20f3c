import * as z from 'zod';
import { lockedResultSchema } from '../lockout/contract.js';

/**
 * The wire contract of admin activation, shared by the worker's admin entry, the admin API and the CLI
 * (docs/design/enrollment.md, "Admin").
 */

/** Users are sent to the worker in chunks of this size, so the CLI can show progress and no invocation runs long. */
export const ACTIVATION_CHUNK_SIZE = 25;

export const skipReasons = [
  'no-mail',
  'disabled',
  'protected',
  'expired',
  'computer',
  'already-enrolled',
  'not-found',
  'ambiguous',
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
  z.strictObject({ ou: directoryName.refine((value) => /^[a-z][\w-]*=/i.test(value), 'must be a DN such as OU=Staff,DC=corp,DC=example,DC=com') }),
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

export const resolveRequestSchema = z.strictObject({ target: activationTargetSchema, reactivate });
export const resolveResultSchema = z.object({ candidates: z.array(candidateSchema), skipped: z.array(skippedSchema) });
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

/** What the admin API sends to the directory worker (a direct, synchronous invocation: `{ admin: … }`). */
export const workerAdminRequestSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('resolve'), target: activationTargetSchema, reactivate, requestId: z.string().max(200).optional() }),
  z.strictObject({ action: z.literal('activate'), userGuids: activateRequestSchema.shape.userGuids, reactivate, requestId: z.string().max(200).optional() }),
  /** Currently locked enrolled users and whether the lockout scan alerted them (issue 5). */
  z.strictObject({ action: z.literal('locked'), requestId: z.string().max(200).optional() }),
]);
export type WorkerAdminRequest = z.infer<typeof workerAdminRequestSchema>;

/** The worker's answer: a result, or a named failure the admin API maps to an HTTP answer. Never a stack trace. */
export const workerAdminReplySchema = z.union([
  z.object({ ok: z.literal(true), result: z.union([resolveResultSchema, activateResultSchema, lockedResultSchema]) }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.string()).optional() }),
  }),
]);
export type WorkerAdminReply = z.infer<typeof workerAdminReplySchema>;
