// What the browser finders (chromium.mjs, firefox.mjs) share: looking for a binary, and
// installing a Debian package with apt-get as root. Plain JavaScript, run by Node directly.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

/** @param {string} file */
export function isFile(file) {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Runs a command with the console attached, announcing it under `tag` first. Returns true on success.
 * @param {string} tag
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 */
export function run(tag, command, args, env = process.env) {
  process.stderr.write(`${tag}: running ${[command, ...args].join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (result.error) {
    process.stderr.write(`${tag}: could not start ${command}: ${result.error.message}\n`);
    return false;
  }
  if (result.status !== 0) {
    process.stderr.write(`${tag}: ${command} exited with ${result.status ?? result.signal}\n`);
    return false;
  }
  return true;
}

/** Whether this process can install Debian packages: root, with apt-get. */
export function canUseApt() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return isRoot && existsSync('/usr/bin/apt-get');
}

/**
 * `apt-get update`, then `apt-get install -y <packages>`, non-interactively. Returns true on success.
 * @param {string} tag
 * @param {string[]} packages
 */
export function aptInstall(tag, packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return run(tag, 'apt-get', ['update'], env) && run(tag, 'apt-get', ['install', '-y', ...packages], env);
}

/**
 * The first line a binary prints for `--version`, or "unknown version".
 * @param {string} executable
 */
export function versionOf(executable) {
  const result = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const text = `${result.stdout ?? ''}`.trim().split('\n')[0];
  return text || 'unknown version';
}
