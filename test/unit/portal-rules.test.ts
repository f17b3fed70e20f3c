import {
  defaultPortalSessionLimits,
  portalRolesOf,
  portalSessionEndsAt,
  portalSessionState,
  type PortalRoleGroups,
} from '../../shared/domain/portal.js';

const defaults: PortalRoleGroups = { admin: ['Blink Admins'], technician: ['Blink Technicians'] };
const base = 'OU=Groups,DC=corp,DC=example,DC=test';

describe('portal roles from the groups claim', () => {
  it('maps a group DN in the claim to the role of a configured group name, case-insensitively', () => {
    expect(portalRolesOf([`CN=Blink Technicians,${base}`], defaults)).toEqual(['technician']);
    expect(portalRolesOf([`cn=blink technicians,${base.toLowerCase()}`], defaults)).toEqual(['technician']);
  });

  it('maps a plain group name in the claim (IdPs that send names)', () => {
    expect(portalRolesOf(['blink admins'], defaults)).toEqual(['admin', 'technician']);
  });

  it('gives an admin everything a technician has, once', () => {
    expect(portalRolesOf(['Blink Admins', 'Blink Technicians'], defaults)).toEqual(['admin', 'technician']);
  });

  it('matches a configured DN only against that DN (spaces around separators ignored), never by its name alone', () => {
    const byDn: PortalRoleGroups = { admin: [`CN=Blink Admins,${base}`], technician: [] };
    expect(portalRolesOf([`CN=Blink Admins, OU=Groups, DC=corp, DC=example, DC=test`], byDn)).toEqual([
      'admin',
      'technician',
    ]);
    expect(portalRolesOf(['Blink Admins'], byDn)).toEqual([]);
    expect(portalRolesOf([`CN=Blink Admins,OU=Elsewhere,DC=corp,DC=example,DC=test`], byDn)).toEqual([]);
  });

  it('refuses look-alikes: a longer name, a name in another RDN, an escaped comma', () => {
    expect(portalRolesOf([`CN=Blink Admins Old,${base}`], defaults)).toEqual([]);
    expect(portalRolesOf([`OU=Blink Admins,${base}`], defaults)).toEqual([]);
    expect(portalRolesOf([`CN=Blink Admins\\, Retired,${base}`], defaults)).toEqual([]);
    expect(portalRolesOf([`CN=Staff,OU=Blink Admins,${base}`], defaults)).toEqual([]);
  });

  it('gives no role to someone in neither group, nor from an empty setting or claim', () => {
    expect(portalRolesOf([`CN=Blink Users,${base}`, `CN=Domain Users,${base}`], defaults)).toEqual([]);
    expect(portalRolesOf([], defaults)).toEqual([]);
    expect(portalRolesOf(['', ' '], { admin: [' '], technician: [''] })).toEqual([]);
  });
});

describe('portal session lifetime', () => {
  const createdAt = new Date('2026-12-04T08:00:00Z');
  const at = (minutes: number) => new Date(createdAt.getTime() + minutes * 60_000);
  const limits = defaultPortalSessionLimits;

  it('is 30 minutes idle and 8 hours in all by default', () => {
    expect(limits).toEqual({ idleSeconds: 1800, absoluteSeconds: 28_800 });
  });

  it('ends 30 minutes after the last request', () => {
    const session = { createdAt, lastSeenAt: at(10) };
    expect(portalSessionState(session, at(39), limits)).toBe('live');
    expect(portalSessionState(session, at(40), limits)).toBe('idle');
    expect(portalSessionEndsAt(session, limits)).toEqual(at(40));
  });

  it('ends 8 hours after sign-in however active', () => {
    const session = { createdAt, lastSeenAt: at(479) };
    expect(portalSessionState(session, at(479.9), limits)).toBe('live');
    expect(portalSessionState(session, at(480), limits)).toBe('expired');
    expect(portalSessionEndsAt(session, limits)).toEqual(at(480));
  });
});
