/** A UUID as `crypto.randomUUID()` writes it: lower-case hex in 8-4-4-4-12 groups. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The same, in either case, as AD and admins write GUIDs. */
export const GUID_PATTERN = new RegExp(UUID_PATTERN.source, 'i');
