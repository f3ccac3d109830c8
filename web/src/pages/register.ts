// `/register`: username, email, password twice. Then on to log in with the email filled in.

import { api } from '../api';
import { h, listenAsync } from '../dom';
import { setFlash } from '../flash';
import type { PageContext } from '../router';
import { navigate } from '../router';
import { currentUser } from '../session';
import { inputField, mismatchedPasswords, submitButton, whileSending } from '../ui/forms';
import { notice } from '../ui/notice';
import { formCard, setTitle } from './common';

export function registerPage({ outlet }: PageContext): void {
  setTitle('Register');
  if (currentUser()) {
    navigate('/', { replace: true });
    return;
  }
  const username = inputField({
    label: 'Username',
    name: 'username',
    autocomplete: 'username',
    maxlength: 50,
  });
  const email = inputField({
    label: 'Email',
    name: 'email',
    type: 'email',
    autocomplete: 'email',
    maxlength: 120,
  });
  const password = inputField({
    label: 'Password',
    name: 'password',
    type: 'password',
    autocomplete: 'new-password',
    minlength: 8,
    hint: 'At least 8 characters.',
  });
  const confirmation = inputField({
    label: 'Confirm password',
    name: 'confirm_password',
    type: 'password',
    autocomplete: 'new-password',
  });
  const errors = notice();
  const form = h(
    'form',
    { class: 'form' },
    errors.element,
    username.wrapper,
    email.wrapper,
    password.wrapper,
    confirmation.wrapper,
    submitButton('Create account'),
  );
  listenAsync(form, 'submit', async (event) => {
    event.preventDefault();
    const mismatch = mismatchedPasswords(password.input, confirmation.input);
    if (mismatch) {
      errors.show('error', mismatch);
      confirmation.input.focus();
      return;
    }
    const ok = await whileSending(form, errors, 'Creating account…', async () => {
      await api.register(
        username.input.value.trim(),
        email.input.value.trim(),
        password.input.value,
      );
    });
    if (ok) {
      setFlash('success', 'Your account has been created. You can now log in.');
      navigate(`/login?email=${encodeURIComponent(email.input.value.trim().toLowerCase())}`);
    }
  });
  outlet.append(
    formCard(
      'Create your account',
      'Join Folio to write posts and share them with everyone.',
      form,
      h(
        'p',
        { class: 'form-links' },
        'Already have an account? ',
        h('a', { href: '/login' }, 'Log in'),
      ),
    ),
  );
  username.input.focus();
}
