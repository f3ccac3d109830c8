// `/account`: the signed-in user's profile, picture, password and account deletion, one
// card each. Every card sends on its own and shows its own messages.

import { api, ApiError } from '../api';
import { h, listenAsync, replaceChildren } from '../dom';
import { setFlash } from '../flash';
import type { PageContext } from '../router';
import { navigate } from '../router';
import { currentUser, signOut, updateUser } from '../session';
import type { UserChanges, UserPrivate } from '../types';
import { avatar } from '../ui/avatar';
import { confirmDialog } from '../ui/dialogs';
import {
  accountFields,
  inputField,
  newPasswordFields,
  scriptedForm,
  submitButton,
  whileSending,
} from '../ui/forms';
import { notice } from '../ui/notice';
import { PICTURE_LIMITS_TEXT, picturePicker } from '../ui/picturePicker';
import { pageHeader, requireUser, setTitle } from './common';
import { logIn } from './login';

export function accountPage({ outlet }: PageContext): void {
  setTitle('Your account');
  const user = requireUser();
  if (!user) return;
  outlet.append(
    pageHeader('Your account', h('a', { href: `/users/${user.id}/posts` }, 'See your posts')),
    h(
      'div',
      { class: 'account-grid' },
      profileCard(user),
      pictureCard(user),
      passwordCard(),
      deleteCard(user),
    ),
  );
}

function card(title: string, ...content: Node[]): HTMLElement {
  return h('section', { class: 'card account-card' }, h('h2', {}, title), ...content);
}

function profileCard(user: UserPrivate): HTMLElement {
  const { username, email } = accountFields(user);
  // The API asks for the password to move the account to another address; a rename needs none.
  const password = inputField({
    label: 'Current password',
    name: 'current_password',
    type: 'password',
    autocomplete: 'current-password',
    required: false,
    hint: 'Needed to change your email.',
  });
  const emailChanged = () =>
    email.input.value.trim().toLowerCase() !== (currentUser() ?? user).email;
  const askForPassword = () => {
    const needed = emailChanged();
    password.wrapper.hidden = !needed;
    password.input.required = needed;
    if (!needed) password.input.value = '';
  };
  askForPassword();
  email.input.addEventListener('input', askForPassword);
  const { form } = scriptedForm(
    [username.wrapper, email.wrapper, password.wrapper, submitButton('Save profile')],
    async (form, messages) => {
      const me = currentUser() ?? user;
      const changes: UserChanges = {};
      if (username.input.value.trim() !== me.username)
        changes.username = username.input.value.trim();
      if (emailChanged()) {
        changes.email = email.input.value.trim();
        changes.current_password = password.input.value;
      }
      if (Object.keys(changes).length === 0) {
        messages.show('info', 'Nothing to save: your profile is unchanged.');
        return;
      }
      const ok = await whileSending(form, messages, 'Saving…', async () => {
        updateUser(await api.updateUser(me.id, changes));
      });
      if (ok) {
        askForPassword();
        messages.show('success', 'Your profile has been updated.');
      }
    },
  );
  return card('Profile', form);
}

function pictureCard(user: UserPrivate): HTMLElement {
  const current = h('div', { class: 'current-picture' }, avatar(user, 'lg'));
  const messages = notice();
  const upload = submitButton('Upload picture');
  upload.disabled = true;
  const remove = h(
    'button',
    { type: 'button', class: 'button button-secondary', hidden: !user.image_file },
    'Remove picture',
  );
  const picker = picturePicker((problem, file) => {
    if (problem) messages.show('error', problem);
    else messages.clear();
    upload.disabled = !file;
  });
  const showUser = (changed: UserPrivate) => {
    updateUser(changed);
    replaceChildren(current, avatar(changed, 'lg'));
    remove.hidden = !changed.image_file;
  };
  const form = h(
    'form',
    { class: 'form' },
    messages.element,
    h('div', { class: 'picture-row' }, current, picker.preview),
    h(
      'div',
      { class: 'field' },
      h('label', { for: picker.input.id }, 'New picture'),
      picker.input,
      h('p', { class: 'hint', id: 'picture-limits' }, PICTURE_LIMITS_TEXT),
    ),
    h('div', { class: 'actions' }, upload, remove),
  );
  listenAsync(form, 'submit', async (event) => {
    event.preventDefault();
    const file = picker.file();
    if (!file) return;
    const ok = await whileSending(form, messages, 'Uploading…', async () =>
      showUser(await api.uploadPicture(user.id, file)),
    );
    if (ok) {
      picker.reset();
      upload.disabled = true;
      messages.show('success', 'Your picture has been updated.');
    }
  });
  listenAsync(remove, 'click', async () => {
    // The busy label is the upload button's own: removing is not uploading.
    const ok = await whileSending(form, messages, 'Upload picture', async () =>
      showUser(await api.deletePicture(user.id)),
    );
    if (ok) messages.show('success', 'Your picture has been removed.');
    upload.disabled = !picker.file();
  });
  return card('Profile picture', form);
}

function passwordCard(): HTMLElement {
  const current = inputField({
    label: 'Current password',
    name: 'current_password',
    type: 'password',
    autocomplete: 'current-password',
  });
  const { password: fresh, confirmation, agree } = newPasswordFields();
  const { form } = scriptedForm(
    [current.wrapper, fresh.wrapper, confirmation.wrapper, submitButton('Change password')],
    async (form, messages) => {
      if (!agree(messages)) return;
      const email = currentUser()?.email ?? '';
      const ok = await whileSending(form, messages, 'Changing…', async () => {
        await api.changePassword(current.input.value, fresh.input.value);
        // The change ends every token, this one included: log in again with the new password.
        await logIn(email, fresh.input.value);
      });
      if (ok) {
        form.reset();
        messages.show('success', 'Your password has been changed.');
      }
    },
  );
  return card('Change password', form);
}

function deleteCard(user: UserPrivate): HTMLElement {
  const messages = notice();
  const button = h('button', { type: 'button', class: 'button button-danger' }, 'Delete account');
  listenAsync(button, 'click', async () => {
    const sure = await confirmDialog({
      title: 'Delete your account?',
      text: 'Your account, all your posts and your picture will be deleted. This cannot be undone.',
      confirmLabel: 'Delete my account',
    });
    if (!sure) return;
    button.disabled = true;
    button.textContent = 'Deleting…';
    try {
      await api.deleteUser(user.id);
      signOut();
      setFlash('info', 'Your account has been deleted. Goodbye!');
      navigate('/', { replace: true });
    } catch (error) {
      messages.show(
        'error',
        error instanceof ApiError ? error.message : 'Could not delete the account.',
      );
      button.disabled = false;
      button.textContent = 'Delete account';
    }
  });
  return card(
    'Delete account',
    messages.element,
    h('p', { class: 'muted' }, 'This removes your account, your posts and your picture for good.'),
    button,
  );
}
