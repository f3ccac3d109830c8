// Form building blocks: labelled inputs, and `whileSending`, which disables a form while
// its request is in flight and shows the API's message when it fails.

import { ApiError } from '../api';
import { h } from '../dom';
import type { Notice } from './notice';

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

/** The message when a password and its confirmation differ, or null when they agree. */
export function mismatchedPasswords(
  password: HTMLInputElement,
  confirmation: HTMLInputElement,
): string | null {
  return password.value === confirmation.value ? null : 'The passwords do not match.';
}
