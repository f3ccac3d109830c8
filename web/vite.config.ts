import { defineConfig } from 'vite';

// `npm run dev` serves the app with hot reload and sends API and picture requests to a
// running gateway (`make dev`), so the browser still sees one origin.
const gateway = process.env.FOLIO_GATEWAY_URL ?? 'http://localhost:8000';

export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    // Hashed file names under /assets/ are what the gateway caches for a year.
    assetsDir: 'assets',
  },
  server: {
    proxy: {
      '/api': gateway,
      '/media': gateway,
      '/.well-known': gateway,
    },
  },
});
