// Screenshots of the main pages at desktop and phone widths, in light and dark mode, kept
// under test-results/screenshots/ (CI artifacts). Each page is also checked for the one
// layout fault a screenshot can hide: content wider than the screen.

import { expect, test } from './support/fixtures';
import type { Page } from '@playwright/test';
import { createPost, createUser, newUser, signInAs, type CreatedUser } from './support/api';
import { tinyPng } from './support/images';

const widths = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};

let writer: CreatedUser;
let postId: number;

test.beforeAll(async ({ request }) => {
  writer = await createUser(request, newUser('ada'));
  const picture = await request.patch(`/api/users/${writer.id}/picture`, {
    headers: { Authorization: `Bearer ${writer.token}` },
    multipart: { file: { name: 'ada.png', mimeType: 'image/png', buffer: tinyPng(120, 120) } },
  });
  expect(picture.status()).toBe(200);
  await createPost(
    request,
    writer,
    'Notes on the analytical engine',
    'The engine might act upon other things besides number.\n\nShort paragraphs, long thoughts.',
  );
  postId = await createPost(
    request,
    writer,
    'Why Folio is written in Rust',
    'Small services, fast start-up and a tiny memory footprint.\n\nEvery endpoint speaks the same API as the FastAPI blog, so the pages you know keep working — at one URL, behind one gateway.',
  );
});

async function capture(
  page: Page,
  name: string,
  size: keyof typeof widths,
  theme: 'light' | 'dark' = 'light',
) {
  await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
  await page.evaluate(() => document.fonts.ready);
  // Avatars load lazily: a full-page screenshot must not catch them still blank.
  await page.evaluate(() =>
    Promise.all(
      Array.from(document.images, (image) => {
        image.loading = 'eager';
        return image.complete
          ? Promise.resolve()
          : new Promise((done) => {
              image.addEventListener('load', done, { once: true });
              image.addEventListener('error', done, { once: true });
            });
      }),
    ),
  );
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - window.innerWidth,
  );
  expect(overflow, `${name} is wider than the ${size} screen`).toBeLessThanOrEqual(0);
  await page.screenshot({
    path: `test-results/screenshots/${name}-${size}${theme === 'dark' ? '-dark' : ''}.png`,
    fullPage: true,
  });
}

for (const size of Object.keys(widths) as (keyof typeof widths)[]) {
  test.describe(`${size} screenshots`, () => {
    test.use({ viewport: widths[size] });

    test(`public pages (${size})`, async ({ page }) => {
      await page.goto('/');
      await expect(page.locator('article').first()).toBeVisible();
      await capture(page, 'feed', size);
      await capture(page, 'feed', size, 'dark');
      await page.goto(`/posts/${postId}`);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await capture(page, 'post', size);
      await page.goto(`/users/${writer.id}/posts`);
      await expect(page.locator('article').first()).toBeVisible();
      await capture(page, 'user-posts', size);
      await page.goto('/login');
      await capture(page, 'login', size);
      await capture(page, 'login', size, 'dark');
      await page.goto('/register');
      await capture(page, 'register', size);
      await page.goto('/forgot-password');
      await capture(page, 'forgot-password', size);
      await page.goto('/reset-password?token=example');
      await capture(page, 'reset-password', size);
      await page.goto('/not-a-page');
      await capture(page, 'not-found', size);
    });

    test(`signed-in pages (${size})`, async ({ page }) => {
      await signInAs(page, writer);
      await page.goto('/account');
      await expect(page.locator('.current-picture img')).toHaveAttribute('src', /\/media\//);
      await capture(page, 'account', size);
      await capture(page, 'account', size, 'dark');
      await page.goto(`/posts/${postId}`);
      await expect(page.getByRole('button', { name: 'Edit' })).toBeVisible();
      await capture(page, 'post-owner', size);
      await page.getByRole('button', { name: 'New post' }).click();
      await expect(page.getByRole('dialog', { name: 'New post' })).toBeVisible();
      await capture(page, 'new-post-dialog', size);
    });
  });
}
