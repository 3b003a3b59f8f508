/** `<option>`s 0 to count - 1, for the selects of a CPU or a sub-buffer. */
export function NumberOptions({ count }: { count: number }) {
  return Array.from({ length: count }, (_, i) => (
    <option key={i} value={i}>
      {i}
    </option>
  ));
}
