/* The chief judge's page, two read-only panels: an entrant's breakdown (the total, rank and award first, then each
 * step with its value, as GET /chief/api/explain gives them in the page's language) and the round's history (each
 * lock, unlock and board change with who, when and why, newest first). chief.js calls them. */
(function () {
  "use strict";

  const C = window.Contest;
  const t = C.t;
  const el = C.el;
  const $ = C.$;

  /* The breakdown as a panel: the total, rank and award first (in the detail's head), then each step with its value. */
  function breakdown(body) {
    const p = body.panel;
    const outcome = $("outcome");
    C.clear(outcome);
    const place =
      p.rank === null
        ? t(p.total === null ? "incomplete" : "not_ranked")
        : p.group
          ? t("total_rank_group", { rank: p.rank, group: p.group })
          : t("total_rank", { rank: p.rank });
    outcome.append.apply(
      outcome,
      [el("p", { class: "outcome-total" }, el("span", { class: "outcome-label", text: t("total_label") }), el("strong", { id: "outcome-total", text: p.total === null ? "—" : p.total })),
      el(
        "p",
        { class: "outcome-place" },
        el("strong", { id: "outcome-rank", text: place }),
        p.award ? el("span", { class: "badge award", text: p.award }) : null,
        p.advances ? el("span", { class: "badge", text: t("advances") }) : null
      ),
      p.issues.length ? el("ul", { class: "outcome-issues" }, p.issues.map(function (i) { return el("li", { text: i }); })) : null,
      p.tie_breakers ? el("p", { class: "muted small", text: t("tie_breakers", { values: p.tie_breakers }) }) : null].filter(Boolean)
    );
    const box = $("explain");
    C.clear(box);
    box.append(
      el("p", { class: "sr-only", text: body.lines[0] }),
      el(
        "ol",
        { class: "steps" },
        p.steps.map(function (step) {
          return el(
            "li",
            { class: "step-line" + (step.value === null ? " incomplete" : "") },
            el("span", { class: "step-label", text: step.label }),
            el("span", { class: "step-value", text: step.value === null ? "—" : step.value }),
            el("span", { class: "step-detail", text: step.detail })
          );
        })
      )
    );
  }

  /* The round's history: each lock, unlock and board change with who, when and the reason, newest first. */
  function events(progress) {
    const list = $("events");
    C.clear(list);
    const events = (progress && progress.events) || [];
    if (!events.length) list.append(el("li", { class: "muted", text: t("events_none") }));
    events.forEach(function (e) {
      const what = e.changes.length
        ? e.changes.map(function (c) {
            if (c.what === "status") return t(c.to === "locked" ? "event_status_locked" : "event_status_open");
            if (c.what === "board") return t("event_board", { before: t("board_" + c.from), after: t("board_" + c.to) });
            return t("event_reveal", { by: t("reveal_by_" + c.by), step: c.step });
          }).join(" · ")
        : t("event_nochange");
      const who =
        e.by_judge || e.by === "judge" ? t("event_by_chief", { code: e.by_judge }).trim() : t("event_by_" + e.by);
      const when = new Date(e.at);
      list.append(
        el(
          "li",
          { class: "event", dataset: { version: e.version } },
          el("p", { class: "event-what" }, el("strong", { text: what })),
          el(
            "p",
            { class: "event-meta" },
            el("time", { datetime: e.at, text: isNaN(when) ? e.at : when.toLocaleString(document.documentElement.lang || undefined, { hour12: false }) }),
            " · ",
            el("span", { class: "event-who", text: who })
          ),
          el("p", { class: "event-reason" + (e.reason ? "" : " muted"), text: e.reason || t("event_no_reason") })
        )
      );
    });
  }

  C.chiefPanels = { breakdown: breakdown, events: events };
})();
