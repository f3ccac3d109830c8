// Every call to the API goes through `request`: same origin (the gateway routes /api/*),
// the bearer token when signed in, and failures turned into an ApiError whose message is
// the server's `detail` in plain words.

import { describeDetail, describeStatus } from './errors';
import { getToken } from './session';
import type { Message, Post, PostsPage, UserChanges, UserPrivate, UserPublic } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Body = { json: unknown } | { form: URLSearchParams } | { multipart: FormData };

let onExpiredSession: () => void = () => {};

/** What to do when a signed-in request gets a 401 (the token expired or was revoked). */
export function setExpiredSessionHandler(handler: () => void): void {
  onExpiredSession = handler;
}

async function request<T>(method: string, path: string, body?: Body, bearer?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = bearer ?? getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body && 'json' in body) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body.json);
  } else if (body && 'form' in body) {
    payload = body.form; // fetch sets application/x-www-form-urlencoded
  } else if (body) {
    payload = body.multipart; // fetch sets the multipart boundary
  }

  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, 'Could not reach the server. Check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const data: unknown = await response.json().catch(() => null);
  if (response.ok) return data as T;

  if (response.status === 401 && token) onExpiredSession();
  throw new ApiError(response.status, describeDetail(data, describeStatus(response.status)));
}

// With a cursor (Folio's next_cursor) the next page starts right after the last post
// shown, wherever new posts have pushed it; `skip` still counts the posts shown.
const page = (skip: number, limit: number, cursor?: string | null) =>
  `skip=${skip}&limit=${limit}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');

export const api = {
  login: (email: string, password: string) =>
    request<{ access_token: string }>('POST', '/api/users/token', {
      form: new URLSearchParams({ username: email, password }),
    }),
  register: (username: string, email: string, password: string) =>
    request<UserPrivate>('POST', '/api/users', { json: { username, email, password } }),
  /** The signed-in user; `token` checks a token that is not stored yet (just after login). */
  me: (token?: string) => request<UserPrivate>('GET', '/api/users/me', undefined, token),
  user: (id: number) => request<UserPublic>('GET', `/api/users/${id}`),
  updateUser: (id: number, changes: UserChanges) =>
    request<UserPrivate>('PATCH', `/api/users/${id}`, { json: changes }),
  deleteUser: (id: number) => request<void>('DELETE', `/api/users/${id}`),
  changePassword: (current_password: string, new_password: string) =>
    request<Message>('PATCH', '/api/users/me/password', {
      json: { current_password, new_password },
    }),
  forgotPassword: (email: string) =>
    request<Message>('POST', '/api/users/forgot-password', { json: { email } }),
  resetPassword: (token: string, new_password: string) =>
    request<Message>('POST', '/api/users/reset-password', { json: { token, new_password } }),
  uploadPicture: (userId: number, file: File) => {
    const multipart = new FormData();
    multipart.append('file', file);
    return request<UserPrivate>('PATCH', `/api/users/${userId}/picture`, { multipart });
  },
  deletePicture: (userId: number) => request<UserPrivate>('DELETE', `/api/users/${userId}/picture`),
  feed: (skip: number, limit: number, cursor?: string | null) =>
    request<PostsPage>('GET', `/api/posts?${page(skip, limit, cursor)}`),
  userFeed: (userId: number, skip: number, limit: number, cursor?: string | null) =>
    request<PostsPage>('GET', `/api/users/${userId}/posts?${page(skip, limit, cursor)}`),
  post: (id: number) => request<Post>('GET', `/api/posts/${id}`),
  createPost: (title: string, content: string) =>
    request<Post>('POST', '/api/posts', { json: { title, content } }),
  updatePost: (id: number, title: string, content: string) =>
    request<Post>('PUT', `/api/posts/${id}`, { json: { title, content } }),
  deletePost: (id: number) => request<void>('DELETE', `/api/posts/${id}`),
};
