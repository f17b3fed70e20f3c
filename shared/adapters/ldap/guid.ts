import { ValidationError } from '../../domain/errors.js';
import { GUID_PATTERN } from '../../validation/uuid.js';

/**
 * The 16 bytes AD stores in objectGUID for a canonical GUID string. The first three groups are little-endian
 * (a Windows GUID struct: Data1 uint32, Data2 uint16, Data3 uint16), the last two are byte strings.
 */
export function parseGuid(guid: string): Buffer {
  if (!GUID_PATTERN.test(guid)) {
    throw new ValidationError('not a GUID in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx');
  }
  const hex = guid.replaceAll('-', '');
  const bytes = Buffer.from(hex, 'hex');
  bytes.subarray(0, 4).reverse();
  bytes.subarray(4, 6).reverse();
  bytes.subarray(6, 8).reverse();
  return bytes;
}

/** The canonical lower-case string of the 16 objectGUID bytes read from AD. */
export function formatGuid(bytes: Buffer): string {
  if (bytes.length !== 16) throw new ValidationError(`objectGUID must be 16 bytes, got ${bytes.length}`);
  const copy = Buffer.from(bytes);
  copy.subarray(0, 4).reverse();
  copy.subarray(4, 6).reverse();
  copy.subarray(6, 8).reverse();
  const hex = copy.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
