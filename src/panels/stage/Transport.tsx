/**
 * The transport beside the stage: Play/Pause for both kinds of run, stepping (one event, the
 * next switch, 10 ms), the speed in virtual seconds per real second, the time slider, the
 * virtual time, the channel operations and the keys. A deterministic run that plays is
 * advanced here, in the one frame loop, at the chosen speed.
 */
import { useEffect, useRef, useState } from 'react';
import { SPEEDS, cpuCounters, readCpuCounters, speedLabel } from '../../engine/index.ts';
import { onFrame } from '../../lib/frameLoop.ts';
import { countRender } from '../../lib/renderCount.ts';
import { setText } from '../../lib/text.ts';
import { NumberOptions } from '../common/NumberOptions.tsx';
import { TimeTravel } from '../timetravel/TimeTravel.tsx';
import { useAppStore, useAppStoreApi, type AppStore, type ChannelOp, type RunMode } from '../../store/index.ts';

/** Longest script time a frame of playing may take, ms: the rest of the frame is the page's. */
const PLAY_BUDGET_MS = 6;
/** The store hears of a playing run this often (the slider, the accounting), ms. */
const PLAY_SYNC_MS = 250;
/** Events one chunk of a fast play runs before checking the clock. */
const PLAY_CHUNK = 500;

export function Transport({ minimal: presentation = false }: { minimal?: boolean }) {
  countRender('Transport');
  const touring = useAppStore((s) => s.touring);
  const minimal = presentation || touring;
  const status = useAppStore((s) => s.liveStatus);
  const speed = useAppStore((s) => s.liveSpeed);
  const mode = useAppStore((s) => s.liveMode);
  const playing = useAppStore((s) => s.livePlaying);
  useAppStore((s) => s.liveGeneration);
  const store = useAppStoreApi();
  const run = store.getState().liveRun();
  const deterministic = run !== null && run.kind === 'deterministic';
  usePlayer(store);

  return (
    <section className="transport" aria-label="Transport" data-testid="transport">
      <div className="transport-row" role="group" aria-label="Play">
        {deterministic ? (
          <button type="button" className="primary play" data-testid="transport.play" aria-pressed={playing} onClick={() => store.getState().togglePlay()}>
            {playing ? '❚❚ Pause' : '▶ Play'}
          </button>
        ) : (
          <>
            <button type="button" className="primary play" data-testid="live.pause" disabled={status !== 'running'} onClick={() => void store.getState().pauseLive()}>
              ❚❚ Pause
            </button>
            <button type="button" className="play" data-testid="live.resume" disabled={status !== 'paused'} onClick={() => store.getState().resumeLive()}>
              ▶ Resume
            </button>
          </>
        )}
        <span className="status" data-testid="live.status">
          {deterministic && playing ? 'playing' : status}
        </span>
        <VirtualTime />
      </div>
      {deterministic && (
        <div className="transport-row" role="group" aria-label="Step">
          <button type="button" data-testid="live.step.event" onClick={() => store.getState().stepLive({ kind: 'event' })} title="One event (N)">
            Step event
          </button>
          <button type="button" data-testid="live.step.switch" onClick={() => store.getState().stepLive({ kind: 'switch' })} title="To the next sub-buffer switch (W)">
            Next switch
          </button>
          <button type="button" data-testid="live.step.time" onClick={() => store.getState().stepLive({ kind: 'time', seconds: 0.01 })} title="10 ms of virtual time (T)">
            +10 ms
          </button>
        </div>
      )}
      <div className="transport-row">
        <label>
          Speed{' '}
          <select data-testid="live.speed" value={String(speed)} onChange={(e) => void store.getState().setLiveSpeed(Number(e.target.value))}>
            {SPEEDS.map((s) => (
              <option key={s} value={String(s)}>
                {speedLabel(s)}
              </option>
            ))}
            {!(SPEEDS as readonly number[]).includes(speed) && <option value={String(speed)}>{speedLabel(speed)}</option>}
          </select>
        </label>
      </div>
      {deterministic && !minimal && <TimeTravel />}
      {!minimal && (
        <>
          <div className="transport-row">
            <label>
              Mode{' '}
              <select data-testid="live.mode" value={mode} onChange={(e) => store.getState().setLiveMode(e.target.value as RunMode)}>
                <option value="live">live (workers, real time)</option>
                <option value="deterministic">deterministic (virtual time)</option>
              </select>
            </label>
            <button type="button" data-testid="live.stop" disabled={status === 'idle'} onClick={() => store.getState().stopLive()}>
              Stop
            </button>
          </div>
          {run !== null && status !== 'failed' && <ChannelOps cpus={run.config.channel.cpus} />}
        </>
      )}
      <Shortcuts />
      <DropAnnouncer />
    </section>
  );
}

