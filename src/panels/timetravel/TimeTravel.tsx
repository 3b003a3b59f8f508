/**
 * Time travel through a deterministic run: a slider over the events computed so far, with the
 * run's landmarks as ticks under it by kind (`TravelSlider`, which the transport embeds), and
 * jumps to the previous or next landmark of a chosen kind. Going to any event restores the
 * nearest checkpoint and replays the rest; what must be computed first runs in slices, with
 * progress and a cancel button (`TravelProgress`).
 */
import { useEffect, useRef } from 'react';
import { LANDMARKS, LANDMARK_BUDGET, type Landmark } from '../../engine/index.ts';
import { formatCount } from '../../lib/format.ts';
import { useAppStore, useAppStoreApi, useLiveRun } from '../../store/index.ts';
import { TICK_COLORS } from '../timeseries/tracks.ts';
import { TICK_KINDS, tickColumns } from './ticks.ts';

/** The bounds a landmark search may be given, in events. */
const SEARCH_BOUNDS = [100_000, 1_000_000, LANDMARK_BUDGET, 20_000_000];
const TICK_W = 600;
const TICK_ROW = 4;

/**
 * The slider over the run's events, its landmark ticks, and where it is. Follows the run (one
 * cursor with the tracks and the stage): re-rendered after every step and each new run.
 */
export function TravelSlider() {
  const store = useAppStoreApi();
  useAppStore((s) => s.liveAccounting);
  useAppStore((s) => s.liveGeneration);
  useAppStore((s) => s.liveJob === null);
  const slider = useRef<HTMLInputElement>(null);
  const run = useLiveRun();

  // A range input reports every position while dragged; the run follows when it is let go.
  useEffect(() => {
    const el = slider.current;
    if (el === null) return;
    const commit = (): void => void store.getState().seekLive(Number(el.value));
    el.addEventListener('change', commit);
    return () => el.removeEventListener('change', commit);
  });

  if (run === null || run.kind !== 'deterministic' || run.timeline === null) return null;
  const timeline = run.timeline;
  const at = run.eventsRun();
  const horizon = Math.max(timeline.horizon, at);
  return (
    <div className="travel-slider">
      <label className="slider">
        Event{' '}
        <input
          ref={slider}
          type="range"
          min={0}
          max={horizon}
          step={1}
          defaultValue={at}
          key={`${at}/${horizon}`}
          data-testid="travel.slider"
          aria-valuetext={`event ${at} of ${horizon}`}
        />
      </label>
      <svg className="travel-ticks" data-testid="travel.ticks" viewBox={`0 0 ${TICK_W} ${TICK_KINDS.length * TICK_ROW}`} preserveAspectRatio="none" aria-hidden="true" style={{ display: 'block', width: '100%', height: TICK_KINDS.length * TICK_ROW }}>
        {TICK_KINDS.map((kind, row) => {
          const { at: marks } = timeline.between(kind, 0, horizon);
          return (
            <g key={kind} className={`tick-${kind}`} fill={TICK_COLORS[kind]} data-testid={`travel.ticks.${kind}`} data-count={marks.length}>
              {tickColumns(marks, horizon, TICK_W).map((x) => (
                <rect key={x} x={x} y={row * TICK_ROW} width={1} height={TICK_ROW} />
              ))}
            </g>
          );
        })}
      </svg>
      <span className="meta" data-testid="travel.position">
        event {formatCount(at)} of {formatCount(horizon)} · t = {(run.virtualTime() * 1000).toFixed(3)} ms
      </span>
    </div>
  );
}

/** A long step's progress and its cancel button; an address's offer to run more than its bound. */
export function TravelProgress() {
  const store = useAppStoreApi();
  const job = useAppStore((s) => s.liveJob);
  const offer = useAppStore((s) => s.liveOffer);
  if (offer !== null)
    return (
      <div className="controls travel-offer" role="alert" data-testid="travel.offer">
        <span>{offer.label}</span>
        <button type="button" data-testid="travel.offer.run" onClick={() => store.getState().acceptLiveOffer()}>
          Run it, with progress
        </button>
        <button type="button" data-testid="travel.offer.stay" onClick={() => store.getState().declineLiveOffer()}>
          Stay at the start
        </button>
      </div>
    );
  if (job === null) return null;
  const share = job.total > 0 ? job.done / job.total : 0;
  return (
    <div className="controls travel-job" data-testid="travel.job">
      <label>
        {job.label}{' '}
        <progress data-testid="travel.progress" max={1} value={share} aria-valuetext={`${Math.round(share * 100)} %`} />
      </label>
      <span className="meta">{Math.round(share * 100)} %</span>
      <button type="button" data-testid="travel.cancel" onClick={() => store.getState().cancelLiveJob()}>
        Cancel
      </button>
    </div>
  );
}

export function TimeTravel() {
  const store = useAppStoreApi();
  const landmark = useAppStore((s) => s.liveLandmark);
  const said = useAppStore((s) => s.liveNotice);
  const bound = useAppStore((s) => s.liveSearchBound);
  useAppStore((s) => s.liveGeneration);
  const run = useLiveRun();
  if (run === null || run.kind !== 'deterministic' || run.timeline === null) return null;
  return (
    <div className="controls time-travel" role="group" aria-label="Time travel">
      <TravelSlider />
      <label>
        Jump to{' '}
        <select data-testid="travel.landmark" value={landmark} onChange={(e) => store.getState().setLiveLandmark(e.target.value as Landmark)}>
          {LANDMARKS.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <button type="button" data-testid="travel.previous" onClick={() => store.getState().jumpLive('previous')} title="[">
        ◀ previous
      </button>
      <button type="button" data-testid="travel.next" onClick={() => store.getState().jumpLive('next')} title="]">
        next ▶
      </button>
      <label>
        searching at most{' '}
        <select data-testid="travel.bound" value={bound} onChange={(e) => store.getState().setLiveSearchBound(Number(e.target.value))}>
          {SEARCH_BOUNDS.map((n) => (
            <option key={n} value={n}>
              {formatCount(n)}
            </option>
          ))}
        </select>{' '}
        events ahead
      </label>
      <TravelProgress />
      <span className="meta" role="status" data-testid="travel.said">
        {said}
      </span>
    </div>
  );
}
