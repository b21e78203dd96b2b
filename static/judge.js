/* The judge's tablet: pick a round, tap an entrant, score each criterion, confirm, and on to the next one.
 * Submissions go through the outbox (common.js), so they survive Wi-Fi drops and are each stored once. */
(function () {
  "use strict";

  const C = window.Contest;
  const data = C.data;
  const t = C.t;
  const el = C.el;
  const $ = C.$;
  const Dec = C.Dec;
  const slug = data.contest.slug;
  const me = data.judge.code;

  const state = {
    round: initialRound(),
    queue: null, // the server's answer for state.round
    saved: false, // true: the queue shown is the copy kept on this tablet (offline)
    error: "",
    entrant: null, // the code being scored
    item: 1,
    draft: {}, // criterion key -> value text
    refusal: "", // the server refused this form's submission: what happened and what to do
  };

  const outbox = new C.Outbox("contest-outbox:" + slug + ":" + me, {
    onChange: function () {
      renderOutbox();
      renderQueue();
    },
    onAck: function (entry) {
      remember(entry.body);
      dropSuperseded(entry.body);
      reloadSoon();
    },
    onFail: function (entry) {
      classify(entry);
    },
  });
  const renderOutbox = C.outboxView(outbox, { describe: refusalText });

  function initialRound() {
    const wanted = new URLSearchParams(window.location.search).get("round");
    const keys = data.rounds.map(function (r) { return r.key; });
    return keys.indexOf(wanted) >= 0 ? wanted : data.round;
  }

  function cacheKey(round) {
    return "contest-queue:" + slug + ":" + me + ":" + round;
  }

  // -- what the judge has given: the server's values, then what still waits in the outbox ----------------------

  /* The judged criteria of an entrant's item this judge marks: those assigned (an aspect team, 评委分组), else all. */
  function judgedKeys(code, item) {
    if (!state.queue) return [];
    const entrant = code ? entrantOf(code) : null;
    if (entrant && entrant.assigned) return entrant.assigned[String(item)] || [];
    return state.queue.round.criteria.map(function (c) { return c.key; });
  }

  function criteriaOf(code, item) {
    const keys = judgedKeys(code, item);
    return state.queue.round.criteria.filter(function (c) { return keys.indexOf(c.key) >= 0; });
  }

  function entrantOf(code) {
    return state.queue ? state.queue.entrants.find(function (e) { return e.code === code; }) || null : null;
  }

  function valuesOf(code, item) {
    const entrant = entrantOf(code);
    const server = (entrant && entrant.items[String(item)]) || {};
    return C.valuesWithOutbox(outbox, state.round, code, item, judgedKeys(code, item), server);
  }

  /* The items of an entrant this judge marks: those assigned to them (评委分组), else every item of the round. */
  function itemsOf(code) {
    const entrant = entrantOf(code);
    if (entrant && entrant.assigned) {
      return Object.keys(entrant.assigned).map(Number).sort(function (a, b) { return a - b; });
    }
    const all = [];
    for (let i = 1; i <= state.queue.round.items; i++) all.push(i);
    return all;
  }

  function itemDone(code, item) {
    const values = valuesOf(code, item).values;
    return judgedKeys(code, item).every(function (k) { return values[k] !== undefined; });
  }

  function entrantStatus(entrant) {
    const own = itemsOf(entrant.code);
    const items = own.length;
    let done = 0;
    let pending = false;
    let failed = false;
    own.forEach(function (i) {
      const v = valuesOf(entrant.code, i);
      pending = pending || v.pending;
      failed = failed || v.failed;
      if (judgedKeys(entrant.code, i).every(function (k) { return v.values[k] !== undefined; })) done++;
    });
    let kind = "todo";
    if (failed) kind = "failed";
    else if (pending) kind = "pending";
    else if (done === items) kind = "done";
    else if (done) kind = "partial";
    return { kind: kind, done: done, items: items };
  }

  /* An acknowledged submission becomes part of the queue at once (the next reload confirms it). */
  function remember(body) {
    [state.queue, C.storageGet(cacheKey(body.round))].forEach(function (queue, index) {
      if (!queue || queue.round.key !== body.round) return;
      const entrant = queue.entrants.find(function (e) { return e.code === body.entrant; });
      if (!entrant) return;
      const key = String(body.item);
      entrant.items[key] = Object.assign({}, entrant.items[key] || {}, body.values);
      if (body.reason) entrant.corrected = true;
      if (index === 1) C.storageSet(cacheKey(body.round), queue);
    });
  }

  // -- refusals (static/judge-refusals.js): what happened and what to do, in the judge's words ----------------

  function classify(entry) {
    return C.refusalKind(outbox, entry, data.urls.queue, function (round, queue) {
      C.storageSet(cacheKey(round), queue);
      if (round === state.round) {
        state.queue = queue;
        state.saved = false;
      }
    }).then(function (kind) {
      renderRounds();
      renderQueue();
      renderSheet();
      renderOutbox();
      return kind;
    });
  }

  function refusalText(error) {
    return C.refusalText(error);
  }

  function dropSuperseded(body) {
    C.dropSuperseded(outbox, body);
  }

  // -- loading -------------------------------------------------------------------------------------------------

  let reloadTimer = null;

  function reloadSoon() {
    window.clearTimeout(reloadTimer);
    reloadTimer = window.setTimeout(function () { loadQueue(false); }, 600);
  }

  async function loadQueue(fresh) {
    const round = state.round;
    const result = await C.request("GET", data.urls.queue + "?round=" + encodeURIComponent(round));
    if (round !== state.round) return; // another round was picked meanwhile
    const before = state.queue ? state.queue.round.status + "/" + state.queue.round.on_panel : "";
    if (result.status === 200) {
      state.queue = result.body;
      state.saved = false;
      state.error = "";
      C.storageSet(cacheKey(round), result.body);
    } else {
      const copy = C.storageGet(cacheKey(round));
      if (!state.queue && copy) {
        state.queue = copy;
        state.saved = true;
      }
      state.error = result.status === 0 ? "" : C.errorText(result);
      if (result.status === 401) outbox.auth = C.errorText(result);
    }
    renderRounds();
    renderQueue();
    const after = state.queue ? state.queue.round.status + "/" + state.queue.round.on_panel : "";
    if (fresh || before !== after || (state.entrant && !entrantOf(state.entrant))) {
      if (state.entrant && !entrantOf(state.entrant)) state.entrant = null;
      renderSheet();
    }
    renderOutbox();
  }

  function selectRound(key) {
    if (key === state.round) return;
    state.round = key;
    state.queue = C.storageGet(cacheKey(key));
    state.saved = !!state.queue;
    state.entrant = null;
    state.draft = {};
    const url = new URL(window.location.href);
    url.searchParams.set("round", key);
    url.searchParams.delete("lang");
    window.history.replaceState(null, "", url.pathname + url.search);
    renderRounds();
    renderQueue();
    renderSheet();
    loadQueue(true);
  }

  // -- drawing -------------------------------------------------------------------------------------------------

  function renderRounds() {
    document.querySelectorAll("#rounds .round-tab").forEach(function (button) {
      const on = button.dataset.round === state.round;
      button.classList.toggle("selected", on);
      button.setAttribute("aria-current", on ? "true" : "false");
      if (on && state.queue && state.queue.round.key === state.round) {
        button.dataset.status = state.queue.round.status;
        const label = button.querySelector(".round-state");
        if (label) label.textContent = t(state.queue.round.status === "locked" ? "status_locked" : "status_open");
      }
    });
  }

  function statusText(entrant, status) {
    if (status.kind === "failed") return t("status_failed");
    if (status.kind === "pending") return t("status_pending");
    if (status.kind === "done") return entrant.corrected ? t("status_corrected") : t("status_done");
    if (status.kind === "partial") return t("status_partial", { done: status.done, items: status.items });
    return t("status_todo");
  }

  function whoOf(entrant) {
    if (entrant.name === undefined) return "";
    return [entrant.name, entrant.organization].filter(Boolean).join(" · ");
  }

  function renderQueue() {
    const list = $("queue-list");
    const note = $("queue-note");
    C.clear(list);
    if (!state.queue) {
      note.hidden = !state.error;
      note.textContent = state.error ? t("load_failed", { message: state.error }) : "";
      $("queue-count").textContent = "";
      return;
    }
    const q = state.queue;
    let text = "";
    if (state.error) text = t("load_failed", { message: state.error });
    else if (!q.round.judged) text = t("nothing_to_score");
    else if (!q.round.on_panel) text = t("not_on_panel");
    else if (!q.entrants.length) text = t("no_entrants");
    else if (state.saved) text = t("saved_copy");
    note.hidden = !text;
    note.textContent = text;
    let scored = 0;
    q.entrants.forEach(function (entrant) {
      const status = entrantStatus(entrant);
      if (status.done === status.items) scored++;
      const current = entrant.code === state.entrant;
      const dots = [];
      if (status.items > 1) {
        itemsOf(entrant.code).forEach(function (i) {
          dots.push(el("span", { class: "dot" + (itemDone(entrant.code, i) ? " on" : ""), "aria-hidden": "true" }));
        });
      }
      const button = el(
        "button",
        {
          type: "button",
          class: "entrant " + status.kind + (current ? " current" : ""),
          "aria-current": current ? "true" : null,
          dataset: { code: entrant.code, status: status.kind },
          onclick: function () { openEntrant(entrant.code); },
        },
        el("span", { class: "entrant-code", text: entrant.code }),
        whoOf(entrant) ? el("span", { class: "entrant-name", text: whoOf(entrant) }) : null,
        el("span", { class: "entrant-status", text: statusText(entrant, status) }),
        dots.length ? el("span", { class: "dots" }, dots) : null
      );
      list.append(el("li", null, button));
    });
    $("queue-count").textContent = t("scored_count", { done: scored, total: q.entrants.length });
  }

  function openEntrant(code, item) {
    if (!entrantOf(code)) return;
    const own = itemsOf(code);
    let chosen = item;
    if (!chosen) {
      chosen = own.find(function (i) { return !itemDone(code, i); }) || own[0] || 1;
    }
    state.entrant = code;
    state.item = chosen;
    state.draft = Object.assign({}, valuesOf(code, chosen).values);
    state.refusal = "";
    renderQueue();
    renderSheet();
    // the form opens at its top: its first criterion in view, whatever was scrolled for the previous entrant
    $("criteria").scrollTop = 0;
    const form = $("sheet-form");
    if (window.innerWidth < 821 || window.innerHeight < 560) {
      window.scrollTo(0, Math.max(0, form.getBoundingClientRect().top + window.scrollY - 8));
    }
  }

  function allDone() {
    return !!state.queue && state.queue.entrants.length > 0 && state.queue.entrants.every(function (e) {
      const s = entrantStatus(e);
      return s.done === s.items;
    });
  }

  function rangeText(c) {
    return c.step ? t("range", { min: c.min, max: c.max, step: c.step }) : t("range_any", { min: c.min, max: c.max });
  }

  function renderSheet() {
    const form = $("sheet-form");
    const empty = $("sheet-empty");
    const entrant = state.entrant ? entrantOf(state.entrant) : null;
    if (!entrant) {
      form.hidden = true;
      empty.hidden = false;
      empty.textContent = allDone() ? t("all_done") : t("pick_entrant");
      return;
    }
    const q = state.queue;
    const locked = q.round.status === "locked";
    const readOnly = locked || !q.round.on_panel;
    form.hidden = false;
    empty.hidden = true;
    $("sheet-round").textContent = q.round.label + (q.round.items > 1 ? " · " + t("item_n", { n: state.item }) : "");
    $("sheet-entrant").textContent = entrant.code;
    $("sheet-who").textContent = whoOf(entrant);
    $("sheet-who").hidden = !whoOf(entrant);

    const items = $("sheet-items");
    C.clear(items);
    const own = itemsOf(entrant.code);
    items.hidden = own.length < 2;
    own.forEach(function (i) {
      const on = i === state.item;
      items.append(
        el("button", {
          type: "button",
          role: "tab",
          class: "item-tab" + (on ? " selected" : "") + (itemDone(entrant.code, i) ? " done" : ""),
          "aria-selected": on ? "true" : "false",
          text: t("item_n", { n: i }),
          onclick: function () { openEntrant(entrant.code, i); },
        })
      );
    });

    const lockedNote = $("sheet-locked");
    lockedNote.hidden = !locked;
    lockedNote.textContent = locked ? t("round_locked") : "";

    const box = $("criteria");
    C.clear(box);
    criteriaOf(state.entrant, state.item).forEach(function (c) {
      const value = state.draft[c.key] === undefined ? "" : state.draft[c.key];
      const control = C.control(
        c,
        value,
        function (v) {
          if (v === "") delete state.draft[c.key];
          else state.draft[c.key] = v;
          $("form-error").textContent = "";
          state.refusal = "";
          card.classList.remove("has-error");
          renderPreview();
        },
        readOnly
      );
      const card = el(
        "div",
        { class: "criterion", dataset: { key: c.key } },
        el("div", { class: "criterion-head" }, el("h3", { text: c.label }), el("span", { class: "range", text: rangeText(c) })),
        c.description ? el("p", { class: "description", text: c.description }) : null,
        control.node
      );
      box.append(card);
    });
    const correction = isCorrection();
    const submit = $("submit");
    submit.textContent = correction ? t("submit_correction") : t("submit");
    submit.disabled = readOnly;
    submit.classList.toggle("correction", correction);
    $("form-error").textContent = state.refusal || "";
    renderPreview();
  }

  function isCorrection() {
    const before = valuesOf(state.entrant, state.item).values;
    return judgedKeys(state.entrant, state.item).some(function (k) { return before[k] !== undefined; });
  }

  function renderPreview() {
    const q = state.queue;
    if (!q) return;
    const keys = judgedKeys(state.entrant, state.item);
    const weights = q.round.weights;
    const valid = {};
    criteriaOf(state.entrant, state.item).forEach(function (c) {
      const v = state.draft[c.key];
      if (v !== undefined && v !== "" && !C.problemWith(c, v)) valid[c.key] = Dec.parse(v);
    });
    let shown;
    if (weights) {
      let total = Dec.parse("0");
      Object.keys(weights).forEach(function (k) {
        if (valid[k]) total = Dec.add(total, Dec.mul(Dec.parse(weights[k]), valid[k]));
      });
      const complete = keys.every(function (k) { return valid[k]; });
      // exactly the contest's decimals, rounded as the server rounds totals
      const places = data.contest.decimals;
      const text = typeof places === "number" ? Dec.fixed(total, places) : Dec.format(total);
      shown = Object.keys(valid).length ? text + (complete ? "" : " …") : t("empty_value");
      $("preview-label").textContent = t("preview_total");
    } else {
      shown = keys.map(function (k) { return valid[k] ? Dec.format(valid[k]) : t("empty_value"); }).join(" · ");
      $("preview-label").textContent = t("preview_values");
    }
    $("preview").textContent = shown;
    $("preview-note").textContent = t("preview_note");
  }

  // -- submitting ----------------------------------------------------------------------------------------------

  async function submit(event) {
    event.preventDefault();
    const q = state.queue;
    const code = state.entrant;
    const item = state.item;
    if (!q || !code || q.round.status === "locked" || !q.round.on_panel) return;
    const keys = judgedKeys(code, item);
    for (const c of criteriaOf(code, item)) {
      const why = C.problemWith(c, state.draft[c.key]);
      if (why) {
        $("form-error").textContent = why;
        const card = document.querySelector('.criterion[data-key="' + CSS.escape(c.key) + '"]');
        if (card) {
          card.classList.add("has-error");
          card.scrollIntoView({ behavior: "smooth", block: "center" });
        }
        return;
      }
    }
    const before = valuesOf(code, item).values;
    const correction = keys.some(function (k) { return before[k] !== undefined; });
    if (correction && keys.every(function (k) { return before[k] !== undefined && Dec.same(before[k], state.draft[k]); })) {
      $("form-error").textContent = t("no_change");
      return;
    }
    const rows = criteriaOf(code, item).map(function (c) {
      const now = Dec.normalize(state.draft[c.key]);
      const old = before[c.key];
      return [c.label, old !== undefined && !Dec.same(old, now) ? old + " → " + now : now];
    });
    const reason = await C.confirmDialog({
      title: t(correction ? "correction_title" : "confirm_title", { entrant: code }),
      sub: t("confirm_item", { round: q.round.label, n: item }),
      rows: rows,
      reason: correction ? "required" : null,
      ok: correction ? t("submit_correction") : t("submit"),
    });
    if (reason === null) return;
    const values = {};
    keys.forEach(function (k) { values[k] = Dec.normalize(state.draft[k]); });
    // the judge travels with the mark: if another judge signs in on this tablet before it is sent, the server
    // refuses it (403) instead of storing it as theirs
    const body = { entrant: code, round: q.round.key, item: item, values: values, client_id: C.uuid(), judge: me };
    if (correction) body.reason = reason;
    const label = code + " · " + q.round.label + (q.round.items > 1 ? " · " + t("item_n", { n: item }) : "");
    const shown = criteriaOf(code, item).map(function (c) { return [c.label, values[c.key]]; });
    const button = $("submit");
    button.disabled = true;
    button.textContent = t("sending");
    // wait for the server's first answer (a few seconds at most): a refusal keeps the judge on this form
    const outcome = await Promise.race([
      outbox.add({ url: data.urls.marks, body: body, label: label, shown: shown }),
      new Promise(function (resolve) { window.setTimeout(function () { resolve("slow"); }, 6000); }),
    ]);
    if (outcome === "failed") {
      const entry = outbox.entries().find(function (e) { return e.id === body.client_id; });
      const kind = entry ? await classify(entry) : "other";
      const error = Object.assign({}, (entry && entry.error) || {}, { kind: kind });
      if (state.entrant === code && state.item === item) {
        state.refusal = refusalText(error);
        renderSheet(); // the round may be locked now: the form turns read-only and says so
        const message = $("form-error");
        if (message.scrollIntoView) message.scrollIntoView({ block: "nearest" });
      }
      return;
    }
    button.disabled = false;
    if (state.entrant === code && state.item === item) goNext(code, item);
  }

  /* The next item of this entrant not yet scored, else the next entrant not done, else the all-done note. */
  function goNext(code, item) {
    const q = state.queue;
    const own = itemsOf(code);
    const at0 = own.indexOf(item);
    for (let k = 1; k < own.length; k++) {
      const i = own[(at0 + k) % own.length];
      if (!itemDone(code, i)) return openEntrant(code, i);
    }
    const list = q.entrants;
    const at = list.findIndex(function (e) { return e.code === code; });
    for (let k = 1; k <= list.length; k++) {
      const next = list[(at + k) % list.length];
      const s = entrantStatus(next);
      if (s.done < s.items) return openEntrant(next.code);
    }
    state.entrant = null;
    renderQueue();
    renderSheet();
  }

  // -- wiring --------------------------------------------------------------------------------------------------

  $("sheet-form").addEventListener("submit", submit);
  document.querySelectorAll("#rounds .round-tab").forEach(function (button) {
    button.addEventListener("click", function () { selectRound(button.dataset.round); });
  });
  window.addEventListener("online", function () { loadQueue(false); });
  window.setInterval(function () {
    if (!document.hidden) loadQueue(false);
  }, 30000);

  state.queue = C.storageGet(cacheKey(state.round));
  state.saved = !!state.queue;
  renderRounds();
  renderQueue();
  renderSheet();
  renderOutbox();
  loadQueue(true).then(keepOtherRounds);
  outbox.flush();

  /* A copy of every other round the judge scores, so any of them opens after an offline reload. */
  function keepOtherRounds() {
    data.rounds.forEach(function (r) {
      if (r.key === state.round || !r.on_panel) return;
      C.request("GET", data.urls.queue + "?round=" + encodeURIComponent(r.key)).then(function (result) {
        if (result.status === 200) C.storageSet(cacheKey(r.key), result.body);
      });
    });
  }
})();
