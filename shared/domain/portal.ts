/**
 * The admin portal's rules: who may use it (roles from the identity provider's groups claim) and how long a portal
 * session lives (design: docs/design/portal.md).
 */

export type PortalRole = 'admin' | 'technician';

/** The groups that grant each role: AD group names or DNs, as configured (PORTAL_ADMIN_GROUPS, PORTAL_TECHNICIAN_GROUPS). */
export interface PortalRoleGroups {
  admin: readonly string[];
  technician: readonly string[];
}

/**
 * The roles a signed-in person holds, from the groups claim. A configured group matches a claim value equal to it
 * (case-insensitive, spaces around DN separators ignored), or, when the setting is a bare name, a claim value that is
 * a DN whose first RDN is CN=<that name>: IdPs send either. An admin can do everything a technician can. Nobody gets
 * a role from an empty setting.
 */
export function portalRolesOf(groupsClaim: readonly string[], roleGroups: PortalRoleGroups): PortalRole[] {
  const holds = (configured: readonly string[]) =>
    configured.some((setting) => setting.trim() !== '' && groupsClaim.some((value) => groupMatches(setting, value)));
  if (holds(roleGroups.admin)) return ['admin', 'technician'];
  if (holds(roleGroups.technician)) return ['technician'];
  return [];
}

function groupMatches(setting: string, claimValue: string): boolean {
  const wanted = normalized(setting);
  if (wanted === normalized(claimValue)) return true;
  if (isDn(setting)) return false;
  const commonName = firstCommonName(claimValue);
  return commonName !== undefined && normalized(commonName) === wanted;
}

function isDn(value: string): boolean {
  return /^\s*[a-z][a-z0-9-]*\s*=/i.test(value);
}

/** The value of a DN's first RDN when it is CN=…, with escapes removed; undefined for anything else. */
function firstCommonName(value: string): string | undefined {
  const match = /^\s*cn\s*=\s*((?:\\.|[^,\\])*)/i.exec(value);
  return match?.[1]?.replace(/\\(.)/g, '$1').trim();
}

function normalized(value: string): string {
  return value
    .trim()
    .replace(/\s*([,=])\s*/g, '$1')
    .toLowerCase();
}

/** How long a portal session lives: 30 minutes without a request, 8 hours in all (PORTAL_SESSION_*). */
export interface PortalSessionLimits {
  idleSeconds: number;
  absoluteSeconds: number;
}

export const defaultPortalSessionLimits: PortalSessionLimits = { idleSeconds: 30 * 60, absoluteSeconds: 8 * 3600 };

/** Recording every request as activity would cost a write each; a minute's precision is enough for a 30-minute rule. */
export const SESSION_ACTIVITY_PRECISION_SECONDS = 60;

export type SessionState = 'live' | 'idle' | 'expired';

export function portalSessionState(
  session: { createdAt: Date; lastSeenAt: Date },
  now: Date,
  limits: PortalSessionLimits,
): SessionState {
  if (now.getTime() - session.createdAt.getTime() >= limits.absoluteSeconds * 1000) return 'expired';
  if (now.getTime() - session.lastSeenAt.getTime() >= limits.idleSeconds * 1000) return 'idle';
  return 'live';
}

/** When the session ends if nothing else happens: the idle limit after the last request, capped by the absolute one. */
export function portalSessionEndsAt(session: { createdAt: Date; lastSeenAt: Date }, limits: PortalSessionLimits): Date {
  return new Date(
    Math.min(
      session.lastSeenAt.getTime() + limits.idleSeconds * 1000,
      session.createdAt.getTime() + limits.absoluteSeconds * 1000,
    ),
  );
}

/**
 * The groups in an ID token's groups claim. An OpenID provider sends a JSON array; Cognito carries a federated user's
 * groups in a custom attribute, a string of at most 2,048 characters, which holds a multi-valued IdP claim as
 * `[a, b]` (or a JSON array text). Elements are split at a comma followed by white space, never at an escaped `\,`
 * nor at the bare commas inside a DN (`CN=Blink Admins,OU=Groups,DC=corp`), so names and AD-formatted DNs survive.
 */
export function groupsOfClaim(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((value): value is string => typeof value === 'string');
  if (typeof claim !== 'string') return [];
  const text = claim.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    const parsed = parseJsonList(text);
    if (parsed) return parsed;
  }
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return inner
    .split(/(?<!\\),\s+/)
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

function parseJsonList(text: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}
