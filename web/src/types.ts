// The API's shapes under the names the frontend uses. They are the services' own schemas,
// generated from web/openapi.json into openapi.gen.ts (scripts/openapi.sh), so an API
// change that the frontend does not follow fails `tsc`, not the user.

import type { components } from './openapi.gen';

type Schemas = components['schemas'];

export type UserPublic = Schemas['UserPublic'];
export type UserPrivate = Schemas['UserPrivate'];
export type Post = Schemas['PostResponse'];
export type PostsPage = Schemas['PaginatedPostsResponse'];
export type Message = Schemas['Message'];
/** The body of `PATCH /api/users/{id}`: `current_password` goes with an email change. */
export type UserChanges = Schemas['UpdateUser'];
