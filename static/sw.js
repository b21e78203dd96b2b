/* The judge page's service worker, served at /judge-sw.js with scope /judge (contest/web/pages/judge.py fills in
 * VERSION and ASSETS): the page opens without the network.
 *
 * - /judge (the page): network first; every good answer is kept as the offline copy; offline, the kept copy;
 *   a 401/403 (signed out, login revoked) drops the copy. The page drops it too when the judge signs out.
 * - /static/… (versioned ?v= URLs) and the manifest: from the cache, else the network (and kept).
 * - Anything else (the API, the marks) goes to the network untouched: submissions wait in the page's outbox
 *   (IndexedDB), never here.
 * One cache per VERSION: a new deploy installs a new worker, which takes over at once and deletes the old caches.
 * The outbox lives in IndexedDB, apart from these caches, so an update never touches what waits to be sent.
 */
"use strict";

const VERSION = "__VERSION__";
const ASSETS = __ASSETS__;
const PREFIX = "contest-judge-";
const CACHE = PREFIX + VERSION;
const PAGE = "/judge";
const MANIFEST = "/judge/manifest.webmanifest";

// Answers for the page may come back out of order (a slow fetch begun in one language, a quick one after the judge
// switched): each fetch takes a ticket when it starts, and an answer older than the kept copy never replaces it.
let ticketsGiven = 0;
let ticketKept = 0;

async function keepPage(cache, ticket, answer) {
  if (ticket < ticketKept) return;
  ticketKept = ticket;
  if (answer.ok) await cache.put(PAGE, answer);
  else if (answer.status === 401 || answer.status === 403) await cache.delete(PAGE); // signed out: no copy
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    (async function () {
      const cache = await caches.open(CACHE);
      await Promise.all(ASSETS.map(function (url) { return cache.add(url).catch(function () { return null; }); }));
      try {
        const ticket = ++ticketsGiven;
        const page = await fetch(PAGE, { credentials: "same-origin", cache: "no-store" });
        if (page.ok) await keepPage(cache, ticket, page);
      } catch (err) {
        /* offline while installing: the next visit keeps the page */
      }
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    (async function () {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter(function (name) { return name.indexOf(PREFIX) === 0 && name !== CACHE; })
          .map(function (name) { return caches.delete(name); })
      );
      await self.clients.claim();
    })()
  );
});

async function pageFirstFromNetwork(request) {
  const cache = await caches.open(CACHE);
  try {
    const ticket = ++ticketsGiven;
    const answer = await fetch(request);
    await keepPage(cache, ticket, answer.clone());
    return answer;
  } catch (err) {
    const kept = await cache.match(PAGE);
    if (kept) return kept;
    return new Response("<!doctype html><meta charset=utf-8><title>offline</title><p>离线 · Offline</p>", {
      status: 503,
      headers: { "Content-Type": "text/html; charset=utf-8" },
    });
  }
}

// every page, once shown, asks for a fresh copy: fetched after that page's language was set, it takes a ticket newer
// than any fetch in the old language (the first visit, a switch of language while the worker was installing or
// while an earlier page's request was under way), so the offline page is in the language the judge chose last
async function refreshPage() {
  try {
    const ticket = ++ticketsGiven;
    const answer = await fetch(PAGE, { credentials: "same-origin", cache: "no-store" });
    await keepPage(await caches.open(CACHE), ticket, answer);
  } catch (err) {
    /* offline: keep the copy */
  }
}

// it takes the page over too: a load under way while this worker activated can miss the activation's claim, and
// would stay without a worker until reloaded
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "refresh-page") {
    event.waitUntil(Promise.all([self.clients.claim(), refreshPage()]));
  }
});

async function assetFromCache(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const answer = await fetch(request);
  if (answer.ok) await cache.put(request, answer.clone());
  return answer;
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE && request.mode === "navigate") event.respondWith(pageFirstFromNetwork(request));
  else if (url.pathname.indexOf("/static/") === 0 || url.pathname === MANIFEST) event.respondWith(assetFromCache(request));
});
