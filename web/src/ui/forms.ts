// Form building blocks: labelled inputs, a new password with its confirmation, the form that
// script sends with its message area, and `whileSending`, which disables a form while its
// request is in flight and shows the API's message when it fails.

import { ApiError } from '../api';
import type { Child } from '../dom';
import { h, listenAsync } from '../dom';
import { notice, type Notice } from './notice';

export interface FieldOptions {
  label: string;
  name: string;
  type?: string;
  value?: string;
  autocomplete?: string;
  required?: boolean;
  minlength?: number;
  maxlength?: number;
  hint?: string;
  rows?: number;
}

export interface Field<E extends HTMLInputElement | HTMLTextAreaElement = HTMLInputElement> {
  wrapper: HTMLElement;
  input: E;
}

let fieldCount = 0;

export function inputField(options: FieldOptions): Field {
  const input = h(
    'input',
    controlAttributes(options, { type: options.type ?? 'text', value: options.value }),
  );
  return { wrapper: wrap(options, input), input };
}

export function textAreaField(options: FieldOptions): Field<HTMLTextAreaElement> {
  const input = h('textarea', controlAttributes(options, { rows: options.rows ?? 8 }));
  input.value = options.value ?? '';
  return { wrapper: wrap(options, input), input };
}

function controlAttributes(
  options: FieldOptions,
  extra: Record<string, string | number | undefined>,
) {
  const id = `field-${options.name}-${++fieldCount}`;
  return {
    id,
    name: options.name,
    autocomplete: options.autocomplete,
    required: options.required ?? true,
    minlength: options.minlength,
    maxlength: options.maxlength,
    'aria-describedby': options.hint ? `${id}-hint` : undefined,
    ...extra,
  };
}

function wrap(options: FieldOptions, input: HTMLInputElement | HTMLTextAreaElement): HTMLElement {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: input.id }, options.label),
    input,
    options.hint ? h('p', { class: 'hint', id: `${input.id}-hint` }, options.hint) : null,
  );
}

export function submitButton(
  label: string,
  variant: 'primary' | 'danger' = 'primary',
): HTMLButtonElement {
  return h('button', { type: 'submit', class: `button button-${variant}` }, label);
}

/**
 * Runs `send` with every control of `form` disabled and the submit button saying
 * `busyLabel`; an ApiError's message goes to `errors`. Resolves true when `send` succeeded.
 */
export async function whileSending(
  form: HTMLFormElement,
  errors: Notice,
  busyLabel: string,
  send: () => Promise<void>,
): Promise<boolean> {
  const controls = Array.from(form.elements).filter(
    (el): el is HTMLInputElement | HTMLButtonElement | HTMLTextAreaElement => 'disabled' in el,
  );
  const wasDisabled = controls.map((control) => control.disabled);
  const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
  const idleLabel = button?.textContent ?? '';
  controls.forEach((control) => (control.disabled = true));
  form.setAttribute('aria-busy', 'true');
  if (button) button.textContent = busyLabel;
  errors.clear();
  try {
    await send();
    return true;
  } catch (error) {
    errors.show(
      'error',
      error instanceof ApiError ? error.message : 'Something went wrong. Please try again.',
    );
    if (!(error instanceof ApiError)) console.error(error);
    return false;
  } finally {
    // The form may be gone already (the page moved on); restoring it then is harmless.
    controls.forEach((control, i) => (control.disabled = wasDisabled[i]));
    form.removeAttribute('aria-busy');
    if (button) button.textContent = idleLabel;
  }
}

/** An account's username and email (empty, or `current`'s), limited to the lengths the API
 * accepts, as registering and editing the profile ask for them. */
export function accountFields(current?: { username: string; email: string }): {
  username: Field;
  email: Field;
} {
  const username = inputField({
    label: 'Username',
    name: 'username',
    autocomplete: 'username',
    value: current?.username,
    maxlength: 50,
  });
  const email = inputField({
    label: 'Email',
    name: 'email',
    type: 'email',
    autocomplete: 'email',
    value: current?.email,
    maxlength: 120,
  });
  return { username, email };
}

/** A new password typed twice, as registering, resetting and changing a password ask for it. */
export interface NewPasswordFields {
  password: Field;
  confirmation: Field;
  /** True when both agree; otherwise says so in `messages` and is false. */
  agree: (messages: Notice) => boolean;
}

/** The password field is `label` (`name`); its confirmation is "Confirm <label>". */
export function newPasswordFields(
  label = 'New password',
  name = 'new_password',
): NewPasswordFields {
  const password = inputField({
    label,
    name,
    type: 'password',
    autocomplete: 'new-password',
    minlength: 8,
    hint: 'At least 8 characters.',
  });
  const confirmation = inputField({
    label: `Confirm ${label.toLowerCase()}`,
    name: 'confirm_password',
    type: 'password',
    autocomplete: 'new-password',
  });
  const agree = (messages: Notice) => {
    if (password.input.value === confirmation.input.value) return true;
    messages.show('error', 'The passwords do not match.');
    return false;
  };
  return { password, confirmation, agree };
}

/** A form that script sends: its message area first, then `content`. Submitting it runs
 * `onSubmit` in place of the browser's own submission (which would leave the page). */
export function scriptedForm(
  content: Child[],
  onSubmit: (form: HTMLFormElement, messages: Notice) => Promise<void>,
): { form: HTMLFormElement; messages: Notice } {
  const messages = notice();
  const form = h('form', { class: 'form' }, messages.element, ...content);
  listenAsync(form, 'submit', async (event) => {
    event.preventDefault();
    await onSubmit(form, messages);
  });
  return { form, messages };
}
