import type { TargetKind, TargetOption } from '../domain/worker-admin-contract.js';

/**
 * What the portal's Activate page picks from: users, groups and OUs by the beginning of a name, and a group's members
 * (for coverage by group). Apart from `Directory`, so stand-ins of the directory need not implement a picker.
 */
export interface DirectoryTargets {
  /** At most `limit` options whose name begins with `text` (empty text: the first OUs, to browse). */
  findActivationTargets(kind: TargetKind, text: string, limit: number): Promise<TargetOption[]>;
  /** objectGUIDs of the group's users, nested membership included; by name or DN. */
  listGroupMemberGuids(group: string): Promise<string[]>;
}
