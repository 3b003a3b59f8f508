/**
 * Guided tours: a chapter drives the run (deterministic, so every reader sees the same thing),
 * points at the panel to look at, and asks for a prediction before the engine reveals what
 * relay does.
 */
import { useEffect, useState } from 'react';
import { onFrame } from '../../lib/frameLoop.ts';
import { isTab, useAppStoreApi, type AppStore } from '../../store/index.ts';
import { CHAPTERS, type Reveal } from './chapters.ts';

const LOOK_CLASS = 'tour-look';
/** Real milliseconds a reveal's replay on the stage takes, however many events it runs. */
const REPLAY_MS = 2500;

/** A reveal being played on the stage: from the event it started at to the one it settles at. */
interface Replay {
  from: number;
  to: number;
  answer: Reveal;
}

/** Shows what the step points at: opens its tab if it is a tool's, outlines it and brings it into view. */
function point(store: AppStore, look: string): HTMLElement | null {
  const el = document.querySelector<HTMLElement>(`[data-testid="${look}"]`);
  if (el === null) return null;
  const tab = el.closest<HTMLElement>('.tool')?.dataset.testid?.split('.')[1];
  if (tab !== undefined && isTab(tab)) store.getState().setTab(tab);
  el.classList.add(LOOK_CLASS);
  const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  el.scrollIntoView?.({ block: 'nearest', behavior: still ? 'auto' : 'smooth' });
  return el;
}

/** The tours, beside the stage; `initialChapter` (0-based) opens a chapter at its first step. */
export function Tours({ initialChapter = null }: { initialChapter?: number | null }) {
  const store = useAppStoreApi();
  const [chapter, setChapter] = useState(initialChapter ?? 0);
  const [step, setStep] = useState<number | null>(null);
  const [choice, setChoice] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<Reveal | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = CHAPTERS[chapter];
  const s = step === null ? null : current.steps[step];

  const [replay, setReplay] = useState<Replay | null>(null);

  // While a step is on show the transport keeps to its essentials, so that both fit beside the stage.
  useEffect(() => {
    store.getState().setTouring(step !== null);
    return () => store.getState().setTouring(false);
  }, [step, store]);

  // Point at what the step is about, without moving the page for readers who asked for less motion.
  useEffect(() => {
    if (s?.look === undefined) return;
    const el = point(store, s.look);
    return () => el?.classList.remove(LOOK_CLASS);
  }, [s, revealed, store]);

  // A chapter the address names opens at its first step.
  useEffect(() => {
    if (initialChapter !== null) void go(initialChapter, 0);
    // Once, on load.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // A reveal plays its step on the stage, a few events a frame, then settles where the engine decided.
  useEffect(() => {
    if (replay === null) return;
    let began = -1;
    const stop = onFrame('tour.replay', (now) => {
      if (began < 0) began = now;
      const current = store.getState().liveRun();
      const run = current !== null && current.mode === 'deterministic' ? current : null;
      const at = run?.eventsRun() ?? replay.to;
      const due = Math.min(replay.to, replay.from + Math.ceil(((replay.to - replay.from) * (now - began)) / REPLAY_MS));
      if (run !== null && at < due) run.step({ kind: 'events', count: due - at });
      if ((run?.eventsRun() ?? replay.to) >= replay.to) {
        stop();
        store.getState().stepLive({ kind: 'events', count: 0 });
        setRevealed(replay.answer);
        setReplay(null);
      }
    });
    return stop;
  }, [replay, store]);

  const go = async (c: number, k: number): Promise<void> => {
    setChapter(c);
    setStep(k);
    setChoice(null);
    setRevealed(null);
    setReplay(null);
    setError(null);
    try {
      await CHAPTERS[c].steps[k].act?.(store);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const reveal = async (): Promise<void> => {
    if (s?.question === undefined) return;
    try {
      const run = store.getState().liveRun();
      const from = run?.kind === 'deterministic' ? run.eventsRun() : -1;
      const answer = await s.question.reveal(store);
      const after = store.getState().liveRun();
      const to = after !== null && after.mode === 'deterministic' ? after.eventsRun() : 0;
      const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
      // The engine has decided; the stage goes back and plays the step at a pace one can follow.
      if (from >= 0 && to > from && !still && store.getState().liveRun() === run) {
        store.getState().seekLive(from);
        setReplay({ from, to, answer });
      } else setRevealed(answer);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const last = step !== null && step === current.steps.length - 1;

  return (
    <section className="card tours" aria-labelledby="tours-heading">
      <div className="tour-head" role="group" aria-label="Chapter">
        <h2 id="tours-heading">Tour</h2>
        <label>
          <span className="visually-hidden">Chapter</span>
          <select data-testid="tour.chapter" value={chapter} onChange={(e) => void go(Number(e.target.value), 0)}>
            {CHAPTERS.map((c, i) => (
              <option key={c.id} value={i}>
                {i + 1}. {c.title}
              </option>
            ))}
          </select>
        </label>
        {step === null && (
          <button type="button" className="primary" data-testid="tour.start" onClick={() => void go(chapter, 0)}>
            Start
          </button>
        )}
      </div>
      {s !== null && step !== null && (
        <div className="tour-step" data-testid="tour.step">
          <p className="meta" data-testid="tour.position">
            Chapter {chapter + 1} of {CHAPTERS.length}, step {step + 1} of {current.steps.length}
          </p>
          <div className="controls tour-nav">
            <button type="button" data-testid="tour.prev" disabled={step === 0 && chapter === 0} onClick={() => void (step > 0 ? go(chapter, step - 1) : go(chapter - 1, CHAPTERS[chapter - 1].steps.length - 1))}>
              ◀ Prev
            </button>
            {!last && (
              <button type="button" className="primary" data-testid="tour.next" onClick={() => void go(chapter, step + 1)}>
                Next step ▶
              </button>
            )}
            {last && chapter + 1 < CHAPTERS.length && (
              <button type="button" className="primary" data-testid="tour.next-chapter" onClick={() => void go(chapter + 1, 0)}>
                Next chapter: {CHAPTERS[chapter + 1].title}
              </button>
            )}
            <button type="button" data-testid="tour.end" onClick={() => setStep(null)}>
              End
            </button>
          </div>
          <p data-testid="tour.text">{s.text}</p>
          {s.question !== undefined && (
            <fieldset className="question">
              <legend data-testid="tour.prompt">{s.question.prompt}</legend>
              {s.question.choices.map((c) => (
                <label key={c}>
                  <input
                    type="radio"
                    name={`tour-${current.id}-${step}`}
                    value={c}
                    checked={choice === c}
                    disabled={revealed !== null}
                    onChange={() => setChoice(c)}
                    data-testid={`tour.choice.${c}`}
                  />{' '}
                  {c}
                </label>
              ))}
              <button type="button" data-testid="tour.reveal" disabled={choice === null || revealed !== null || replay !== null} onClick={() => void reveal()}>
                Reveal
              </button>
              {replay !== null && (
                <p className="meta" role="status" data-testid="tour.playing">
                  Playing the step on the stage…
                </p>
              )}
            </fieldset>
          )}
          {revealed !== null && (
            <p className={revealed.answer === choice ? 'ok' : 'bad'} role="status" data-testid="tour.answer">
              {revealed.answer === choice ? 'Right' : 'Not quite'}: the engine says {revealed.answer}. {revealed.why}
            </p>
          )}
          {error !== null && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
