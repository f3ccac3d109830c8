// What people see when something is refused: the API's own words, checks made before
// sending, and text that stays text.

import { expect, test } from './support/fixtures';
import { createPost, createUser, newUser, signInAs } from './support/api';
import { oversizeJpeg } from './support/images';
import { expiredCopy, resignedCopy } from './support/tokens';

test('a wrong password says so and keeps the visitor on the login page', async ({
  page,
  request,
}) => {
  const writer = await createUser(request);
  await page.goto('/login');
  await page.getByLabel('Email').fill(writer.email);
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Incorrect email or password');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('button', { name: 'Log in' })).toBeEnabled();
});

test('a taken username is refused with the API message', async ({ page, request }) => {
  const existing = await createUser(request);
  const second = newUser();
  await page.goto('/register');
  await page.getByLabel('Username').fill(existing.username.toUpperCase());
  await page.getByLabel('Email').fill(second.email);
  await page.getByLabel('Password', { exact: true }).fill(second.password);
  await page.getByLabel('Confirm password').fill(second.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toHaveText('Username already exists');
  await expect(page).toHaveURL(/\/register$/);
});

test('a password confirmation that differs is caught before sending', async ({ page }) => {
  const user = newUser();
  let sent = false;
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().endsWith('/api/users')) sent = true;
  });
  await page.goto('/register');
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('Confirm password').fill(`${user.password}-typo`);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toHaveText('The passwords do not match.');
  expect(sent).toBe(false);
});

test('a validation error (422) reads as a sentence naming the field', async ({ page }) => {
  const user = newUser();
  await page.goto('/register');
  await page.getByLabel('Username').fill(user.username);
  // The browser accepts a domain without a dot; the API does not.
  await page.getByLabel('Email').fill('someone@localhost');
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('Confirm password').fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'Email: value is not a valid email address: The domain name is not valid.',
  );
});

test('an oversize or non-image picture is refused before anything is uploaded', async ({
  page,
  request,
}) => {
  const writer = await createUser(request);
  let uploads = 0;
  page.on('request', (req) => {
    if (req.url().includes('/picture')) uploads++;
  });
  await signInAs(page, writer);
  await page.goto('/account');
  const card = page.locator('section', {
    has: page.getByRole('heading', { name: 'Profile picture' }),
  });
  const upload = card.getByRole('button', { name: 'Upload picture' });

  await card
    .getByLabel('New picture')
    .setInputFiles({ name: 'huge.jpg', mimeType: 'image/jpeg', buffer: oversizeJpeg() });
  await expect(card.getByRole('alert')).toContainText('the limit is 5 MB');
  await expect(upload).toBeDisabled();
  await expect(card.getByRole('img', { name: 'Preview of the new picture' })).toBeHidden();

  await card
    .getByLabel('New picture')
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(card.getByRole('alert')).toContainText(
    'Please choose a JPEG, PNG, GIF or WebP image.',
  );
  await expect(upload).toBeDisabled();
  expect(uploads).toBe(0);
});

test('a picture the server cannot read shows the server message', async ({ page, request }) => {
  const writer = await createUser(request);
  await signInAs(page, writer);
  await page.goto('/account');
  const card = page.locator('section', {
    has: page.getByRole('heading', { name: 'Profile picture' }),
  });
  // Named and typed like a PNG, but not one: only the server's magic-byte check can tell.
  await card.getByLabel('New picture').setInputFiles({
    name: 'fake.png',
    mimeType: 'image/png',
    buffer: Buffer.from('not really a png'),
  });
  await card.getByRole('button', { name: 'Upload picture' }).click();
  await expect(card.getByRole('alert')).toHaveText(
    'Invalid image file. Please upload a valid image (JPEG, PNG, GIF, WebP).',
  );
});

