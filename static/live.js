/* The phone page: the board in a small-screen layout that works inside WeChat's browser (no service worker, no
 * SDK), a search by number or name, and one followed entrant whose rank and total stay pinned on top while the list
 * scrolls. The followed entrant is remembered on this phone (localStorage) and asked of the server by code
 * (entrant=CODE), so their row comes even when they are outside the top of the board.
 */
(function () {
  "use strict";

  const C = window.Contest;
  const B = window.Board;
  const t = C.t;
  const el = C.el;
  const $ = C.$;
  const data = C.data;

  const FOLLOW_KEY = "contest.follow." + data.contest;
  let round = data.round;
  let group = data.group || null;
  let followed = C.storageGet(FOLLOW_KEY) || null;
  if (typeof followed !== "string") followed = null;
  let payload = null;
  let before = null;
  let heardAt = null;

  const list = $("list");
  const rows = B.rowsView(list, make, fill, { glide: 500, highlight: 5000 });
  let tierOf = {};

  const feed = new B.Feed(data.urls.ws, {
    onData: onData,
    onState: function (state, since, via) {
      document.body.dataset.connection = state;
      document.body.dataset.via = via || "socket"; // "polling": websockets cannot connect here, the board is polled
      const bar = $("offline");
      bar.hidden = state !== "offline";
      if (state === "offline") bar.textContent = t("offline_since", { time: B.clock(since || new Date()) }) + " · " + t("reconnecting");
    },
    onError: function (error) {
      $("error").hidden = false;
      $("error").textContent = t("cannot_show", { message: error.message || error.code || "" });
    },
  });

  function connect() {
    feed.open(data.contest, { round: round, group: group, limit: data.limit, entrant: followed });
  }

  function onData(message) {
    heardAt = new Date();
    $("error").hidden = true;
    const diff = B.changes(before, message.rows || []);
    before = message.rows || [];
    payload = message;
    draw({ flash: diff.scored });
  }

  // -- drawing -------------------------------------------------------------------------------------------------

  function make(item) {
    const node = el("li", { class: "live-row" });
    node.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest(".live-follow")) return;
      node.classList.toggle("open");
    });
    return node;
  }

  function fill(node, item) {
    const row = item.row;
    C.clear(node);
    node.dataset.code = row.entrant;
    const tier = row.award ? tierOf[row.award] || 4 : 0;
    node.classList.toggle("mine", row.entrant === followed);
    node.classList.toggle("incomplete", row.total === null || row.total === undefined);
    for (let i = 1; i <= 4; i++) node.classList.toggle("tier-" + i, Math.min(tier, 4) === i);
    const who = el("span", { class: "live-who" }, el("b", { class: "live-name", text: row.name || row.entrant }));
    const sub = [];
    if (row.name) sub.push(row.entrant);
    if (row.organization) sub.push(row.organization);
    if (sub.length) who.append(el("span", { class: "live-sub", text: sub.join(" · ") }));
    const score = el("span", { class: "live-score" }, el("b", { class: "live-total", text: row.total === null || row.total === undefined ? t("incomplete") : row.total }));
    if (row.award) score.append(el("span", { class: "award tier-" + Math.min(tier, 4), text: row.award }));
    else if (row.advances) score.append(el("span", { class: "award advance", text: t("advances") }));
    const star = el("button", {
      type: "button",
      class: "live-follow",
      "aria-pressed": row.entrant === followed ? "true" : "false",
      "aria-label": (row.entrant === followed ? t("unfollow") : t("follow")) + " " + row.entrant,
      text: row.entrant === followed ? "★" : "☆",
      onclick: function () { follow(row.entrant === followed ? null : row.entrant); },
    });
    node.append(el("span", { class: "live-rank", text: row.rank === null || row.rank === undefined ? "—" : String(row.rank) }), who, score, star);
    const labels = (payload && payload.labels) || {};
    const keys = Object.keys(labels);
    if (keys.length > 1) {
      const detail = el("span", { class: "live-detail" });
      keys.forEach(function (key) {
        const value = row.rounds ? row.rounds[key] : null;
        detail.append(el("span", { text: labels[key] + " " + (value === null || value === undefined ? "—" : value) }));
      });
      node.append(detail);
    }
  }

  function matches(row, query) {
    if (!query) return true;
    const q = query.toLowerCase();
    return row.entrant.toLowerCase().indexOf(q) >= 0 || (row.name || "").toLowerCase().indexOf(q) >= 0 || (row.organization || "").toLowerCase().indexOf(q) >= 0;
  }

  function draw(how) {
    if (!payload) return;
    $("title").textContent = payload.title || data.title;
    const badge = $("state-badge");
    const board = payload.board;
    const locked = board === "live" && payload.status === "locked";
    badge.dataset.state = locked ? "final" : board;
    badge.textContent = t(locked ? "state_final" : "state_" + board) + (board === "reveal" && payload.reveal ? " " + payload.reveal.step + "/" + payload.reveal.steps : "");
    $("frozen-note").hidden = board !== "frozen";
    $("hidden-card").hidden = board !== "hidden";
    const hiddenCount = board === "reveal" && payload.reveal ? payload.reveal.hidden || 0 : 0;
    $("covered").hidden = !hiddenCount;
    $("covered").textContent = t("covered_count", { n: hiddenCount });
    groups();
    const all = payload.rows || [];
    tierOf = B.tiers(all);
    const query = $("search").value.trim();
    const shown = all.filter(function (row) { return matches(row, query); });
    rows.update(shown.map(function (row) { return { key: row.entrant, row: row }; }), how);
    $("empty").hidden = board === "hidden" || all.length > 0 || hiddenCount > 0;
    drawNoMatch(query, all, shown);
    $("updated").textContent = heardAt ? t("updated_at", { time: B.clock(heardAt) }) : "";
    $("count").textContent = t("count", { n: all.length });
    drawFollowed(all);
  }

  function drawNoMatch(query, all, shown) {
    const box = $("no-match");
    C.clear(box);
    box.hidden = !query || shown.length > 0 || all.length === 0;
    if (box.hidden) return;
    box.append(el("span", { text: t("no_match", { query: query }) }));
    if (/^[A-Za-z0-9_-]{1,64}$/.test(query)) {
      // not in the top of the board: follow by number, and the server sends that row too
      box.append(" ", el("button", { type: "button", class: "live-follow-code", text: t("follow_code", { code: query }), onclick: function () { follow(query); } }));
    }
  }

  function drawFollowed(all) {
    const bar = $("followed");
    bar.hidden = !followed;
    if (!followed) return;
    const row = all.find(function (r) { return r.entrant === followed; });
    bar.classList.toggle("missing", !row);
    if (!row) {
      $("followed-rank").textContent = "";
      $("followed-who").textContent = t("not_on_board", { code: followed });
      $("followed-total").textContent = "";
      return;
    }
    $("followed-rank").textContent = row.rank === null || row.rank === undefined ? "—" : t("rank_n", { rank: row.rank });
    $("followed-who").textContent = row.name ? row.entrant + " " + row.name : row.entrant;
    $("followed-total").textContent = row.total === null || row.total === undefined ? t("incomplete") : row.total;
  }

  function groups() {
    const select = $("group");
    const names = ((payload && payload.groups) || []).filter(function (g) { return !!g; });
    select.hidden = names.length < 2;
    if (select.hidden) return;
    const wanted = [""].concat(names);
    const have = Array.from(select.options).map(function (o) { return o.value; });
    if (have.join("\u0000") !== wanted.join("\u0000")) {
      C.clear(select);
      wanted.forEach(function (name) { select.append(el("option", { value: name, text: name || t("all_groups") })); });
    }
    select.value = group || "";
  }

  // -- following, search, rounds, groups -----------------------------------------------------------------------

  function follow(code) {
    followed = code;
    C.storageSet(FOLLOW_KEY, code);
    if (code) $("search").value = "";
    before = null;
    connect(); // entrant=CODE: the row comes even when it is outside the board's limit
  }

  $("unfollow").addEventListener("click", function () { follow(null); });
  $("search").addEventListener("input", function () { draw({ animate: false }); });
  $("group").addEventListener("change", function () {
    group = $("group").value || null;
    before = null;
    connect();
  });
  Array.from(document.querySelectorAll(".live-round")).forEach(function (button) {
    button.addEventListener("click", function () {
      round = button.dataset.round;
      document.querySelectorAll(".live-round").forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
      group = null;
      before = null;
      connect();
    });
  });

  connect();
})();
