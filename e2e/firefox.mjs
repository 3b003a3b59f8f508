#!/usr/bin/env node
// Finds the Firefox that Playwright drives over WebDriver BiDi (`channel: 'moz-firefox'`), and
// installs Debian's firefox-esr when there is none and this process may.
//
// Plain JavaScript so that Node runs it directly, before anything is built:
//   node e2e/firefox.mjs         find or install Firefox, print its path and version
//
// Order of search (first hit wins):
//   1. $FIREFOX_PATH             (if set, it must exist: a wrong path is an error, not a fallback)
//   2. /usr/bin/firefox-esr, /usr/bin/firefox
//
// Installing: as root with apt-get, Debian's `firefox-esr` package. Otherwise there is nothing
// to install with (Playwright's own Firefox build speaks Juggler, not BiDi, so it is no
// substitute): `ensureFirefox` returns null and says plainly that Firefox is skipped.

import { fileURLToPath } from 'node:url';
import { aptInstall, canUseApt, isFile, versionOf } from './systemPackage.mjs';

const SYSTEM_PATHS = ['/usr/bin/firefox-esr', '/usr/bin/firefox'];

/**
 * The path of a Firefox to drive, or null when there is none.
 * Throws when FIREFOX_PATH is set to a file that does not exist.
 * @returns {string | null}
 */
export function findFirefox() {
  const fromEnv = process.env.FIREFOX_PATH;
  if (fromEnv) {
    if (!isFile(fromEnv)) throw new Error(`FIREFOX_PATH is set to ${fromEnv}, but no such file exists`);
    return fromEnv;
  }
  return SYSTEM_PATHS.find(isFile) ?? null;
}

/** The version line the binary prints, e.g. "Mozilla Firefox 153.8.0esr". */
export const firefoxVersion = versionOf;

/**
 * The path of a Firefox to drive; installs firefox-esr first when none is found and this
 * process is root with apt-get. Returns null, having said so, when there is none to use.
 * Exits the process with status 1 when FIREFOX_PATH is wrong or installing fails.
 * @returns {string | null}
 */
export function ensureFirefox() {
  let found;
  try {
    found = findFirefox();
  } catch (error) {
    process.stderr.write(`firefox: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  if (found) return found;

  if (!canUseApt()) {
    process.stderr.write(
      `firefox: no Firefox found (looked at $FIREFOX_PATH, ${SYSTEM_PATHS.join(', ')}) and no apt-get as root to install firefox-esr with: SKIPPING the Firefox tests. Install firefox-esr or set FIREFOX_PATH to run them.\n`,
    );
    return null;
  }
  process.stderr.write(`firefox: no Firefox found (looked at ${SYSTEM_PATHS.join(', ')}); installing Debian's firefox-esr package with apt-get\n`);
  const installed = aptInstall('firefox', ['firefox-esr']) ? findFirefox() : null;
  if (!installed) {
    process.stderr.write('firefox: installing firefox-esr with apt-get failed; install it by hand or set FIREFOX_PATH\n');
    process.exit(1);
  }
  process.stderr.write(`firefox: installed Debian's firefox-esr: ${firefoxVersion(installed)} at ${installed}\n`);
  return installed;
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const executable = ensureFirefox();
  if (executable) process.stdout.write(`${executable}\n${firefoxVersion(executable)}\n`);
}
