/**
 * Counters as exact integers with thin-space thousands (half away from zero, as Intl rounds).
 * Hand-rolled: hundreds of cells are formatted every frame, and Intl costs a microsecond each.
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  let v = Math.round(Math.abs(n));
  const sign = n < 0 && v !== 0 ? '-' : '';
  let groups = '';
  while (v >= 1000) {
    const r = v % 1000;
    v = Math.floor(v / 1000);
    groups = `\u202f${r < 10 ? '00' : r < 100 ? '0' : ''}${r}${groups}`;
  }
  return `${sign}${v}${groups}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
}
