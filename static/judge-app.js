/* The judge page as an app: the service worker that reopens it without the network, the note shown where there
 * is none (WeChat, plain-HTTP venue Wi-Fi), and the larger-text setting (kept in localStorage). */
(function () {
  "use strict";

  const C = window.Contest;
  const $ = C.$;
  const root = document.documentElement;

  // -- larger text -------------------------------------------------------------------------------------------

  const TEXT_KEY = "contest-text-large";
  const toggle = $("text-size");

  function readLarge() {
    try {
      return window.localStorage.getItem(TEXT_KEY) === "1";
    } catch (err) {
      return false;
    }
  }

  function applyText(large) {
    root.classList.toggle("text-large", large);
    if (toggle) toggle.setAttribute("aria-pressed", large ? "true" : "false");
  }

  applyText(readLarge());
  if (toggle) {
    toggle.addEventListener("click", function () {
      const large = !root.classList.contains("text-large");
      try {
        window.localStorage.setItem(TEXT_KEY, large ? "1" : "0");
      } catch (err) {
        /* kept for this visit only */
      }
      applyText(large);
    });
  }

  // -- offline -----------------------------------------------------------------------------------------------

  const note = $("offline-note");
  const url = C.data.urls && C.data.urls.worker;
  const canWork = !!url && "serviceWorker" in navigator && window.isSecureContext;
  document.body.dataset.offlineApp = canWork ? "installing" : "none";

  function showNote() {
    // without a worker the page cannot be reopened offline: say so while offline (the outbox still keeps marks)
    if (note) note.hidden = document.body.dataset.offlineApp === "ready" || navigator.onLine;
  }

  window.addEventListener("online", showNote);
  window.addEventListener("offline", showNote);
  showNote();

  // signing out drops the page's offline copy (it carries this judge's name and queue) before the form is sent
  const signout = document.querySelector("form.signout");
  if (signout && window.caches) {
    signout.addEventListener("submit", function (event) {
      if (signout.dataset.cleared) return;
      event.preventDefault();
      const page = C.data.urls.page || "/judge";
      const cleared = window.caches.keys().then(function (names) {
        return Promise.all(
          names
            .filter(function (name) { return name.indexOf("contest-judge-") === 0; })
            .map(function (name) { return window.caches.open(name).then(function (cache) { return cache.delete(page); }); })
        );
      });
      const wait = new Promise(function (resolve) { window.setTimeout(resolve, 1500); });
      Promise.race([cleared, wait]).catch(function () { return null; }).then(function () {
        signout.dataset.cleared = "1";
        if (typeof signout.requestSubmit === "function") signout.requestSubmit();
        else signout.submit();
      });
    });
  }

  if (canWork) {
    // a browser that takes the registration but never runs the worker (blocked by policy) counts as none
    window.setTimeout(function () {
      if (document.body.dataset.offlineApp === "installing") {
        document.body.dataset.offlineApp = "none";
        showNote();
      }
    }, 8000);
    navigator.serviceWorker
      .register(url, { scope: C.data.urls.page || "/judge" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        // its copy of the page may predate this load or be overtaken by an older fetch (e.g. ?lang=en while it
        // installed, or while an earlier page's request in the old language was under way): the page shown last
        // asks for a fresh copy, fetched after this page's language was set, so its copy is the one kept
        if (navigator.onLine && registration.active) {
          registration.active.postMessage({ type: "refresh-page" });
        }
        document.body.dataset.offlineApp = "ready";
        showNote();
      })
      .catch(function () {
        document.body.dataset.offlineApp = "none";
        showNote();
      });
  }
})();
