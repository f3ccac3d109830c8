// Pages that name themselves: /posts/{id} and /users/{id}/posts come from the posts
// service with the page's own head (for link previews and crawlers that run no script),
// and the app still boots from them under the gateway's CSP. The fixtures fail a test on
// any script error or CSP violation.

import { expect, test } from './support/fixtures';
import { createPost, createUser, newUser } from './support/api';

/** The `content` of the one `<meta>` carrying `key`, as written in the HTML. */
function metaContent(html: string, key: string): string | undefined {
  return new RegExp(`<meta ${key} content="([^"]*)"`).exec(html)?.[1];
}

test('a post page carries its title for readers that run no script', async ({ request }) => {
  const author = await createUser(request, newUser('previewed'));
  const title = `Link preview ${Date.now()}`;
  const id = await createPost(request, author, title, 'A post whose link is pasted into a chat.');

  // What a preview fetcher gets: one GET, no script run.
  const response = await request.get(`/posts/${id}`);

  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('text/html; charset=utf-8');
  expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
  const html = await response.text();
  expect(html).toContain(`<title>${title} · Folio</title>`);
  expect(metaContent(html, 'property="og:title"')).toBe(title);
  expect(metaContent(html, 'property="og:type"')).toBe('article');
  expect(metaContent(html, 'name="description"')).toBe('A post whose link is pasted into a chat.');
  expect(metaContent(html, 'property="og:url"')).toMatch(
    new RegExp(`^https?://[^/]+/posts/${id}$`),
  );
  expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[\w-]+\.js"><\/script>/);
});

test('a post page from the posts service still boots the app', async ({ page, request }) => {
  const author = await createUser(request, newUser('booted'));
  const title = `Booted from the shell ${Date.now()}`;
  const id = await createPost(request, author, title);

  const response = await page.goto(`/posts/${id}`);

  // The document the browser booted is the one posts rendered (the app sets the title
  // itself, so only the head tags tell the two shells apart), not the gateway's copy.
  expect(response?.status()).toBe(200);
  expect(metaContent((await response?.text()) ?? '', 'property="og:title"')).toBe(title);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(page).toHaveTitle(`${title} · Folio`);
  await expect(page.locator('meta[property="og:title"]')).toHaveAttribute('content', title);
  await expect(page.locator('link[rel="alternate"][type="application/atom+xml"]')).toHaveCount(2);
});

test("a user's page boots the app and names its feed", async ({ page, request }) => {
  const author = await createUser(request, newUser('profiled'));
  const title = `On the profile ${Date.now()}`;
  await createPost(request, author, title);

  const html = await (await request.get(`/users/${author.id}/posts`)).text();
  expect(html).toContain(`<title>${author.username}&#39;s posts · Folio</title>`);
  expect(html).toContain(`/users/${author.id}/feed.xml"`);

  await page.goto(`/users/${author.id}/posts`);
  await expect(page.getByText(title)).toBeVisible();
});

test('a missing post is the app with status 404', async ({ page }) => {
  const response = await page.goto('/posts/999999999');

  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Post not found' })).toBeVisible();
});

test('the feeds, the sitemap and robots.txt answer at the public URL', async ({ request }) => {
  const feed = await request.get('/feed.xml');
  expect(feed.status()).toBe(200);
  expect(feed.headers()['content-type']).toBe('application/atom+xml; charset=utf-8');
  expect(feed.headers()['cache-control']).toBe('public, max-age=60');
  expect(await feed.text()).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');

  const author = await createUser(request, newUser('subscribed'));
  const title = `In the feed of its author ${Date.now()}`;
  const id = await createPost(request, author, title);
  const own = await request.get(`/users/${author.id}/feed.xml`);
  expect(own.status()).toBe(200);
  const ownFeed = await own.text();
  expect(ownFeed).toContain(`<title type="text">${title}</title>`);
  expect(ownFeed).toMatch(new RegExp(`<id>https?://[^/]+/posts/${id}</id>`));
  expect((await request.get('/users/999999999/feed.xml')).status()).toBe(404);

  const sitemap = await request.get('/sitemap.xml');
  expect(sitemap.status()).toBe(200);
  expect(await sitemap.text()).toMatch(
    /<(urlset|sitemapindex) xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9">/,
  );

  const robots = await request.get('/robots.txt');
  expect(await robots.text()).toMatch(/^Sitemap: https?:\/\/[^/]+\/sitemap\.xml$/m);
});
