/**
 * A deterministic run as a Chrome trace-event file (the JSON object form,
 * `{"traceEvents": [...]}`), which Perfetto UI and chrome://tracing open.
 *
 * - Timestamps are virtual microseconds from the start of the run.
 * - Each buffer is a process (pid 1 + its CPU, or pid 1 for a global buffer) named "CPU k" or
 *   "global buffer"; each CPU's producer is a thread of its buffer's process (tid 1 + CPU),
 *   named "CPU k". Metadata events (ph "M") name both.
 * - Counters (ph "C", process-scoped as the format has them): `subbufs_produced`,
 *   `subbufs_consumed` and `ready` of every buffer, one series each (args.value), sampled
 *   every `sampleInterval` virtual seconds and at the end: a bounded number whatever the rate.
 * - Instant events (ph "i", thread scope) on the writing CPU's thread: `dropped full` and
 *   `dropped too big`, one per burst (a run of drops with no record landing between them on
 *   that CPU) with the count and the last drop's time in args; `wakeup`, one per production
 *   that woke the reader, with the pollers woken. At most `maxInstants` of them; what is left
 *   out is counted in `otherData.instantsLeftOut`.
 * Every track's events are in timestamp order.
 */
import type { Simulation } from './simulation.ts';
import { P_DROPPED_FULL, P_DROPPED_TOOBIG, P_LANDED, P_WAKEUPS, P_WOKEN, STATS_FIELDS } from './stats.ts';

export interface ChromeTraceEvent {
  name: string;
  ph: 'M' | 'C' | 'i';
  ts: number;
  pid: number;
  tid: number;
  /** Instant events' scope: "t", the thread. */
  s?: 't';
  args: Record<string, number | string>;
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, number | string>;
}

export interface ChromeTraceOptions {
  /** Counter samples are taken this often (virtual seconds); default: 500 samples over the run. */
  sampleInterval?: number;
  /** Most instant events kept (default 20,000). */
  maxInstants?: number;
}

const DEFAULT_SAMPLES = 500;
const DEFAULT_MAX_INSTANTS = 20_000;

/** The producer counters watched after every event, and their places in `seen`. */
const WATCHED = [P_LANDED, P_DROPPED_FULL, P_DROPPED_TOOBIG, P_WAKEUPS, P_WOKEN] as const;
const LANDED = 0;
const FULL = 1;
const TOOBIG = 2;
const WAKEUPS = 3;
const WOKEN = 4;

/** Virtual seconds as trace microseconds, to the nanosecond. */
const micros = (seconds: number): number => Math.round(seconds * 1e9) / 1e3;

interface Burst {
  kind: 'dropped full' | 'dropped too big';
  ts: number;
  last: number;
  count: number;
}

/**
 * Records a Simulation's run as trace events. `advance` runs the simulation (in slices, if the
 * caller wants), `trace` gives the file.
 */
export class ChromeTraceRecorder {
  private readonly events: ChromeTraceEvent[] = [];
  private readonly instants: ChromeTraceEvent[] = [];
  private instantsLeftOut = 0;
  private readonly interval: number;
  private readonly maxInstants: number;
  private readonly start: number;
  /** Samples taken so far: sample k is at start + k * interval. */
  private samples = 0;
  private lastSampleTs = -1;
  /** Per CPU: the last value seen of each watched counter, and the open drop burst. */
  private readonly seen: Float64Array[];
  private readonly bursts: (Burst | null)[];
  private readonly pids: number[];

