// Modal dialogs on the native <dialog> element (focus trapping, Escape and the backdrop
// come from the browser): a confirmation, and the post editor used to create and edit.

import { api } from '../api';
import { h, listenAsync } from '../dom';
import type { Post } from '../types';
import { inputField, submitButton, textAreaField, whileSending } from './forms';
import { notice } from './notice';

function openDialog(label: string, ...content: Node[]): HTMLDialogElement {
  const dialog = h('dialog', { class: 'dialog', 'aria-label': label }, ...content);
  // Closing by Escape, a button or after saving: the dialog leaves the page with it.
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** Closes every open dialog (a navigation leaves none behind). */
export function closeDialogs(): void {
  document
    .querySelectorAll('dialog[open]')
    .forEach((dialog) => (dialog as HTMLDialogElement).close());
}

export interface Confirmation {
  title: string;
  text: string;
  confirmLabel: string;
}

/** Resolves true when the person confirms, false when they cancel or press Escape. */
export function confirmDialog({ title, text, confirmLabel }: Confirmation): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'button button-secondary' }, 'Cancel');
    const confirm = h('button', { type: 'button', class: 'button button-danger' }, confirmLabel);
    const dialog = openDialog(
      title,
      h('h2', { class: 'dialog-title' }, title),
      h('p', {}, text),
      h('div', { class: 'dialog-actions' }, cancel, confirm),
    );
    let answer = false;
    cancel.addEventListener('click', () => dialog.close());
    confirm.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => resolve(answer));
    cancel.focus(); // the safe choice is the default one
  });
}

/** The create-post dialog, or the edit dialog when `post` is given. Resolves with the saved post. */
export function postEditor(post?: Post): Promise<Post | null> {
  return new Promise((resolve) => {
    const title = inputField({ label: 'Title', name: 'title', value: post?.title, maxlength: 100 });
    const content = textAreaField({
      label: 'Content',
      name: 'content',
      value: post?.content,
      rows: 10,
    });
    const errors = notice();
    const cancel = h('button', { type: 'button', class: 'button button-secondary' }, 'Cancel');
    const form = h(
      'form',
      { class: 'form' },
      errors.element,
      title.wrapper,
      content.wrapper,
      h(
        'div',
        { class: 'dialog-actions' },
        cancel,
        submitButton(post ? 'Save changes' : 'Publish'),
      ),
    );
    const heading = post ? 'Edit post' : 'New post';
    const dialog = openDialog(heading, h('h2', { class: 'dialog-title' }, heading), form);
    let saved: Post | null = null;
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => resolve(saved));
    listenAsync(form, 'submit', async (event) => {
      event.preventDefault();
      const ok = await whileSending(form, errors, post ? 'Saving…' : 'Publishing…', async () => {
        saved = post
          ? await api.updatePost(post.id, title.input.value, content.input.value)
          : await api.createPost(title.input.value, content.input.value);
      });
      if (ok) dialog.close();
    });
    title.input.focus();
  });
}
