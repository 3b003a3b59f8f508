/**
 * The event log: sub-buffer switches, drops, overwrites, wakeups, consumption, channel
 * operations and hotplug, each with the kernel function that did it, newest first. The log is
 * polled from the run's event rings in the frame loop and its rows are written to the DOM
 * directly, a few times a second; React renders only the filter and the empty rows.
 */
import { useEffect, useRef, useState } from 'react';
import { LOG_GROUPS, describeEvent, groupOf, type LogEntry, type LogGroup } from '../../engine/index.ts';
import { formatCount } from '../../lib/format.ts';
import { SLOWEST_REFRESH_MS, onFrame } from '../../lib/frameLoop.ts';
import { setText } from '../../lib/text.ts';
import { countRender } from '../../lib/renderCount.ts';
import { NumberOptions } from '../common/NumberOptions.tsx';
import { useAppStore, useAppStoreApi } from '../../store/index.ts';

/** Rows shown; the log keeps more (EventLog.limit) for the filters to find. */
const ROWS = 60;
const REFRESH_MS = SLOWEST_REFRESH_MS / 2;
const ALL_GROUPS: ReadonlySet<LogGroup> = new Set(LOG_GROUPS.map((g) => g.id));

export function EventLogPanel() {
  countRender('EventLogPanel');
  const store = useAppStoreApi();
  const generation = useAppStore((s) => s.liveGeneration);
  // The run's CPUs (the demo's are not the settings').
  useAppStore((s) => s.liveGeneration);
  const settingsCpus = useAppStore((s) => s.liveConfig.channel.cpus);
  const cpus = store.getState().liveRun()?.config.channel.cpus ?? settingsCpus;
  const [groups, setGroups] = useState<ReadonlySet<LogGroup>>(ALL_GROUPS);
  const [cpu, setCpu] = useState<number | null>(null);
  const [held, setHeld] = useState(false);
  const body = useRef<HTMLTableSectionElement>(null);
  const summary = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    let shown = -1;
    let last = -Infinity;
    let first = true;
    return onFrame('events', (now) => {
      const run = store.getState().liveRun();
      const rows = body.current;
      if (run === null || rows === null) return;
      const log = run.events;
      log.poll();
      if (held || (!first && (log.version === shown || now - last < REFRESH_MS))) return;
      first = false;
      shown = log.version;
      last = now;
      const global = run.config.channel.global;
      fillRows(rows, log.recent(ROWS, { groups, cpu }), global);
      if (summary.current !== null) {
        const lost = log.lost;
        summary.current.textContent =
          `${formatCount(log.total)} events logged, the last ${formatCount(Math.min(log.total, log.limit))} kept` +
          (lost > 0 ? `; ${formatCount(lost)} not logged: the page fell behind the writers` : '');
      }
    });
  }, [store, generation, groups, cpu, held]);

  // A row of a deterministic run is a place in it: clicking it goes there (the slider, the
  // tracks' cursor and the stage follow).
  const go = (target: EventTarget | null): void => {
    const tr = target instanceof Element ? target.closest('tr') : null;
    const run = store.getState().liveRun();
    if (tr === null || tr.dataset.tus === undefined || run === null || run.kind !== 'deterministic') return;
    // (µs back to seconds may round a hair below the event: a picosecond more includes it.)
    void store.getState().seekTime(Number(tr.dataset.tus) / 1e6 + 1e-12);
  };

  const toggle = (g: LogGroup): void => {
    const next = new Set(groups);
    if (next.has(g)) next.delete(g);
    else next.add(g);
    setGroups(next);
  };

  return (
    <section className="card" aria-labelledby="events-heading">
      <h2 id="events-heading">Event log</h2>
      <div className="controls" role="group" aria-label="Which events to show">
        {LOG_GROUPS.map((g) => (
          <label key={g.id}>
            <input type="checkbox" data-testid={`events.filter.${g.id}`} checked={groups.has(g.id)} onChange={() => toggle(g.id)} /> {g.label}
          </label>
        ))}
        <label>
          CPU{' '}
          <select data-testid="events.cpu" value={cpu ?? 'all'} onChange={(e) => setCpu(e.target.value === 'all' ? null : Number(e.target.value))}>
            <option value="all">all</option>
            <NumberOptions count={cpus} />
          </select>
        </label>
        <button type="button" data-testid="events.hold" aria-pressed={held} onClick={() => setHeld(!held)}>
          {held ? 'Follow' : 'Hold'}
        </button>
      </div>
      <p className="meta" data-testid="events.summary" ref={summary} />
      <div className="table-wrap events-wrap" tabIndex={0} role="region" aria-label="Event log entries">
        <table className="counters events" data-testid="events.table">
          <caption className="visually-hidden">Relay events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">t (ms)</th>
              <th scope="col">CPU</th>
              <th scope="col">kernel function</th>
              <th scope="col">what happened</th>
            </tr>
          </thead>
          <tbody
            ref={body}
            onClick={(e) => go(e.target)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') go(e.target);
            }}
            title="Click a row to go to that event (deterministic runs)"
          >
            {Array.from({ length: ROWS }, (_, i) => (
              <tr key={i} data-testid={`events.row.${i}`} hidden tabIndex={0} style={{ cursor: 'pointer' }}>
                <td />
                <td />
                <td>
                  <code />
                </td>
                <td />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Writes the entries into the rows, hiding the rows left over. */
function fillRows(rows: HTMLTableSectionElement, entries: readonly LogEntry[], global: boolean): void {
  for (let i = 0; i < rows.rows.length; i++) {
    const tr = rows.rows[i];
    const e = entries[i];
    if (e === undefined) {
      tr.hidden = true;
      continue;
    }
    tr.hidden = false;
    const { fn, text } = describeEvent(e, global);
    const cells = tr.cells;
    setText(cells[0], (e.tUs / 1000).toFixed(3));
    setText(cells[1], global ? '-' : String(e.cpu));
    setText(cells[2].firstElementChild as HTMLElement, fn);
    setText(cells[3], text);
    tr.dataset.group = groupOf(e);
    tr.dataset.tus = String(e.tUs);
  }
}

