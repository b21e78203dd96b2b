/* Shared by the venue screen, the phone page and the control page (no build step, no libraries).
 *
 * - Feed (static/feed.js, loaded first): the standings socket, its reconnection and its polled fallback.
 * - rowsView(): keeps one element per entrant and moves them to their new places with a FLIP animation (the rows
 *   glide), new rows fade in, a row just scored is highlighted for a few seconds.
 * - changes(), tiers(), clock(): what changed between two views, award tiers by rank, times as hh:mm:ss.
 * Data goes into the page through textContent and DOM calls only (names are untrusted).
 */
(function () {
  "use strict";

  // -- what changed between two views of a board -------------------------------------------------------------

  /* {scored: [codes whose total or completeness changed, or who appeared], moved: {code: places gained}} */
  function changes(before, after) {
    const scored = [];
    const moved = {};
    if (!before) return { scored: scored, moved: moved };
    const old = {};
    before.forEach(function (row) { old[row.entrant] = row; });
    after.forEach(function (row) {
      const was = old[row.entrant];
      if (!was) {
        if (row.total !== null && row.total !== undefined) scored.push(row.entrant);
        return;
      }
      if (was.total !== row.total || was.complete !== row.complete) scored.push(row.entrant);
      if (typeof was.rank === "number" && typeof row.rank === "number" && was.rank !== row.rank) {
        moved[row.entrant] = was.rank - row.rank;
      }
    });
    return { scored: scored, moved: moved };
  }

  /* Award name -> tier 1, 2, 3, ... in the order of the best rank holding it (first prize is the top one). */
  function tiers(rows) {
    const best = {};
    rows.forEach(function (row) {
      if (!row.award) return;
      const rank = typeof row.rank === "number" ? row.rank : 1e9;
      if (!(row.award in best) || rank < best[row.award]) best[row.award] = rank;
    });
    const order = Object.keys(best).sort(function (a, b) { return best[a] - best[b]; });
    const found = {};
    order.forEach(function (name, i) { found[name] = i + 1; });
    return found;
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clock(date) {
    return two(date.getHours()) + ":" + two(date.getMinutes()) + ":" + two(date.getSeconds());
  }

  // -- rows that glide ---------------------------------------------------------------------------------------

  const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  /* container: the list element. make(item) -> a new row element; fill(node, item) draws an item into it.
     update(items, {animate, flash: [keys]}) puts the rows in the order of `items` (each {key, ...}). */
  function rowsView(container, make, fill, options) {
    const nodes = new Map();
    const glide = (options && options.glide) || 700;
    const highlight = (options && options.highlight) || 6000;

    function flash(node) {
      node.classList.remove("scored");
      void node.offsetWidth; // restart the animation
      node.classList.add("scored");
      window.clearTimeout(node.scoredTimer);
      node.scoredTimer = window.setTimeout(function () { node.classList.remove("scored"); }, highlight);
    }

    function update(items, how) {
      const animate = !still && !(how && how.animate === false);
      const flashes = new Set((how && how.flash) || []);
      const before = new Map();
      if (animate) {
        nodes.forEach(function (node, key) {
          if (node.parentNode === container) before.set(key, node.getBoundingClientRect().top);
        });
      }
      const keep = new Set();
      const entering = [];
      items.forEach(function (item) {
        keep.add(item.key);
        let node = nodes.get(item.key);
        if (!node) {
          node = make(item);
          nodes.set(item.key, node);
          entering.push(node);
        }
        fill(node, item);
        container.append(node); // moves it to the end: the rows end up in the order of `items`
      });
      nodes.forEach(function (node, key) {
        if (!keep.has(key)) {
          node.remove();
          nodes.delete(key);
        }
      });
      if (animate) {
        const moving = [];
        nodes.forEach(function (node, key) {
          if (!before.has(key)) return;
          const dy = before.get(key) - node.getBoundingClientRect().top;
          if (Math.abs(dy) < 1) return;
          node.style.transition = "none";
          node.style.transform = "translateY(" + dy + "px)";
          moving.push(node);
        });
        if (moving.length) {
          void container.offsetHeight; // the rows start where they were ...
          moving.forEach(function (node) {
            node.style.transition = "transform " + glide + "ms cubic-bezier(0.2, 0.8, 0.2, 1)";
            node.style.transform = "";
          });
        }
        entering.forEach(function (node) {
          if (before.size === 0) return; // the first drawing does not animate
          node.classList.add("entering");
          window.setTimeout(function () { node.classList.remove("entering"); }, 1200);
        });
      }
      items.forEach(function (item) {
        if (flashes.has(item.key)) flash(nodes.get(item.key));
      });
    }

    return { update: update, node: function (key) { return nodes.get(key); } };
  }

  // -- the table of the screen and of the control page's previews ------------------------------------------

  /* Which columns a view needs: names and organizations unless the contest is blind (the payload blanks them), a
     column per round when the standing adds several up, awards when any is granted. */
  function columns(payload, fallbackLabels) {
    const rows = payload.rows || [];
    const labels = payload.labels || {};
    let keys = Object.keys(labels);
    if (!keys.length && rows.length) keys = Object.keys(rows[0].rounds || {});
    return {
      names: rows.some(function (r) { return !!r.name; }),
      orgs: rows.some(function (r) { return !!r.organization; }),
      rounds: keys.length > 1 ? keys : [],
      labels: function (key) { return labels[key] || (fallbackLabels && fallbackLabels[key]) || key; },
      awards: rows.some(function (r) { return !!r.award || !!r.advances; }),
    };
  }

  /* The grid of a row, as CSS grid-template-columns, in em of the row's type. */
  function template(cols) {
    // a round score is at most "100.00" in 0.8em type: 3.6em holds it; the name never shrinks below four
    // characters (Chinese names have two to four), the organization takes what is left
    const parts = ["3.2em", cols.names ? "3.6em" : "minmax(0, 1fr)"];
    if (cols.names) parts.push("minmax(4.2em, 1.15fr)");
    if (cols.orgs) parts.push("minmax(0, 1.5fr)");
    cols.rounds.forEach(function () { parts.push("3.6em"); });
    parts.push("5.2em");
    if (cols.awards) parts.push("4.8em");
    return parts.join(" ");
  }

  function headRow(node, cols, t) {
    const el = window.Contest.el;
    window.Contest.clear(node);
    node.append(el("span", { class: "c-rank", text: t("col_rank") }), el("span", { class: "c-code", text: t("col_code") }));
    if (cols.names) node.append(el("span", { class: "c-name", text: t("col_name") }));
    if (cols.orgs) node.append(el("span", { class: "c-org", text: t("col_org") }));
    cols.rounds.forEach(function (key) { node.append(el("span", { class: "c-round", text: cols.labels(key) })); });
    node.append(el("span", { class: "c-total", text: t("col_total") }));
    if (cols.awards) node.append(el("span", { class: "c-award", text: t("col_award") }));
  }

  /* One row: item {key, row, covered, moved}. */
  function fillRow(node, item, cols, tierOf, t) {
    const el = window.Contest.el;
    window.Contest.clear(node);
    if (item.covered) {
      node.className = "board-row covered";
      node.append(el("span", { class: "c-rank", text: "?" }), el("span", { class: "c-covered", text: t("covered") }));
      return;
    }
    const row = item.row;
    const classes = ["board-row"];
    if (!row.complete || row.total === null || row.total === undefined) classes.push("incomplete");
    if (row.advances) classes.push("advances");
    const tier = row.award ? tierOf[row.award] || 4 : 0;
    if (tier) classes.push("tier-" + Math.min(tier, 4));
    node.className = classes.join(" ") + (node.classList.contains("scored") ? " scored" : "") + (node.classList.contains("entering") ? " entering" : "");
    node.dataset.code = row.entrant;
    node.dataset.rank = row.rank === null || row.rank === undefined ? "" : String(row.rank);
    const rank = el("span", { class: "c-rank" }, el("b", { text: row.rank === null || row.rank === undefined ? "—" : String(row.rank) }));
    if (item.moved) rank.append(el("i", { class: item.moved > 0 ? "up" : "down", text: (item.moved > 0 ? "▲" : "▼") + Math.abs(item.moved) }));
    node.append(rank, el("span", { class: "c-code", text: row.entrant }));
    if (cols.names) node.append(el("span", { class: "c-name", text: row.name || "" }));
    if (cols.orgs) node.append(el("span", { class: "c-org", text: row.organization || "" }));
    cols.rounds.forEach(function (key) {
      const value = row.rounds ? row.rounds[key] : null;
      node.append(el("span", { class: "c-round", text: value === null || value === undefined ? "—" : value }));
    });
    node.append(el("span", { class: "c-total", text: row.total === null || row.total === undefined ? t("incomplete") : row.total }));
    if (cols.awards) {
      const award = el("span", { class: "c-award" });
      if (row.award) award.append(el("span", { class: "award tier-" + Math.min(tier, 4), text: row.award }));
      else if (row.advances) award.append(el("span", { class: "award advance", text: t("advances") }));
      node.append(award);
    }
  }

  // -- the organizer's token and round changes ------------------------------------------------------------------

  const TOKEN_KEY = "contest.organizer";

  /* The organizer token: from the URL fragment (#token=...), which is then kept in sessionStorage (this tab only)
     and taken out of the address bar, else what this tab kept before. */
  function token() {
    const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash || "");
    if (match) {
      let found = "";
      try {
        found = decodeURIComponent(match[1]).trim();
      } catch (err) {
        found = "";
      }
      keepToken(found);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", window.location.pathname + window.location.search);
      }
      if (found) return found;
    }
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || "";
    } catch (err) {
      return "";
    }
  }

  /* A token pasted into the address of an open page (#token=...): load the page again to take it. */
  window.addEventListener("hashchange", function () {
    if (/(?:^#|&)token=/.test(window.location.hash || "")) window.location.reload();
  });

  function keepToken(value) {
    try {
      if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (err) {
      /* private mode: the token lives as long as the page */
    }
  }

  /* PATCH /api/contests/{slug}/rounds/{key} with the organizer's token; resolves {status, body} (0: no network). */
  async function patchRound(api, contest, round, body, bearer) {
    let response;
    try {
      response = await fetch(api + encodeURIComponent(contest) + "/rounds/" + encodeURIComponent(round), {
        method: "PATCH",
        cache: "no-store",
        credentials: "omit",
        headers: {
          Accept: "application/json",
          "Accept-Language": document.documentElement.lang || "zh-CN",
          Authorization: "Bearer " + bearer,
          "Content-Type": "application/json",
        },
        body: JSON.stringify(body),
      });
    } catch (err) {
      return { status: 0, body: null };
    }
    let parsed = null;
    try {
      parsed = await response.json();
    } catch (err) {
      parsed = null;
    }
    return { status: response.status, body: parsed };
  }

  window.Board = {
    Feed: window.BoardFeed.Feed, // static/feed.js, loaded before this file
    changes: changes,
    tiers: tiers,
    clock: clock,
    rowsView: rowsView,
    wsUrl: window.BoardFeed.wsUrl,
    columns: columns,
    template: template,
    headRow: headRow,
    fillRow: fillRow,
    token: token,
    keepToken: keepToken,
    patchRound: patchRound,
  };
})();
