import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard builds into dist/web (served by `patchwarden server`); PATCHWARDEN_WEB_OUT builds
// elsewhere (tests that must not touch the shared build). `npm run dev:web` proxies the API to a
// running server (PATCHWARDEN_DEV_API, default http://127.0.0.1:8420).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: process.env.PATCHWARDEN_WEB_OUT ?? resolve(import.meta.dirname, '../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/api': process.env.PATCHWARDEN_DEV_API ?? 'http://127.0.0.1:8420' },
  },
});
