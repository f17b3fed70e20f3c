import type { Enrollment } from '../../shared/domain/enrollment.js';
import type { Directory, DirectoryUser } from '../../shared/ports/directory.js';
import type { EnrollmentStore } from '../../shared/ports/enrollment-store.js';

export interface EnrolledAccount {
  userGuid: string;
  dn: string;
  samAccountName: string;
  displayName?: string;
  mail?: string;
  userPrincipalName?: string;
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
    ...(account.userPrincipalName ? { userPrincipalName: account.userPrincipalName } : {}),
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

/** Changes a stored enrollment as an admin or a finished setup would (read, change, save on the version read). */
export async function changeEnrollment(
  store: EnrollmentStore,
  userGuid: string,
  changes: Partial<Enrollment>,
): Promise<void> {
  const enrollment = await store.get(userGuid);
  if (!enrollment) throw new Error(`no enrollment for ${userGuid}`);
  await store.save({ ...enrollment, ...changes }, enrollment.version);
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

/** Looks a directory user up by account name and stores an active enrollment for them (SMS on `phoneE164`). */
export async function enrollDirectoryUser(
  adapters: { directory: Pick<Directory, 'findUserBySamAccountName'>; enrollmentStore: EnrollmentStore },
  samAccountName: string,
  phoneE164: string,
): Promise<DirectoryUser> {
  const user = await adapters.directory.findUserBySamAccountName(samAccountName);
  if (!user) throw new Error(`${samAccountName} not in the directory`);
  await adapters.enrollmentStore.save(
    activeEnrollment(
      { userGuid: user.objectGuid, dn: user.dn, samAccountName: user.samAccountName, mail: user.mail ?? '' },
      { phoneE164 },
    ),
    0,
  );
  return user;
}
