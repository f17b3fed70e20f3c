/** Who did it, as the audit log records portal actions: the identity provider's subject and the person's name. */
export function portalActor(identity: { subject: string; name: string }): string {
  return `portal:${identity.subject} (${identity.name})`;
}
