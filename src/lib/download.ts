/** Hands `blob` to the browser as a file download named `name`. */
function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // The download has its own reference to the blob once click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** Hands `text` to the browser as a file download named `name`. */
export function downloadText(name: string, text: string, type: string): void {
  downloadBlob(name, new Blob([text], { type }));
}

/** Hands `bytes` to the browser as a file download named `name`. */
export function downloadBytes(name: string, bytes: Uint8Array<ArrayBuffer>, type: string): void {
  downloadBlob(name, new Blob([bytes], { type }));
}
