import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../store/index.ts';
import { createLiveRun } from '../../workers/client.ts';
import { createSingleThreadExplorer } from '../../workers/exploreClient.ts';
import { CHAPTERS } from './chapters.ts';

/** What the engine answers, chapter by chapter: the tours teach what relay does. */
const EXPECTED: Record<string, string[]> = {
  channel: ['no', 'yes', 'yes'],
  padding: ['96', '96', '64', 'no'],
  'no-overwrite': ['yes', '10', 'yes', 'yes'],
  overwrite: ['yes', 'yes', 'no', 'no'],
  wakeups: ['yes', 'no', 'no', 'yes'],
  'flush-reset-close': ['1', '0', 'no', 'no'],
  sizing: ['16', 'no', 'loss-free-for', '8'],
};

describe('the guided tours', () => {
  it('have at least six chapters, each with a question, the first six with four steps or more', () => {
    expect(CHAPTERS.length).toBeGreaterThanOrEqual(6);
    for (const c of CHAPTERS) expect(c.steps.some((s) => s.question !== undefined)).toBe(true);
    expect(CHAPTERS.slice(0, 6).filter((c) => c.steps.length < 4).map((c) => c.title)).toEqual([]);
  });

  for (const chapter of CHAPTERS)
    it(`${chapter.title}: the engine's answers are among the choices, and are what the chapter teaches`, async () => {
      const store = createAppStore({ createRun: createLiveRun, createExplorer: () => createSingleThreadExplorer('a unit test has no workers') });
      const answers: string[] = [];
      for (const step of chapter.steps) {
        await step.act?.(store);
        if (step.question === undefined) continue;
        const { answer, why } = await step.question.reveal(store);
        expect(step.question.choices).toContain(answer);
        expect(why.length).toBeGreaterThan(10);
        answers.push(answer);
      }
      expect(answers).toEqual(EXPECTED[chapter.id]);
    });
});
