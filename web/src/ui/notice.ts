// Inline messages: the alert above a form (errors, confirmations) and the page-top flash.

import { h } from '../dom';
import type { FlashKind } from '../flash';

export interface Notice {
  element: HTMLElement;
  show: (kind: FlashKind, text: string) => void;
  clear: () => void;
}

/** A live region that screen readers announce when its text changes. */
export function notice(): Notice {
  const element = h('div', {
    class: 'notice',
    role: 'status',
    'aria-live': 'polite',
    hidden: true,
  });
  return {
    element,
    show(kind, text) {
      element.className = `notice notice-${kind}`;
      element.setAttribute('role', kind === 'error' ? 'alert' : 'status');
      element.textContent = text;
      element.hidden = false;
    },
    clear() {
      element.hidden = true;
      element.textContent = '';
    },
  };
}

/** A finished notice, for messages known when the page is drawn. */
export function staticNotice(kind: FlashKind, text: string): HTMLElement {
  const box = notice();
  box.show(kind, text);
  return box.element;
}
