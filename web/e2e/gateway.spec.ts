// The gateway's side of the contract: routing per the routes in docs/api.md, security
// and cache headers on the frontend, JSON errors for the API.

import { expect, test } from './support/fixtures';

test('the frontend is served with its security headers and no-cache index', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers['content-security-policy']).toContain("script-src 'self'");
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(headers['cache-control']).toBe('no-cache');

  const asset = /\/assets\/[\w-]+\.js/.exec(await response.text())?.[0];
  expect(asset, 'index.html links a hashed script').toBeTruthy();
  const script = await request.get(asset!);
  expect(script.status()).toBe(200);
  expect(script.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
});

test('every app URL is the app, and the default avatar is a real JPEG', async ({ request }) => {
  for (const path of [
    '/login',
    '/register',
    '/account',
    '/forgot-password',
    '/reset-password?token=x',
  ]) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    expect(await response.text(), path).toContain('<title>Folio</title>');
  }
  const avatar = await request.get('/static/profile_pics/default.jpg');
  expect(avatar.status()).toBe(200);
  expect(avatar.headers()['content-type']).toBe('image/jpeg');
  expect([...(await avatar.body()).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
});

test('API paths reach the service that owns them', async ({ request }) => {
  const jwks = await request.get('/.well-known/jwks.json'); // auth
  expect(jwks.status()).toBe(200);
  expect((await jwks.json()).keys.length).toBeGreaterThan(0);

  const feed = await request.get('/api/posts?limit=1'); // posts
  expect(feed.status()).toBe(200);
  expect(await feed.json()).toMatchObject({ skip: 0, limit: 1 });

  const userFeed = await request.get('/api/users/999999999/posts'); // posts, not auth
  expect(userFeed.status()).toBe(404);
  expect(await userFeed.json()).toEqual({ detail: 'User not found' });

  const picture = await request.delete('/api/users/1/picture'); // media: needs a token
  expect(picture.status()).toBe(401);

  const user = await request.get('/api/users/999999999'); // auth
  expect(user.status()).toBe(404);
  expect(await user.json()).toEqual({ detail: 'User not found' });

  const unknown = await request.get('/api/nothing-here');
  expect(unknown.status()).toBe(404);
  expect(await unknown.json()).toEqual({ detail: 'Not Found' });
});
