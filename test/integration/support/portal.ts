import { randomUUID } from 'node:crypto';
import { DeviceClient, generateDeviceKeys } from '../../../device-client/client.js';
import { PortalClient } from '../../support/portal-client.js';
import { getSambaConnection } from './samba.js';
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

/** A device bound to the user (put straight into the store, as setup would) and a client that signs as it. */
export async function boundDevice(
  blink: LocalBlink,
  userGuid: string,
): Promise<{ deviceId: string; client: DeviceClient }> {
  const keys = generateDeviceKeys();
  const deviceId = randomUUID();
  await blink.composition.adapters.deviceStore.add({
    deviceId,
    userGuid,
    publicKey: keys.publicKey,
    unlockMethod: 'none',
    platform: 'other',
    boundAt: new Date(),
  });
  return { deviceId, client: new DeviceClient(blink.url, deviceId, keys.privateKey) };
}

/** The portal signed in as the Samba fixtures Tina (Blink Technicians) and Adam (Blink Admins), one client each. */
export async function signedInTinaAndAdam(blink: LocalBlink): Promise<{ tina: PortalClient; adam: PortalClient }> {
  const { fixtures } = getSambaConnection();
  const tina = new PortalClient(blink);
  const adam = new PortalClient(blink);
  for (const [client, name] of [
    [tina, 'tina.tech'],
    [adam, 'adam.itadmin'],
  ] as const) {
    const callback = await client.signIn(name, fixtures.fixturePassword);
    if (callback.status !== 200) throw new Error(`${name} could not sign in to the portal (${callback.status})`);
  }
  return { tina, adam };
}
