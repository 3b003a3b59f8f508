/**
 * Number text as a person types it, read the same way by the command line, the settings form
 * and the page's address: decimal digits with an optional sign, fraction and exponent
 * (`200000`, `0.05`, `.5`, `1e6`), spaces around it ignored. `Number()` would also take what
 * nobody means as a setting (`0x10`, `0b11`, `0o7`, `Infinity`, an empty field as 0), so
 * those are refused; so is a number too large to be finite (`1e400`).
 */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const WHOLE = /^\d+$/;

/** The number `text` says, or null when it is not decimal number text. */
export function parseNumberText(text: string): number | null {
  const t = text.trim();
  if (!DECIMAL.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** A count or an index written as plain digits (`63`, not `63.0` or `6.3e1`), or null. */
export function parseIndexText(text: string): number | null {
  const t = text.trim();
  if (!WHOLE.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}
