/**
 * LDAP search filters as the demo directory evaluates them. ldapjs turns a received filter into a string and parses
 * it again, which mangles binary values (objectGUID) and keeps escapes in others; so the filter is decoded here
 * from the request's own BER bytes (RFC 4511 §4.5.1), with every value kept as the exact bytes the client sent.
 */
export type SearchFilter =
  | { kind: 'and' | 'or'; filters: SearchFilter[] }
  | { kind: 'not'; filter: SearchFilter }
  | { kind: 'equal' | 'greaterOrEqual' | 'lessOrEqual' | 'approx'; attribute: string; value: Buffer }
  | { kind: 'present'; attribute: string }
  | { kind: 'substrings'; attribute: string; initial?: Buffer; any: Buffer[]; final?: Buffer }
  | { kind: 'extensible'; rule?: string; attribute?: string; value: Buffer; dnAttributes: boolean };

export interface SearchRequestFields {
  baseObject: string;
  scope: number;
  derefAliases: number;
  sizeLimit: number;
  timeLimit: number;
  typesOnly: boolean;
  filter: SearchFilter;
  attributes: string[];
}

interface Tlv {
  tag: number;
  value: Buffer;
  /** Offset just past this element. */
  end: number;
}

function readTlv(buffer: Buffer, offset: number): Tlv {
  const tag = buffer[offset];
  const first = buffer[offset + 1];
  if (tag === undefined || first === undefined) throw new Error('truncated BER element');
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4) throw new Error('unsupported BER length');
    length = buffer.readUIntBE(offset + 2, octets);
    start += octets;
  }
  const end = start + length;
  if (end > buffer.length) throw new Error('truncated BER element');
  return { tag, value: buffer.subarray(start, end), end };
}

function readChildren(buffer: Buffer): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = 0; offset < buffer.length;) {
    const child = readTlv(buffer, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}

function readInteger(value: Buffer): number {
  return value.length === 0 ? 0 : value.readIntBE(0, Math.min(value.length, 6));
}

const text = (value: Buffer | undefined) => (value ?? Buffer.alloc(0)).toString('utf8');

export function decodeFilter(element: Tlv): SearchFilter {
  const { tag, value } = element;
  switch (tag) {
    case 0xa0:
    case 0xa1:
      return { kind: tag === 0xa0 ? 'and' : 'or', filters: readChildren(value).map(decodeFilter) };
    case 0xa2: {
      const [inner] = readChildren(value);
      if (!inner) throw new Error('empty NOT filter');
      return { kind: 'not', filter: decodeFilter(inner) };
    }
    case 0xa3:
    case 0xa5:
    case 0xa6:
    case 0xa8: {
      const [attribute, assertion] = readChildren(value);
      const kinds = { 0xa3: 'equal', 0xa5: 'greaterOrEqual', 0xa6: 'lessOrEqual', 0xa8: 'approx' } as const;
      return { kind: kinds[tag], attribute: text(attribute?.value), value: Buffer.from(assertion?.value ?? []) };
    }
    case 0x87:
      return { kind: 'present', attribute: text(value) };
    case 0xa4: {
      const [attribute, substrings] = readChildren(value);
      const filter: SearchFilter = { kind: 'substrings', attribute: text(attribute?.value), any: [] };
      for (const part of readChildren(substrings?.value ?? Buffer.alloc(0))) {
        if (part.tag === 0x80) filter.initial = Buffer.from(part.value);
        else if (part.tag === 0x81) filter.any.push(Buffer.from(part.value));
        else if (part.tag === 0x82) filter.final = Buffer.from(part.value);
      }
      return filter;
    }
    case 0xa9: {
      const filter: SearchFilter = { kind: 'extensible', value: Buffer.alloc(0), dnAttributes: false };
      for (const part of readChildren(value)) {
        if (part.tag === 0x81) filter.rule = text(part.value);
        else if (part.tag === 0x82) filter.attribute = text(part.value);
        else if (part.tag === 0x83) filter.value = Buffer.from(part.value);
        else if (part.tag === 0x84) filter.dnAttributes = part.value[0] !== 0;
      }
      return filter;
    }
    default:
      throw new Error(`unknown filter tag 0x${tag.toString(16)}`);
  }
}

/** Decodes a SearchRequest protocol op (tag 0x63) from the bytes that start with it. */
export function decodeSearchRequest(bytes: Buffer): SearchRequestFields {
  const operation = readTlv(bytes, 0);
  if (operation.tag !== 0x63) throw new Error('not a search request');
  const [baseObject, scope, derefAliases, sizeLimit, timeLimit, typesOnly, filter, attributes] = readChildren(
    operation.value,
  );
  if (!baseObject || !scope || !derefAliases || !sizeLimit || !timeLimit || !typesOnly || !filter || !attributes) {
    throw new Error('incomplete search request');
  }
  return {
    baseObject: text(baseObject.value),
    scope: readInteger(scope.value),
    derefAliases: readInteger(derefAliases.value),
    sizeLimit: readInteger(sizeLimit.value),
    timeLimit: readInteger(timeLimit.value),
    typesOnly: typesOnly.value[0] !== undefined && typesOnly.value[0] !== 0,
    filter: decodeFilter(filter),
    attributes: readChildren(attributes.value).map((attribute) => text(attribute.value)),
  };
}
