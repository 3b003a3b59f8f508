/** Hands `text` to the browser as a file download named `name`. */
export function downloadText(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // The download has its own reference to the blob once click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
