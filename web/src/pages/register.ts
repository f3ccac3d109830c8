// `/register`: username, email, password twice. Then on to log in with the email filled in.

import { api } from '../api';
import { h } from '../dom';
import { setFlash } from '../flash';
import type { PageContext } from '../router';
import { navigate } from '../router';
import { currentUser } from '../session';
import {
  accountFields,
  newPasswordFields,
  scriptedForm,
  submitButton,
  whileSending,
} from '../ui/forms';
import { formCard, setTitle } from './common';

export function registerPage({ outlet }: PageContext): void {
  setTitle('Register');
  if (currentUser()) {
    navigate('/', { replace: true });
    return;
  }
  const { username, email } = accountFields();
  const { password, confirmation, agree } = newPasswordFields('Password', 'password');
  const { form } = scriptedForm(
    [
      username.wrapper,
      email.wrapper,
      password.wrapper,
      confirmation.wrapper,
      submitButton('Create account'),
    ],
    async (form, errors) => {
      if (!agree(errors)) {
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
    },
  );
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
