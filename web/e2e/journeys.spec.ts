// The paths people take through Folio, end to end: browser, gateway, services, Postgres,
// Redis, the mail worker and its SMTP server.

import type { Locator, Page } from '@playwright/test';
import { expect, test } from './support/fixtures';
import { createPost, createUser, newUser, signInAs } from './support/api';
import { resetLink, waitForMail } from './support/mailbox';
import { tinyPng } from './support/images';

/** Deletes through the page's `button` and the `confirm` button of the dialog named
 * `dialog`, then expects the home page saying `farewell`; a deleted post's page says it is
 * not found. */
async function deleteAndExpectGone(
  page: Page,
  names: { button: string; dialog: string; confirm: string; farewell: string },
  postUrl: string,
): Promise<void> {
  await page.getByRole('button', { name: names.button }).click();
  await page
    .getByRole('dialog', { name: names.dialog })
    .getByRole('button', { name: names.confirm })
    .click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText(names.farewell)).toBeVisible();
  await page.goto(postUrl);
  await expect(page.getByRole('heading', { name: 'Post not found' })).toBeVisible();
}

/** Sends the account `card`'s form with a wrong current password, which the API refuses,
 * then with the right `password`, which it accepts with `success`. */
async function refusedThenAccepted(
  card: Locator,
  button: string,
  password: string,
  success: string,
): Promise<void> {
  await card.getByLabel('Current password').fill('not-my-password');
  await card.getByRole('button', { name: button }).click();
  await expect(card.getByRole('alert')).toHaveText('Current password is incorrect');
  await card.getByLabel('Current password').fill(password);
  await card.getByRole('button', { name: button }).click();
  await expect(card.getByText(success)).toBeVisible();
}

/** The post's card on the feed, paging with "Load more" as a reader would: tests running
 * beside this one publish too, and may push it past the first page. */
async function findOnFeed(page: Page, title: string): Promise<Locator> {
  await expect(page.locator('article').first()).toBeVisible();
  const card = page.locator('article', { hasText: title });
  for (let more = 0; more < 5 && (await card.count()) === 0; more++) {
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect(page.getByRole('button', { name: 'Load more' })).toHaveText('Load more');
  }
  await expect(card).toBeVisible();
  return card;
}

test('a new writer registers, logs in, publishes, edits and deletes a post', async ({ page }) => {
  const writer = newUser();
  await page.goto('/register');
  await page.getByLabel('Username').fill(writer.username);
  await page.getByLabel('Email').fill(writer.email);
  await page.getByLabel('Password', { exact: true }).fill(writer.password);
  await page.getByLabel('Confirm password').fill(writer.password);
  await page.getByRole('button', { name: 'Create account' }).click();

  await expect(page).toHaveURL(/\/login\?email=/);
  await expect(page.getByText('Your account has been created')).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveValue(writer.email);
  await page.getByLabel('Password').fill(writer.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText(`Welcome back, ${writer.username}!`)).toBeVisible();
  await expect(page.getByRole('link', { name: 'Your account' })).toBeVisible();

  const title = `First steps ${Date.now()}`;
  await page.getByRole('button', { name: 'New post' }).click();
  const editor = page.getByRole('dialog', { name: 'New post' });
  await editor.getByLabel('Title').fill(title);
  await editor.getByLabel('Content').fill('Hello, Folio.\nA second line.');
  await editor.getByRole('button', { name: 'Publish' }).click();
  await expect(page).toHaveURL(/\/posts\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(page.getByText('Your post has been published.')).toBeVisible();
  const postUrl = page.url();

  await page.getByRole('link', { name: 'Home' }).click();
  const onFeed = await findOnFeed(page, title);
  await expect(onFeed.getByRole('link', { name: writer.username })).toBeVisible();

  await onFeed.getByRole('link', { name: writer.username }).click();
  await expect(page).toHaveURL(/\/users\/\d+\/posts$/);
  await expect(page.getByRole('heading', { name: `Posts by ${writer.username}` })).toBeVisible();
  await expect(page.getByText('1 post', { exact: true })).toBeVisible();
  await page.getByRole('link', { name: title }).click();
  await expect(page).toHaveURL(postUrl);

  const edited = `${title} (edited)`;
  await page.getByRole('button', { name: 'Edit' }).click();
  const editDialog = page.getByRole('dialog', { name: 'Edit post' });
  await expect(editDialog.getByLabel('Title')).toHaveValue(title);
  await editDialog.getByLabel('Title').fill(edited);
  await editDialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('heading', { level: 1, name: edited })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: edited })).toBeVisible();

  await deleteAndExpectGone(
    page,
    {
      button: 'Delete',
      dialog: 'Delete this post?',
      confirm: 'Delete post',
      farewell: 'Your post has been deleted.',
    },
    postUrl,
  );
});

