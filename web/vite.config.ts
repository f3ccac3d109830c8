import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';

// `npm run dev` serves the app with hot reload and sends API and picture requests to a
// running gateway (`make dev`), so the browser still sees one origin.
const gateway = process.env.FOLIO_GATEWAY_URL ?? 'http://localhost:8000';

// The merged OpenAPI document (scripts/openapi.sh) goes into the build as /openapi.json,
// which the gateway serves itself, next to the /docs page that reads it.
const openapiDocument: Plugin = {
  name: 'folio-openapi-document',
  generateBundle() {
    this.emitFile({
      type: 'asset',
      fileName: 'openapi.json',
      source: readFileSync('openapi.json'),
    });
  },
};

export default defineConfig({
  plugins: [openapiDocument],
  build: {
    target: 'es2022',
    outDir: 'dist',
    // Hashed file names under /assets/ are what the gateway caches for a year.
    assetsDir: 'assets',
    // Every browser the app targets preloads modules itself.
    modulePreload: { polyfill: false },
    rollupOptions: {
      // The app, and the API documentation the gateway serves at /docs.
      input: { app: 'index.html', docs: 'docs.html' },
    },
    // Swagger UI is one large module, loaded on /docs alone.
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: {
      '/api': gateway,
      '/media': gateway,
      '/.well-known': gateway,
      '/openapi.json': gateway,
    },
  },
});
