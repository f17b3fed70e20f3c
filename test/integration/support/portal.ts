import type { LocalBlink } from '../../../local/runtime.js';
import { activeEnrollment } from '../../support/enrollments.js';
import type { TestUser, throwawayUsers } from './samba.js';

/**
 * A throwaway Samba user enrolled for SMS with a number of its own: resolved through the admin API (bearer token), its
 * enrollment put straight into the store (setup is tested end to end elsewhere).
 */
export async function enrolledSambaUser(
  blink: LocalBlink,
  adminToken: string,
  users: ReturnType<typeof throwawayUsers>,
  prefix: string,
): Promise<{ user: TestUser; userGuid: string; phone: string }> {
  const user = await users.create(prefix);
  const response = await fetch(`${blink.url}/admin/activations/resolve`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target: { user: user.samAccountName } }),
  });
  const { candidates } = (await response.json()) as { candidates: Array<{ userGuid: string }> };
  const userGuid = candidates[0]?.userGuid;
  if (!userGuid) throw new Error(`${user.samAccountName} was not resolved as eligible`);
  const phone = `+1206555${String(1000 + Math.floor(Math.random() * 8999))}`;
  await blink.composition.adapters.enrollmentStore.save(
    activeEnrollment(
      { userGuid, dn: user.dn, samAccountName: user.samAccountName, displayName: `Test ${user.samAccountName}` },
      { phoneE164: phone },
    ),
    0,
  );
  return { user, userGuid, phone };
}
