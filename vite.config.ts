import type { Server } from 'node:http';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
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

/**
 * The largest request head the dev and preview servers take: 4 MiB, above the longest
 * address a browser sends (Chromium's limit is 2 MiB). Node's default, 16 KiB, answered a
 * long address with HTTP 431 before the page could load and say what is wrong with it; the
 * page's own limit (MAX_QUERY in src/store/urlState.ts) is the one a person meets.
 */
export const MAX_REQUEST_HEAD_BYTES = 4 * 1024 * 1024;

/** Sets the servers' head limit; Node reads `maxHeaderSize` for each connection it accepts. */
function longAddresses(): Plugin {
  const raise = (server: { httpServer: unknown }): void => {
    if (server.httpServer) (server.httpServer as Server & { maxHeaderSize?: number }).maxHeaderSize = MAX_REQUEST_HEAD_BYTES;
  };
  return { name: 'relayscope-long-addresses', configureServer: raise, configurePreviewServer: raise };
}

export default defineConfig({
  plugins: [react(), longAddresses()],
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
