/* The judge's and the chief judge's pages: the offline outbox. Submissions are kept in IndexedDB (when the page
 * loads static/outbox-store.js; else localStorage) with their client_id until the server answers 200 or 201; add()
 * resolves with the first attempt's outcome; resent when the network returns (online event, and a timer with
 * backoff) with the same client_id, so the server never stores one twice. A 4xx answer stops that entry and shows
 * the server's message next to it. Needs static/common.js first.
 */
(function () {
  const { t, el, clear, $, Dec, request, errorText } = window.Contest;


  // -- the offline outbox ------------------------------------------------------------------------------------

  const MAX_DELAY = 30000;

  class Outbox {
    constructor(key, hooks) {
      this.key = key;
      this.hooks = hooks || {};
      this.memory = null; // used when localStorage refuses (private mode, quota)
      this.busy = false;
      this.delay = 0;
      this.nextAt = 0;
      this.timer = null;
      this.reachable = navigator.onLine;
      this.auth = null;
      this.kick = false;
      this.waiters = {}; // client_id -> resolve(outcome of its first attempt), for add()
      const self = this;
      // IndexedDB when the page loaded static/outbox-store.js and the browser has it; else localStorage
      this.store = window.ContestStore ? window.ContestStore.open(key) : null;
      this.list = null;
      this.ready = this.store ? this.openStore() : Promise.resolve();
      window.addEventListener("online", function () {
        self.delay = 0;
        self.nextAt = 0;
        if (self.busy) self.kick = true; // a send still in flight: go again as soon as it ends
        else self.flush();
      });
      window.addEventListener("offline", function () {
        self.reachable = false;
        self.changed();
      });
      window.addEventListener("storage", function (event) {
        if (event.key === self.key) self.changed();
      });
      window.setInterval(function () {
        if (!self.busy && self.pending().length && Date.now() >= self.nextAt) self.flush();
      }, 5000);
    }

    /* IndexedDB: read the box, add what only the localStorage copy holds (an older page's outbox, or a write the
       tab did not live to finish), then keep the list in memory. A submission found twice is harmless: the server
       stores a client_id once. */
    async openStore() {
      try {
        const kept = await this.store.load();
        const legacy = this.loadLocal();
        const ids = new Set(kept.map(function (e) { return e.id; }));
        const moved = legacy.filter(function (e) { return !ids.has(e.id); });
        this.list = kept.concat(moved); // from here on every change goes to IndexedDB (and its mirror)
        this.mirror(this.list);
        if (moved.length) await this.store.apply(moved, []);
        const self = this;
        this.store.onChange(function () {
          self.store.load().then(function (entries) {
            self.list = entries;
            self.changed();
          });
        });
      } catch (err) {
        this.store = null; // IndexedDB refused (private mode, old engine): localStorage as before
        this.list = null;
      }
      this.changed();
    }

    mirror(list) {
      try {
        window.localStorage.setItem(this.key, JSON.stringify(list));
        return true;
      } catch (err) {
        return false;
      }
    }

    load() {
      if (this.store && this.list) return this.list.slice();
      return this.loadLocal();
    }

    loadLocal() {
      if (this.memory) return this.memory.slice();
      try {
        const list = JSON.parse(window.localStorage.getItem(this.key) || "[]");
        return Array.isArray(list) ? list : [];
      } catch (err) {
        return [];
      }
    }

    save(list) {
      if (this.store && this.list) {
        const now = new Set(list.map(function (e) { return e.id; }));
        const gone = this.list.filter(function (e) { return !now.has(e.id); }).map(function (e) { return e.id; });
        this.list = list.slice();
        // localStorage is written at once (a tab closed a moment later keeps it); IndexedDB a moment later
        const mirrored = this.mirror(list);
        const store = this.store;
        const self = this;
        store.apply(JSON.parse(JSON.stringify(list)), gone).then(
          function () { store.changed(); },
          function () {
            if (!mirrored) self.memory = self.list.slice(); // kept nowhere but this tab: say so (volatile)
          }
        );
        return;
      }
      if (!this.memory) {
        try {
          window.localStorage.setItem(this.key, JSON.stringify(list));
          return;
        } catch (err) {
          this.memory = [];
        }
      }
      this.memory = list.slice();
    }

    get volatile() {
      return this.memory !== null;
    }

    entries() {
      return this.load();
    }

    pending() {
      return this.load().filter(function (e) { return e.state !== "failed"; });
    }

    /* Keep a submission (its client_id made when the judge confirmed) and try to send it now. */
    add(entry) {
      const list = this.load();
      list.push({
        id: entry.body.client_id,
        url: entry.url,
        body: entry.body,
        label: entry.label || "",
        shown: entry.shown || null, // [[criterion label, value], ...] for the list of what waits
        created: Date.now(),
        state: "waiting",
        error: null,
        attempts: 0,
      });
      this.save(list);
      this.changed();
      this.delay = 0;
      this.nextAt = 0;
      const self = this;
      const first = new Promise(function (resolve) { self.waiters[entry.body.client_id] = resolve; });
      if (this.busy) this.kick = true;
      else this.flush();
      return first; // "sent", "failed", "auth", "retry", or "queued" (not tried yet: another send was in flight)
    }

    settle(id, outcome) {
      const resolve = this.waiters[id];
      if (resolve) {
        delete this.waiters[id];
        resolve(outcome);
      }
    }

    update(id, change) {
      const list = this.load();
      const entry = list.find(function (e) { return e.id === id; });
      if (entry) {
        change(entry);
        this.save(list);
      }
    }

    remove(id) {
      this.save(this.load().filter(function (e) { return e.id !== id; }));
    }

    retry(id) {
      this.update(id, function (e) {
        e.state = "waiting";
        e.error = null;
      });
      this.delay = 0;
      this.nextAt = 0;
      this.changed();
      this.flush();
    }

    discard(id) {
      this.remove(id);
      this.changed();
    }

    changed() {
      if (this.hooks.onChange) this.hooks.onChange(this);
    }

    schedule() {
      this.delay = this.delay ? Math.min(MAX_DELAY, this.delay * 2) : 1000;
      const wait = this.delay + Math.floor(Math.random() * 500);
      this.nextAt = Date.now() + wait;
      const self = this;
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(function () { self.flush(); }, wait);
    }

    async flush() {
      if (this.busy) return;
      this.busy = true;
      window.clearTimeout(this.timer);
      this.changed();
      try {
        await this.ready;
        for (let guard = 0; guard < 1000; guard++) {
          const entry = this.load().find(function (e) { return e.state === "waiting"; });
          if (!entry) {
            this.delay = 0;
            break;
          }
          const outcome = await this.send(entry);
          if (outcome === "retry") {
            this.schedule();
            break;
          }
          if (outcome === "auth") {
            this.nextAt = Date.now() + MAX_DELAY;
            break;
          }
        }
      } finally {
        this.busy = false;
        if (!this.kick) {
          // submissions not tried in this run (the network is down, or an older one failed first) stay queued
          Object.keys(this.waiters).forEach(function (id) { this.settle(id, "queued"); }, this);
        }
        this.changed();
      }
      if (this.kick) {
        this.kick = false;
        this.delay = 0;
        this.nextAt = 0;
        this.flush();
      }
    }

    async send(entry) {
      const outcome = await this.sendOnce(entry);
      this.settle(entry.id, outcome);
      return outcome;
    }

    async sendOnce(entry) {
      this.update(entry.id, function (e) { e.attempts = (e.attempts || 0) + 1; });
      const result = await request("POST", entry.url, entry.body);
      if (result.status === 0) {
        this.reachable = false;
        return "retry";
      }
      this.reachable = true;
      if (result.status === 200 || result.status === 201) {
        this.remove(entry.id);
        this.auth = null;
        if (this.hooks.onAck) this.hooks.onAck(entry, result.body);
        return "sent";
      }
      if (result.status === 401 || (result.status === 403 && result.body && result.body.error && result.body.error.field === "csrf")) {
        this.auth = errorText(result);
        return "auth";
      }
      if (result.status >= 400 && result.status < 500 && result.status !== 408 && result.status !== 429) {
        const error = (result.body && result.body.error) || { message: "HTTP " + result.status };
        this.update(entry.id, function (e) {
          e.state = "failed";
          e.error = { status: result.status, message: error.message || "", field: error.field || "" };
        });
        if (this.hooks.onFail) this.hooks.onFail(entry, error);
        return "failed";
      }
      return "retry"; // 5xx, 408, 429: the server may be restarting; try again later
    }

    state() {
      if (!navigator.onLine || !this.reachable) return "offline";
      if (this.busy && this.pending().length) return "syncing";
      return "online";
    }
  }

  /* The status pill, the count and the list of what waits; shared by both pages. */
  function outboxView(outbox, options) {
    const net = $("net");
    const count = $("outbox-count");
    const toggle = $("outbox-toggle");
    const panel = $("outbox");
    const list = $("outbox-list");
    // how a refusal reads next to its entry: the page's own wording (the judge's page), else the server's message
    const describe = (options && options.describe) || function (error) {
      return t("server_said", { message: error.field ? error.message + " (" + t("field", { field: error.field }) + ")" : error.message });
    };
    // refused submissions are counted apart from those waiting ("被拒绝 1"), so the header never reads 0 while
    // one still needs the judge
    let refusedBadge = $("outbox-refused");
    if (!refusedBadge) {
      refusedBadge = el("b", { id: "outbox-refused", class: "refused-count", hidden: true });
      toggle.append(refusedBadge);
    }
    toggle.addEventListener("click", function () {
      panel.hidden = !panel.hidden;
      toggle.setAttribute("aria-expanded", panel.hidden ? "false" : "true");
    });
    $("outbox-close").addEventListener("click", function () {
      panel.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
    });
    return function render() {
      const state = outbox.state();
      net.dataset.state = state;
      net.textContent = t(state === "offline" ? (navigator.onLine ? "unreachable" : "offline") : state);
      const entries = outbox.entries();
      const waiting = entries.filter(function (e) { return e.state !== "failed"; }).length;
      const failed = entries.length - waiting;
      count.textContent = String(waiting);
      toggle.dataset.waiting = String(waiting);
      toggle.dataset.failed = String(failed);
      refusedBadge.hidden = !failed;
      refusedBadge.textContent = failed ? t("refused_count", { n: failed }) : "";
      $("outbox-auth").hidden = !outbox.auth;
      $("outbox-auth").textContent = outbox.auth ? t("auth_lost") + " (" + outbox.auth + ")" : "";
      $("outbox-storage").hidden = !outbox.volatile;
      $("outbox-empty").hidden = entries.length > 0;
      clear(list);
      entries.forEach(function (entry) {
        const failedEntry = entry.state === "failed";
        const pairs = entry.shown || Object.keys(entry.body.values).map(function (k) { return [k, entry.body.values[k]]; });
        const values = pairs.map(function (pair) { return pair[0] + " " + pair[1]; }).join(" · ");
        const item = el(
          "li",
          { class: "outbox-entry " + (failedEntry ? "failed" : "waiting"), dataset: { id: entry.id } },
          el("div", { class: "outbox-label" }, el("strong", { text: entry.label }), el("span", { class: "muted", text: values })),
          el("div", { class: "outbox-state", text: failedEntry ? t("refused") : outbox.busy ? t("sending") : t("waiting") })
        );
        if (failedEntry && entry.error) {
          item.append(el("p", { class: "error", text: describe(entry.error) }));
          item.append(
            el(
              "div",
              { class: "outbox-actions" },
              el("button", { type: "button", class: "secondary", text: t("retry"), onclick: function () { outbox.retry(entry.id); } }),
              el("button", {
                type: "button",
                class: "ghost danger-text",
                text: t("discard"),
                onclick: function () {
                  if (window.confirm(t("discard_confirm"))) outbox.discard(entry.id);
                },
              })
            )
          );
        }
        list.append(item);
      });
    };
  }


  /* One item's values as the page shows them: the server's, overlaid with what still waits in the outbox for
     these criteria. `failed` when the server refused a waiting entry. */
  function valuesWithOutbox(outbox, round, code, item, keys, server) {
    const values = {};
    Object.keys(server).forEach(function (k) { values[k] = Dec.normalize(server[k]) || server[k]; });
    let pending = false;
    let failed = false;
    outbox.entries().forEach(function (entry) {
      const b = entry.body;
      if (b.round !== round || b.entrant !== code || b.item !== item) return;
      if (!keys.some(function (k) { return Object.prototype.hasOwnProperty.call(b.values, k); })) return;
      if (entry.state === "failed") {
        failed = true;
        return;
      }
      pending = true;
      keys.forEach(function (k) {
        if (Object.prototype.hasOwnProperty.call(b.values, k)) values[k] = b.values[k];
      });
    });
    return { values: values, pending: pending, failed: failed };
  }

  Object.assign(window.Contest, { Outbox: Outbox, outboxView: outboxView, valuesWithOutbox: valuesWithOutbox });
})();
