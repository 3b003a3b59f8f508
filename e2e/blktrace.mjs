#!/usr/bin/env node
// Finds blkparse and btt (Debian's `blktrace` package), which the real-peer test
// (src/cli/blkparse.test.ts) pipes relayscope's files into, and installs them when missing:
//   node e2e/blktrace.mjs
//
// As root on Debian (apt-get present) it runs `apt-get update` and `apt-get install -y blktrace`.
// Elsewhere it says that the real-peer test will be skipped, and why; the test says so too.
// It never fails the run for a missing tool: only a failed install is an error.

import { spawnSync } from 'node:child_process';

/** @param {string} tool */
const runs = (tool) => spawnSync(tool, ['-V'], { encoding: 'utf8' }).status === 0;

const have = () => runs('blkparse') && runs('btt');

/** @param {string} command @param {string[]} args */
function run(command, args) {
  const r = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) {
    console.error(`blktrace.mjs: ${command} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

if (have()) {
  const version = spawnSync('blkparse', ['-V'], { encoding: 'utf8' }).stdout.trim();
  console.log(`blktrace.mjs: ${version || 'blkparse'} and btt found`);
} else if (process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0) {
  console.log("blktrace.mjs: no blkparse/btt; installing Debian's blktrace package with apt-get");
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', 'blktrace']);
  if (!have()) {
    console.error('blktrace.mjs: the blktrace package is installed, but blkparse or btt still does not run');
    process.exit(1);
  }
} else {
  console.log(
    "blktrace.mjs: no blkparse/btt, and not root with apt-get: the real-peer test (src/cli/blkparse.test.ts) will be skipped. Install the blktrace package to run it.",
  );
}
