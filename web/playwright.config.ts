import { defineConfig, devices } from '@playwright/test';

// The e2e tests drive Debian's Chromium (never a downloaded browser) against the whole
// system behind the gateway, as scripts/e2e.sh starts it. Run them with `make test-e2e`.
const baseURL = process.env.FOLIO_BASE_URL ?? 'http://localhost:18000';

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/playwright',
  // Each test makes its own users, so files run side by side; two workers fit two cores.
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [
    ['list'],
    ['html', { outputFolder: './test-results/report', open: 'never' }],
    // Read by scripts/e2e.sh for its one-line summary.
    ['json', { outputFile: './test-results/results.json' }],
  ],
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // The closed network: no background connections, no updates, no QUIC probing.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'desktop', use: { ...devices['Desktop Chrome'], channel: undefined } }],
});
