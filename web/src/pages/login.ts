// `/login`: email and password (the API's OAuth2 form calls the email `username`).

import { api } from '../api';
import { h } from '../dom';
import { setFlash } from '../flash';
import type { PageContext } from '../router';
import { navigate } from '../router';
import { currentUser, signIn } from '../session';
import { inputField, scriptedForm, submitButton, whileSending } from '../ui/forms';
import { formCard, safeNext, setTitle } from './common';

/** Logs in and loads the user; used by this page and after a password change. */
export async function logIn(email: string, password: string): Promise<void> {
  const { access_token } = await api.login(email, password);
  signIn(access_token, await api.me(access_token));
}

export function loginPage({ outlet, query }: PageContext): void {
  setTitle('Log in');
  const next = safeNext(query.get('next'));
  if (currentUser()) {
    navigate(next, { replace: true });
    return;
  }
  const email = inputField({
    label: 'Email',
    name: 'email',
    type: 'email',
    autocomplete: 'email',
    value: query.get('email') ?? '',
  });
  const password = inputField({
    label: 'Password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
  });
  const { form } = scriptedForm(
    [email.wrapper, password.wrapper, submitButton('Log in')],
    async (form, errors) => {
      const ok = await whileSending(form, errors, 'Logging in…', () =>
        logIn(email.input.value, password.input.value),
      );
      if (ok) {
        setFlash('success', `Welcome back, ${currentUser()?.username}!`);
        navigate(next, { replace: true });
      }
    },
  );
  outlet.append(
    formCard(
      'Log in',
      null,
      form,
      h(
        'p',
        { class: 'form-links' },
        h('a', { href: '/forgot-password' }, 'Forgot your password?'),
      ),
      h(
        'p',
        { class: 'form-links' },
        'New here? ',
        h('a', { href: '/register' }, 'Create an account'),
      ),
    ),
  );
  (email.input.value ? password.input : email.input).focus();
}