test('someone else sees a post but cannot edit or delete it', async ({ page, request }) => {
  const author = await createUser(request, newUser('author'));
  const reader = await createUser(request, newUser('reader'));
  const id = await createPost(request, author, `Not yours ${Date.now()}`);
  await signInAs(page, reader);
  await page.goto(`/posts/${id}`);
  await expect(page.getByRole('heading', { level: 1, name: /Not yours/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Edit' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Delete' })).toHaveCount(0);
});

test('a new picture becomes the avatar on the account page, the header and posts', async ({
  page,
  request,
}) => {
  const writer = await createUser(request);
  await createPost(request, writer, `Pictured ${Date.now()}`);
  await signInAs(page, writer);
  await page.goto('/account');
  const card = page.locator('section', {
    has: page.getByRole('heading', { name: 'Profile picture' }),
  });
  const current = card.locator('.current-picture img');
  await expect(current).toHaveAttribute('src', '/static/profile_pics/default.jpg');
  await expect(card.getByText('JPEG, PNG, GIF or WebP, up to 5 MB')).toBeVisible();

  await card
    .getByLabel('New picture')
    .setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: tinyPng() });
  await expect(card.getByRole('img', { name: 'Preview of the new picture' })).toBeVisible();
  await card.getByRole('button', { name: 'Upload picture' }).click();
  await expect(card.getByText('Your picture has been updated.')).toBeVisible();
  await expect(current).toHaveAttribute('src', /^\/media\/profile_pics\/[0-9a-f]+\.jpg$/);
  // The stored picture really loads through the gateway (not the fallback).
  await expect
    .poll(() => current.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBe(300);
  const src = await current.getAttribute('src');
  await expect(page.getByRole('link', { name: 'Your account' }).locator('img')).toHaveAttribute(
    'src',
    src!,
  );

  await page.goto(`/users/${writer.id}/posts`);
  await expect(page.locator('.profile-header img')).toHaveAttribute('src', src!);
  await expect(page.locator('article .byline img').first()).toHaveAttribute('src', src!);

  await page.goto('/account');
  await card.getByRole('button', { name: 'Remove picture' }).click();
  await expect(card.getByText('Your picture has been removed.')).toBeVisible();
  await expect(current).toHaveAttribute('src', '/static/profile_pics/default.jpg');
});