  constructor(
    private readonly sim: Simulation,
    /** The run's length (virtual seconds), which sets the default sampling interval. */
    readonly seconds: number,
    options: ChromeTraceOptions = {},
  ) {
    this.interval = options.sampleInterval ?? Math.max(seconds, 1e-6) / DEFAULT_SAMPLES;
    this.maxInstants = options.maxInstants ?? DEFAULT_MAX_INSTANTS;
    this.start = sim.now;
    const ch = sim.config.channel;
    this.pids = Array.from({ length: ch.cpus }, (_, cpu) => 1 + (ch.global ? 0 : cpu));
    this.seen = Array.from({ length: ch.cpus }, (_, cpu) => Float64Array.from(WATCHED, (f) => sim.stats.get(cpu, f)));
    this.bursts = Array.from({ length: ch.cpus }, () => null);
    for (const pid of new Set(this.pids)) {
      const name = ch.global ? 'global buffer' : `CPU ${pid - 1}`;
      this.events.push({ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name } });
      this.events.push({ name: 'process_sort_index', ph: 'M', ts: 0, pid, tid: 0, args: { sort_index: pid } });
    }
    this.pids.forEach((pid, cpu) => this.events.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid: 1 + cpu, args: { name: `CPU ${cpu}` } }));
  }

  /**
   * Runs the simulation to virtual time `t`, or for at most `maxEvents` events; true when `t`
   * was reached.
   */
  advance(t: number, maxEvents = Infinity): boolean {
    const sim = this.sim;
    for (let run = 0; sim.nextTime <= t; run++) {
      if (run >= maxEvents) return false;
      this.sampleUpTo(sim.nextTime);
      sim.step();
      this.observe();
    }
    this.sampleUpTo(t);
    sim.runUntil(t);
    return true;
  }

  /** The trace so far, with a last sample of the counters at the simulation's time. */
  trace(): ChromeTrace {
    const ts = micros(this.sim.now);
    const counters = ts === this.lastSampleTs ? [] : this.counters(ts);
    const bursts = this.bursts.flatMap((b, cpu) => (b === null ? [] : [this.burstEvent(b, cpu)]));
    const instants = [...this.instants, ...bursts.slice(0, Math.max(0, this.maxInstants - this.instants.length))];
    const leftOut = this.instantsLeftOut + bursts.length - (instants.length - this.instants.length);
    const traceEvents = [...this.events, ...counters, ...instants];
    // Metadata first, then time order; a stable sort keeps each track's events in the order they happened.
    traceEvents.sort((a, b) => (a.ph === 'M' ? 0 : 1) - (b.ph === 'M' ? 0 : 1) || a.ts - b.ts);
    const c = this.sim.config.channel;
    return {
      traceEvents,
      displayTimeUnit: 'ms',
      otherData: {
        source: 'relayscope',
        seed: this.sim.options.seed,
        seconds: this.sim.now,
        channel: `${c.cpus} CPUs${c.global ? ' (global buffer)' : ''}, ${c.nSubbufs} x ${c.subbufSize} B, ${c.mode}`,
        sampleIntervalUs: micros(this.interval),
        instantsLeftOut: leftOut,
      },
    };
  }

  private counters(ts: number): ChromeTraceEvent[] {
    const out: ChromeTraceEvent[] = [];
    for (const buf of this.sim.chan.bufs()) {
      const pid = this.pids[buf.cpu] ?? 1;
      const produced = buf.produced;
      const consumed = buf.consumed;
      out.push({ name: 'subbufs_produced', ph: 'C', ts, pid, tid: 0, args: { value: produced } });
      out.push({ name: 'subbufs_consumed', ph: 'C', ts, pid, tid: 0, args: { value: consumed } });
      out.push({ name: 'ready', ph: 'C', ts, pid, tid: 0, args: { value: produced - consumed } });
    }
    return out;
  }

  private sampleUpTo(t: number): void {
    for (let at = this.start + this.samples * this.interval; at <= t; at = this.start + this.samples * this.interval) {
      this.lastSampleTs = micros(at);
      this.events.push(...this.counters(this.lastSampleTs));
      this.samples += 1;
    }
  }

  private instant(e: ChromeTraceEvent): void {
    if (this.instants.length < this.maxInstants) this.instants.push(e);
    else this.instantsLeftOut += 1;
  }

  private burstEvent(b: Burst, cpu: number): ChromeTraceEvent {
    return { name: b.kind, ph: 'i', s: 't', ts: b.ts, pid: this.pids[cpu], tid: 1 + cpu, args: { count: b.count, last_us: b.last } };
  }

  /** What the event just run changed, CPU by CPU (most events only land a record). */
  private observe(): void {
    const f64 = this.sim.stats.f64;
    for (let cpu = 0; cpu < this.seen.length; cpu++) {
      const seen = this.seen[cpu];
      const row = cpu * STATS_FIELDS;
      const landed = f64[row + P_LANDED];
      if (landed !== seen[LANDED]) {
        seen[LANDED] = landed;
        this.closeBurst(cpu);
      }
      const full = f64[row + P_DROPPED_FULL] - seen[FULL];
      const toobig = f64[row + P_DROPPED_TOOBIG] - seen[TOOBIG];
      const wakeups = f64[row + P_WAKEUPS] - seen[WAKEUPS];
      if (full === 0 && toobig === 0 && wakeups === 0) continue;
      const ts = micros(this.sim.now);
      if (full > 0) this.drop(cpu, 'dropped full', ts, full);
      if (toobig > 0) this.drop(cpu, 'dropped too big', ts, toobig);
      if (wakeups > 0) {
        const woken = f64[row + P_WOKEN] - seen[WOKEN];
        this.instant({ name: 'wakeup', ph: 'i', s: 't', ts, pid: this.pids[cpu], tid: 1 + cpu, args: { pollers_woken: woken } });
      }
      for (let k = FULL; k < WATCHED.length; k++) seen[k] = f64[row + WATCHED[k]];
    }
  }

  private drop(cpu: number, kind: Burst['kind'], ts: number, count: number): void {
    const open = this.bursts[cpu];
    if (open !== null && open.kind === kind) {
      open.count += count;
      open.last = ts;
      return;
    }
    this.closeBurst(cpu);
    this.bursts[cpu] = { kind, ts, last: ts, count };
  }

  private closeBurst(cpu: number): void {
    const b = this.bursts[cpu];
    if (b === null) return;
    this.instant(this.burstEvent(b, cpu));
    this.bursts[cpu] = null;
  }
}

/** Runs `sim` to `seconds` and returns its trace. */
export function chromeTrace(sim: Simulation, seconds: number, options: ChromeTraceOptions = {}): ChromeTrace {
  const recorder = new ChromeTraceRecorder(sim, seconds, options);
  recorder.advance(seconds);
  return recorder.trace();
}