test('a post title with markup is shown as text and never runs', async ({ page, request }) => {
  const writer = await createUser(request, newUser('xss'));
  const title = '<img src=x onerror=alert(1)>';
  const content = '<script>alert("content")</script> <b>not bold</b>';
  const id = await createPost(request, writer, title, content);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });

  await page.goto(`/users/${writer.id}/posts`);
  await expect(page.getByRole('link', { name: title })).toBeVisible();
  await page.goto(`/posts/${id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(page.locator('.post-full .post-content')).toHaveText(content);
  await expect(page.locator('img[src="x"], script:not([src]), b')).toHaveCount(0);
  expect(dialogs).toEqual([]);
});

for (const [kind, spoil] of [
  ['expired', expiredCopy],
  ['revoked', (token: string) => `${token.slice(0, -4)}AAAA`],
] as const) {
  test(`an ${kind} session logs out and asks to log in again`, async ({ page, request }) => {
    const writer = await createUser(request);
    // The copies are signed right: the same token, still valid, is accepted.
    const valid = await request.get('/api/users/me', {
      headers: { Authorization: `Bearer ${resignedCopy(writer.token, 600)}` },
    });
    expect(valid.status()).toBe(200);
    await signInAs(page, { ...writer, token: spoil(writer.token) });
    await page.goto('/account');
    await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
    await expect(page.getByText('Your session has expired. Please log in again.')).toBeVisible();
    expect(await page.evaluate(() => localStorage.getItem('folio.token'))).toBeNull();

    await page.getByLabel('Email').fill(writer.email);
    await page.getByLabel('Password').fill(writer.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/\/account$/);
  });
}

test('a session that expires while writing sends the visitor to log in', async ({
  page,
  request,
}) => {
  const writer = await createUser(request);
  await signInAs(page, writer);
  await page.goto('/');
  await page.getByRole('button', { name: 'New post' }).click();
  const editor = page.getByRole('dialog', { name: 'New post' });
  await editor.getByLabel('Title').fill('Written too slowly');
  await editor.getByLabel('Content').fill('The token ran out meanwhile.');
  // The request leaves with the token as it is by now: expired (the API really refuses it).
  await page.route('**/api/posts', (route) =>
    route.continue({
      headers: {
        ...route.request().headers(),
        authorization: `Bearer ${expiredCopy(writer.token)}`,
      },
    }),
  );
  await editor.getByRole('button', { name: 'Publish' }).click();
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await expect(page.getByText('Your session has expired. Please log in again.')).toBeVisible();
  await expect(editor).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Log in' })).toBeVisible();
});

test('the reset page without a token explains and disables the form', async ({ page }) => {
  const response = await page.goto('/reset-password');
  expect(response?.headers()['referrer-policy']).toBe('no-referrer');
  await expect(page.getByRole('alert')).toContainText(
    'needs the link from your password reset email',
  );
  await expect(page.getByLabel('New password', { exact: true })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Reset password' })).toBeDisabled();
});

test('an unknown address shows the not-found page with a 404 status', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to the latest posts' }).click();
  await expect(page.getByRole('heading', { name: 'Latest posts' })).toBeVisible();
});

test('a missing post or author reads as the API says', async ({ page }) => {
  await page.goto('/posts/999999999');
  await expect(page.getByRole('heading', { name: 'Post not found' })).toBeVisible();
  await expect(page).toHaveTitle('Post not found · Folio');
  await page.goto('/users/999999999/posts');
  await expect(page.getByRole('heading', { name: 'User not found' })).toBeVisible();
});

test('a missing picture falls back to the default avatar', async ({ page, request }) => {
  const writer = await createUser(request);
  await createPost(request, writer, `Broken picture ${Date.now()}`);
  // The API says the picture is at a URL that does not exist (object deleted behind its back).
  await page.route(`**/api/users/${writer.id}/posts*`, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    for (const post of body.posts) post.author.image_path = '/media/profile_pics/missing.jpg';
    await route.fulfill({ response, json: body });
  });
  await page.goto(`/users/${writer.id}/posts`);
  const image = page.locator('article .byline img').first();
  await expect(image).toHaveAttribute('src', '/static/profile_pics/default.jpg');
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
});

test('a form is disabled while it sends, and only then', async ({ page, request }) => {
  const writer = await createUser(request);
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/users/token', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/login');
  await page.getByLabel('Email').fill(writer.email);
  await page.getByLabel('Password').fill(writer.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('button', { name: 'Logging in…' })).toBeDisabled();
  await expect(page.getByLabel('Email')).toBeDisabled();
  await expect(page.getByLabel('Password')).toBeDisabled();
  release();
  await expect(page.getByText(`Welcome back, ${writer.username}!`)).toBeVisible();
});

test('after logging in, only a path on this site is followed', async ({ page, request }) => {
  const writer = await createUser(request);
  for (const next of ['//example.com/', '/\\example.com/']) {
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Email').fill(writer.email);
    await page.getByLabel('Password').fill(writer.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('heading', { name: 'Latest posts' })).toBeVisible();
    expect(new URL(page.url()).pathname).toBe('/');
    await page.getByRole('button', { name: 'Log out' }).click();
  }
});
