/**
 * Time travel through a deterministic run: a slider over the events run so far (back is a
 * replay from the start, exact by construction), and jumps to the previous or next switch,
 * drop, overwrite or wakeup.
 */
import { useEffect, useRef } from 'react';
import { LANDMARKS, type Landmark } from '../../engine/index.ts';
import { formatCount } from '../../lib/format.ts';
import { useAppStore, useAppStoreApi, useLiveRun } from '../../store/index.ts';

export function TimeTravel() {
  const store = useAppStoreApi();
  // Re-rendered after each step (the accounting changes) and each new run.
  useAppStore((s) => s.liveAccounting);
  useAppStore((s) => s.liveGeneration);
  const landmark = useAppStore((s) => s.liveLandmark);
  const said = useAppStore((s) => s.liveNotice);
  const slider = useRef<HTMLInputElement>(null);
  const run = useLiveRun();

  // A range input reports every position while dragged; the run follows when it is let go.
  useEffect(() => {
    const el = slider.current;
    if (el === null) return;
    const commit = (): void => store.getState().seekLive(Number(el.value));
    el.addEventListener('change', commit);
    return () => el.removeEventListener('change', commit);
  });

  if (run === null || run.kind !== 'deterministic' || run.timeline === null) return null;
  const at = run.eventsRun();
  const horizon = Math.max(run.timeline.horizon, at);
  return (
    <div className="controls time-travel" role="group" aria-label="Time travel">
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
      <span className="meta" data-testid="travel.position">
        event {formatCount(at)} of {formatCount(horizon)} · t = {(run.virtualTime() * 1000).toFixed(3)} ms
      </span>
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
      <span className="meta" role="status" data-testid="travel.said">
        {said}
      </span>
    </div>
  );
}
