import { Attribute, Change } from 'ldapts';
import { ATTID_UNICODE_PWD, attributeStateFromBlob } from '../../shared/adapters/ldap/replication-metadata.js';
import { pollUntil } from '../support/poll.js';
import { asAdmin, testPassword, throwawayUsers, tryBind, twoSambaDcs, type SambaDc } from './support/samba.js';

/**
 * The test domain's two DCs (scripts/samba-dc.sh provision-pair): each answers LDAPS with its own certificate from the
 * harness's CA, and a password written on either one reaches the other by Samba's own replication (change
 * notification), with no test triggering it. Timings are printed for the record.
 */

const users = throwawayUsers();
afterAll(() => users.removeAll());

async function passwordVersionOn(dc: SambaDc, dn: string): Promise<number | undefined> {
  return asAdmin(async (client) => {
    const { searchEntries } = await client.search(dn, {
      scope: 'base',
      attributes: ['replPropertyMetaData'],
      explicitBufferAttributes: ['replPropertyMetaData'],
    });
    const raw = searchEntries[0]?.['replPropertyMetaData'];
    const blob = Array.isArray(raw) ? raw[0] : raw;
    return Buffer.isBuffer(blob) ? attributeStateFromBlob(blob, ATTID_UNICODE_PWD)?.version : undefined;
  }, dc.url).catch(() => undefined);
}

async function resetOn(dc: SambaDc, dn: string, password: string): Promise<void> {
  const value = new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le')] });
  await asAdmin((client) => client.modify(dn, [new Change({ operation: 'replace', modification: value })]), dc.url);
}

describe('the two-DC test domain', () => {
  it('serves LDAPS on both DCs, each verified against the harness CA by its address', async () => {
    const names = await Promise.all(
      twoSambaDcs().map((dc) =>
        asAdmin(async (client) => {
          const { searchEntries } = await client.search('', { scope: 'base', attributes: ['dnsHostName'] });
          return String(searchEntries[0]?.['dnsHostName']);
        }, dc.url),
      ),
    );
    expect(names.map((name) => name.toLowerCase())).toEqual(twoSambaDcs().map((dc) => dc.hostName));
  });

  it('replicates a password reset from either DC to the other by itself', async () => {
    const [dc1, dc2] = twoSambaDcs();
    const user = await users.create('repl');
    // Created on dc1: it must reach dc2 before dc2 can take a write for it.
    await pollUntil(() => passwordVersionOn(dc2, user.dn), { timeoutMs: 30_000, description: 'the new user on dc2' });

    const timings: string[] = [];
    for (const [writer, reader] of [
      [dc1, dc2],
      [dc2, dc1],
    ] as const) {
      const password = testPassword();
      const started = Date.now();
      await resetOn(writer, user.dn, password);
      const written = await passwordVersionOn(writer, user.dn);
      expect(written).toBeDefined();
      await pollUntil(async () => ((await passwordVersionOn(reader, user.dn)) === written ? true : undefined), {
        timeoutMs: 30_000,
        description: `password version ${written} on ${reader.hostName}`,
      });
      timings.push(`${writer.hostName} → ${reader.hostName}: ${Date.now() - started} ms`);
      // Replicated, not only versioned: the new password binds (tryBind goes to dc1).
      expect(await tryBind(user.dn, password)).toBe('ok');
    }
    console.log(`password replication observed: ${timings.join('; ')}`);
  });
});