/**
 * Plays a deterministic run: each frame advances its virtual time by the frame's real time
 * times the speed (as fast as it can within PLAY_BUDGET_MS at Infinity), and tells the store
 * every PLAY_SYNC_MS so that the slider and the accounting follow without a render per frame.
 */
function usePlayer(store: AppStore): void {
  useEffect(() => {
    let last = -1;
    let synced = 0;
    return onFrame('play', (now) => {
      const st = store.getState();
      const run = st.liveRun();
      if (!st.livePlaying || run === null || run.kind !== 'deterministic') {
        last = -1;
        return;
      }
      const dt = last < 0 ? 0 : Math.min(100, now - last) / 1000;
      last = now;
      const start = performance.now();
      if (Number.isFinite(st.liveSpeed)) {
        const target = run.virtualTime() + dt * st.liveSpeed;
        // Slow speeds run the events up to the new time; a fast one in chunks, within the budget.
        const expected = dt * st.liveSpeed * Math.max(1, run.config.workload.rate);
        if (expected < 4 * PLAY_CHUNK) run.step({ kind: 'until', t: target });
        else while (run.virtualTime() < target && performance.now() - start < PLAY_BUDGET_MS) run.step({ kind: 'events', count: PLAY_CHUNK });
      } else while (performance.now() - start < PLAY_BUDGET_MS) if (run.step({ kind: 'events', count: PLAY_CHUNK }) === 0) break;
      if (now - synced >= PLAY_SYNC_MS) {
        synced = now;
        store.setState({ liveAccounting: run.accounting() });
      }
    });
  }, [store]);
}

/** The run's virtual time, written each frame. */
function VirtualTime() {
  const store = useAppStoreApi();
  const el = useRef<HTMLSpanElement>(null);
  useEffect(
    () =>
      onFrame('time', () => {
        const run = store.getState().liveRun();
        const text = run === null ? '' : `t = ${(run.virtualTime() * 1000).toFixed(3)} ms`;
        if (el.current) setText(el.current, text);
      }),
    [store],
  );
  return <span className="meta vtime" data-testid="live.time" ref={el} />;
}

interface Shortcut {
  key: string;
  label: string;
  run: (store: AppStore) => void;
}

/** One step along the speeds, slower (-1) or faster (+1). */
function nudgeSpeed(s: AppStore, by: 1 | -1): void {
  const list = SPEEDS as readonly number[];
  const at = list.findIndex((x) => x >= s.getState().liveSpeed);
  const next = list[Math.min(list.length - 1, Math.max(0, (at < 0 ? list.length - 1 : at) + by))];
  void s.getState().setLiveSpeed(next);
}

const SHORTCUTS: Shortcut[] = [
  { key: 's', label: 'start', run: (s) => s.getState().startLive() },
  { key: ' ', label: 'play / pause', run: (s) => s.getState().togglePlay() },
  { key: 'n', label: 'step one event', run: (s) => void s.getState().stepLive({ kind: 'event' }) },
  { key: 'w', label: 'step to the next switch', run: (s) => void s.getState().stepLive({ kind: 'switch' }) },
  { key: 't', label: 'step 10 ms', run: (s) => void s.getState().stepLive({ kind: 'time', seconds: 0.01 }) },
  { key: '-', label: 'slower', run: (s) => nudgeSpeed(s, -1) },
  { key: '=', label: 'faster', run: (s) => nudgeSpeed(s, 1) },
  { key: '[', label: 'previous landmark', run: (s) => s.getState().jumpLive('previous') },
  { key: ']', label: 'next landmark', run: (s) => s.getState().jumpLive('next') },
  { key: 'x', label: 'stop', run: (s) => s.getState().stopLive() },
];

