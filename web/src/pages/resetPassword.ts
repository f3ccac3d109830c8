// `/reset-password?token=...`: the page the mailed link opens. The gateway sends it with
// `Referrer-Policy: no-referrer` and index.html carries the same meta tag, so the token
// never leaks through a Referer header; the page also takes the token out of the address
// before anything else (history, screenshots, a shared screen, a later Referer). Without
// a token the form is disabled.

import { api } from '../api';
import { h } from '../dom';
import { setFlash } from '../flash';
import type { PageContext } from '../router';
import { navigate } from '../router';
import { newPasswordFields, scriptedForm, submitButton, whileSending } from '../ui/forms';
import { formCard, setTitle } from './common';

export function resetPasswordPage({ outlet, query }: PageContext): void {
  const token = query.get('token')?.trim() ?? '';
  if (query.has('token')) history.replaceState(history.state, '', '/reset-password');
  setTitle('Reset password');
  const { password, confirmation, agree } = newPasswordFields();
  const fields = h(
    'fieldset',
    { class: 'fieldset', disabled: !token },
    password.wrapper,
    confirmation.wrapper,
    submitButton('Reset password'),
  );
  const { form, messages } = scriptedForm([fields], async (form, messages) => {
    if (!agree(messages)) return;
    const ok = await whileSending(form, messages, 'Resetting…', async () => {
      await api.resetPassword(token, password.input.value);
    });
    if (ok) {
      setFlash('success', 'Your password has been reset. You can now log in with the new one.');
      navigate('/login', { replace: true });
    }
  });
  if (!token) {
    messages.show(
      'error',
      'This page needs the link from your password reset email. Ask for a new link if yours is lost.',
    );
  }
  outlet.append(
    formCard(
      'Choose a new password',
      null,
      form,
      h('p', { class: 'form-links' }, h('a', { href: '/forgot-password' }, 'Ask for a new link')),
    ),
  );
  if (token) password.input.focus();
}
