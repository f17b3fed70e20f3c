export { LdapDirectory, type LdapDirectoryOptions } from './ldap-directory.js';
export { formatGuid, parseGuid } from './guid.js';
