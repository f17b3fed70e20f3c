import * as z from 'zod';

/**
 * The wire contract of the admin lockout listing (`npm run admin -- locked`), shared by the worker's admin entry, the
 * admin API and the CLI.
 */

export const lockedUserSchema = z.object({
  userGuid: z.string(),
  samAccountName: z.string(),
  displayName: z.string(),
  /** When AD locked the account (ISO 8601). */
  lockedAt: z.string(),
  /** When the lockout ends by itself under the user's effective policy; null when only an admin (or Blink) unlocks it. */
  lockoutEndsAt: z.string().nullable(),
  /** What the scan did about this lockout event; null when it has not handled it (yet). */
  alert: z
    .object({
      outcome: z.enum(['alerted', 'capped', 'unreachable']),
      sms: z.enum(['sent', 'opted-out', 'no-phone', 'failed', 'not-sent']),
      pushes: z.number().int().min(0),
      handledAt: z.string(),
    })
    .nullable(),
  /**
   * Each DC's count of wrong passwords and the time of the last (badPwdCount and badPasswordTime are kept per DC): where
   * the wrong passwords were tried. Empty when the DCs could not be asked.
   */
  badPasswords: z
    .array(
      z.object({
        dc: z.string(),
        state: z.enum(['read', 'unreachable']),
        count: z.number().int().min(0),
        lastAt: z.string().nullable(),
      }),
    )
    .default([]),
});
export type LockedUser = z.infer<typeof lockedUserSchema>;

/** `complete: false` when the scan's time budget ran out before its last page: the list may miss users. */
export const lockedResultSchema = z.object({ locked: z.array(lockedUserSchema), complete: z.boolean() });
export type LockedResult = z.infer<typeof lockedResultSchema>;
