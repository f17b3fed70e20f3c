import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ldapjs from 'ldapjs';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import { AmbiguousUserError } from '../../shared/domain/errors.js';
import { directoryOptions, getSambaConnection } from './support/samba.js';

// Samba enforces unique sAMAccountName and userPrincipalName, so it cannot produce an ambiguous lookup; AD forests
// can (duplicate UPNs across domains, or created before Windows Server 2012 R2 enforced uniqueness). This small LDAPS
// server (Samba's test certificate, ldapjs) answers every search with two users.
describe('LdapDirectory against a directory that returns two matches', () => {
  const connection = getSambaConnection();
  let server: ldapjs.Server;
  let url: string;

  beforeAll(async () => {
    server = ldapjs.createServer({
      certificate: readFileSync(join(connection.dcDir, 'tls/server.pem'), 'utf8'),
      key: readFileSync(join(connection.dcDir, 'tls/server.key'), 'utf8'),
    });
    server.bind('', (_request: unknown, response: { end(): void }) => response.end());
    server.search('', (_request: unknown, response: { send(entry: object): void; end(): void }) => {
      for (const name of ['twin.one', 'twin.two']) {
        response.send({
          dn: `CN=${name},OU=Staff,${connection.baseDn}`,
          attributes: {
            objectClass: ['top', 'person', 'user'],
            sAMAccountName: name,
            userPrincipalName: 'twin@corp.example.test',
          },
        });
      }
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `ldaps://127.0.0.1:${new URL(server.url).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses a UPN lookup that matches more than one entry', async () => {
    const directory = new LdapDirectory(directoryOptions({ urls: [url] }));
    try {
      await expect(directory.findUserByUserPrincipalName('twin@corp.example.test')).rejects.toBeInstanceOf(
        AmbiguousUserError,
      );
      await expect(directory.findUserBySamAccountName('twin.one')).rejects.toBeInstanceOf(AmbiguousUserError);
    } finally {
      await directory.close();
    }
  });
});
