import { formatGuid } from './guid.js';

/** Where one DC's copy of an attribute stands: the version of its last originating write, when and where that was. */
export interface AttributeReplicationState {
  version: number;
  originatedAt: Date;
  /** invocationId of the DC where the write originated. */
  originatingDsa: string;
}

/** ATTRTYP of unicodePwd (MS-ADA3): how replPropertyMetaData names it. */
export const ATTID_UNICODE_PWD = 0x0009_005a;

/** Seconds between 1601-01-01 (NTTIME epoch) and 1970-01-01. */
const NTTIME_EPOCH_OFFSET_SECONDS = 11_644_473_600;
const BLOB_HEADER_BYTES = 16;
const BLOB_ENTRY_BYTES = 48;

/**
 * The unicodePwd entry of a replPropertyMetaData value (MS-DRSR replPropertyMetaDataBlob, version 1): a header (version,
 * reserved, count, reserved) then 48-byte entries (attid, version, originating change time in seconds since 1601,
 * originating invocationId, originating USN, local USN). Windows also constructs msDS-ReplAttributeMetaData from it;
 * Samba does not, so the blob is what both DCs answer. Undefined when the blob is malformed or has no such entry.
 */
export function attributeStateFromBlob(blob: Buffer, attid: number): AttributeReplicationState | undefined {
  if (blob.length < BLOB_HEADER_BYTES || blob.readUInt32LE(0) !== 1) return undefined;
  const count = blob.readUInt32LE(8);
  if (blob.length < BLOB_HEADER_BYTES + count * BLOB_ENTRY_BYTES) return undefined;
  for (let index = 0; index < count; index += 1) {
    const offset = BLOB_HEADER_BYTES + index * BLOB_ENTRY_BYTES;
    if (blob.readUInt32LE(offset) !== attid) continue;
    const seconds = Number(blob.readBigUInt64LE(offset + 8));
    return {
      version: blob.readUInt32LE(offset + 4),
      originatedAt: new Date((seconds - NTTIME_EPOCH_OFFSET_SECONDS) * 1000),
      originatingDsa: formatGuid(blob.subarray(offset + 16, offset + 32)),
    };
  }
  return undefined;
}

/**
 * The named attribute's entry among msDS-ReplAttributeMetaData values (Windows: one XML fragment per attribute), or
 * undefined when none names it.
 */
export function attributeStateFromXml(values: string[], attributeName: string): AttributeReplicationState | undefined {
  for (const value of values) {
    if (tag(value, 'pszAttributeName')?.toLowerCase() !== attributeName.toLowerCase()) continue;
    const version = Number(tag(value, 'dwVersion'));
    const originatedAt = new Date(tag(value, 'ftimeLastOriginatingChange') ?? '');
    const originatingDsa = tag(value, 'uuidLastOriginatingDsaInvocationID')?.toLowerCase();
    if (!Number.isSafeInteger(version) || Number.isNaN(originatedAt.getTime()) || !originatingDsa) return undefined;
    return { version, originatedAt, originatingDsa };
  }
  return undefined;
}

function tag(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]?.trim();
}
