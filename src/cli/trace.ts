/** `relayscope trace [--canonical] FILE...` */
import { ScenarioError, canonicalLine, parseScenario, relayPageMap, relayPages, ScenarioRunner, type Scenario } from '../engine/index.ts';
import { parseCommand, type CommandSpec } from './args.ts';
import { readInput } from './input.ts';
import { UsageError, type CliIo } from './usage.ts';

export const TRACE: CommandSpec = {
  name: 'trace',
  positionals: 'FILE...',
  summary:
    'run scenario files (the conformance format) through the engine; prints a JSON trace, or\nwith --canonical the canonical lines (several files: each preceded by "== FILE")',
  flags: { canonical: { type: 'boolean', help: 'print the canonical lines instead of JSON' } },
};

function load(file: string): Scenario {
  const text = readInput(file, 'scenario');
  try {
    return parseScenario(text, file);
  } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(e.message);
    throw e;
  }
}

export function trace(args: string[], io: CliIo): void {
  const { values, positionals: files } = parseCommand(TRACE, args);
  const canonical = values.canonical === true;
  if (files.length === 0) throw new UsageError('trace: name at least one scenario file');
  // Every file is checked before any runs, so bad input prints nothing but its error.
  const scenarios = files.map(load);
  const many = files.length > 1;
  scenarios.forEach((scenario, i) => {
    const runner = new ScenarioRunner(scenario);
    const steps = runner.runAll();
    // One file's output at a time: a long list of files never sits in memory at once.
    const out: string[] = [];
    if (canonical) {
      if (many) out.push(`== ${files[i]}`);
      for (const step of steps) out.push(canonicalLine(step, runner.usesFiles));
    } else {
      const chan = runner.chan;
      const memory = chan === null ? null : { ...relayPageMap(chan), pages: relayPages(chan) };
      out.push(JSON.stringify({ file: files[i], name: scenario.name ?? null, config: scenario.config, memory, steps }));
    }
    io.out(out.join('\n') + '\n');
  });
}
