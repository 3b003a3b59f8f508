// Cross-origin isolation for static hosts that cannot send headers: this service worker adds
// Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy to the site's own responses, so
// that the page, once under its control, is cross-origin isolated and SharedArrayBuffer exists.
// src/lib/isolation.ts registers it only when the page is not isolated already.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // Only this origin's responses are ours to change; a cache-only cross-origin request cannot be fetched.
  if (new URL(request.url).origin !== self.location.origin) return;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(
    fetch(request).then((response) => {
      if (response.status === 0) return response;
      const headers = new Headers(response.headers);
      headers.set('Cross-Origin-Opener-Policy', 'same-origin');
      headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
      headers.set('Cross-Origin-Resource-Policy', 'same-origin');
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    }),
  );
});
