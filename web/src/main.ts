// Starts the app: the frame, the signed-in user (if the stored token still works), the
// expired-session rule, then the page of the current URL.

// Styles in cascade order: palettes, the page frame, content, controls, then phone overrides.
import './styles/theme.css';
import './styles/base.css';
import './styles/content.css';
import './styles/controls.css';
import './styles/phone.css';
import { api, ApiError, setExpiredSessionHandler } from './api';
import { h } from './dom';
import { setFlash, takeFlash } from './flash';
import { accountPage } from './pages/account';
import { forgotPasswordPage } from './pages/forgotPassword';
import { homePage } from './pages/home';
import { loginPage } from './pages/login';
import { notFoundPage } from './pages/notFound';
import { postPage } from './pages/post';
import { registerPage } from './pages/register';
import { resetPasswordPage } from './pages/resetPassword';
import { userPostsPage } from './pages/userPosts';
import {
  currentLocation,
  navigate,
  refresh,
  startRouter,
  type PageContext,
  type Route,
} from './router';
import { followOtherTabs, getToken, onSessionChange, signIn, signOut } from './session';
import { closeDialogs, postEditor } from './ui/dialogs';
import { layout } from './ui/layout';
import { staticNotice } from './ui/notice';
import { setTitle } from './pages/common';

const routes: Route[] = [
  { pattern: /^\/$/, page: homePage },
  { pattern: /^\/posts\/(\d+)$/, page: postPage },
  { pattern: /^\/users\/(\d+)\/posts$/, page: userPostsPage },
  { pattern: /^\/login$/, page: loginPage },
  { pattern: /^\/register$/, page: registerPage },
  { pattern: /^\/account$/, page: accountPage },
  { pattern: /^\/forgot-password$/, page: forgotPasswordPage },
  { pattern: /^\/reset-password$/, page: resetPasswordPage },
];

async function writeNewPost(): Promise<void> {
  const post = await postEditor();
  if (post) {
    setFlash('success', 'Your post has been published.');
    navigate(`/posts/${post.id}`);
  }
}

const frame = layout({
  newPost: () => void writeNewPost(),
  logOut: () => {
    signOut();
    setFlash('info', 'You have been logged out.');
    navigate('/');
  },
});
document.body.replaceChildren(frame.root);
onSessionChange(frame.refreshNav);

/** A page whose data could not load: a missing post or user reads as a not-found page. */
function showLoadError(error: unknown, { outlet }: PageContext): void {
  const notFound = error instanceof ApiError && error.status === 404;
  const message = error instanceof ApiError ? error.message : 'This page could not be shown.';
  if (!(error instanceof ApiError)) console.error(error);
  setTitle(notFound ? message : 'Something went wrong');
  outlet.replaceChildren(
    h(
      'section',
      { class: 'card empty-state' },
      h('h1', {}, notFound ? message : 'Something went wrong'),
      notFound ? null : staticNotice('error', message),
      h(
        'div',
        { class: 'actions center' },
        notFound
          ? null
          : h(
              'button',
              { type: 'button', class: 'button button-secondary', onclick: refresh },
              'Try again',
            ),
        h('a', { href: '/', class: 'button button-primary' }, 'Go to the latest posts'),
      ),
    ),
  );
}

setExpiredSessionHandler(() => {
  signOut();
  closeDialogs();
  setFlash('info', 'Your session has expired. Please log in again.');
  const here = currentLocation();
  navigate(here.startsWith('/login') ? here : `/login?next=${encodeURIComponent(here)}`, {
    replace: true,
  });
});

async function restoreSession(): Promise<void> {
  const token = getToken();
  if (!token) return;
  try {
    signIn(token, await api.me());
  } catch (error) {
    // An expired or revoked token already signed out via the handler above; a network
    // failure keeps the token for the next try but shows the visitor as signed out.
    if (!(error instanceof ApiError && error.status === 401)) {
      console.warn('could not load the signed-in user', error);
    }
  }
}

async function followSessionOfOtherTab(): Promise<void> {
  await restoreSession();
  frame.refreshNav();
  refresh();
}

followOtherTabs(() => void followSessionOfOtherTab());

void restoreSession().then(() =>
  startRouter({
    routes,
    notFound: notFoundPage,
    outlet: frame.outlet,
    beforeEach: () => {
      closeDialogs();
      const flash = takeFlash();
      frame.flash.replaceChildren(flash ? staticNotice(flash.kind, flash.text) : '');
    },
    onError: showLoadError,
  }),
);
