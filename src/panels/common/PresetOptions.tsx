import { PRESETS } from '../../engine/index.ts';

/** `<option>`s: the current settings (value "") and then every preset, by its id. */
export function PresetOptions({ current }: { current: string }) {
  return (
    <>
      <option value="">{current}</option>
      {PRESETS.map((p) => (
        <option key={p.id} value={p.id}>
          {p.title}
        </option>
      ))}
    </>
  );
}
