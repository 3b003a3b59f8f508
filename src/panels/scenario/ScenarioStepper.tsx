/**
 * The conformance scenarios, one step at a time: each step's operation, its canonical line and
 * every buffer's state in the kernel's terms, straight from the engine's runner.
 */
import { useState } from 'react';
import { canonicalLine, parseScenario, ScenarioRunner, type TraceStep } from '../../engine/index.ts';

const FILES = import.meta.glob<string>('../../engine/sim/conformance/scenarios/*.json', { query: '?raw', import: 'default' });
const NAMES = Object.keys(FILES)
  .map((path) => path.slice(path.lastIndexOf('/') + 1, -'.json'.length))
  .sort();

const COLUMNS = [
  ['o', 'offset', (b: TraceStep['buffers'][number]) => b.offset],
  ['d', 'data', (b) => b.data],
  ['p', 'produced', (b) => b.subbufsProduced],
  ['c', 'consumed', (b) => b.subbufsConsumed],
  ['b', 'bytes_consumed', (b) => b.bytesConsumed],
  ['pad', 'padding', (b) => b.padding.join('.')],
  ['f', 'finalized', (b) => (b.finalized ? 1 : 0)],
  ['fc', 'full_count', (b) => b.fullCount],
  ['bc', 'big_count', (b) => b.bigCount],
  ['sz', 'i_size', (b) => b.iSize],
  ['w', 'sleepers', (b) => b.sleepers],
  ['wk', 'woken', (b) => b.woken],
] as const satisfies readonly (readonly [string, string, (b: TraceStep['buffers'][number]) => string | number])[];

export function ScenarioStepper() {
  // The runner advances in place; each step also sets `step`, which re-renders.
  const [runner, setRunner] = useState<ScenarioRunner | null>(null);
  const [name, setName] = useState(NAMES.find((n) => n.startsWith('s01')) ?? NAMES[0]);
  const [step, setStep] = useState<TraceStep | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (): Promise<void> => {
    const path = Object.keys(FILES).find((p) => p.endsWith(`/${name}.json`));
    if (path === undefined) return;
    try {
      const r = new ScenarioRunner(parseScenario(await FILES[path](), `${name}.json`));
      setRunner(r);
      setStep(r.steps[0]);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const next = (): void => {
    if (runner !== null && !runner.done) setStep(runner.step());
  };
  const total = runner?.scenario.ops.length ?? 0;

  return (
    <section className="card" aria-labelledby="stepper-heading">
      <h2 id="stepper-heading">Conformance scenarios, step by step</h2>
      <div className="controls" role="group" aria-label="Scenario">
        <label>
          Scenario{' '}
          <select data-testid="stepper.scenario" value={name} onChange={(e) => setName(e.target.value)}>
            {NAMES.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <button type="button" data-testid="stepper.load" onClick={() => void load()}>
          Load
        </button>
        <button type="button" data-testid="stepper.step" disabled={runner === null || step === null || step.step >= total} onClick={next}>
          Step
        </button>
        {step !== null && (
          <span className="meta" data-testid="stepper.position">
            step {step.step} of {total}
          </span>
        )}
      </div>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {step !== null && (
        <>
          <p>
            <code data-testid="stepper.op">{step.step === 0 ? 'relay_open' : JSON.stringify(step.op)}</code>
          </p>
          <pre className="trace" data-testid="stepper.line" tabIndex={0} aria-label="The step's canonical line">
            {canonicalLine(step)}
          </pre>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Buffers after the step">
            <table className="counters" data-testid="stepper.buffers">
              <thead>
                <tr>
                  <th scope="col">buffer</th>
                  {COLUMNS.map(([key, title]) => (
                    <th key={key} scope="col" title={title}>
                      {title}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {step.buffers.map((b) => (
                  <tr key={b.label}>
                    <th scope="row">{b.label}</th>
                    {COLUMNS.map(([key, , read]) => (
                      <td key={key} data-testid={`stepper.${b.label}.${key}`}>
                        {read(b)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
