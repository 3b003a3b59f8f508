#!/usr/bin/env node
// Finds the Chromium that Playwright drives, and installs one when there is none.
//
// Plain JavaScript so that Node runs it directly, before anything is built:
//   node e2e/chromium.mjs        find or install Chromium, print its path and version
//
// Order of search (first hit wins):
//   1. $CHROMIUM_PATH            (if set, it must exist: a wrong path is an error, not a fallback)
//   2. /usr/bin/chromium, /usr/bin/chromium-browser
//   3. Playwright's browser cache ($PLAYWRIGHT_BROWSERS_PATH or ~/.cache/ms-playwright):
//      chromium-*/chrome-linux*/chrome, then chromium_headless_shell-*/*/headless_shell
//
// Installing: as root with apt-get, Debian's `chromium` package; otherwise
// `npx playwright install chromium`. Never skips silently: if nothing can be installed,
// it exits non-zero and says why.

import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptInstall, canUseApt, isFile, run, versionOf } from './systemPackage.mjs';

const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** @param {string} dir @returns {string[]} */
function listDir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Directories named `<prefix><revision>` under `root`, highest revision first.
 * @param {string} root
 * @param {string} prefix
 * @returns {string[]}
 */
function revisionDirs(root, prefix) {
  const revision = (/** @type {string} */ name) => Number(name.slice(prefix.length)) || 0;
  return listDir(root)
    .filter((name) => name.startsWith(prefix))
    .toSorted((a, b) => revision(b) - revision(a))
    .map((name) => join(root, name));
}

/** The folder Playwright downloads browsers into. */
export function playwrightCacheDir() {
  const fromEnv = process.env.PLAYWRIGHT_BROWSERS_PATH;
  if (fromEnv && fromEnv !== '0') return fromEnv;
  return join(homedir(), '.cache', 'ms-playwright');
}

/**
 * A Chromium binary in Playwright's cache, or null.
 * @param {string} root
 * @returns {string | null}
 */
function findInPlaywrightCache(root) {
  for (const dir of revisionDirs(root, 'chromium-')) {
    for (const sub of listDir(dir).filter((name) => name.startsWith('chrome-linux'))) {
      const candidate = join(dir, sub, 'chrome');
      if (isFile(candidate)) return candidate;
    }
  }
  for (const dir of revisionDirs(root, 'chromium_headless_shell-')) {
    for (const sub of listDir(dir)) {
      for (const name of ['headless_shell', 'chrome-headless-shell']) {
        const candidate = join(dir, sub, name);
        if (isFile(candidate)) return candidate;
      }
    }
  }
  return null;
}

/**
 * The path of a Chromium to drive, or null when there is none.
 * Throws when CHROMIUM_PATH is set to a file that does not exist.
 * @returns {string | null}
 */
export function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!isFile(fromEnv)) {
      throw new Error(`CHROMIUM_PATH is set to ${fromEnv}, but no such file exists`);
    }
    return fromEnv;
  }
  for (const candidate of SYSTEM_PATHS) {
    if (isFile(candidate)) return candidate;
  }
  return findInPlaywrightCache(playwrightCacheDir());
}

/**
 * The version line the binary prints, e.g. "Chromium 139.0.7258.154 built on Debian ...".
 * @param {string} executable
 * @returns {string}
 */
export const chromiumVersion = versionOf;

/** @param {string} message @returns {never} */
function fail(message) {
  process.stderr.write(`chromium: ${message}\n`);
  process.exit(1);
}

/**
 * The path of a Chromium to drive; installs one first when none is found.
 * Exits the process with status 1 when installing fails.
 * @returns {string}
 */
export function ensureChromium() {
  let found;
  try {
    found = findChromium();
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if (found) return found;

  process.stderr.write(
    `chromium: no Chromium found (looked at ${SYSTEM_PATHS.join(', ')} and ${playwrightCacheDir()}); installing one\n`,
  );
  let method;
  if (canUseApt()) {
    method = "Debian's chromium package (apt-get)";
    if (!aptInstall('chromium', ['chromium'])) fail('installing Chromium with apt-get failed; install it by hand or set CHROMIUM_PATH');
  } else {
    method = "Playwright's Chromium (npx playwright install chromium)";
    const ok = run('chromium', 'npx', ['playwright', 'install', 'chromium']);
    if (!ok) {
      fail('`npx playwright install chromium` failed; install Chromium by hand or set CHROMIUM_PATH');
    }
  }

  const installed = findChromium();
  if (!installed) fail(`installed ${method}, but still no Chromium binary was found`);
  process.stderr.write(`chromium: installed ${method}: ${chromiumVersion(installed)} at ${installed}\n`);
  return installed;
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const executable = ensureChromium();
  process.stdout.write(`${executable}\n${chromiumVersion(executable)}\n`);
}

/**
 * Flags for headless Chromium on a machine with a closed network: without the
 * background-networking ones it opens connections that are refused, many at a time.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