/** Keyboard shortcuts, with their legend; keys typed into a field are the field's. */
function Shortcuts() {
  const store = useAppStoreApi();
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const target = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || (target?.closest('input, select, textarea') ?? null) !== null) return;
      // Space presses a focused button; the shortcut would press a second one.
      if (e.key === ' ' && (target?.closest('button') ?? null) !== null) return;
      const shortcut = SHORTCUTS.find((s) => s.key === e.key.toLowerCase());
      if (shortcut === undefined) return;
      e.preventDefault();
      shortcut.run(store);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
  return (
    <details className="shortcuts meta" data-testid="live.shortcuts">
      <summary>Keys</summary>
      {SHORTCUTS.map((s) => (
        <span key={s.key}>
          <kbd>{s.key === ' ' ? 'Space' : s.key.toUpperCase()}</kbd> {s.label}
        </span>
      ))}
    </details>
  );
}

/** Says, politely and at most every few seconds, when a CPU starts dropping records. */
function DropAnnouncer() {
  const store = useAppStoreApi();
  const el = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    const seen: number[] = [];
    let lastSaid = -Infinity;
    const counters = cpuCounters();
    return onFrame('announcer', (now) => {
      const run = store.getState().liveRun();
      if (run === null || el.current === null) return;
      const cpus = run.config.channel.cpus;
      let rising = -1;
      let full = false;
      for (let c = 0; c < cpus; c++) {
        readCpuCounters(run.stats, c, counters);
        const dropped = counters.droppedFull + counters.droppedToobig;
        if (rising < 0 && dropped > (seen[c] ?? 0)) {
          rising = c;
          full = counters.droppedFull > 0;
        }
        seen[c] = dropped;
      }
      seen.length = cpus;
      if (rising < 0 || now - lastSaid < 3000) return;
      lastSaid = now;
      el.current.textContent = `CPU ${rising} is dropping records: ${full ? 'its buffer is full' : 'they are larger than a sub-buffer'}.`;
    });
  }, [store]);
  return <p className="visually-hidden" role="status" aria-live="polite" data-testid="live.announce" ref={el} />;
}

/** relay_flush, relay_reset, relay_close and CPU hotplug: between steps, or with the threads paused for a moment. */
function ChannelOps({ cpus }: { cpus: number }) {
  const store = useAppStoreApi();
  const [cpu, setCpu] = useState(0);
  const op = (o: ChannelOp) => () => void store.getState().operateLive(o);
  return (
    <div className="transport-row" role="group" aria-label="Channel operations">
      <button type="button" data-testid="live.op.flush" onClick={op({ op: 'flush' })} title="relay_flush: produce every current sub-buffer">
        Flush
      </button>
      <button type="button" data-testid="live.op.reset" onClick={op({ op: 'reset' })} title="relay_reset: every buffer back to its state at open">
        Reset
      </button>
      <button type="button" data-testid="live.op.close" onClick={op({ op: 'close' })} title="relay_close: finalize; writers stop, readers may read on">
        Close
      </button>
      <label>
        CPU{' '}
        <select data-testid="live.op.cpu" value={cpu} onChange={(e) => setCpu(Number(e.target.value))}>
          <NumberOptions count={cpus} />
        </select>
      </label>
      <button type="button" data-testid="live.op.online" onClick={op({ op: 'cpu_online', cpu })}>
        Online
      </button>
      <button type="button" data-testid="live.op.offline" onClick={op({ op: 'cpu_offline', cpu })}>
        Offline
      </button>
    </div>
  );
}
