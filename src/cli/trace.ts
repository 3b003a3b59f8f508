/** `relayscope trace [--canonical] FILE...` */
import { readFileSync } from 'node:fs';
import { ScenarioError, canonicalLine, parseScenario, relayPageMap, relayPages, ScenarioRunner, type Scenario } from '../engine/index.ts';
import { UsageError } from './usage.ts';

function load(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return parseScenario(text, file);
  } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(e.message);
    throw e;
  }
}

export function trace(args: string[], write: (chunk: string) => void): void {
  const canonical = args.includes('--canonical');
  const files = args.filter((a) => a !== '--canonical');
  const unknown = files.find((a) => a.startsWith('--'));
  if (unknown !== undefined) throw new UsageError(`trace: unknown option ${unknown}`);
  if (files.length === 0) throw new UsageError('trace: name at least one scenario file');
  // Every file is checked before any runs, so bad input prints nothing but its error.
  const scenarios = files.map(load);
  const many = files.length > 1;
  const out: string[] = [];
  scenarios.forEach((scenario, i) => {
    const runner = new ScenarioRunner(scenario);
    const steps = runner.runAll();
    if (canonical) {
      if (many) out.push(`== ${files[i]}`);
      for (const step of steps) out.push(canonicalLine(step, runner.usesFiles));
    } else {
      const chan = runner.chan;
      const memory = chan === null ? null : { ...relayPageMap(chan), pages: relayPages(chan) };
      out.push(JSON.stringify({ file: files[i], name: scenario.name ?? null, config: scenario.config, memory, steps }));
    }
  });
  write(out.join('\n') + '\n');
}
