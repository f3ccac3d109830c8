// Small pieces several pages share.

import { h } from '../dom';
import { navigate, currentLocation } from '../router';
import { currentUser } from '../session';
import type { UserPrivate } from '../types';

export function setTitle(title: string): void {
  document.title = title ? `${title} · Folio` : 'Folio';
}

/** A page heading with an optional line under it. */
export function pageHeader(title: string, subtitle?: string | Node): HTMLElement {
  return h(
    'div',
    { class: 'page-header' },
    h('h1', {}, title),
    subtitle ? h('p', { class: 'muted' }, subtitle) : null,
  );
}

/** The signed-in user, or null after sending the visitor to log in and come back. */
export function requireUser(): UserPrivate | null {
  const user = currentUser();
  if (!user) navigate(`/login?next=${encodeURIComponent(currentLocation())}`, { replace: true });
  return user;
}

/** Only same-site paths are followed after logging in (no open redirect via ?next=):
 * browsers read `//host` and `/\host` as another site. */
export function safeNext(next: string | null): string {
  return next && /^\/(?![/\\])/.test(next) ? next : '/';
}

/** A narrow card holding one form (log in, register, reset). */
export function formCard(title: string, subtitle: string | null, ...content: Node[]): HTMLElement {
  return h(
    'section',
    { class: 'card form-card' },
    h('h1', {}, title),
    subtitle ? h('p', { class: 'muted' }, subtitle) : null,
    ...content,
  );
}
