#!/usr/bin/env node
// `npm run test:e2e`: makes sure a Chromium is there (installing one if not), then runs
// `playwright test` with CHROMIUM_PATH pointing at it. Extra arguments go to Playwright.
import { spawnSync } from 'node:child_process';
import { chromiumVersion, ensureChromium } from './chromium.mjs';

const executable = ensureChromium();
process.stderr.write(`e2e: using ${chromiumVersion(executable)} at ${executable}\n`);

const result = spawnSync('npx', ['playwright', 'test', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CHROMIUM_PATH: executable },
});
if (result.error) {
  process.stderr.write(`e2e: could not start Playwright: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
