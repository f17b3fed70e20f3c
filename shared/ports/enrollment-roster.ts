/**
 * Which users were ever activated, for the admin listing: kept apart from the enrollments themselves so that listing
 * them is one query (an item collection), never a scan of the table.
 */
export interface EnrollmentRoster {
  add(userGuid: string, at: Date): Promise<void>;
  list(): Promise<string[]>;
}
