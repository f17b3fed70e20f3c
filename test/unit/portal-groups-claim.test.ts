import { groupsOfClaim, portalRolesOf, type PortalRoleGroups } from '../../shared/domain/portal.js';

const defaults: PortalRoleGroups = { admin: ['Blink Admins'], technician: ['Blink Technicians'] };
const adminsDn = 'CN=Blink Admins,OU=Groups,DC=corp,DC=example,DC=com';

describe('the groups claim as an OpenID provider or Cognito sends it', () => {
  it('takes a JSON array as it is, dropping anything that is not a string', () => {
    expect(groupsOfClaim(['Blink Technicians', 7, adminsDn])).toEqual(['Blink Technicians', adminsDn]);
  });

  it("reads Cognito's custom attribute: a bracketed list, AD DNs kept whole", () => {
    const attribute = `[${adminsDn}, Staff, CN=Blink Technicians,OU=Groups,DC=corp,DC=example,DC=com]`;
    expect(groupsOfClaim(attribute)).toEqual([
      adminsDn,
      'Staff',
      'CN=Blink Technicians,OU=Groups,DC=corp,DC=example,DC=com',
    ]);
    expect(portalRolesOf(groupsOfClaim(attribute), defaults)).toEqual(['admin', 'technician']);
  });

  it('reads a JSON array written into the attribute, and a single value', () => {
    expect(groupsOfClaim('["Blink Admins","Other, with comma"]')).toEqual(['Blink Admins', 'Other, with comma']);
    expect(groupsOfClaim('Blink Technicians')).toEqual(['Blink Technicians']);
  });

  it('never splits at an escaped comma, so a name with a comma cannot become two groups', () => {
    const dn = 'CN=Smith\\, Blink Admins,OU=Groups,DC=corp,DC=example,DC=com';
    expect(groupsOfClaim(`[${dn}]`)).toEqual([dn]);
    expect(portalRolesOf(groupsOfClaim(`[${dn}]`), defaults)).toEqual([]);
  });

  it('gives no groups for a missing or odd claim', () => {
    expect(groupsOfClaim(undefined)).toEqual([]);
    expect(groupsOfClaim(42)).toEqual([]);
    expect(groupsOfClaim('[]')).toEqual([]);
  });
});
