/**
 * Playwright 1.64 over WebDriver BiDi types text into an input by assigning `input.value`
 * and dispatching an `input` event (its injected `__pw_bidiInsertText`). React tracks a
 * controlled input's value through that very setter, sees no change, and never calls
 * onChange: `fill` in Firefox left every React field as it was. This script, added to a
 * Firefox context before any page loads, makes the insertion a real edit of the focused field
 * (`document.execCommand('insertText')`, what typing does); anything else goes to Playwright's.
 */
export function realTextInsertion(): void {
  type Insert = (text: string) => unknown;
  let playwrights: Insert | undefined;
  const insert: Insert = (text) => {
    const el = document.activeElement;
    const field = el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement;
    if (field && document.execCommand('insertText', false, text)) return undefined;
    return playwrights?.(text);
  };
  Object.defineProperty(window, '__pw_bidiInsertText', {
    configurable: true,
    get: () => insert,
    set: (fn: Insert) => {
      playwrights = fn;
    },
  });
}
