import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/**
 * Cross-origin isolation: with these two headers the page (and its module workers) get
 * `crossOriginIsolated === true`, which SharedArrayBuffer needs. Served by both the dev
 * server and `vite preview` (Playwright runs against preview); public/_headers carries the
 * same pair for static hosts.
 */
export const crossOriginIsolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

export default defineConfig({
  plugins: [react()],
  server: {
    headers: crossOriginIsolationHeaders,
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
    headers: crossOriginIsolationHeaders,
  },
  worker: {
    format: 'es',
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
    // A bound for a test that hangs, not a measure: property and thread tests share 2 cores.
    testTimeout: 60_000,
  },
});
