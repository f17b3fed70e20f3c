import { createHash } from 'node:crypto';

/** One attribute of an entry: its display name and values (text, or bytes for binary attributes). */
export interface StoredAttribute {
  name: string;
  values: Array<string | Buffer>;
}

export interface DirectoryEntry {
  dn: string;
  /** Keyed by lower-case attribute name (LDAP attribute names are case-insensitive). */
  attributes: Map<string, StoredAttribute>;
}

/** Binary attributes: compared byte for byte, never case-folded. */
export const BINARY_ATTRIBUTES = new Set(['objectguid', 'objectsid']);

/** DN-valued attributes: compared as DNs (case and spacing after commas ignored). */
export const DN_ATTRIBUTES = new Set(['member', 'memberof', 'distinguishedname', 'objectcategory', 'manager']);

/** A DN in a canonical comparison form: RDNs trimmed, lower case. Handles escaped commas. */
export function normalizeDn(dn: string): string {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < dn.length; index += 1) {
    const char = dn[index] ?? '';
    if (char === '\\') {
      current += char + (dn[index + 1] ?? '');
      index += 1;
    } else if (char === ',') {
      parts.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim() !== '' || parts.length > 0) parts.push(current.trim());
  return parts
    .map((part) => {
      const equals = part.indexOf('=');
      return equals < 0
        ? part.toLowerCase()
        : `${part.slice(0, equals).trim()}=${part.slice(equals + 1).trim()}`.toLowerCase();
    })
    .join(',');
}

/** The parent DN (without the first RDN), in canonical form. */
export function parentOf(normalizedDn: string): string {
  const comma = normalizedDn.indexOf(',');
  return comma < 0 ? '' : normalizedDn.slice(comma + 1);
}

export function createEntry(
  dn: string,
  attributes: Record<string, string | Buffer | Array<string | Buffer>>,
): DirectoryEntry {
  const entry: DirectoryEntry = { dn, attributes: new Map() };
  for (const [name, value] of Object.entries(attributes))
    setValues(entry, name, Array.isArray(value) ? value : [value]);
  setValues(entry, 'distinguishedName', [dn]);
  return entry;
}

export function setValues(entry: DirectoryEntry, name: string, values: Array<string | Buffer>): void {
  if (values.length === 0) entry.attributes.delete(name.toLowerCase());
  else entry.attributes.set(name.toLowerCase(), { name, values });
}

export function firstText(entry: DirectoryEntry, name: string): string | undefined {
  const value = entry.attributes.get(name.toLowerCase())?.values[0];
  return value === undefined ? undefined : value.toString();
}

export function integerOf(entry: DirectoryEntry, name: string): number {
  const value = Number.parseInt(firstText(entry, name) ?? '0', 10);
  return Number.isFinite(value) ? value : 0;
}

export function hasObjectClass(entry: DirectoryEntry, objectClass: string): boolean {
  return (entry.attributes.get('objectclass')?.values ?? []).some(
    (value) => value.toString().toLowerCase() === objectClass,
  );
}

/** A stable objectGUID (16 bytes) for a demo entry, so the demo users keep their ids across restarts. */
export function demoGuid(seed: string): Buffer {
  const bytes = createHash('sha256').update(`blink-demo:${seed}`).digest().subarray(0, 16);
  bytes[7] = ((bytes[7] ?? 0) & 0x0f) | 0x40; // version 4 (in the little-endian Data3 field)
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  return Buffer.from(bytes);
}

/** The binary form of a SID string (S-1-5-21-…), as AD stores objectSid. */
export function encodeSid(sid: string): Buffer {
  const [, revision, authority, ...subAuthorities] = sid.split('-');
  const bytes = Buffer.alloc(8 + subAuthorities.length * 4);
  bytes.writeUInt8(Number(revision), 0);
  bytes.writeUInt8(subAuthorities.length, 1);
  bytes.writeUIntBE(Number(authority), 2, 6);
  subAuthorities.forEach((value, index) => bytes.writeUInt32LE(Number(value), 8 + index * 4));
  return bytes;
}
