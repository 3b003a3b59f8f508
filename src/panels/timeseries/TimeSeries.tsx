/**
 * Throughput, reading, loss, wakeups and occupancy over virtual time, per CPU or in total.
 * d3 computes (scales, paths); React renders the structure once; the frame loop samples the
 * counters a few times a second and writes the paths and labels. An overview strip carries a
 * brush: a brushed window holds still, an empty one follows the run.
 */
import { brushX, type D3BrushEvent } from 'd3-brush';
import { scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { line } from 'd3-shape';
import { useEffect, useRef, useState } from 'react';
import { onFrame } from '../../lib/frameLoop.ts';
import { countRender } from '../../lib/renderCount.ts';
import { formatCount } from '../../lib/format.ts';
import { useAppStore, useAppStoreApi, useLiveRun } from '../../store/index.ts';
import { MAX_SAMPLES, METRICS, series, takeSample, type Sample } from './samples.ts';

const WIDTH = 640;
const CHART_H = 64;
const OVERVIEW_H = 36;
const SAMPLE_MS = 200;
/** Virtual seconds shown while following the run. */
const FOLLOW = 10;

interface Brush {
  update: (domain: [number, number]) => void;
  destroy: () => void;
}

/** Attaches a horizontal brush to `node`; reports the brushed window in domain units, or null. */
function createBrush(node: SVGGElement, opts: { width: number; height: number; onWindow: (w: [number, number] | null) => void }): Brush {
  const x = scaleLinear().range([0, opts.width]);
  const behaviour = brushX<unknown>()
    .extent([
      [0, 0],
      [opts.width, opts.height],
    ])
    .on('brush end', (e: D3BrushEvent<unknown>) => {
      const s = e.selection as [number, number] | null;
      opts.onWindow(s === null ? null : [x.invert(s[0]), x.invert(s[1])]);
    });
  const g = select(node).call(behaviour);
  return {
    update: (domain) => void x.domain(domain),
    destroy: () => void g.on('.brush', null),
  };
}

export function TimeSeries() {
  countRender('TimeSeries');
  const generation = useAppStore((s) => s.liveGeneration);
  const status = useAppStore((s) => s.liveStatus);
  const run = useLiveRun();
  const [cpu, setCpu] = useState(-1);
  if (run === null || status === 'failed') return null;
  return (
    <section className="card" aria-labelledby="series-heading">
      <h2 id="series-heading">Over time</h2>
      <div className="controls">
        <label>
          Show{' '}
          <select data-testid="series.cpu" value={cpu} onChange={(e) => setCpu(Number(e.target.value))}>
            <option value={-1}>all CPUs</option>
            {Array.from({ length: run.config.channel.cpus }, (_, c) => (
              <option key={c} value={c}>
                CPU {c}
              </option>
            ))}
          </select>
        </label>
        <span className="meta">Drag across the strip at the bottom to hold a window; click it to follow the run again.</span>
      </div>
      <Charts key={`${generation}.${cpu}`} cpu={cpu} />
    </section>
  );
}

function Charts({ cpu }: { cpu: number }) {
  countRender('Charts');
  const store = useAppStoreApi();
  const paths = useRef<(SVGPathElement | null)[]>([]);
  const peaks = useRef<(HTMLSpanElement | null)[]>([]);
  const overview = useRef<SVGPathElement>(null);
  const brushNode = useRef<SVGGElement>(null);
  const range = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    const samples: Sample[] = [];
    let window: [number, number] | null = null;
    let lastSampled = -Infinity;
    let dirty = true;
    const brush =
      brushNode.current === null
        ? null
        : createBrush(brushNode.current, {
            width: WIDTH,
            height: OVERVIEW_H,
            onWindow: (w) => {
              window = w;
              dirty = true;
            },
          });
    const stop = onFrame('timeseries', (now) => {
      const run = store.getState().liveRun();
      if (run === null) return;
      if (now - lastSampled >= SAMPLE_MS) {
        lastSampled = now;
        const t = run.virtualTime();
        if (samples.length === 0 || t > samples[samples.length - 1].t) {
          samples.push(takeSample(t, run.stats, run.chan));
          if (samples.length > MAX_SAMPLES) samples.shift();
          dirty = true;
        }
      }
      if (!dirty || samples.length === 0) return;
      dirty = false;
      const first = samples[0].t;
      const last = samples[samples.length - 1].t;
      const [t0, t1] = window ?? [Math.max(first, last - FOLLOW), last];
      const x = scaleLinear().domain([t0, Math.max(t1, t0 + 1e-9)]).range([0, WIDTH]);
      METRICS.forEach((m, i) => {
        const points = series(samples, m.key, m.rate, cpu).filter(([t]) => t >= t0 && t <= t1);
        const peak = Math.max(1e-9, ...points.map(([, v]) => v));
        const y = scaleLinear().domain([0, peak]).range([CHART_H - 2, 2]);
        paths.current[i]?.setAttribute('d', line<[number, number]>((p) => x(p[0]), (p) => y(p[1]))(points) ?? '');
        const label = peaks.current[i];
        if (label) label.textContent = points.length === 0 ? '' : `peak ${formatCount(peak)} ${m.unit}`;
      });
      const all = scaleLinear().domain([first, Math.max(last, first + 1e-9)]).range([0, WIDTH]);
      brush?.update([first, Math.max(last, first + 1e-9)]);
      const writes = series(samples, 'written', true, cpu);
      const top = Math.max(1e-9, ...writes.map(([, v]) => v));
      const oy = scaleLinear().domain([0, top]).range([OVERVIEW_H - 2, 2]);
      overview.current?.setAttribute('d', line<[number, number]>((p) => all(p[0]), (p) => oy(p[1]))(writes) ?? '');
      if (range.current)
        range.current.textContent = `${window ? 'window' : 'following'}: ${(t0 * 1000).toFixed(1)} to ${(t1 * 1000).toFixed(1)} ms of virtual time`;
    });
    return () => {
      stop();
      brush?.destroy();
    };
  }, [store, cpu]);

  return (
    <div className="series">
      {METRICS.map((m, i) => (
        <figure key={m.key} className="chart" data-testid={`series.${m.key}`}>
          <figcaption>
            {m.label} <span className="meta">({m.unit})</span>{' '}
            <span className="meta" ref={(el) => void (peaks.current[i] = el)} data-testid={`series.${m.key}.peak`} />
          </figcaption>
          <svg viewBox={`0 0 ${WIDTH} ${CHART_H}`} preserveAspectRatio="none" role="img" aria-label={`${m.label} over time`}>
            <path ref={(el) => void (paths.current[i] = el)} className={`line line-${m.key}`} />
          </svg>
        </figure>
      ))}
      <svg className="overview" viewBox={`0 0 ${WIDTH} ${OVERVIEW_H}`} role="img" aria-label="The whole run, with a brush to hold a window">
        <path ref={overview} className="line line-written" />
        <g ref={brushNode} data-testid="series.brush" />
      </svg>
      <p className="meta" ref={range} data-testid="series.range" />
    </div>
  );
}
