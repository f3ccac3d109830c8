// `/users/{id}/posts`: one author's posts, with their picture and name.

import { api } from '../api';
import { h } from '../dom';
import { countPosts } from '../format';
import type { PageContext } from '../router';
import { avatar } from '../ui/avatar';
import { postList } from '../ui/postList';
import { setTitle } from './common';

export async function userPostsPage({ outlet, params, isCurrent }: PageContext): Promise<void> {
  const userId = Number(params[0]);
  const feed = postList(
    (skip, limit, cursor) => api.userFeed(userId, skip, limit, cursor),
    'No posts yet.',
  );
  const [user, first] = await Promise.all([api.user(userId), feed.start()]);
  if (!isCurrent()) return;
  setTitle(`Posts by ${user.username}`);
  outlet.append(
    h(
      'div',
      { class: 'profile-header' },
      avatar(user, 'lg'),
      h(
        'div',
        {},
        h('h1', {}, `Posts by ${user.username}`),
        h('p', { class: 'muted' }, countPosts(first.total)),
      ),
    ),
    feed.element,
  );
}
