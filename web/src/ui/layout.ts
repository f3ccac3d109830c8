// The frame around every page: the header (brand, navigation, who is signed in, theme
// switch), the main outlet pages draw into, and the footer.

import { h, replaceChildren } from '../dom';
import { currentUser } from '../session';
import { themeToggleLabel, toggleTheme } from '../theme';
import { avatar } from './avatar';

export interface LayoutActions {
  newPost: () => void;
  logOut: () => void;
}

export interface Layout {
  root: HTMLElement;
  outlet: HTMLElement;
  flash: HTMLElement;
  /** Redraws the navigation for the current session. */
  refreshNav: () => void;
}

export function layout(actions: LayoutActions): Layout {
  const nav = h('nav', { class: 'nav', 'aria-label': 'Main' });
  const themeButton = h('button', { type: 'button', class: 'icon-button theme-toggle' });
  const setThemeLabel = () => {
    const label = themeToggleLabel();
    themeButton.setAttribute('aria-label', label);
    themeButton.title = label;
    themeButton.textContent = label.includes('light') ? '☀' : '☾';
  };
  themeButton.addEventListener('click', () => {
    toggleTheme();
    setThemeLabel();
  });
  setThemeLabel();

  const refreshNav = () => {
    const user = currentUser();
    replaceChildren(
      nav,
      h('a', { href: '/', class: 'nav-link' }, 'Home'),
      user
        ? [
            h(
              'button',
              {
                type: 'button',
                class: 'button button-primary button-small',
                onclick: actions.newPost,
              },
              'New post',
            ),
            h(
              'a',
              { href: '/account', class: 'nav-account', 'aria-label': 'Your account' },
              avatar(user, 'sm'),
              h('span', { class: 'nav-username' }, user.username),
            ),
            h(
              'button',
              { type: 'button', class: 'nav-link link-button', onclick: actions.logOut },
              'Log out',
            ),
          ]
        : [
            h('a', { href: '/login', class: 'nav-link' }, 'Log in'),
            h('a', { href: '/register', class: 'button button-primary button-small' }, 'Register'),
          ],
      themeButton,
    );
  };
  refreshNav();

  const outlet = h('main', { id: 'main', class: 'container', tabindex: -1 });
  const flash = h('div', { class: 'container flash-area' });
  const root = h(
    'div',
    { class: 'app' },
    h('a', { href: '#main', class: 'skip-link' }, 'Skip to content'),
    h(
      'header',
      { class: 'site-header' },
      h(
        'div',
        { class: 'container header-inner' },
        h(
          'a',
          { href: '/', class: 'brand' },
          h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'F'),
          'Folio',
        ),
        nav,
      ),
    ),
    flash,
    outlet,
    h(
      'footer',
      { class: 'site-footer' },
      h('div', { class: 'container' }, 'Folio · a small blog, written in Rust and TypeScript'),
    ),
  );
  return { root, outlet, flash, refreshNav };
}
