// Who is signed in: the bearer token (kept in localStorage so a reload stays signed in)
// and the user it belongs to. Other modules subscribe to changes to redraw the header.

import type { UserPrivate } from './types';

const TOKEN_KEY = 'folio.token';

let token: string | null = readStoredToken();
let user: UserPrivate | null = null;
const listeners = new Set<() => void>();

function readStoredToken(): string | null {
  try {
    // Kept even when it may have expired: the API decides, and its 401 sends the visitor
    // to log in again with a word on why (see main.ts).
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: the session lasts as long as the page
  }
}

function notify(): void {
  for (const listener of listeners) listener();
}

export function getToken(): string | null {
  return token;
}

export function currentUser(): UserPrivate | null {
  return user;
}

/** Stores a fresh token and its user. */
export function signIn(newToken: string, signedIn: UserPrivate): void {
  token = newToken;
  user = signedIn;
  try {
    localStorage.setItem(TOKEN_KEY, newToken);
  } catch {
    /* the in-memory session still works */
  }
  notify();
}

/** Replaces the cached user after a profile or picture change. */
export function updateUser(changed: UserPrivate): void {
  user = changed;
  notify();
}

/** Forgets the token and the user. */
export function signOut(): void {
  token = null;
  user = null;
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* nothing stored */
  }
  notify();
}

/** Calls `listener` whenever someone signs in or out, or the user changes. */
export function onSessionChange(listener: () => void): void {
  listeners.add(listener);
}

/** Signing out (or in) in another tab applies here too. */
export function followOtherTabs(reload: () => void): void {
  window.addEventListener('storage', (event) => {
    if (event.key !== TOKEN_KEY) return;
    token = event.newValue;
    user = null;
    reload();
  });
}
