import { randomUUID } from 'node:crypto';
import type { LocalBlink } from '../../local/runtime.js';
import { issueActivation, type ActivationDependencies } from '../../shared/use-cases/enrollment/index.js';

/** A made-up user of the demo domain with a fresh objectGUID, so every test starts from its own enrollment. */
export function testUser(displayName = 'Jane Doe') {
  const samAccountName = `${displayName.toLowerCase().replace(/\s+/g, '.')}.${randomUUID().slice(0, 8)}`;
  return {
    userGuid: randomUUID(),
    dn: `CN=${displayName},OU=Staff,DC=corp,DC=example,DC=test`,
    samAccountName,
    displayName,
    mail: `${samAccountName}@corp.example.test`,
  };
}

/** What issueActivation needs, from the runtime's own adapters, clock and settings. */
export function activationDepsOf(blink: LocalBlink): ActivationDependencies {
  const { adapters, env } = blink.composition;
  return {
    enrollmentStore: adapters.enrollmentStore,
    secrets: adapters.secrets,
    clock: adapters.clock,
    auditLog: adapters.auditLog,
    settings: { publicBaseUrl: env.PUBLIC_BASE_URL, activationTtlHours: env.ACTIVATION_TTL_HOURS },
  };
}

/**
 * Issues an activation as the worker does for an admin, through the local runtime's own adapters (no AD contact), and
 * returns the emailed link and its token.
 */
export async function activate(
  blink: LocalBlink,
  user = testUser(),
): Promise<{ link: string; token: string; user: ReturnType<typeof testUser> }> {
  const { link } = await issueActivation(activationDepsOf(blink), user);
  return { link, token: new URL(link).hash.replace(/^#t=/, ''), user };
}
