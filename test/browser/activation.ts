import { randomUUID } from 'node:crypto';
import type { LocalBlink } from '../../local/runtime.js';
import { issueActivation } from '../../shared/use-cases/enrollment/index.js';

/** A user of the demo domain with a fresh objectGUID, so every test starts from its own enrollment. */
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

/** Issues an activation as the worker does for an admin, through the local runtime's own adapters; returns the link. */
export async function activate(blink: LocalBlink, user = testUser()): Promise<{ link: string; token: string; user: typeof user }> {
  const { adapters } = blink.composition;
  const { link } = await issueActivation(
    {
      enrollmentStore: adapters.enrollmentStore,
      secrets: adapters.secrets,
      clock: adapters.clock,
      auditLog: adapters.auditLog,
      settings: { publicBaseUrl: blink.publicBaseUrl, activationTtlHours: 72 },
    },
    user,
  );
  const token = new URL(link).hash.replace(/^#t=/, '');
  return { link, token, user };
}
