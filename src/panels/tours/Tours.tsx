/**
 * Guided tours: a chapter drives the run (deterministic, so every reader sees the same thing),
 * points at the panel to look at, and asks for a prediction before the engine reveals what
 * relay does.
 */
import { useEffect, useState } from 'react';
import { useAppStoreApi } from '../../store/index.ts';
import { CHAPTERS, type Reveal } from './chapters.ts';

const LOOK_CLASS = 'tour-look';

export function Tours() {
  const store = useAppStoreApi();
  const [chapter, setChapter] = useState(0);
  const [step, setStep] = useState<number | null>(null);
  const [choice, setChoice] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<Reveal | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = CHAPTERS[chapter];
  const s = step === null ? null : current.steps[step];

  // Point at what the step is about, without moving the page for readers who asked for less motion.
  useEffect(() => {
    if (s?.look === undefined) return;
    const el = document.querySelector<HTMLElement>(`[data-testid="${s.look}"]`);
    if (el === null) return;
    el.classList.add(LOOK_CLASS);
    const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    el.scrollIntoView?.({ block: 'nearest', behavior: still ? 'auto' : 'smooth' });
    return () => el.classList.remove(LOOK_CLASS);
  }, [s, revealed]);

  const go = async (c: number, k: number): Promise<void> => {
    setChapter(c);
    setStep(k);
    setChoice(null);
    setRevealed(null);
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
      setRevealed(await s.question.reveal(store));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const last = step !== null && step === current.steps.length - 1;

  return (
    <section className="card tours" aria-labelledby="tours-heading">
      <h2 id="tours-heading">Guided tours</h2>
      <div className="controls" role="group" aria-label="Chapter">
        <label>
          Chapter{' '}
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
            Start the tour
          </button>
        )}
      </div>
      {s !== null && step !== null && (
        <div className="tour-step" data-testid="tour.step">
          <p className="meta" data-testid="tour.position">
            Chapter {chapter + 1} of {CHAPTERS.length}, step {step + 1} of {current.steps.length}
          </p>
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
              <button type="button" data-testid="tour.reveal" disabled={choice === null || revealed !== null} onClick={() => void reveal()}>
                Reveal
              </button>
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
          <div className="controls">
            {!last && (
              <button type="button" data-testid="tour.next" onClick={() => void go(chapter, step + 1)}>
                Next step
              </button>
            )}
            {last && chapter + 1 < CHAPTERS.length && (
              <button type="button" data-testid="tour.next-chapter" onClick={() => void go(chapter + 1, 0)}>
                Next chapter: {CHAPTERS[chapter + 1].title}
              </button>
            )}
            <button type="button" data-testid="tour.end" onClick={() => setStep(null)}>
              End the tour
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
