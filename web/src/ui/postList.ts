// A paginated feed: the first page, then "Load more" asks for the next one after the last
// post shown (Folio's `next_cursor`: as quick at any depth, and posts written meanwhile do
// not shift it). Against an API without cursors it pages by `skip`; posts written meanwhile
// then shift the pages, so a post already shown is skipped, not repeated.

import { ApiError } from '../api';
import { h, listenAsync } from '../dom';
import type { PostsPage } from '../types';
import { staticNotice } from './notice';
import { postCard } from './postCard';

export const PAGE_SIZE = 10;

export interface PostList {
  element: HTMLElement;
  /** Loads the first page; resolves with it so the page can show the total. */
  start: () => Promise<PostsPage>;
}

export type LoadPage = (skip: number, limit: number, cursor?: string | null) => Promise<PostsPage>;

export function postList(loadPage: LoadPage, emptyText: string): PostList {
  const list = h('div', { class: 'post-list' });
  const more = h(
    'button',
    { type: 'button', class: 'button button-secondary load-more', hidden: true },
    'Load more',
  );
  const status = h('div', { class: 'post-list-status' });
  const shown = new Set<number>();
  let loaded = 0;
  let cursor: string | null = null;

  const add = (page: PostsPage) => {
    loaded += page.posts.length;
    cursor = page.next_cursor ?? null;
    for (const post of page.posts) {
      if (shown.has(post.id)) continue;
      shown.add(post.id);
      list.append(postCard(post));
    }
    more.hidden = !page.has_more;
    if (shown.size === 0) status.replaceChildren(h('p', { class: 'empty' }, emptyText));
  };

  listenAsync(more, 'click', async () => {
    more.disabled = true;
    more.textContent = 'Loading…';
    status.replaceChildren();
    try {
      add(await loadPage(loaded, PAGE_SIZE, cursor));
    } catch (error) {
      const text = error instanceof ApiError ? error.message : 'Could not load more posts.';
      status.replaceChildren(staticNotice('error', text));
    } finally {
      more.disabled = false;
      more.textContent = 'Load more';
    }
  });

  return {
    element: h('div', {}, list, status, h('div', { class: 'center' }, more)),
    start: async () => {
      const first = await loadPage(0, PAGE_SIZE);
      add(first);
      return first;
    },
  };
}
