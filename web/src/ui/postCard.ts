// A post as it appears in feeds: author, date, title linking to the post, and the text.

import { h } from '../dom';
import { formatDate } from '../format';
import type { Post } from '../types';
import { avatar } from './avatar';

/** Feeds show the start of long posts; the post page shows all of it. */
const EXCERPT_CHARS = 600;

export function postByline(post: Post): HTMLElement {
  const authorLink = `/users/${post.author.id}/posts`;
  return h(
    'div',
    { class: 'byline' },
    h(
      'a',
      { href: authorLink, class: 'byline-avatar', tabindex: -1, 'aria-hidden': 'true' },
      avatar(post.author, 'md'),
    ),
    h(
      'div',
      {},
      h('a', { href: authorLink, class: 'byline-name' }, post.author.username),
      h('time', { datetime: post.date_posted, class: 'byline-date' }, formatDate(post.date_posted)),
    ),
  );
}

export function postCard(post: Post): HTMLElement {
  const excerpt =
    post.content.length > EXCERPT_CHARS
      ? `${post.content.slice(0, EXCERPT_CHARS).trimEnd()}…`
      : post.content;
  return h(
    'article',
    { class: 'card post-card', 'data-post-id': post.id },
    postByline(post),
    h('h2', { class: 'post-card-title' }, h('a', { href: `/posts/${post.id}` }, post.title)),
    h('p', { class: 'post-content' }, excerpt),
  );
}
