// Who is signed in: the bearer token (kept in localStorage so a reload stays signed in)
// and the user it belongs to. Other modules subscribe to changes to redraw the header.

import type { UserPrivate } from './types';

const TOKEN_KEY = 'folio.token';

let token: string | null = readStoredToken();
let user: UserPrivate | null = null;
const listeners = new Set<() => void>();

function readStoredToken(): string | null {
  try {
    const stored = localStorage.getItem(TOKEN_KEY);
    return stored && !isExpired(stored) ? stored : null;
  } catch {
    return null; // storage disabled: the session lasts as long as the page
  }
}

/** True when the JWT's `exp` has passed (a token that cannot be read counts as expired). */
function isExpired(jwt: string): boolean {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp !== 'number' || payload.exp * 1000 <= Date.now();
  } catch {
    return true;
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
    token = event.newValue && !isExpired(event.newValue) ? event.newValue : null;
    user = null;
    reload();
  });
}
