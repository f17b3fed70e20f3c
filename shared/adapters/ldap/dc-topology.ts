/** How the configured DC URLs relate to the DCs the directory names (PDC emulator, servers under CN=Sites). */

/** The host of an ldap(s):// URL, without IPv6 brackets, lower-case. */
export function hostOfUrl(url: string): string {
  return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** The DN one level up (the first RDN removed, escaped commas respected); undefined for a single RDN. */
export function parentDn(dn: string): string | undefined {
  for (let index = 0; index < dn.length; index += 1) {
    if (dn[index] === '\\') {
      index += 1;
      continue;
    }
    if (dn[index] === ',') return dn.slice(index + 1).trim();
  }
  return undefined;
}

export function sameDn(a: string, b: string): boolean {
  return a.replace(/\s*,\s*/g, ',').toLowerCase() === b.replace(/\s*,\s*/g, ',').toLowerCase();
}

/** What one configured URL turned out to be, once connected: its NTDS Settings DN and host name (root DSE). */
export interface ConfiguredDcIdentity {
  url: string;
  serviceDn: string;
  hostName?: string;
}

/**
 * The configured URL of a DC known by its NTDS Settings DN and host name: the URL naming that host, else the URL whose
 * DC said it is that NTDS Settings object. Never a URL that is not configured: TLS verification and the network path
 * are set up per configured DC.
 */
export function configuredUrlOf(
  urls: readonly string[],
  dc: { serviceDn?: string; hostName?: string },
  identities: readonly ConfiguredDcIdentity[],
): string | undefined {
  const host = dc.hostName?.toLowerCase();
  const byName = host ? urls.find((url) => hostOfUrl(url) === host) : undefined;
  if (byName) return byName;
  const serviceDn = dc.serviceDn;
  return serviceDn
    ? identities.find((identity) => urls.includes(identity.url) && sameDn(identity.serviceDn, serviceDn))?.url
    : undefined;
}

/** The order writes try the DCs in: the PDC emulator first when known, then the others as configured. */
export function writeOrder(urls: readonly string[], pdcUrl: string | undefined): string[] {
  return pdcUrl && urls.includes(pdcUrl) ? [pdcUrl, ...urls.filter((url) => url !== pdcUrl)] : [...urls];
}
