/**
 * Scenarios in the conformance format, one step at a time: the built-in ones or a file of your
 * own, edited here and saved back. Each step shows its operation, its canonical line, a picture
 * of every buffer's ring and every field in the kernel's terms, straight from the engine's
 * runner; steps already run can be revisited.
 */
import { useState } from 'react';
import {
  bufferPicture,
  canonicalLine,
  parseScenario,
  pictureFields,
  ScenarioRunner,
  SUBBUF_READY,
  SUBBUF_CONSUMED,
  type BufferState,
  type Scenario,
  type TraceStep,
} from '../../engine/index.ts';
import { STATE_COLOURS, STATE_NAMES } from '../channel/states.ts';
import { downloadText } from '../../lib/download.ts';
import { inputTooLarge } from '../../lib/inputLimits.ts';

const FILES = {
  ...import.meta.glob<string>('../../engine/sim/conformance/scenarios/*.json', { query: '?raw', import: 'default' }),
  ...import.meta.glob<string>('../../engine/sim/extra-scenarios/scenarios/*.json', { query: '?raw', import: 'default' }),
};
const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1, -'.json'.length);
const NAMES = Object.keys(FILES).map(baseName).sort();

const COLUMNS = [
  ['o', 'offset', (b: BufferState) => b.offset],
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
] as const satisfies readonly (readonly [string, string, (b: BufferState) => string | number])[];

interface Loaded {
  file: string;
  text: string;
  scenario: Scenario;
  runner: ScenarioRunner;
  /** Steps run so far, step 0 (relay_open) first. */
  steps: TraceStep[];
}

function load(text: string, file: string): Loaded {
  const scenario = parseScenario(text, file);
  const runner = new ScenarioRunner(scenario);
  return { file, text, scenario, runner, steps: [...runner.steps] };
}

