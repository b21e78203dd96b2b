/* The venue screen: the board in big type, rows that glide to their new places, the entrant just scored
 * highlighted, long boards paged every few seconds, rounds / groups / contests in rotation, a reveal drawn as
 * covered placeholders, and a plain "offline since" bar while the server cannot be reached.
 *
 * Opened with an organizer token (#token=... in the address, kept in this tab only), the arrow keys, PageUp and
 * PageDown and Space (what a presentation clicker sends) step the reveal back and forth; without one, keys do
 * nothing.
 */
(function () {
  "use strict";

  const C = window.Contest;
  const B = window.Board;
  const t = C.t;
  const el = C.el;
  const $ = C.$;
  const data = C.data;

  const perPage = data.rows || 10;
  document.documentElement.style.setProperty("--rows", String(perPage));

  const views = data.views.map(function (v) { return { contest: v.contest, round: v.round, group: v.group, groups: null, gi: 0 }; });
  let vi = 0;
  let payload = null;
  let page = 0;
  let switching = false;
  let hiddenStreak = 0;
  let heardAt = null;
  const memory = {}; // per view: the rows last shown, the latest result, rank moves

  const board = $("board");
  const wrap = $("board-wrap");
  const rows = B.rowsView(
    board,
    function () { return el("li", { class: "board-row" }); },
    function (node, item) { B.fillRow(node, item, cols, tierOf, t); }
  );
  let cols = B.columns({ rows: [] });
  let tierOf = {};

  function current() {
    const v = views[vi];
    return { contest: v.contest, round: v.round, group: v.groups ? v.groups[v.gi] : v.group };
  }

  function viewKey() {
    const c = current();
    return [c.contest, c.round, c.group || ""].join("\u0000");
  }

  const feed = new B.Feed(data.urls.ws, { onData: onData, onState: onState, onError: onError });

  function connect() {
    const c = current();
    const qr = $("qr");
    const wanted = "/screen/" + encodeURIComponent(c.contest) + "/qr.svg";
    if (qr.getAttribute("src") !== wanted) qr.setAttribute("src", wanted);
    feed.open(c.contest, { round: c.round, group: c.group, limit: data.limit });
  }

  // -- what the server sends -----------------------------------------------------------------------------------

  function onData(message) {
    heardAt = new Date();
    $("error").hidden = true;
    const v = views[vi];
    if (!v.group && !v.groups && message.board !== "hidden") {
      const groups = (message.groups || []).filter(function (g) { return !!g; });
      if (groups.length > 1) {
        // groups are ranked apart: show them one after the other
        v.groups = groups;
        v.gi = 0;
        connect();
        return;
      }
    }
    payload = message;
    if (message.board === "hidden") {
      hiddenStreak += 1;
      draw({ animate: false });
      if (rotating() && hiddenStreak < totalViews()) window.setTimeout(function () { if (payload === message) next(); }, 1500);
      return;
    }
    hiddenStreak = 0;
    const key = viewKey();
    const mem = memory[key] || (memory[key] = { rows: null, latest: null, moved: {} });
    const diff = B.changes(mem.rows, message.rows || []);
    mem.rows = message.rows || [];
    const now = Date.now();
    Object.keys(diff.moved).forEach(function (code) { mem.moved[code] = { by: diff.moved[code], until: now + 8000 }; });
    const scoredRows = mem.rows.filter(function (r) { return diff.scored.indexOf(r.entrant) >= 0 && r.total !== null && r.total !== undefined; });
    if (scoredRows.length) mem.latest = { row: scoredRows[scoredRows.length - 1], at: new Date() };
    draw({ animate: !switching, flash: diff.scored });
  }

  function onState(state, since, via) {
    document.body.dataset.connection = state;
    document.body.dataset.via = via || "socket"; // "polling": websockets cannot connect here, the board is polled
    const bar = $("offline");
    if (state === "offline") {
      bar.hidden = false;
      bar.textContent = t("offline_since", { time: B.clock(since || new Date()) }) + " · " + t("reconnecting");
    } else {
      bar.hidden = true;
    }
  }

  function onError(error) {
    const box = $("error");
    box.hidden = false;
    box.textContent = t("cannot_show", { message: error.message || error.code || "" });
  }

  // -- drawing -------------------------------------------------------------------------------------------------

  function items() {
    const list = [];
    const reveal = payload.board === "reveal" ? payload.reveal : null;
    if (reveal) {
      for (let i = 0; i < (reveal.hidden || 0); i++) list.push({ key: "covered-" + i, covered: true });
    }
    const mem = memory[viewKey()] || { moved: {} };
    const now = Date.now();
    (payload.rows || []).forEach(function (row) {
      const moved = mem.moved[row.entrant];
      list.push({ key: row.entrant, row: row, moved: moved && moved.until > now ? moved.by : 0 });
    });
    return list;
  }

  function windowOf(list) {
    const reveal = payload.board === "reveal" ? payload.reveal : null;
    if (reveal) {
      // the newest uncovered row sits third from the top, under the last covered places; the podium ends on top
      const start = Math.max(0, Math.min((reveal.hidden || 0) - 2, list.length - perPage));
      return { slice: list.slice(start, start + perPage), page: 0, pages: 1 };
    }
    const pages = Math.max(1, Math.ceil(list.length / perPage));
    if (page >= pages) page = pages - 1;
    return { slice: list.slice(page * perPage, (page + 1) * perPage), page: page, pages: pages };
  }

  function stateBadge() {
    const badge = $("state-badge");
    const board = payload.board;
    let key = "state_live";
    if (board === "frozen") key = "state_frozen";
    else if (board === "reveal") key = "state_reveal";
    else if (board === "hidden") key = "state_hidden";
    else if (payload.status === "locked") key = "state_final";
    badge.dataset.state = board === "live" && payload.status === "locked" ? "final" : board;
    const reveal = payload.reveal;
    badge.textContent = board === "reveal" && reveal ? t(key) + " " + reveal.step + "/" + reveal.steps : t(key);
  }

  function draw(how) {
    if (!payload) return;
    const c = current();
    const title = payload.title || data.titles[c.contest] || c.contest;
    $("title").textContent = title;
    document.title = title + " · " + t("live_standings");
    const labels = payload.labels || {};
    $("round-label").textContent = labels[c.round] || (c.contest === data.contest && data.labels[c.round]) || c.round;
    $("group-label").textContent = c.group ? c.group : "";
    $("group-label").hidden = !c.group;
    stateBadge();
    $("frozen-note").hidden = payload.board !== "frozen";
    const hidden = payload.board === "hidden";
    $("hidden-card").hidden = !hidden;
    wrap.hidden = hidden;
    if (hidden) {
      $("pager").textContent = "";
      finishSwitch();
      return;
    }
    cols = B.columns(payload, c.contest === data.contest ? data.labels : null);
    tierOf = B.tiers(payload.rows || []);
    wrap.classList.toggle("blind", !cols.names);
    wrap.style.setProperty("--cols", B.template(cols));
    B.headRow($("board-head"), cols, t);
    const list = items();
    const shown = windowOf(list);
    rows.update(shown.slice, how);
    $("board-empty").hidden = list.length > 0;
    $("board-head").hidden = list.length === 0;
    $("pager").textContent = shown.pages > 1 ? t("page_of", { page: shown.page + 1, pages: shown.pages }) : "";
    $("updated").textContent = heardAt ? t("updated_at", { time: B.clock(heardAt) }) : "";
    drawLatest();
    finishSwitch();
  }

  function drawLatest() {
    const mem = memory[viewKey()];
    const strip = $("latest");
    const latest = mem && mem.latest;
    const row = latest && (payload.rows || []).find(function (r) { return r.entrant === latest.row.entrant; });
    if (!row || payload.board === "reveal") {
      strip.hidden = true;
      return;
    }
    C.clear(strip);
    strip.hidden = false;
    strip.append(el("span", { class: "latest-label", text: t("latest") }));
    strip.append(el("b", { class: "latest-who", text: row.name ? row.entrant + " " + row.name : row.entrant }));
    if (row.organization) strip.append(el("span", { class: "latest-org", text: row.organization }));
    strip.append(el("span", { class: "latest-total", text: row.total === null || row.total === undefined ? t("incomplete") : row.total }));
    if (row.rank !== null && row.rank !== undefined) strip.append(el("span", { class: "latest-rank", text: t("rank_n", { rank: row.rank }) }));
  }

  function finishSwitch() {
    if (!switching) return;
    switching = false;
    document.body.classList.remove("turning");
  }

  // -- paging and rotation -------------------------------------------------------------------------------------

  function totalViews() {
    return views.reduce(function (n, v) { return n + (v.groups ? v.groups.length : 1); }, 0);
  }

  function rotating() {
    return totalViews() > 1;
  }

  function next() {
    const v = views[vi];
    if (v.groups && v.gi + 1 < v.groups.length) v.gi += 1;
    else {
      if (v.groups) v.gi = 0;
      vi = (vi + 1) % views.length;
    }
    page = 0;
    switching = true;
    document.body.classList.add("turning");
    window.setTimeout(connect, 400);
  }

  function turn(to) {
    document.body.classList.add("turning");
    window.setTimeout(function () {
      page = to;
      draw({ animate: false });
      document.body.classList.remove("turning");
    }, 400);
  }

  function tick() {
    if (!payload || switching) return;
    if (payload.board === "reveal") {
      // the ceremony holds the screen on its round until it ends; a round whose groups are ranked apart shows
      // its groups in turn (each step uncovers a place in every group), never another round
      const v = views[vi];
      if (v.groups && v.groups.length > 1) {
        v.gi = (v.gi + 1) % v.groups.length;
        page = 0;
        switching = true;
        document.body.classList.add("turning");
        window.setTimeout(connect, 400);
      }
      return;
    }
    if (payload.board === "hidden") {
      if (rotating()) next();
      return;
    }
    const pages = Math.max(1, Math.ceil(items().length / perPage));
    if (page + 1 < pages) turn(page + 1);
    else if (rotating()) next();
    else if (pages > 1) turn(0);
    else draw({ animate: false }); // rank arrows and the "updated" line age out
  }

  window.setInterval(tick, (data.page_seconds || 10) * 1000);

  // -- a ceremony elsewhere in the rotation --------------------------------------------------------------------

  /* A screen that rotates rounds, groups or contests only hears of the board it shows. Every few seconds it asks
   * for the rounds' states (GET /control/{slug}/rounds, public) and, when one of its rounds is being revealed,
   * goes there at once and stays until the reveal ends (the board is shown live, frozen or hidden again). */
  async function watchReveals() {
    if (views.length < 2) return; // one round: its own socket tells it of its reveal
    if (payload && payload.board === "reveal") return; // already there
    const contests = [];
    views.forEach(function (v) { if (contests.indexOf(v.contest) < 0) contests.push(v.contest); });
    const revealing = {};
    for (const contest of contests) {
      let found = null;
      try {
        const response = await fetch("/control/" + encodeURIComponent(contest) + "/rounds", { cache: "no-store", headers: { Accept: "application/json" } });
        if (response.status === 200) found = await response.json();
      } catch (err) {
        found = null; // offline: the feed says so
      }
      ((found && found.rounds) || []).forEach(function (r) {
        if (r.board === "reveal") revealing[contest + "\u0000" + r.key] = true;
      });
    }
    if (payload && payload.board === "reveal") return;
    const at = views.findIndex(function (v) { return revealing[v.contest + "\u0000" + v.round]; });
    if (at < 0 || (at === vi && !switching)) return;
    vi = at;
    page = 0;
    switching = true;
    document.body.classList.add("turning");
    window.setTimeout(connect, 400);
  }

  window.setInterval(watchReveals, 4000);
  window.setInterval(function () { $("clock").textContent = B.clock(new Date()); }, 1000);
  $("clock").textContent = B.clock(new Date());

  // -- the presenter's keys ------------------------------------------------------------------------------------

  const bearer = B.token();
  let wanted = null;
  let confirmed = null; // the step the server last accepted, until the board shown catches up with it
  let sending = false;

  function toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    window.clearTimeout(box.timer);
    box.timer = window.setTimeout(function () { box.hidden = true; }, 5000);
  }

  async function step(delta) {
    if (!payload || payload.board !== "reveal" || !payload.reveal) {
      toast(t("not_revealing"));
      return;
    }
    const reveal = payload.reveal;
    const caughtUp = confirmed === null || payload.version >= confirmed.version;
    const base = wanted !== null ? wanted : caughtUp ? reveal.step : confirmed.step;
    const target = Math.max(0, Math.min(reveal.steps, base + delta));
    if (target === base) return;
    wanted = target;
    if (sending) return; // the newest target goes out when the answer comes
    sending = true;
    try {
      while (wanted !== null) {
        const goal = wanted;
        const c = current();
        const result = await B.patchRound(data.urls.api, c.contest, c.round, { reveal: goal }, bearer);
        if (result.status !== 200) {
          wanted = null;
          toast(result.status === 0 ? t("unreachable") : C.errorText(result));
          break;
        }
        if (result.body && result.body.reveal) confirmed = { step: result.body.reveal.step, version: result.body.version };
        if (wanted === goal) wanted = null;
      }
    } finally {
      sending = false;
    }
  }

  if (bearer) {
    document.body.classList.add("presenter");
    $("presenter").hidden = false;
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const forward = event.key === "ArrowRight" || event.key === "PageDown" || event.key === " " || event.key === "Spacebar";
      const back = event.key === "ArrowLeft" || event.key === "PageUp";
      if (!forward && !back) return;
      event.preventDefault();
      step(forward ? 1 : -1);
    });
  }

  connect();
})();
