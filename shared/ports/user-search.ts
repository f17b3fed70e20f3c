import type { Enrollment } from '../domain/enrollment.js';
import type { UserListFilter } from '../domain/user-search.js';

export interface UserSearchPage {
  userGuids: string[];
  /** Opaque; present when there are more. */
  cursor?: string;
}

/** The portal's index of enrolled users: searched by prefix, or listed by filter, a page at a time. */
export interface UserSearchIndex {
  /** Brings the user's index entries in line with the enrollment as just saved. */
  index(enrollment: Enrollment): Promise<void>;
  search(query: {
    prefix?: string;
    filter?: UserListFilter;
    cursor?: string;
    pageSize: number;
  }): Promise<UserSearchPage>;
}
