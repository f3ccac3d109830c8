// The API's shapes (docs/api.md), as the frontend reads them.

export interface UserPublic {
  id: number;
  username: string;
  image_file: string | null;
  image_path: string;
}

export interface UserPrivate extends UserPublic {
  email: string;
}

export interface Post {
  id: number;
  title: string;
  content: string;
  user_id: number;
  date_posted: string;
  author: UserPublic;
}

export interface PostsPage {
  posts: Post[];
  total: number;
  skip: number;
  limit: number;
  has_more: boolean;
  /** Folio only (absent from the FastAPI blog): where the next page starts. */
  next_cursor?: string | null;
}

export interface Message {
  message: string;
}
