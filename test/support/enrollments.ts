import type { Enrollment } from '../../shared/domain/enrollment.js';
import type { EnrollmentStore } from '../../shared/ports/enrollment-store.js';

export interface EnrolledAccount {
  userGuid: string;
  dn: string;
  samAccountName: string;
  displayName?: string;
  mail?: string;
}

/**
 * An enrollment that completed setup, as tests and benches put it straight into the store when the flow under test
 * starts after setup (setup itself is tested end to end elsewhere). SMS is on when a phone is given.
 */
export function activeEnrollment(
  account: EnrolledAccount,
  options: { phoneE164?: string | undefined; app?: boolean; at?: Date; version?: number } = {},
): Enrollment {
  const at = options.at ?? new Date();
  return {
    userGuid: account.userGuid,
    dn: account.dn,
    samAccountName: account.samAccountName,
    displayName: account.displayName ?? `Test ${account.samAccountName}`,
    mail: account.mail ?? `${account.samAccountName}@corp.example.test`,
    status: 'active',
    ...(options.phoneE164 ? { phoneE164: options.phoneE164 } : {}),
    methods: { sms: options.phoneE164 !== undefined, app: options.app ?? false },
    verificationFailures: 0,
    activatedAt: at,
    createdAt: at,
    updatedAt: at,
    version: options.version ?? 0,
  };
}

/** An enrollment store that reads from a map and writes nothing: for use cases that only look enrollments up. */
export function readOnlyEnrollmentStore(enrollments: ReadonlyMap<string, Enrollment>): EnrollmentStore {
  return {
    get: async (guid) => enrollments.get(guid),
    findByPhone: async () => [],
    save: async () => undefined,
    putSecret: async () => undefined,
    findSecret: async () => undefined,
    consumeSecret: async () => undefined,
  };
}
