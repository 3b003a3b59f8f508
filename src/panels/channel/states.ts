/** How sub-buffer states are named and coloured, wherever they are shown. */
import { SUBBUF_CONSUMED, SUBBUF_FREE, SUBBUF_OVERWRITING, SUBBUF_READY, SUBBUF_WRITING } from '../../engine/index.ts';

/** Okabe-Ito colours, told apart with the common colour-vision deficiencies. */
export const STATE_COLOURS: Record<number, string> = {
  [SUBBUF_FREE]: 'transparent',
  [SUBBUF_WRITING]: '#0072B2',
  [SUBBUF_READY]: '#E69F00',
  [SUBBUF_CONSUMED]: '#A8B3BF',
  [SUBBUF_OVERWRITING]: '#D55E00',
};
export const HEADER_COLOUR = '#CC79A7';
export const STATE_NAMES: Record<number, string> = {
  [SUBBUF_FREE]: 'never written',
  [SUBBUF_WRITING]: 'being written',
  [SUBBUF_READY]: 'produced, ready',
  [SUBBUF_CONSUMED]: 'consumed',
  [SUBBUF_OVERWRITING]: 'being overwritten',
};

