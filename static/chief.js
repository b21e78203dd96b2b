/* The chief judge's page: the panel's progress (judge x entrant), marks far from the panel's median, entering
 * the values that are not judged (through the same offline outbox as the judges), locking and unlocking the
 * round, and each entrant's breakdown as the scoring core explains it. */
(function () {
  "use strict";

  const C = window.Contest;
  const data = C.data;
  const t = C.t;
  const el = C.el;
  const $ = C.$;
  const Dec = C.Dec;
  const slug = data.contest.slug;
  const me = data.judge.code || "organizer";

  const state = {
    round: initialRound(),
    progress: null,
    spread: data.spread,
    error: "",
    entrant: null,
    item: 1,
    draft: {},
    explainFor: "",
    spreadInvalid: false,
    panel: "", // with assigned panels: one panel's grid ("" every panel)
  };

  const outbox = new C.Outbox("contest-outbox:" + slug + ":" + me, {
    onChange: function () {
      renderOutbox();
      renderGrid();
    },
    onAck: function (entry) {
      remember(entry.body);
      reloadSoon(entry.body.entrant);
    },
  });
  const renderOutbox = C.outboxView(outbox);

  function initialRound() {
    const wanted = new URLSearchParams(window.location.search).get("round");
    const keys = data.rounds.map(function (r) { return r.key; });
    return keys.indexOf(wanted) >= 0 ? wanted : data.round;
  }

  function cacheKey(round) {
    return "contest-progress:" + slug + ":" + round;
  }

  function enteredCriteria() {
    return state.progress ? state.progress.round.entered : [];
  }

  function entrantOf(code) {
    return state.progress ? state.progress.entrants.find(function (e) { return e.code === code; }) || null : null;
  }

  /* The entered values of one item: the server's, then what waits in the outbox. */
  function enteredOf(code, item) {
    const keys = enteredCriteria().map(function (c) { return c.key; });
    const entrant = entrantOf(code);
    const server = (entrant && entrant.entered[String(item)]) || {};
    return C.valuesWithOutbox(outbox, state.round, code, item, keys, server);
  }

  function remember(body) {
    const entrant = entrantOf(body.entrant);
    if (!entrant || !state.progress || state.progress.round.key !== body.round) return;
    const key = String(body.item);
    const keys = enteredCriteria().map(function (c) { return c.key; });
    const values = {};
    Object.keys(body.values).forEach(function (k) {
      if (keys.indexOf(k) >= 0) values[k] = body.values[k];
    });
    entrant.entered[key] = Object.assign({}, entrant.entered[key] || {}, values);
  }

  // -- loading -------------------------------------------------------------------------------------------------

  let reloadTimer = null;

  function reloadSoon(code) {
    window.clearTimeout(reloadTimer);
    reloadTimer = window.setTimeout(function () {
      load(false);
      if (code && code === state.entrant) loadExplain();
    }, 600);
  }

  async function load(fresh) {
    const round = state.round;
    const params = new URLSearchParams({ round: round });
    if (state.spread) params.set("spread", state.spread);
    if (state.panel) params.set("panel", state.panel);
    const result = await C.request("GET", data.urls.progress + "?" + params.toString());
    if (round !== state.round) return;
    if (result.status === 422 && state.panel) {
      state.panel = ""; // another round, without that panel: the whole grid
      return load(fresh);
    }
    if (result.status === 200) {
      state.progress = result.body;
      state.error = "";
      C.storageSet(cacheKey(round), result.body);
    } else {
      if (!state.progress) state.progress = C.storageGet(cacheKey(round));
      state.error = result.status === 0 ? t("saved_copy") : C.errorText(result);
    }
    renderRounds();
    renderToolbar();
    renderGrid();
    C.chiefPanels.events(state.progress);
    if (fresh) renderDetail();
    else renderFlags();
    renderOutbox();
  }

  async function loadExplain() {
    const code = state.entrant;
    const pre = $("explain");
    if (!code) return;
    const params = new URLSearchParams({ round: state.round, entrant: code });
    const result = await C.request("GET", data.urls.explain + "?" + params.toString());
    if (code !== state.entrant) return;
    if (result.status === 200 && result.body.scored) {
      C.chiefPanels.breakdown(result.body);
    } else {
      C.clear($("outcome"));
      C.clear(pre);
      const text = result.status === 200 ? t("explain_none") : result.status === 0 ? t("need_network") : C.errorText(result);
      pre.append(el("p", { class: "muted", text: text }));
    }
  }

  function selectRound(key) {
    if (key === state.round) return;
    state.round = key;
    state.progress = C.storageGet(cacheKey(key));
    state.entrant = null;
    const url = new URL(window.location.href);
    url.searchParams.set("round", key);
    url.searchParams.delete("lang");
    window.history.replaceState(null, "", url.pathname + url.search);
    renderRounds();
    renderToolbar();
    renderGrid();
    C.chiefPanels.events(state.progress);
    renderDetail();
    load(true);
  }

  // -- drawing -------------------------------------------------------------------------------------------------

  function roundLabel() {
    return state.progress ? state.progress.round.label : state.round;
  }

  function renderRounds() {
    const states = {};
    if (state.progress) state.progress.rounds.forEach(function (r) { states[r.key] = r.status; });
    document.querySelectorAll("#rounds .round-tab").forEach(function (button) {
      const on = button.dataset.round === state.round;
      button.classList.toggle("selected", on);
      button.setAttribute("aria-current", on ? "true" : "false");
      const status = states[button.dataset.round];
      if (status) {
        button.dataset.status = status;
        const label = button.querySelector(".round-state");
        if (label) label.textContent = t(status === "locked" ? "status_locked" : "status_open");
      }
    });
  }

  function renderToolbar() {
    const p = state.progress;
    const banner = $("page-error");
    banner.hidden = !state.error;
    banner.textContent = state.error;
    if (!p) return;
    const locked = p.round.status === "locked";
    const badge = $("round-status");
    badge.textContent = t(locked ? "status_locked" : "status_open");
    badge.dataset.status = p.round.status;
    const lock = $("lock");
    lock.textContent = t(locked ? "unlock" : "lock");
    lock.className = locked ? "secondary" : "danger";
    const s = p.summary;
    const flagSummary = $("flag-summary");
    if (p.mode === "entered") {
      $("summary").textContent = s.lacking
        ? t("entered_summary", { done: s.entrants - s.lacking, entrants: s.entrants, lacking: s.lacking })
        : t("entered_all");
      const codes = p.entrants.filter(function (e) { return e.lacking.length; }).map(function (e) { return e.code; });
      flagSummary.textContent = codes.length ? t("lacking_list", { codes: codes.join(", ") }) : "";
      flagSummary.classList.toggle("flagged-text", codes.length > 0);
    } else {
      $("summary").textContent =
        t("summary", { done: s.submitted + s.corrected, cells: s.cells, missing: s.missing, corrected: s.corrected }) +
        (s.lacking ? " · " + t("lacking_count", { n: s.lacking }) : "");
      if (state.spreadInvalid) flagSummary.textContent = t("spread_flags_hidden");
      else flagSummary.textContent = s.flags ? t("flags_count", { n: s.flags }) : t("no_flags", { spread: p.spread });
      flagSummary.classList.toggle("flagged-text", s.flags > 0 && !state.spreadInvalid);
    }
    $("spread").closest(".spread").hidden = p.mode === "entered";
    // assigned panels (评委分组): pick one panel's judges and entrants, or see them all
    const panels = p.panels || [];
    const pick = $("panel-pick");
    pick.closest(".panel-pick").hidden = panels.length === 0;
    C.clear(pick);
    pick.append(el("option", { value: "", text: t("panel_all") }));
    panels.forEach(function (one) {
      pick.append(el("option", { value: one.key, text: t("panel_option", { label: one.label, entrants: one.entrants }) }));
    });
    pick.value = state.panel || "";
    const note = $("normalize-note");
    note.hidden = !p.normalize || p.normalize === "none";
    note.textContent = note.hidden ? "" : t("normalize_on", { method: p.normalize });
    $("spread-error").textContent = state.spreadInvalid && p.mode !== "entered" ? t("spread_invalid") : "";
    $("spread").setAttribute("aria-invalid", state.spreadInvalid ? "true" : "false");
    if (document.activeElement !== $("spread") && !state.spreadInvalid) $("spread").value = p.spread;
    document.querySelectorAll("#legend .legend-judged").forEach(function (li) { li.hidden = p.mode === "entered"; });
    const needed = p.round.entered.some(function (c) { return c.default === null; });
    document.querySelectorAll("#legend .legend-entered").forEach(function (li) { li.hidden = !needed; });
    $("legend-default").hidden = !p.round.entered.some(function (c) { return c.default !== null; });
  }

  function whoOf(entrant) {
    if (!entrant || entrant.name === undefined) return "";
    return [entrant.name, entrant.organization].filter(Boolean).join(" · ");
  }

  function cellChip(cell) {
    if (state.spreadInvalid) cell = Object.assign({}, cell, { flags: 0 });
    const text = {
      missing: "—",
      partial: t("cell_partial", { given: cell.given, expected: cell.expected }) + (cell.corrected ? "*" : ""),
      submitted: "✓",
      corrected: "✓*",
      unassigned: "·",
    }[cell.status];
    const title =
      t("cell_" + cell.status, { given: cell.given, expected: cell.expected }) +
      (cell.corrected && cell.status !== "corrected" ? " · " + t("cell_corrected") : "") +
      (cell.flags ? " · " + t("cell_flags", { n: cell.flags }) : "");
    return el(
      "span",
      { class: "cell-chip " + cell.status + (cell.flags ? " flagged" : ""), title: title },
      el("span", { "aria-hidden": "true", text: text }),
      cell.flags ? el("b", { class: "flag-mark", "aria-hidden": "true", text: "!" + (cell.flags > 1 ? cell.flags : "") }) : null,
      el("span", { class: "sr-only", text: title })
    );
  }

  /* The entered values of an entrant, item by item: a value, the default (said in words) or a "lacking" chip. */
  function enteredSummary(entrant) {
    const criteria = enteredCriteria();
    const items = state.progress.round.items;
    const parts = [];
    let pending = false;
    let failed = false;
    for (let i = 1; i <= items; i++) {
      const v = enteredOf(entrant.code, i);
      pending = pending || v.pending;
      failed = failed || v.failed;
      if (i > 1) parts.push(el("span", { class: "sep", text: " · " }));
      criteria.forEach(function (c, n) {
        if (n > 0) parts.push(el("span", { class: "sep", text: " / " }));
        const value = v.values[c.key];
        if (value !== undefined) parts.push(el("span", { class: "entered-value", text: value }));
        else if (c.default !== null) parts.push(el("span", { class: "default-value", text: t("default_value", { value: c.default }) }));
        else parts.push(el("span", { class: "cell-chip missing lacking", text: t("lacking_cell") }));
      });
    }
    return { nodes: parts, pending: pending, failed: failed };
  }

  function renderGrid() {
    const head = $("grid-head");
    const body = $("grid-body");
    // a keyboard user's place in the grid survives the redraw (every 10 s and after each acknowledgement)
    const focused = document.activeElement && body.contains(document.activeElement) ? document.activeElement.closest("tr") : null;
    const refocus = focused ? focused.dataset.code : null;
    C.clear(head);
    C.clear(body);
    const p = state.progress;
    if (!p) return;
    const entered = enteredCriteria();
    head.append(
      el(
        "tr",
        null,
        el("th", { scope: "col", class: "entrant-col", text: t("entrant_col") }),
        p.judges.map(function (j) {
          return el("th", { scope: "col", title: j.name || j.code }, el("span", { text: j.code }), j.name ? el("small", { text: j.name }) : null);
        }),
        entered.length
          ? el("th", { scope: "col", class: "entered-col" }, el("span", { text: t("entered_col") }), el("small", { text: entered.map(function (c) { return c.label; }).join(" / ") }))
          : null
      )
    );
    p.entrants.forEach(function (entrant) {
      const current = entrant.code === state.entrant;
      const row = el(
        "tr",
        {
          class: (current ? "current" : "") + (entrant.lacking && entrant.lacking.length ? " lacking-row" : ""),
          dataset: { code: entrant.code },
          onclick: function () { selectEntrant(entrant.code); },
        },
        el(
          "th",
          { scope: "row", class: "entrant-col" },
          el(
            "button",
            {
              type: "button",
              class: "entrant-button",
              // the visible text first (WCAG 2.5.3 label in name), then what the button does
              "aria-label": entrant.code + (whoOf(entrant) ? " " + whoOf(entrant) : "") + " · " + t("select_entrant", { code: entrant.code }),
              "aria-pressed": current ? "true" : "false",
              onclick: function (event) {
                event.stopPropagation();
                selectEntrant(entrant.code);
              },
            },
            el("span", { class: "entrant-code", text: entrant.code }),
            whoOf(entrant) ? el("small", { text: whoOf(entrant) }) : null,
            entrant.panel ? el("small", { class: "entrant-panel", text: entrant.panel }) : null
          )
        ),
        p.judges.map(function (j) {
          return el("td", { dataset: { judge: j.code, status: entrant.cells[j.code].status } }, cellChip(entrant.cells[j.code]));
        })
      );
      if (entered.length) {
        const s = enteredSummary(entrant);
        row.append(
          el(
            "td",
            { class: "entered-col" + (s.pending ? " pending" : "") + (s.failed ? " failed" : "") },
            el("span", { class: "entered-values" }, s.nodes),
            s.pending ? el("small", { class: "pending-text", text: t("status_pending") }) : null,
            s.failed ? el("small", { class: "error", text: t("status_failed") }) : null
          )
        );
      }
      body.append(row);
    });
    if (refocus) {
      const button = body.querySelector('tr[data-code="' + CSS.escape(refocus) + '"] .entrant-button');
      if (button) button.focus();
    }
  }

  function selectEntrant(code) {
    state.entrant = code;
    state.item = 1;
    state.draft = Object.assign({}, enteredOf(code, 1).values);
    renderGrid();
    renderDetail();
    loadExplain();
  }

  function renderFlags() {
    const list = $("detail-flags");
    C.clear(list);
    if (!state.progress || !state.entrant) return;
    const criteria = {};
    state.progress.round.criteria.forEach(function (c) { criteria[c.key] = c.label; });
    $("flags-section").hidden = state.progress.mode === "entered";
    if (state.spreadInvalid) {
      list.append(el("li", { class: "muted", text: t("spread_flags_hidden") }));
      return;
    }
    const flags = state.progress.flags.filter(function (f) { return f.entrant === state.entrant; });
    if (!flags.length) list.append(el("li", { class: "muted", text: t("entrant_flags_none") }));
    flags.forEach(function (f) {
      list.append(
        el("li", {
          class: "flag",
          text: t("flag_line", { item: f.item, criterion: criteria[f.criterion] || f.criterion, judge: f.judge, value: f.value, median: f.median }),
        })
      );
    });
  }

  function renderDetail() {
    const entrant = state.entrant ? entrantOf(state.entrant) : null;
    $("detail-empty").hidden = !!entrant;
    $("detail-body").hidden = !entrant;
    if (!entrant) return;
    $("detail-entrant").textContent = entrant.code;
    $("detail-who").textContent = whoOf(entrant);
    $("detail-who").hidden = !whoOf(entrant);
    renderFlags();
    renderEntry();
    if (state.explainFor !== entrant.code) {
      C.clear($("outcome"));
      $("explain").textContent = "…";
      state.explainFor = entrant.code;
    }
  }

  function renderEntry() {
    const p = state.progress;
    const entered = enteredCriteria();
    $("entry-form").hidden = !entered.length;
    $("entry-none").hidden = !!entered.length;
    if (!entered.length || !state.entrant) return;
    const locked = p.round.status === "locked";
    const items = $("entry-items");
    C.clear(items);
    items.hidden = p.round.items < 2;
    for (let i = 1; i <= p.round.items; i++) {
      const on = i === state.item;
      const v = enteredOf(state.entrant, i).values;
      const done = entered.every(function (c) { return v[c.key] !== undefined; });
      items.append(
        el("button", {
          type: "button",
          role: "tab",
          class: "item-tab" + (on ? " selected" : "") + (done ? " done" : ""),
          "aria-selected": on ? "true" : "false",
          text: t("item_n", { n: i }),
          onclick: function () {
            state.item = i;
            state.draft = Object.assign({}, enteredOf(state.entrant, i).values);
            renderEntry();
          },
        })
      );
    }
    const box = $("entry-criteria");
    C.clear(box);
    entered.forEach(function (c) {
      const control = C.control(
        c,
        state.draft[c.key] === undefined ? "" : state.draft[c.key],
        function (v) {
          if (v === "") delete state.draft[c.key];
          else state.draft[c.key] = v;
          $("entry-error").textContent = "";
        },
        locked
      );
      box.append(
        el(
          "div",
          { class: "criterion", dataset: { key: c.key } },
          el("div", { class: "criterion-head" }, el("h3", { text: c.label }), el("span", { class: "range", text: c.step ? t("range", { min: c.min, max: c.max, step: c.step }) : t("range_any", { min: c.min, max: c.max }) })),
          c.description ? el("p", { class: "description", text: c.description }) : null,
          control.node
        )
      );
    });
    $("entry-submit").disabled = locked;
    $("entry-error").textContent = locked ? t("round_locked") : "";
  }

  // -- acting --------------------------------------------------------------------------------------------------

  async function saveEntered(event) {
    event.preventDefault();
    const p = state.progress;
    const code = state.entrant;
    const item = state.item;
    if (!p || !code || p.round.status === "locked") return;
    const entered = enteredCriteria();
    const given = entered.filter(function (c) { return state.draft[c.key] !== undefined && state.draft[c.key] !== ""; });
    if (!given.length) {
      $("entry-error").textContent = C.problemWith(entered[0], "");
      return;
    }
    for (const c of given) {
      const why = C.problemWith(c, state.draft[c.key]);
      if (why) {
        $("entry-error").textContent = why;
        return;
      }
    }
    const before = enteredOf(code, item).values;
    const changed = given.filter(function (c) { return before[c.key] === undefined || !Dec.same(before[c.key], state.draft[c.key]); });
    if (!changed.length) {
      $("entry-error").textContent = t("no_change");
      return;
    }
    const correction = changed.some(function (c) { return before[c.key] !== undefined; });
    const reason = await C.confirmDialog({
      title: t(correction ? "correction_title" : "confirm_title", { entrant: code }),
      sub: t("confirm_item", { round: p.round.label, n: item }),
      rows: changed.map(function (c) {
        const now = Dec.normalize(state.draft[c.key]);
        return [c.label, before[c.key] !== undefined ? before[c.key] + " → " + now : now];
      }),
      reason: correction ? "required" : null,
      ok: correction ? t("submit_correction") : t("submit"),
    });
    if (reason === null) return;
    const values = {};
    changed.forEach(function (c) { values[c.key] = Dec.normalize(state.draft[c.key]); });
    const body = { entrant: code, round: p.round.key, item: item, values: values, client_id: C.uuid() };
    if (correction) body.reason = reason;
    const label = code + " · " + p.round.label + (p.round.items > 1 ? " · " + t("item_n", { n: item }) : "");
    const shown = changed.map(function (c) { return [c.label, values[c.key]]; });
    outbox.add({ url: data.urls.marks, body: body, label: label, shown: shown });
    renderEntry();
  }

  /* What the lock dialog says is still to come: marks the panel has not given, entrants lacking a value. */
  function stillMissing() {
    const s = state.progress.summary;
    const parts = [];
    if (s.cells && s.missing + s.partial > 0) {
      parts.push(t("lock_missing", { missing: s.missing + s.partial, expected: s.cells }));
    }
    if (s.lacking) parts.push(t("lock_lacking", { lacking: s.lacking, entrants: s.entrants }));
    return parts.length ? parts.join(" ") : t("lock_complete");
  }

  async function toggleLock() {
    const p = state.progress;
    if (!p) return;
    const locked = p.round.status === "locked";
    const reason = await C.confirmDialog({
      title: t(locked ? "unlock_title" : "lock_title", { round: roundLabel() }),
      sub: (locked ? "" : stillMissing() + " ") + t(locked ? "unlock_text" : "lock_text"),
      rows: [],
      reason: locked ? "required" : "optional",
      reasonLabel: t(locked ? "unlock_reason" : "lock_reason"),
      reasonMissing: t("unlock_reason_missing"),
      ok: t(locked ? "unlock" : "lock"),
      cancel: t("cancel"),
      danger: !locked,
    });
    if (reason === null) return;
    const body = { status: locked ? "open" : "locked" };
    if (reason) body.reason = reason;
    const result = await C.request("PATCH", data.urls.rounds + encodeURIComponent(p.round.key), body);
    if (result.status === 200) {
      state.error = "";
      await load(true);
    } else {
      state.error = result.status === 0 ? t("need_network") : C.errorText(result);
      renderToolbar();
    }
  }

  /* 核对排名: the server recomputes every standing from the stored marks and compares it with the boards it
   * shows; the answer (agree, or each difference) is shown as text. */
  async function verifyStandings() {
    const button = $("verify");
    const box = $("verify-result");
    const list = $("verify-lines");
    button.disabled = true;
    box.hidden = false;
    box.dataset.state = "running";
    $("verify-summary").textContent = t("verify_running");
    C.clear(list);
    const result = await C.request("GET", data.urls.verify);
    button.disabled = false;
    if (result.status !== 200) {
      box.dataset.state = "error";
      $("verify-summary").textContent = result.status === 0 ? t("need_network") : C.errorText(result);
      return;
    }
    box.dataset.state = result.body.agree ? "agree" : "differ";
    $("verify-summary").textContent = result.body.summary;
    result.body.differences.forEach(function (d) {
      list.append(el("li", { text: d.text }));
    });
  }

  let spreadTimer = null;

  function spreadChanged() {
    window.clearTimeout(spreadTimer);
    spreadTimer = window.setTimeout(function () {
      const raw = $("spread").value.trim().replace(",", ".");
      const d = Dec.parse(raw);
      if (!d || Dec.cmp(d, Dec.parse("0")) <= 0 || Dec.cmp(d, Dec.parse("1000")) > 0) {
        state.spreadInvalid = true;
        renderToolbar();
        renderGrid();
        renderFlags();
        return;
      }
      state.spreadInvalid = false;
      state.spread = Dec.format(d);
      load(false);
    }, 500);
  }

  // -- wiring --------------------------------------------------------------------------------------------------

  document.querySelectorAll("#rounds .round-tab").forEach(function (button) {
    button.addEventListener("click", function () { selectRound(button.dataset.round); });
  });
  $("entry-form").addEventListener("submit", saveEntered);
  $("lock").addEventListener("click", toggleLock);
  $("verify").addEventListener("click", verifyStandings);
  $("refresh").addEventListener("click", function () {
    load(false);
    loadExplain();
  });
  $("explain-refresh").addEventListener("click", loadExplain);
  $("spread").addEventListener("input", spreadChanged);
  $("panel-pick").addEventListener("change", function () {
    state.panel = $("panel-pick").value;
    load(false);
  });
  window.addEventListener("online", function () { load(false); });
  window.setInterval(function () {
    if (!document.hidden) load(false);
  }, 10000);

  state.progress = C.storageGet(cacheKey(state.round));
  renderRounds();
  renderToolbar();
  renderGrid();
  C.chiefPanels.events(state.progress);
  renderDetail();
  renderOutbox();
  load(true);
  outbox.flush();
})();
