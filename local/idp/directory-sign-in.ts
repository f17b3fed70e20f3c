import { isIP } from 'node:net';
import { Client, escapeFilter } from 'ldapts';
import { LdapDirectory } from '../../shared/adapters/ldap/ldap-directory.js';
import type { DirectoryUser } from '../../shared/domain/directory.js';
import type { DirectorySettings } from '../compose.js';

/** Who signed in at the local identity provider: what goes into the ID token. */
export interface DirectoryAccount {
  /** objectGUID: stable across renames, as an organisation's IdP keys its subjects. */
  sub: string;
  name: string;
  preferredUsername: string;
  /** DNs of every group the account belongs to, nested membership included. */
  groups: string[];
}

const IN_CHAIN = '1.2.840.113556.1.4.1941';
const TIMEOUT_MS = 5000;

/**
 * The organisation's identity provider, played locally: finds the account by sAMAccountName or UPN with the service
 * account, checks the password with a simple bind as the user (the directory applies its lockout and disabled rules),
 * then reads the user's groups on the user's own connection (any account may read group membership in AD).
 * Undefined for every refusal alike, so the login page tells nobody which accounts exist.
 */
export class DirectorySignIn {
  private readonly lookup: LdapDirectory;

  constructor(private readonly settings: DirectorySettings & { caPem: string }) {
    this.lookup = new LdapDirectory({
      urls: settings.urls.split(',').map((url) => url.trim()),
      baseDn: settings.baseDn,
      bindDn: settings.bindDn,
      bindPassword: settings.bindPassword,
      caPem: settings.caPem,
      startTls: settings.startTls,
      connectTimeoutMs: TIMEOUT_MS,
      operationTimeoutMs: TIMEOUT_MS,
    });
  }

  async signIn(username: string, password: string): Promise<DirectoryAccount | undefined> {
    const name = username.trim();
    if (name === '' || password === '') return undefined;
    const user = name.includes('@')
      ? await this.lookup.findUserByUserPrincipalName(name)
      : await this.lookup.findUserBySamAccountName(name);
    if (!user || user.isComputer) return undefined;
    const client = await this.connect();
    try {
      try {
        await client.bind(user.dn, password);
      } catch {
        return undefined;
      }
      return { ...accountOf(user), groups: await groupsOf(client, this.settings.baseDn, user.dn) };
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  close(): Promise<void> {
    return this.lookup.close();
  }

  /** A TLS connection verified against the directory's CA, to the first configured DC. */
  private async connect(): Promise<Client> {
    const url = this.settings.urls.split(',')[0]?.trim() ?? '';
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    const tlsOptions = { ca: [this.settings.caPem], ...(isIP(host) ? {} : { servername: host }) };
    const client = new Client({
      url,
      ...(this.settings.startTls ? {} : { tlsOptions }),
      connectTimeout: TIMEOUT_MS,
      timeout: TIMEOUT_MS,
    });
    if (this.settings.startTls) await client.startTLS({ ...tlsOptions, host });
    return client;
  }
}

function accountOf(user: DirectoryUser): Omit<DirectoryAccount, 'groups'> {
  return {
    sub: user.objectGuid,
    name: user.displayName ?? user.samAccountName,
    preferredUsername: user.samAccountName,
  };
}

async function groupsOf(client: Client, baseDn: string, userDn: string): Promise<string[]> {
  const { searchEntries } = await client.search(baseDn, {
    scope: 'sub',
    filter: `(&(objectClass=group)(member:${IN_CHAIN}:=${escapeFilter`${userDn}`}))`,
    attributes: ['1.1'],
    paged: { pageSize: 500 },
  });
  return searchEntries.map((entry) => entry.dn).sort();
}
