// The public URL's own answers (docs/api.md, "The public URL"): /health, /docs and
// /openapi.json through the gateway, and the same security headers on every kind of
// response. The outage cases (503 JSON) are scripts/test-gateway.py's.

import { expect, test } from './support/fixtures';

function expectGatewayHeaders(headers: Record<string, string>, what: string) {
  expect(headers['x-frame-options'], what).toBe('DENY');
  expect(headers['x-content-type-options'], what).toBe('nosniff');
  expect(headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
  expect(headers['content-security-policy'], what).toContain("default-src 'self'");
  expect(headers['referrer-policy'], what).toBe('strict-origin-when-cross-origin');
  expect(headers['cross-origin-opener-policy'], what).toBe('same-origin');
  expect(headers['server'], what).toBeUndefined();
}

test('/health at the public URL is the system readiness, as JSON', async ({ request }) => {
  const response = await request.get('/health');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/json');
  expect(await response.json()).toEqual({ status: 'healthy' });
  expectGatewayHeaders(response.headers(), '/health');
});

test('the gateway answers its own probe without a service', async ({ request }) => {
  const response = await request.get('/gateway/livez');
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: 'alive' });
});

test('/openapi.json is one document with the paths of every API service', async ({ request }) => {
  const response = await request.get('/openapi.json');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/json');
  const spec = await response.json();
  expect(spec.openapi).toMatch(/^3\./);
  const paths = Object.keys(spec.paths);
  expect(paths).toEqual(
    expect.arrayContaining([
      '/api/users',
      '/api/users/token',
      '/.well-known/jwks.json', // auth
      '/api/posts',
      '/api/posts/{id}',
      '/api/users/{id}/posts', // posts
      '/api/users/{id}/picture', // media
      '/health',
    ]),
  );
  expect(paths).not.toContain('/livez');
  expect(Object.keys(spec.components.securitySchemes)).toEqual(['BearerAuth']);
  expectGatewayHeaders(response.headers(), '/openapi.json');
});

test('/docs renders the whole API in the browser, from this origin only', async ({ page }) => {
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  const response = await page.goto('/docs');
  expect(response?.status()).toBe(200);
  expectGatewayHeaders(response!.headers(), '/docs');
  await expect(page.locator('.swagger-ui .info .title')).toContainText('Folio API');
  // One operation of each service is listed (auth, posts, media).
  for (const path of ['/api/users/token', '/api/posts/{id}', '/api/users/{id}/picture']) {
    await expect(page.locator(`.opblock-summary-path[data-path="${path}"]`).first()).toBeVisible();
  }
  const origin = new URL(page.url()).origin;
  const foreign = requested.filter(
    (url) => !url.startsWith('data:') && new URL(url).origin !== origin,
  );
  expect(foreign, 'requests to other origins').toEqual([]);
});

test('an API answer, a 404 and /docs carry the same security headers', async ({ request }) => {
  const answers: [path: string, status: number, what: string][] = [
    ['/api/posts?limit=1', 200, 'API answer'],
    ['/api/nothing-here', 404, 'API 404'],
    ['/api/users/999999999', 404, "a service's 404"],
    ['/no/such/page', 404, 'page 404'],
    ['/docs', 200, '/docs'],
  ];
  for (const [path, status, what] of answers) {
    const answer = await request.get(path);
    expect(answer.status(), what).toBe(status);
    expectGatewayHeaders(answer.headers(), what);
  }

  // The reset page alone keeps its token-bearing URL out of every Referer.
  const reset = await request.get('/reset-password?token=x');
  expect(reset.status()).toBe(200);
  expect(reset.headers()['referrer-policy']).toBe('no-referrer');
  expect(reset.headers()['x-frame-options']).toBe('DENY');
});
