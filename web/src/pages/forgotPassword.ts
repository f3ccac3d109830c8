// `/forgot-password`: asks for a reset link. The answer is the same whether or not the
// email has an account, so the page cannot be used to find out who is registered.

import { api } from '../api';
import { h } from '../dom';
import type { PageContext } from '../router';
import { inputField, scriptedForm, submitButton, whileSending } from '../ui/forms';
import { formCard, setTitle } from './common';

export function forgotPasswordPage({ outlet }: PageContext): void {
  setTitle('Forgot password');
  const email = inputField({ label: 'Email', name: 'email', type: 'email', autocomplete: 'email' });
  const { form } = scriptedForm(
    [email.wrapper, submitButton('Send reset link')],
    async (form, messages) => {
      let answer = '';
      const ok = await whileSending(form, messages, 'Sending…', async () => {
        answer = (await api.forgotPassword(email.input.value.trim())).message;
      });
      if (ok) {
        messages.show('success', answer);
        form.reset();
      }
    },
  );
  outlet.append(
    formCard(
      'Forgot your password?',
      'Enter the email of your account and we will send you a link to choose a new password.',
      form,
      h('p', { class: 'form-links' }, h('a', { href: '/login' }, 'Back to log in')),
    ),
  );
  email.input.focus();
}
