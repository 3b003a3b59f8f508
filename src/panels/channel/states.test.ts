import { describe, expect, it } from 'vitest';
import { MIN_STATE_CONTRAST, STATE_PALETTE, contrast, linearRgb, luminance } from './states.ts';

/**
 * Colour-vision deficiencies as linear-RGB matrices (Machado, Oliveira and Fernandes 2009,
 * severity 1.0): what a person with each sees of a colour.
 */
const DEFICIENCIES: Record<string, number[][]> = {
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
};

const seen = (rgb: number[], m: number[][] | null): number[] =>
  m === null ? rgb : m.map((row) => Math.min(1, Math.max(0, row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2])));

describe('the state palette', () => {
  const states = Object.entries(STATE_PALETTE);
  const pairs = states.flatMap(([a], i) => states.slice(i + 1).map(([b]) => [a, b] as const));

  for (const [vision, matrix] of [['full colour', null], ...Object.entries(DEFICIENCIES)] as const)
    it(`tells every pair of sub-buffer states apart by luminance in ${vision}`, () => {
      const worst = pairs
        .map(([a, b]) => ({ a, b, ratio: contrast(luminance(seen(linearRgb(STATE_PALETTE[a]), matrix)), luminance(seen(linearRgb(STATE_PALETTE[b]), matrix))) }))
        .sort((x, y) => x.ratio - y.ratio)[0];
      expect(worst.ratio, `${worst.a} against ${worst.b}`).toBeGreaterThanOrEqual(MIN_STATE_CONTRAST);
    });

  it('has a colour for every state the stage names', () => {
    expect(Object.keys(STATE_PALETTE).sort()).toEqual(['consumed', 'free', 'lapped', 'reading', 'ready', 'writing']);
  });
});
