/**
 * How sub-buffer and reader states are named and coloured, wherever they are shown.
 *
 * The palette is for a projector as much as a screen: every state differs from every other in
 * luminance, not only in hue, so that it reads in greyscale and with the common colour-vision
 * deficiencies (protanopia, deuteranopia, tritanopia). The stage is always drawn on a light
 * paper, whatever the page's theme, so these contrasts hold there. states.test.ts checks that
 * every pair of sub-buffer states (the paper of a never-written one included) has a luminance
 * contrast of at least MIN_STATE_CONTRAST, in full colour and as each deficiency sees it; a
 * sub-buffer being overwritten (lapped) is striped as well.
 */
import { SUBBUF_CONSUMED, SUBBUF_FREE, SUBBUF_OVERWRITING, SUBBUF_READY, SUBBUF_WRITING } from '../../engine/index.ts';

/**
 * The least WCAG contrast ratio, (L1 + 0.05) / (L2 + 0.05), between any two state colours.
 * 1.45:1 is what six lightnesses spread from a near-black red to white allow while each keeps
 * a hue of its own under every deficiency; adjacent cells are also separated by a gap and an
 * outline, and a lapped sub-buffer is striped.
 */
export const MIN_STATE_CONTRAST = 1.45;

/** The stage's paper, and a sub-buffer never written since open or reset. */
export const PAPER = '#ffffff';
export const INK = '#1b2430';
/** Sub-buffer states; a sub-buffer being read has a colour of its own (READING_COLOUR). */
export const STATE_COLOURS: Record<number, string> = {
  [SUBBUF_FREE]: PAPER,
  [SUBBUF_WRITING]: '#1A4CA8',
  [SUBBUF_READY]: '#E39000',
  [SUBBUF_CONSUMED]: '#C9CFD6',
  [SUBBUF_OVERWRITING]: '#3A0600',
};
/** The sub-buffer the reader is consuming. */
export const READING_COLOUR = '#008262';
/** The client's header (`subbuf_start_reserve`). */
export const HEADER_COLOUR = '#B5489A';
/** Records dropped because the ring was full, and the stalled writer's label. */
export const DROP_COLOUR = '#D01C1C';
/** Records dropped as larger than a sub-buffer: drawn hollow, in another colour. */
export const TOOBIG_COLOUR = '#6A3D9A';
/** The wakeup's hop from the producing buffer to the reader. */
export const WAKEUP_COLOUR = '#E4007C';
export const STATE_NAMES: Record<number, string> = {
  [SUBBUF_FREE]: 'never written',
  [SUBBUF_WRITING]: 'being written',
  [SUBBUF_READY]: 'produced, ready',
  [SUBBUF_CONSUMED]: 'consumed',
  [SUBBUF_OVERWRITING]: 'being overwritten (lapped)',
};

/** The colours states.test.ts checks against each other: every state a sub-buffer can show. */
export const STATE_PALETTE: Record<string, string> = {
  free: PAPER,
  writing: STATE_COLOURS[SUBBUF_WRITING],
  ready: STATE_COLOURS[SUBBUF_READY],
  reading: READING_COLOUR,
  consumed: STATE_COLOURS[SUBBUF_CONSUMED],
  lapped: STATE_COLOURS[SUBBUF_OVERWRITING],
};

/** Reader phases (READER_* of the engine's readerPhase.ts, by index): lane colours. */
export const READER_COLOURS: readonly string[] = ['#9AA5B1', '#44546A', WAKEUP_COLOUR, READING_COLOUR, '#3D6E8F', '#9A6B00'];
export const READER_TEXT: readonly string[] = [
  'no reader',
  'asleep in poll (on the wait queue)',
  'woken: the wakeup is on its way',
  'reading: copying bytes out',
  'busy: processing what it read, or about to poll',
  'paused',
];

const channel = (hex: string, at: number): number => {
  const c = parseInt(hex.slice(at, at + 2), 16) / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};

/** Linear RGB of a #rrggbb colour. */
export function linearRgb(hex: string): [number, number, number] {
  return [channel(hex, 1), channel(hex, 3), channel(hex, 5)];
}

/** Relative luminance (WCAG) of linear RGB. */
export const luminance = ([r, g, b]: readonly number[]): number => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/** WCAG contrast ratio of two luminances. */
export function contrast(a: number, b: number): number {
  const [hi, lo] = a > b ? [a, b] : [b, a];
  return (hi + 0.05) / (lo + 0.05);
}
