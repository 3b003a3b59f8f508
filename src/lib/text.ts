/**
 * Writes an element's text from a frame callback. `textContent =` replaces the element's Text
 * node with a new one on every write, and at 60 frames a second the discarded nodes pile up in
 * the renderer faster than its garbage collector looks for them; this changes the one Text
 * node's data in place, and only when the text differs.
 */
export function setText(el: Element, text: string): void {
  const node = el.firstChild;
  if (node !== null && node === el.lastChild && node.nodeType === Node.TEXT_NODE) {
    const t = node as Text;
    if (t.data !== text) t.data = text;
  } else if (el.textContent !== text) {
    el.textContent = text;
  }
}
