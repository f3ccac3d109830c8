// Any URL the app does not know (the gateway answers it with status 404).

import { h } from '../dom';
import type { PageContext } from '../router';
import { setTitle } from './common';

export function notFoundPage({ outlet }: PageContext): void {
  setTitle('Page not found');
  outlet.append(
    h(
      'section',
      { class: 'card empty-state' },
      h('p', { class: 'big-code', 'aria-hidden': 'true' }, '404'),
      h('h1', {}, 'Page not found'),
      h('p', { class: 'muted' }, 'The page you are looking for does not exist or has moved.'),
      h('a', { href: '/', class: 'button button-primary' }, 'Go to the latest posts'),
    ),
  );
}