export function ScenarioStepper() {
  const [name, setName] = useState(NAMES.find((n) => n.startsWith('s01')) ?? NAMES[0]);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [at, setAt] = useState(0);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);

  /** A scenario that does not parse is reported; the one loaded before stays. */
  const take = (text: string, file: string): void => {
    try {
      const l = load(text, file);
      setLoaded(l);
      setDraft(text);
      setAt(0);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const loadBuiltIn = async (): Promise<void> => {
    const path = Object.keys(FILES).find((p) => baseName(p) === name);
    if (path !== undefined) take(await FILES[path](), `${name}.json`);
  };
  const openFile = async (f: File | undefined): Promise<void> => {
    if (f === undefined) return;
    // Refused before it is read: a wrong file (a disk image) must not fill the tab's memory.
    const refused = inputTooLarge(f.name, f.size, 'scenario');
    if (refused !== null) return setError(refused);
    take(await f.text(), f.name);
  };
  const save = (): void => {
    if (loaded !== null) downloadText(loaded.file, draft, 'application/json');
  };
  const forward = (): void => {
    if (loaded === null) return;
    if (at + 1 < loaded.steps.length) return setAt(at + 1);
    if (loaded.runner.done) return;
    loaded.steps.push(loaded.runner.step());
    setAt(loaded.steps.length - 1);
  };
  const toEnd = (): void => {
    if (loaded === null) return;
    while (!loaded.runner.done) loaded.steps.push(loaded.runner.step());
    setAt(loaded.steps.length - 1);
  };

  const total = loaded?.scenario.ops.length ?? 0;
  const step = loaded?.steps[at] ?? null;

  return (
    <section className="card" aria-labelledby="stepper-heading">
      <h2 id="stepper-heading">Scenarios, step by step</h2>
      <div className="controls" role="group" aria-label="Scenario">
        <label>
          Scenario{' '}
          <select data-testid="stepper.scenario" value={name} onChange={(e) => setName(e.target.value)}>
            {NAMES.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <button type="button" data-testid="stepper.load" onClick={() => void loadBuiltIn()}>
          Load
        </button>
        <label className="file-button">
          Open a file…{' '}
          <input type="file" accept=".json,application/json" data-testid="stepper.file" onChange={(e) => void openFile(e.target.files?.[0])} />
        </label>
      </div>
      {error !== null && (
        <p className="error" role="alert" data-testid="stepper.error">
          {error}
        </p>
      )}
      {loaded !== null && step !== null && (
        <>
          <div className="controls" role="group" aria-label="Steps">
            <button type="button" data-testid="stepper.back" disabled={at === 0} onClick={() => setAt(at - 1)}>
              Back
            </button>
            <button type="button" data-testid="stepper.step" disabled={step.step >= total} onClick={forward}>
              Step
            </button>
            <button type="button" data-testid="stepper.end" disabled={step.step >= total} onClick={toEnd}>
              To the end
            </button>
            <span className="meta" data-testid="stepper.position">
              step {step.step} of {total}
            </span>
            <span className="meta">{loaded.file}</span>
          </div>
          <div className="stepper-body">
            <div>
              <p>
                <code data-testid="stepper.op">{step.step === 0 ? 'relay_open' : JSON.stringify(step.op)}</code>
              </p>
              <pre className="trace" data-testid="stepper.line" tabIndex={0} aria-label="The step's canonical line">
                {canonicalLine(step)}
              </pre>
              {step.result.kind === 'err' && (
                <p className="explanation" data-testid="stepper.reason">
                  ERR: {step.result.reason}
                </p>
              )}
            </div>
            <div className="stepper-rings" aria-label="The buffers after the step">
              {step.buffers.map((b) => (
                <Ring key={b.label} buffer={b} sbs={loaded.scenario.config.subbufSize} n={loaded.scenario.config.nSubbufs} />
              ))}
            </div>
          </div>
          <BufferTable step={step} />
          <details>
            <summary>Edit the scenario, or save it</summary>
            <textarea
              className="scenario-text"
              data-testid="stepper.text"
              aria-label="The scenario as JSON"
              value={draft}
              spellCheck={false}
              onChange={(e) => setDraft(e.target.value)}
            />
            <div className="controls">
              <button type="button" data-testid="stepper.apply" onClick={() => take(draft, loaded.file)}>
                Run the edited scenario
              </button>
              <button type="button" data-testid="stepper.save" onClick={save}>
                Save as {loaded.file}
              </button>
            </div>
          </details>
        </>
      )}
    </section>
  );
}

/** One buffer's ring at this step, as SVG (a scenario has a few sub-buffers). */
function Ring({ buffer: b, sbs, n }: { buffer: BufferState; sbs: number; n: number }) {
  const p = pictureFields(
    { produced: b.subbufsProduced, offset: b.offset, data: b.data, consumed: b.subbufsConsumed, bytesConsumed: b.bytesConsumed, padding: b.padding, paddingAt: 0 },
    sbs,
    n,
    bufferPicture(n),
  );
  const w = 40;
  const names = Array.from(p.state, (s, i) => `${i}: ${STATE_NAMES[s]}, ${p.fill[i]} of ${sbs} bytes`).join('; ');
  return (
    <figure className="stepper-ring" data-testid={`stepper.picture.${b.label}`}>
      <figcaption>{b.label}</figcaption>
      <svg width={n * w + 2} height={30} role="img" aria-label={`${b.label}: ${p.stalled ? 'stalled; ' : ''}${names}`}>
        {Array.from(p.state, (s, i) => {
          const x = 1 + i * w;
          const data = (p.fill[i] / sbs) * (w - 2);
          const padded = s === SUBBUF_READY || s === SUBBUF_CONSUMED;
          return (
            <g key={i}>
              <rect x={x} y={4} width={w - 2} height={20} fill="none" stroke="#7f8c9b" />
              <rect x={x} y={4} width={data} height={20} fill={STATE_COLOURS[s]} />
              {padded && <rect x={x + data} y={4} width={w - 2 - data} height={20} fill="url(#stepper-hatch)" />}
              {i === p.writeSubbuf && <path d={`M${x + (Math.min(p.writeOffset, sbs) / sbs) * (w - 2)},4 l-3,-4 h6 z`} fill="currentColor" />}
            </g>
          );
        })}
        <defs>
          <pattern id="stepper-hatch" width="6" height="6" patternUnits="userSpaceOnUse">
            <path d="M0,6 L6,0" stroke="#8c96a3" />
          </pattern>
        </defs>
      </svg>
    </figure>
  );
}

function BufferTable({ step }: { step: TraceStep }) {
  return (
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
  );
}
