// Arranging through the API what a test is not about (accounts, posts), so each test
// spends its browser time on the behaviour it checks.

import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';

export interface TestUser {
  username: string;
  email: string;
  password: string;
}

export interface CreatedUser extends TestUser {
  id: number;
  token: string;
}

/** A user no other test (or earlier run) has: every test makes its own. */
export function newUser(label = 'writer'): TestUser {
  const suffix = randomBytes(4).toString('hex');
  return {
    username: `${label}_${suffix}`,
    email: `${label}.${suffix}@example.com`,
    password: `pw-${randomBytes(6).toString('hex')}`,
  };
}

export async function createUser(
  request: APIRequestContext,
  user = newUser(),
): Promise<CreatedUser> {
  const created = await request.post('/api/users', {
    data: { username: user.username, email: user.email, password: user.password },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = await created.json();
  return { ...user, id, token: await token(request, user) };
}

export async function token(request: APIRequestContext, user: TestUser): Promise<string> {
  const response = await request.post('/api/users/token', {
    form: { username: user.email, password: user.password },
  });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).access_token;
}

export async function createPost(
  request: APIRequestContext,
  author: CreatedUser,
  title: string,
  content = `Written by ${author.username} for an end-to-end test.`,
): Promise<number> {
  const response = await request.post('/api/posts', {
    data: { title, content },
    headers: { Authorization: `Bearer ${author.token}` },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()).id;
}

/** Opens the app already signed in as `user` (the token the login form would store). */
export async function signInAs(page: Page, user: CreatedUser): Promise<void> {
  // Once per tab: a later log-out or account deletion must not be undone by the next page load.
  await page.addInitScript((value) => {
    if (sessionStorage.getItem('e2e.signed-in')) return;
    sessionStorage.setItem('e2e.signed-in', '1');
    localStorage.setItem('folio.token', value);
  }, user.token);
}
