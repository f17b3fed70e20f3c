import { randomBytes } from 'node:crypto';
import { Client } from 'ldapts';
import type { DemoDirectoryServer } from './demo-directory/server.js';
import { demoDomain, demoPolicy } from './demo-directory/seed.js';

/**
 * Locks a demo user out the way it happens at work: wrong passwords, over LDAPS, until the domain's lockout threshold
 * is reached. The demo directory then sets lockoutTime itself, so the scheduled lockout scan finds the account by the
 * same path as in AD. Returns how many wrong passwords it took (0 if the account was locked already).
 */
export async function lockOutDemoUser(demo: DemoDirectoryServer, samAccountName: string): Promise<number> {
  const bindName = `${samAccountName}@${demoDomain.dnsName}`;
  const dn = demo.directory.resolveBindName(bindName);
  if (!dn) throw new Error(`No demo user ${samAccountName}`);
  const isLocked = () => demo.directory.lockedAccounts().some((locked) => locked.toLowerCase() === dn.toLowerCase());
  let attempts = 0;
  while (!isLocked()) {
    if (attempts > demoPolicy.lockoutThreshold)
      throw new Error(`${samAccountName} did not lock after ${attempts} wrong passwords`);
    attempts += 1;
    const client = new Client({
      url: demo.url,
      tlsOptions: { ca: [demo.caPem] },
      timeout: 5_000,
      connectTimeout: 5_000,
    });
    try {
      await client.bind(bindName, `wrong-${randomBytes(9).toString('base64url')}`);
      throw new Error(`A wrong password was accepted for ${samAccountName}`);
    } catch (error) {
      // 52e: wrong password (counted); 775: locked. Anything else is not what this button is for.
      if (!/data (52e|775)/.test(error instanceof Error ? error.message : '')) throw error;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
  return attempts;
}
