/** The stage's legend: the same marks, colours and patterns as the picture, in words. */
import { DROP_COLOUR, HEADER_COLOUR, READER_COLOURS, READING_COLOUR, STATE_COLOURS, TOOBIG_COLOUR, WAKEUP_COLOUR } from '../channel/states.ts';
import { SUBBUF_CONSUMED, SUBBUF_OVERWRITING, SUBBUF_READY, SUBBUF_WRITING, READER_ASLEEP, READER_WOKEN, READER_PROCESSING } from '../../engine/index.ts';

const HATCH = 'repeating-linear-gradient(135deg, #ffffff 0 3px, #7c8794 3px 4px)';
const LAPPED = `repeating-linear-gradient(135deg, ${STATE_COLOURS[SUBBUF_OVERWRITING]} 0 4px, #ff6a4d 4px 6px)`;

interface Item {
  key: string;
  label: string;
  swatch: React.CSSProperties;
  shape?: 'cell' | 'mark' | 'hollow' | 'pill' | 'hop' | 'tick';
}

const ITEMS: Item[] = [
  { key: 'free', label: 'free: never written', swatch: { background: '#ffffff' } },
  { key: 'writing', label: 'being written', swatch: { background: STATE_COLOURS[SUBBUF_WRITING] } },
  { key: 'ready', label: 'produced, ready to read', swatch: { background: STATE_COLOURS[SUBBUF_READY] } },
  { key: 'reading', label: 'being read', swatch: { background: READING_COLOUR } },
  { key: 'consumed', label: 'consumed', swatch: { background: STATE_COLOURS[SUBBUF_CONSUMED] } },
  { key: 'lapped', label: 'lapped: overwritten unread', swatch: { background: LAPPED } },
  { key: 'header', label: 'client header (subbuf_start_reserve)', swatch: { background: HEADER_COLOUR } },
  { key: 'padding', label: 'padding left by a switch', swatch: { background: HATCH } },
  { key: 'writer', label: '▼ writer ▲ read(2) position', swatch: {}, shape: 'tick' },
  { key: 'asleep', label: 'reader asleep in poll', swatch: { background: READER_COLOURS[READER_ASLEEP] }, shape: 'pill' },
  { key: 'busy', label: 'reader reading / processing', swatch: { background: READER_COLOURS[READER_PROCESSING] }, shape: 'pill' },
  { key: 'wakeup', label: 'wakeup on its way (irq_work)', swatch: { background: READER_COLOURS[READER_WOKEN], borderColor: WAKEUP_COLOUR }, shape: 'hop' },
  { key: 'drop', label: 'dropped: ring full', swatch: { background: DROP_COLOUR }, shape: 'mark' },
  { key: 'toobig', label: 'dropped: too big', swatch: { borderColor: TOOBIG_COLOUR }, shape: 'hollow' },
];

export function Legend({ large = false }: { large?: boolean }) {
  return (
    <section className={`legend-card${large ? ' large' : ''}`} aria-labelledby="legend-heading" data-testid="stage.legend">
      <h2 id="legend-heading" className="visually-hidden">
        Legend
      </h2>
      <ul className="stage-legend">
        {ITEMS.map((i) => (
          <li key={i.key} data-testid={`stage.legend.${i.key}`}>
            {i.shape !== 'tick' && <span className={`swatch swatch-${i.shape ?? 'cell'}`} style={i.swatch} aria-hidden="true" />}
            {i.label}
          </li>
        ))}
      </ul>
    </section>
  );
}
