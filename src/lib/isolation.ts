/**
 * Cross-origin isolation where the host cannot send the headers: register the site's service
 * worker (public/coi-serviceworker.js), which adds them, and reload once under its control.
 * Resolves true when the page is reloading; the caller then renders nothing.
 */
const TRIED = 'relayscope.isolation-reload';
const READY_TIMEOUT_MS = 3000;

export async function ensureIsolation(workerUrl: string): Promise<boolean> {
  if (globalThis.crossOriginIsolated) {
    sessionStorage.removeItem(TRIED);
    return false;
  }
  // Only once per tab: if the reload did not make the page isolated, the page goes on without.
  if (!('serviceWorker' in navigator) || !window.isSecureContext || sessionStorage.getItem(TRIED) !== null) return false;
  try {
    const registration = await navigator.serviceWorker.register(workerUrl);
    // Where service workers are blocked, `ready` never settles: go on without after a while.
    const ready = await Promise.race([
      navigator.serviceWorker.ready.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), READY_TIMEOUT_MS)),
    ]);
    if (!ready) return false;
    sessionStorage.setItem(TRIED, '1');
    if (navigator.serviceWorker.controller === null && registration.active !== null) {
      await new Promise<void>((resolve) => {
        navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true });
        // clients.claim() in the worker gives it control; a reload covers a claim that came first.
        setTimeout(resolve, 1000);
      });
    }
    window.location.reload();
    return true;
  } catch {
    return false;
  }
}
