// Service worker: pages come from the network (never stored: they are personal);
// the offline page is kept for when there is no network; static files with a
// content hash (?v=...) are served cache-first.
"use strict";

const CACHE = "mentorskap-static-v1";
const OFFLINE_URL = "/offline";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.add(new Request(OFFLINE_URL, { cache: "reload" })))
  );
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then((response) => {
          // Put the offline page back if anything removed it (a browser's "clear data").
          event.waitUntil(
            caches.open(CACHE).then((cache) =>
              cache.match(OFFLINE_URL).then((hit) => hit || cache.add(OFFLINE_URL))
            )
          );
          return response;
        })
        .catch(() => caches.match(OFFLINE_URL))
    );
    return;
  }
  if (url.pathname.startsWith("/static/") && url.searchParams.has("v")) {
    event.respondWith(
      caches.open(CACHE).then((cache) =>
        cache.match(request).then(
          (hit) =>
            hit ||
            fetch(request).then((response) => {
              if (response.ok) cache.put(request, response.clone());
              return response;
            })
        )
      )
    );
  }
});
