/* The organizer's control page: each round's entry status and board state, the buttons that change them
 * (PATCH /api/contests/{slug}/rounds/{key} with the organizer's token), the ceremony reveal step by step, and two
 * live previews of the selected round: what the audience sees (the public socket) and the live board (the socket
 * with ?token=, which also shows which rows the reveal still covers). The server's refusals are shown as it words
 * them, in the page's language.
 */
(function () {
  "use strict";

  const C = window.Contest;
  const B = window.Board;
  const t = C.t;
  const el = C.el;
  const $ = C.$;
  const data = C.data;

  let bearer = B.token();
  let rounds = data.rounds || [];
  let selected = data.round;
  let publicView = null;
  let organizerView = null;

  // -- the token -----------------------------------------------------------------------------------------------

  function showToken(message) {
    $("token-form").hidden = false;
    $("control").hidden = true;
    $("forget").hidden = true;
    $("token-error").textContent = message || "";
    $("token").focus();
  }

  $("token-entry").addEventListener("submit", function (event) {
    event.preventDefault();
    const value = $("token").value.trim();
    if (!value) return;
    bearer = value;
    B.keepToken(value);
    $("token").value = "";
    start();
  });

  $("forget").addEventListener("click", function () {
    bearer = "";
    B.keepToken("");
    organizerFeed.close();
    showToken("");
  });

  // -- messages ------------------------------------------------------------------------------------------------

  function fail(text) {
    const box = $("error");
    box.textContent = text;
    box.hidden = false;
    $("done").hidden = true;
  }

  function done(text) {
    $("error").hidden = true;
    const box = $("done");
    box.textContent = t("done", { what: text });
    box.hidden = false;
    window.clearTimeout(box.timer);
    box.timer = window.setTimeout(function () { box.hidden = true; }, 4000);
  }

  // -- rounds --------------------------------------------------------------------------------------------------

  function current() {
    return rounds.find(function (r) { return r.key === selected; }) || rounds[0];
  }

  async function loadRounds() {
    try {
      const response = await fetch(data.urls.rounds, { cache: "no-store", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const body = await response.json();
      rounds = body.rounds || rounds;
      drawRounds();
    } catch (err) {
      /* the previews say when the server is unreachable */
    }
  }

  let reloading = null;
  function reloadSoon() {
    window.clearTimeout(reloading);
    reloading = window.setTimeout(loadRounds, 250);
  }

  function revealText(r) {
    if (r.board !== "reveal") return "—";
    const view = r.key === selected && publicView && publicView.reveal ? publicView.reveal : null;
    const by = t((r.reveal && r.reveal.by) === "award" ? "reveal_by_award" : "reveal_by_rank");
    const step = view ? view.step + "/" + view.steps : r.reveal ? String(r.reveal.step) : "";
    return by + " " + step;
  }

  function drawRounds() {
    const body = $("rounds");
    C.clear(body);
    rounds.forEach(function (r) {
      const chosen = r.key === selected;
      body.append(
        el(
          "tr",
          { class: chosen ? "selected" : "", dataset: { round: r.key } },
          el("th", { scope: "row", text: r.label }),
          el("td", {}, el("span", { class: "chip status-" + r.status, text: t("status_" + r.status) })),
          el("td", {}, el("span", { class: "chip board-" + r.board, text: t("board_" + r.board) })),
          el("td", { text: revealText(r) }),
          el("td", {}, el("button", {
            type: "button",
            class: chosen ? "primary small-button" : "secondary small-button",
            "aria-pressed": chosen ? "true" : "false",
            text: chosen ? t("selected") : t("select"),
            onclick: function () { choose(r.key); },
          }))
        )
      );
    });
    drawPanel();
  }

  function drawPanel() {
    const r = current();
    if (!r) return;
    $("sel-label").textContent = r.label;
    const revealing = r.board === "reveal";
    const enable = {
      hide: r.board !== "hidden",
      live: r.board !== "live",
      freeze: r.board === "live",
      unfreeze: r.board === "frozen",
      lock: r.status === "open",
      unlock: r.status === "locked",
      "reveal-rank": true,
      "reveal-award": true,
      back: revealing,
      next: revealing,
      all: revealing,
    };
    document.querySelectorAll("[data-action]").forEach(function (button) {
      button.disabled = busy || !enable[button.dataset.action];
    });
    const reveal = publicView && publicView.board === "reveal" ? publicView.reveal : null;
    $("reveal-state").textContent = reveal ? t("reveal_state", { step: reveal.step, steps: reveal.steps, hidden: reveal.hidden }) : t("reveal_none");
    const screen = "/screen/" + encodeURIComponent(data.contest) + "?round=" + encodeURIComponent(r.key);
    $("screen-link").setAttribute("href", screen);
    // the token travels in the fragment, which the browser never sends to the server
    $("presenter-link").setAttribute("href", screen + "#token=" + encodeURIComponent(bearer));
  }

  function choose(key) {
    selected = key;
    publicView = organizerView = null;
    drawRounds();
    follow();
  }

  // -- actions -------------------------------------------------------------------------------------------------

  let busy = false;

  async function patch(body, what) {
    const r = current();
    busy = true;
    drawPanel();
    let result;
    try {
      result = await B.patchRound(data.urls.api, data.contest, r.key, body, bearer);
    } finally {
      busy = false;
    }
    if (result.status === 200) {
      const answer = result.body || {};
      rounds = rounds.map(function (x) {
        if (x.key !== r.key) return x;
        return Object.assign({}, x, { status: answer.status || x.status, board: answer.board || x.board, reveal: answer.reveal || null });
      });
      drawRounds();
      done(what);
      reloadSoon();
      return true;
    }
    if (result.status === 401) {
      B.keepToken("");
      showToken(t("token_invalid") + " (" + C.errorText(result) + ")");
      return false;
    }
    fail(result.status === 0 ? t("unreachable") : C.errorText(result));
    drawPanel();
    return false;
  }

  function askReason(options) {
    const dialog = $("reason-dialog");
    $("reason-title").textContent = options.title;
    $("reason-label").textContent = options.label;
    $("reason").value = "";
    $("reason-error").textContent = "";
    return new Promise(function (resolve) {
      function finish(value) {
        $("reason-form").removeEventListener("submit", submit);
        $("reason-cancel").removeEventListener("click", cancel);
        dialog.removeEventListener("cancel", cancel);
        if (dialog.open) dialog.close();
        resolve(value);
      }
      function submit(event) {
        event.preventDefault();
        const text = $("reason").value.trim();
        if (options.required && !text) {
          $("reason-error").textContent = t("unlock_reason_missing");
          return;
        }
        finish(text);
      }
      function cancel(event) {
        if (event) event.preventDefault();
        finish(null);
      }
      $("reason-form").addEventListener("submit", submit);
      $("reason-cancel").addEventListener("click", cancel);
      dialog.addEventListener("cancel", cancel);
      dialog.showModal();
      $("reason").focus();
    });
  }

  function stepTo(delta, all) {
    const reveal = publicView && publicView.reveal;
    if (!reveal) return;
    const target = all ? reveal.steps : Math.max(0, Math.min(reveal.steps, reveal.step + delta));
    if (target === reveal.step) return;
    patch({ reveal: target }, t("reveal_state", { step: target, steps: reveal.steps, hidden: "…" }));
  }

  document.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", async function () {
      const action = button.dataset.action;
      const label = button.textContent.trim();
      const r = current();
      if (action === "hide") patch({ board: "hidden" }, label);
      else if (action === "live" || action === "unfreeze") patch({ board: "live" }, label);
      else if (action === "freeze") patch({ board: "frozen" }, label);
      else if (action === "reveal-rank") patch({ board: "reveal", reveal_by: "rank" }, label);
      else if (action === "reveal-award") patch({ board: "reveal", reveal_by: "award" }, label);
      else if (action === "next") stepTo(1);
      else if (action === "back") stepTo(-1);
      else if (action === "all") stepTo(0, true);
      else if (action === "lock" || action === "unlock") {
        const locking = action === "lock";
        const reason = await askReason({
          title: t(locking ? "lock_title" : "unlock_title", { round: r.label }),
          label: t(locking ? "lock_reason" : "unlock_reason"),
          required: !locking,
        });
        if (reason === null) return;
        const body = { status: locking ? "locked" : "open" };
        if (reason) body.reason = reason;
        patch(body, label);
      }
    });
  });

  // -- the two previews ----------------------------------------------------------------------------------------

  function preview(prefix) {
    let cols = B.columns({ rows: [] });
    let tierOf = {};
    let before = null;
    const view = B.rowsView(
      $(prefix),
      function () { return el("li", { class: "board-row" }); },
      function (node, item) {
        B.fillRow(node, item, cols, tierOf, t);
        if (prefix === "organizer" && item.row && item.hiddenForPublic) {
          node.classList.add("not-public");
          node.title = t("not_public");
        }
      },
      { glide: 500, highlight: 4000 }
    );
    return {
      draw: function (payload, hiddenFor) {
        const rows = payload.rows || [];
        cols = B.columns(payload, null);
        tierOf = B.tiers(rows);
        $(prefix + "-wrap").style.setProperty("--cols", B.template(cols));
        B.headRow($(prefix + "-head"), cols, t);
        const items = [];
        if (prefix === "public" && payload.board === "reveal" && payload.reveal) {
          for (let i = 0; i < (payload.reveal.hidden || 0); i++) items.push({ key: "covered-" + i, covered: true });
        }
        rows.forEach(function (row) {
          items.push({ key: row.entrant, row: row, hiddenForPublic: hiddenFor ? hiddenFor(row) : false });
        });
        const diff = B.changes(before, rows);
        before = rows;
        view.update(items, { flash: diff.scored });
        $(prefix + "-note").textContent = payload.board === "hidden" ? t("board_hidden") : rows.length ? "" : t("empty");
      },
      reset: function () { before = null; },
    };
  }

  const publicPreview = preview("public");
  const organizerPreview = preview("organizer");

  function offlineText(state, since) {
    return state === "offline" ? t("offline_since", { time: B.clock(since || new Date()) }) + " · " + t("reconnecting") : "";
  }

  function hiddenForPublic(row) {
    if (!publicView || publicView.board !== "reveal") return false;
    if (row.rank === null || row.rank === undefined) return false;
    return !(publicView.rows || []).some(function (r) { return r.entrant === row.entrant; });
  }

  const publicFeed = new B.Feed(data.urls.ws, {
    onData: function (message) {
      publicView = message;
      $("public-offline").hidden = true;
      const badge = $("public-state");
      badge.textContent = t("board_" + message.board);
      publicPreview.draw(message);
      if (organizerView) organizerPreview.draw(organizerView, hiddenForPublic);
      reloadSoon(); // a board or reveal change by another organizer (or the screen's clicker)
    },
    onState: function (state, since) {
      $("public-offline").hidden = state !== "offline";
      $("public-offline").textContent = offlineText(state, since);
    },
    onError: function (error) {
      $("public-offline").hidden = false;
      $("public-offline").textContent = t("cannot_show", { message: error.message || "" });
    },
  });

  const organizerFeed = new B.Feed(data.urls.ws, {
    onData: function (message) {
      organizerView = message;
      $("organizer-offline").hidden = true;
      organizerPreview.draw(message, hiddenForPublic);
    },
    onState: function (state, since) {
      $("organizer-offline").hidden = state !== "offline";
      $("organizer-offline").textContent = offlineText(state, since);
    },
    onError: function (error) {
      if (error.code === "unauthorized") {
        B.keepToken("");
        organizerFeed.close();
        showToken(t("token_invalid") + " (" + (error.message || "") + ")");
        return;
      }
      $("organizer-offline").hidden = false;
      $("organizer-offline").textContent = t("cannot_show", { message: error.message || "" });
    },
  });

  function follow() {
    publicPreview.reset();
    organizerPreview.reset();
    publicFeed.open(data.contest, { round: selected });
    organizerFeed.open(data.contest, { round: selected, token: bearer });
  }

  function start() {
    if (!bearer) {
      showToken("");
      return;
    }
    $("token-form").hidden = true;
    $("control").hidden = false;
    $("forget").hidden = false;
    drawRounds();
    loadRounds();
    follow();
  }

  start();
})();
