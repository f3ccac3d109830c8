// `/`: every post, newest first, ten at a time.

import { api } from '../api';
import { h } from '../dom';
import { countPosts } from '../format';
import type { PageContext } from '../router';
import { postList } from '../ui/postList';
import { pageHeader, setTitle } from './common';

export async function homePage({ outlet, isCurrent }: PageContext): Promise<void> {
  setTitle('');
  const total = h('span', {}, '');
  const feed = postList(api.feed, 'No posts yet. Be the first to write one!');
  outlet.append(pageHeader('Latest posts', total), feed.element);
  const first = await feed.start();
  if (isCurrent()) total.textContent = first.total > 0 ? countPosts(first.total) : '';
}
