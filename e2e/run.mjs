#!/usr/bin/env node
// `npm run test:e2e [-- <playwright args>]`: makes sure the browsers are there, then runs
// `playwright test` with CHROMIUM_PATH and FIREFOX_PATH pointing at them. Extra arguments go
// to Playwright.
//
// Chromium is required: it is installed when missing, or the run fails. Firefox is run when
// one is found or can be installed (Debian's firefox-esr, as root); otherwise the run says
// plainly that it skipped Firefox. With `--project=<name>` only that browser is looked for.
import { spawnSync } from 'node:child_process';
import { chromiumVersion, ensureChromium } from './chromium.mjs';
import { ensureFirefox, firefoxVersion } from './firefox.mjs';

const args = process.argv.slice(2);

/** The projects asked for with `--project=x` or `--project x`, or null for all of them. */
function projectsAsked() {
  /** @type {string[]} */
  const asked = [];
  args.forEach((arg, i) => {
    if (arg.startsWith('--project=')) asked.push(arg.slice('--project='.length));
    else if (arg === '--project' && args[i + 1] !== undefined) asked.push(args[i + 1]);
  });
  return asked.length > 0 ? asked : null;
}

const asked = projectsAsked();
const wants = (/** @type {string} */ name) => asked === null || asked.includes(name);
/** @type {NodeJS.ProcessEnv} */
const env = { ...process.env };

if (wants('chromium')) {
  const chromium = ensureChromium();
  process.stderr.write(`e2e: Chromium: ${chromiumVersion(chromium)} at ${chromium}\n`);
  env.CHROMIUM_PATH = chromium;
}
if (wants('firefox')) {
  const firefox = ensureFirefox();
  if (firefox) {
    process.stderr.write(`e2e: Firefox: ${firefoxVersion(firefox)} at ${firefox}\n`);
    env.FIREFOX_PATH = firefox;
  } else if (asked !== null) {
    process.exit(1);
  } else {
    process.stderr.write('e2e: SKIPPED Firefox (none found or installed); the suite runs in Chromium only\n');
    args.push('--project=chromium');
  }
}

const result = spawnSync('npx', ['playwright', 'test', ...args], { stdio: 'inherit', env });
if (result.error) {
  process.stderr.write(`e2e: could not start Playwright: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
