// `/posts/{id}`: one post in full; its author can edit or delete it.

import { api, ApiError } from '../api';
import { h, listenAsync, replaceChildren } from '../dom';
import { setFlash } from '../flash';
import type { PageContext } from '../router';
import { navigate } from '../router';
import { currentUser } from '../session';
import type { Post } from '../types';
import { confirmDialog, postEditor } from '../ui/dialogs';
import { notice } from '../ui/notice';
import { postByline } from '../ui/postCard';
import { setTitle } from './common';

export async function postPage({ outlet, params, isCurrent }: PageContext): Promise<void> {
  const post = await api.post(Number(params[0]));
  if (isCurrent()) showPost(outlet, post);
}

function showPost(outlet: HTMLElement, post: Post): void {
  setTitle(post.title);
  const errors = notice();
  const owner = currentUser()?.id === post.user_id;
  const edit = h('button', { type: 'button', class: 'button button-secondary' }, 'Edit');
  const remove = h('button', { type: 'button', class: 'button button-danger' }, 'Delete');

  listenAsync(edit, 'click', async () => {
    const saved = await postEditor(post);
    if (saved) {
      replaceChildren(outlet);
      showPost(outlet, saved);
    }
  });
  listenAsync(remove, 'click', async () => {
    const sure = await confirmDialog({
      title: 'Delete this post?',
      text: `“${post.title}” will be gone for good.`,
      confirmLabel: 'Delete post',
    });
    if (!sure) return;
    remove.disabled = edit.disabled = true;
    try {
      await api.deletePost(post.id);
      setFlash('success', 'Your post has been deleted.');
      navigate('/');
    } catch (error) {
      errors.show(
        'error',
        error instanceof ApiError ? error.message : 'Could not delete the post.',
      );
      remove.disabled = edit.disabled = false;
    }
  });

  outlet.append(
    h(
      'article',
      { class: 'card post-full', 'data-post-id': post.id },
      errors.element,
      postByline(post),
      h('h1', { class: 'post-title' }, post.title),
      h('div', { class: 'post-content' }, post.content),
      owner ? h('div', { class: 'post-actions' }, edit, remove) : null,
    ),
    h('p', {}, h('a', { href: '/', class: 'back-link' }, '← All posts')),
  );
}
