// Playwright's `test`, with every page watched: an uncaught script error or anything the
// gateway's Content-Security-Policy blocked fails the test that caused it.

import { test as base, expect } from '@playwright/test';

export const test = base.extend<{ pageProblems: void }>({
  pageProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
          problems.push(`CSP: ${message.text()}`);
        }
      });
      await use();
      expect(problems, 'the page had script errors or CSP violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
