/* Shared by the judge's and the chief judge's pages (no build step, no libraries).
 *
 * - el(): builds DOM nodes; text goes in through textContent only, never innerHTML.
 * - t(): the page's translated texts (rendered by the server into <script type="application/json">).
 * - Dec: exact decimals on BigInt (scores travel as strings such as "8.5"; no binary floats).
 * - control(): the touch control for one criterion: a row of buttons or a stepper, respecting min/max/step.
 * - Outbox: submissions kept in IndexedDB (when the page loads static/outbox-store.js; else localStorage) with
 *   their client_id until the server answers 200 or 201; add() resolves with the first attempt's outcome;
 *   resent when the network returns (online event, and a timer with backoff) with the same client_id, so the
 *   server never stores one twice. A 4xx answer stops that entry and shows the server's message next to it.
 */
(function () {
  "use strict";

  function readJson(id) {
    const node = document.getElementById(id);
    if (!node) return {};
    try {
      return JSON.parse(node.textContent || "{}");
    } catch (err) {
      return {};
    }
  }

  const data = readJson("page-data");
  const messages = Object.assign({}, readJson("messages-common"), readJson("messages"));

  function t(key, params) {
    let text = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key;
    if (text && typeof text === "object") {
      // a counted text (the server's plural(): {"one", "other", "by"}): the form for the count named by `by`
      text = params && Number(params[text.by]) === 1 ? text.one : text.other;
    }
    if (params) {
      for (const name of Object.keys(params)) {
        text = text.split("{" + name + "}").join(String(params[name]));
      }
    }
    return text;
  }

  function el(tag, props) {
    const node = document.createElement(tag);
    if (props) {
      for (const key of Object.keys(props)) {
        const value = props[key];
        if (value === null || value === undefined || value === false) continue;
        if (key === "text") node.textContent = String(value);
        else if (key === "class") node.className = value;
        else if (key === "dataset") Object.assign(node.dataset, value);
        else if (key.slice(0, 2) === "on" && typeof value === "function") node.addEventListener(key.slice(2), value);
        else if (value === true) node.setAttribute(key, "");
        else node.setAttribute(key, String(value));
      }
    }
    for (let i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) {
      child.forEach(function (c) { append(node, c); });
      return;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function $(id) {
    return document.getElementById(id);
  }

  /* A random client_id: crypto.randomUUID where the browser offers it (secure contexts), else a v4 UUID from
     crypto.getRandomValues (venue Wi-Fi is usually plain HTTP, where randomUUID is missing). */
  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // -- exact decimals ----------------------------------------------------------------------------------------

  const Dec = {
    parse: function (text) {
      const m = /^\s*([-+]?)(\d*)(?:[.,](\d*))?\s*$/.exec(String(text === null || text === undefined ? "" : text));
      if (!m || (m[2] === "" && (m[3] === undefined || m[3] === ""))) return null;
      const frac = m[3] || "";
      return { n: BigInt((m[1] === "-" ? "-" : "") + ((m[2] || "0") + frac)), s: frac.length };
    },
    align: function (a, b) {
      const s = Math.max(a.s, b.s);
      return [a.n * 10n ** BigInt(s - a.s), b.n * 10n ** BigInt(s - b.s), s];
    },
    add: function (a, b) {
      const x = Dec.align(a, b);
      return { n: x[0] + x[1], s: x[2] };
    },
    sub: function (a, b) {
      const x = Dec.align(a, b);
      return { n: x[0] - x[1], s: x[2] };
    },
    mul: function (a, b) {
      return { n: a.n * b.n, s: a.s + b.s };
    },
    times: function (a, k) {
      return { n: a.n * BigInt(k), s: a.s };
    },
    cmp: function (a, b) {
      const x = Dec.align(a, b);
      return x[0] < x[1] ? -1 : x[0] > x[1] ? 1 : 0;
    },
    // how many whole steps from min to v (v on the step grid)
    stepsFrom: function (v, min, step) {
      const x = Dec.align(Dec.sub(v, min), step);
      return x[1] === 0n ? 0n : x[0] / x[1];
    },
    onStep: function (v, min, step) {
      const x = Dec.align(Dec.sub(v, min), step);
      return x[1] === 0n || x[0] % x[1] === 0n;
    },
    format: function (a) {
      let n = a.n;
      let s = a.s;
      while (s > 0 && n % 10n === 0n) {
        n /= 10n;
        s--;
      }
      const negative = n < 0n;
      const digits = (negative ? -n : n).toString().padStart(s + 1, "0");
      const text = s ? digits.slice(0, digits.length - s) + "." + digits.slice(digits.length - s) : digits;
      return (negative && n !== 0n ? "-" : "") + text;
    },
    // exactly `places` decimals, half away from zero (as the server rounds totals): 80.775 -> "80.78", 80 -> "80.00"
    fixed: function (a, places) {
      let n = a.n;
      let s = a.s;
      if (s > places) {
        const unit = 10n ** BigInt(s - places);
        const negative = n < 0n;
        let q = (negative ? -n : n) / unit;
        if (((negative ? -n : n) % unit) * 2n >= unit) q += 1n;
        n = negative ? -q : q;
        s = places;
      }
      n *= 10n ** BigInt(places - s);
      const negative = n < 0n;
      const digits = (negative ? -n : n).toString().padStart(places + 1, "0");
      const text = places ? digits.slice(0, digits.length - places) + "." + digits.slice(digits.length - places) : digits;
      return (negative ? "-" : "") + text;
    },
    normalize: function (text) {
      const d = Dec.parse(text);
      return d ? Dec.format(d) : null;
    },
    same: function (a, b) {
      const x = Dec.parse(a);
      const y = Dec.parse(b);
      return !!x && !!y && Dec.cmp(x, y) === 0;
    },
  };

  /* Why `text` cannot be a value of `criterion`, or "" when it can (the server checks again: it decides). */
  function problemWith(criterion, text) {
    const label = criterion.label;
    if (text === null || text === undefined || text === "") return t("missing_value", { label: label });
    const v = Dec.parse(text);
    if (!v) return t("not_number", { label: label });
    const min = Dec.parse(criterion.min);
    const max = Dec.parse(criterion.max);
    if (Dec.cmp(v, min) < 0 || Dec.cmp(v, max) > 0) {
      return t("out_of_range", { label: label, min: criterion.min, max: criterion.max });
    }
    if (criterion.step && !Dec.onStep(v, min, Dec.parse(criterion.step))) {
      return t("off_step", { label: label, step: criterion.step, min: criterion.min });
    }
    return "";
  }

  // -- the control of one criterion --------------------------------------------------------------------------

  /* Returns {node, set(value)}; calls onChange(value or "") whenever the judge changes it. */
  function control(criterion, value, onChange, disabled) {
    if (criterion.choices) return choiceRow(criterion, value, onChange, disabled);
    return stepper(criterion, value, onChange, disabled);
  }

  function choiceRow(criterion, value, onChange, disabled) {
    const row = el("div", { class: "choices", role: "radiogroup", "aria-label": criterion.label });
    const buttons = criterion.choices.map(function (choice) {
      const button = el("button", {
        type: "button",
        class: "choice",
        role: "radio",
        "aria-checked": "false",
        disabled: !!disabled,
        dataset: { value: choice },
        text: choice,
      });
      button.addEventListener("click", function () {
        set(choice);
        onChange(choice);
      });
      row.append(button);
      return button;
    });
    if (criterion.choices.length > 6) row.classList.add("many");
    function set(v) {
      buttons.forEach(function (b) {
        const on = v !== "" && v !== null && v !== undefined && Dec.same(b.dataset.value, v);
        b.setAttribute("aria-checked", on ? "true" : "false");
        b.classList.toggle("selected", on);
      });
    }
    set(value);
    return { node: row, set: set };
  }

  function stepper(criterion, value, onChange, disabled) {
    const min = Dec.parse(criterion.min);
    const max = Dec.parse(criterion.max);
    const span = Dec.sub(max, min);
    const step = criterion.step ? Dec.parse(criterion.step) : Dec.cmp(span, Dec.parse("10")) >= 0 ? Dec.parse("1") : Dec.parse("0.1");
    const coarse = criterion.coarse ? Dec.parse(criterion.coarse) : null;
    const input = el("input", {
      type: "text",
      inputmode: "decimal",
      autocomplete: "off",
      class: "stepper-value",
      "aria-label": criterion.label,
      disabled: !!disabled,
    });
    function startValue() {
      // where an empty field starts: the criterion's default when it has one, else the middle of the range; it is
      // shown in the empty field, and the first tap steps from it (+0.5 from 5 gives 5.5)
      if (criterion.default && problemWith(criterion, criterion.default) === "") return Dec.parse(criterion.default);
      const steps = Dec.stepsFrom(max, min, step);
      return Dec.add(min, Dec.times(step, steps / 2n));
    }
    function clamp(d) {
      if (Dec.cmp(d, min) < 0) return min;
      if (Dec.cmp(d, max) > 0) return max;
      return d;
    }
    function move(by, sign) {
      const current = Dec.parse(input.value) || startValue();
      let base = current;
      if (criterion.step && !Dec.onStep(current, min, step)) {
        base = Dec.add(min, Dec.times(step, Dec.stepsFrom(current, min, step)));
      }
      const next = clamp(sign > 0 ? Dec.add(base, by) : Dec.sub(base, by));
      input.value = Dec.format(next);
      changed();
    }
    function changed() {
      input.classList.toggle("invalid", input.value !== "" && problemWith(criterion, input.value) !== "");
      onChange(input.value.trim().replace(",", "."));
    }
    input.placeholder = disabled ? t("empty_value") : Dec.format(startValue());
    input.addEventListener("input", changed);
    function button(text, by, sign, extra, label) {
      const b = el("button", { type: "button", class: "step " + extra, disabled: !!disabled, "aria-label": label, text: text });
      b.addEventListener("click", function () { move(by, sign); });
      return b;
    }
    const parts = [];
    if (coarse) parts.push(button("−" + Dec.format(coarse), coarse, -1, "coarse", t("stepper_down") + " " + Dec.format(coarse)));
    parts.push(button("−", step, -1, "fine", t("stepper_down") + " " + Dec.format(step)));
    parts.push(input);
    parts.push(button("+", step, 1, "fine", t("stepper_up") + " " + Dec.format(step)));
    if (coarse) parts.push(button("+" + Dec.format(coarse), coarse, 1, "coarse", t("stepper_up") + " " + Dec.format(coarse)));
    const node = el("div", { class: "stepper" + (coarse ? " with-coarse" : "") }, parts);
    function set(v) {
      input.value = v === null || v === undefined ? "" : String(v);
      input.classList.remove("invalid");
    }
    set(value);
    return { node: node, set: set };
  }

  // -- talking to the server ---------------------------------------------------------------------------------

  let csrf = data.csrf || "";

  async function refreshCsrf() {
    const response = await fetch(data.urls.session, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return false;
    const body = await response.json();
    csrf = body.csrf || csrf;
    return true;
  }

  /* fetch JSON; resolves {status, body} (status 0: no network), never throws. */
  async function request(method, url, body, retried) {
    // the server answers errors in the page's language
    const headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang || "zh-CN" };
    const options = { method: method, credentials: "same-origin", cache: "no-store", headers: headers };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    if (method !== "GET") options.headers["X-CSRF-Token"] = csrf;
    let response;
    try {
      response = await fetch(url, options);
    } catch (err) {
      return { status: 0, body: null };
    }
    let parsed = null;
    try {
      parsed = await response.json();
    } catch (err) {
      parsed = null;
    }
    if (response.status === 403 && parsed && parsed.error && parsed.error.field === "csrf" && !retried) {
      // the session's form token changed (signed in again in another tab): fetch it and try once more
      if (await refreshCsrf().catch(function () { return false; })) return request(method, url, body, true);
    }
    return { status: response.status, body: parsed };
  }

  function errorText(result) {
    if (result.status === 0) return t("unreachable");
    const error = result.body && result.body.error;
    if (!error) return "HTTP " + result.status;
    return error.field ? error.message + " (" + t("field", { field: error.field }) + ")" : error.message;
  }

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

  /* The confirm dialog: resolves the reason ("" when none was asked) or null when the judge went back. */
  function confirmDialog(options) {
    const dialog = $("confirm");
    const form = $("confirm-form");
    const reasonWrap = $("reason-wrap");
    const reason = $("reason");
    const error = $("confirm-error");
    $("confirm-title").textContent = options.title;
    $("confirm-sub").textContent = options.sub || "";
    const values = $("confirm-values");
    clear(values);
    (options.rows || []).forEach(function (row) {
      values.append(el("dt", { text: row[0] }), el("dd", { text: row[1] }));
    });
    values.hidden = !(options.rows || []).length;
    reasonWrap.hidden = !options.reason;
    const label = $("reason-label");
    if (label) {
      if (!label.dataset.text) label.dataset.text = label.firstChild.textContent;
      label.firstChild.textContent = (options.reasonLabel || label.dataset.text.trim()) + " ";
      label.classList.toggle("optional", options.reason !== "required");
    }
    reason.value = "";
    error.textContent = "";
    $("confirm-ok").textContent = options.ok || t("submit");
    const cancel = $("confirm-cancel");
    if (!cancel.dataset.text) cancel.dataset.text = cancel.textContent;
    cancel.textContent = options.cancel || cancel.dataset.text;
    $("confirm-ok").className = "big " + (options.danger ? "danger" : "primary");
    return new Promise(function (resolve) {
      function done(result) {
        form.removeEventListener("submit", onSubmit);
        $("confirm-cancel").removeEventListener("click", onCancel);
        dialog.removeEventListener("cancel", onCancel);
        if (dialog.open) dialog.close();
        resolve(result);
      }
      function onSubmit(event) {
        event.preventDefault();
        const text = reason.value.trim();
        if (options.reason === "required" && !text) {
          error.textContent = options.reasonMissing || t("reason_required");
          reason.focus();
          return;
        }
        done(text);
      }
      function onCancel(event) {
        if (event) event.preventDefault();
        done(null);
      }
      form.addEventListener("submit", onSubmit);
      $("confirm-cancel").addEventListener("click", onCancel);
      dialog.addEventListener("cancel", onCancel);
      dialog.showModal();
      if (options.reason) reason.focus();
      else $("confirm-ok").focus();
    });
  }

  function storageGet(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (err) {
      return null;
    }
  }

  function storageSet(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (err) {
      /* a saved copy is a convenience only */
    }
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

  window.Contest = {
    valuesWithOutbox: valuesWithOutbox,
    data: data,
    t: t,
    el: el,
    clear: clear,
    $: $,
    uuid: uuid,
    Dec: Dec,
    problemWith: problemWith,
    control: control,
    request: request,
    errorText: errorText,
    Outbox: Outbox,
    outboxView: outboxView,
    confirmDialog: confirmDialog,
    storageGet: storageGet,
    storageSet: storageSet,
  };
})();