test('a forgotten password is reset from the mailed link', async ({ page, request }) => {
  const writer = await createUser(request);
  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel('Email').fill(writer.email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(
    page.getByText(
      'If an account exists with this email, you will receive password reset instructions.',
    ),
  ).toBeVisible();

  const link = resetLink(await waitForMail(writer.email));
  expect(link.origin).toBe(new URL(page.url()).origin);
  const response = await page.goto(link.pathname + link.search);
  expect(response?.headers()['referrer-policy']).toBe('no-referrer');
  // The token leaves the address bar at once, and no request may carry it as a Referer.
  await expect(page).toHaveURL(/\/reset-password$/);
  await expect(page.locator('meta[name=referrer]')).toHaveAttribute('content', 'no-referrer');
  const newPassword = 'a-brand-new-password';
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Confirm new password').fill(newPassword);
  await page.getByRole('button', { name: 'Reset password' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByText('Your password has been reset.')).toBeVisible();

  await page.getByLabel('Email').fill(writer.email);
  await page.getByLabel('Password').fill(writer.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Incorrect email or password');
  await page.getByLabel('Password').fill(newPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText(`Welcome back, ${writer.username}!`)).toBeVisible();

  // The link works once.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.goto(link.pathname + link.search);
  await page.getByLabel('New password', { exact: true }).fill('yet-another-password');
  await page.getByLabel('Confirm new password').fill('yet-another-password');
  await page.getByRole('button', { name: 'Reset password' }).click();
  await expect(page.getByRole('alert')).toHaveText('Invalid or expired reset token');
});

test('the profile, email and password change from the account page', async ({ page, request }) => {
  const writer = await createUser(request);
  await signInAs(page, writer);
  await page.goto('/account');
  const renamed = `${writer.username}_x`;
  const profile = page.locator('section', {
    has: page.getByRole('heading', { name: 'Profile', exact: true }),
  });
  await profile.getByLabel('Username').fill(renamed);
  await profile.getByRole('button', { name: 'Save profile' }).click();
  await expect(profile.getByText('Your profile has been updated.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Your account' })).toContainText(renamed);

  // A new email asks for the current password first, and the old address is told.
  await expect(profile.getByLabel('Current password')).toBeHidden();
  await profile.getByLabel('Email').fill(`moved.${writer.email}`);
  await refusedThenAccepted(
    profile,
    'Save profile',
    writer.password,
    'Your profile has been updated.',
  );
  await expect(profile.getByLabel('Current password')).toBeHidden();
  expect(await waitForMail(writer.email)).toContain(
    'The email address of your Folio account was just changed.',
  );

  const passwords = page.locator('section', {
    has: page.getByRole('heading', { name: 'Change password' }),
  });
  await passwords.getByLabel('New password', { exact: true }).fill('changed-password-1');
  await passwords.getByLabel('Confirm new password').fill('changed-password-1');
  await refusedThenAccepted(
    passwords,
    'Change password',
    writer.password,
    'Your password has been changed.',
  );
  // Still signed in: the page logged in again with the new password.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Your account' })).toContainText(renamed);
});

test('deleting the account asks first, signs out and removes the posts', async ({
  page,
  request,
}) => {
  const writer = await createUser(request);
  const id = await createPost(request, writer, `Soon gone ${Date.now()}`);
  await signInAs(page, writer);
  await page.goto('/account');

  await page.getByRole('button', { name: 'Delete account' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete your account?' });
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();

  await deleteAndExpectGone(
    page,
    {
      button: 'Delete account',
      dialog: 'Delete your account?',
      confirm: 'Delete my account',
      farewell: 'Your account has been deleted.',
    },
    `/posts/${id}`,
  );
  // Signed out: the header offers to log in again.
  await expect(page.getByRole('link', { name: 'Log in' })).toBeVisible();

  await page.goto('/login');
  await page.getByLabel('Email').fill(writer.email);
  await page.getByLabel('Password').fill(writer.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Incorrect email or password');
});

test('dark mode follows the switch and is remembered', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  const html = page.locator('html');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  await page.getByRole('button', { name: 'Switch to dark mode' }).click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  expect(await background()).not.toBe(light);
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('button', { name: 'Switch to light mode' }).click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  expect(await background()).toBe(light);
});

test('Load more continues after the last post shown, even when new posts arrive meanwhile', async ({
  page,
  request,
}) => {
  const writer = await createUser(request);
  for (let i = 1; i <= 12; i++) await createPost(request, writer, `Numbered post ${i}`);
  await page.goto(`/users/${writer.id}/posts`);
  const posts = page.locator('article');
  await expect(posts).toHaveCount(10);
  await expect(posts.first().getByRole('heading')).toHaveText('Numbered post 12'); // newest first
  await expect(page.getByText('12 posts')).toBeVisible();
  // Two more posts land above the page being read: paging by skip would now show
  // posts 4 and 3 again (hidden as repeats) and never reach 2 and 1 on this click.
  await createPost(request, writer, 'Numbered post 13');
  await createPost(request, writer, 'Numbered post 14');
  await page.getByRole('button', { name: 'Load more' }).click();
  await expect(posts).toHaveCount(12);
  await expect(posts.nth(10).getByRole('heading')).toHaveText('Numbered post 2');
  await expect(posts.last().getByRole('heading')).toHaveText('Numbered post 1');
  await expect(page.getByRole('button', { name: 'Load more' })).toBeHidden();
});
