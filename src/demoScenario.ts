import scenarioText from './engine/sim/conformance/scenarios/s01-basic-no-overwrite.json?raw';
import { canonicalTrace, parseScenario } from './engine/index.ts';

/** The one conformance scenario the page runs, and its canonical trace. */
export type DemoScenario =
  | { readonly ok: true; readonly file: string; readonly name: string; readonly lines: readonly string[] }
  | { readonly ok: false; readonly file: string; readonly error: string };

export const DEMO_SCENARIO_FILE = 's01-basic-no-overwrite.json';

let cached: DemoScenario | undefined;

function run(): DemoScenario {
  try {
    const scenario = parseScenario(scenarioText, DEMO_SCENARIO_FILE);
    const lines = Object.freeze([...canonicalTrace(scenario)]);
    return { ok: true, file: DEMO_SCENARIO_FILE, name: scenario.name ?? DEMO_SCENARIO_FILE, lines };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, file: DEMO_SCENARIO_FILE, error: message };
  }
}

/** Runs the scenario through the engine once, on first use; later calls return the same result. */
export function demoScenario(): DemoScenario {
  cached ??= run();
  return cached;
}
