/* Refusals on the judge's page: why the server refused a submission, said in the judge's words (what happened and
 * what to do; no round key, no field name), and the refused copies a later accepted mark replaces.
 * Loaded after common.js; adds to window.Contest:
 *   refusalKind(outbox, entry, queueUrl, onQueue) -> Promise of "locked" | "panel" | "judge" | "entrant" | "other"
 *       (kept on the entry's error as `kind`; a 403 on the round asks the server for the round's state and hands
 *       the fresh queue to onQueue(round, queue))
 *   refusalText(error)           -> the sentence shown on the form and in the outbox list
 *   dropSuperseded(outbox, body) -> discards refused entries of the same entrant, round and item
 */
(function () {
  "use strict";

  const C = window.Contest;
  const t = C.t;
  const asked = {}; // client_id -> Promise of its kind

  function refusalKind(outbox, entry, queueUrl, onQueue) {
    if (asked[entry.id]) return asked[entry.id];
    const error = entry.error || {};
    asked[entry.id] = (async function () {
      let kind = "other";
      if (error.status === 403 && error.field === "round") {
        const round = entry.body.round;
        const result = await C.request("GET", queueUrl + "?round=" + encodeURIComponent(round));
        if (result.status === 200) {
          onQueue(round, result.body);
          kind = result.body.round.status === "locked" ? "locked" : !result.body.round.on_panel ? "panel" : "other";
        } else kind = "locked"; // the usual reason, when the server cannot be asked
      } else if (error.status === 403 && (error.field === "judge" || error.field === "slug")) kind = "judge";
      else if (error.status === 403 && error.field === "entrant") kind = "entrant";
      outbox.update(entry.id, function (e) {
        if (e.error) e.error.kind = kind;
      });
      return kind;
    })();
    return asked[entry.id];
  }

  function refusalText(error) {
    const kind = error.kind || "";
    if (kind === "locked" || kind === "panel" || kind === "judge" || kind === "entrant") return t("refused_" + kind);
    return t("refused_other", { message: error.message || "HTTP " + error.status });
  }

  function dropSuperseded(outbox, body) {
    outbox.entries().forEach(function (e) {
      const b = e.body;
      if (e.state === "failed" && b.round === body.round && b.entrant === body.entrant && b.item === body.item) {
        outbox.discard(e.id);
      }
    });
  }

  Object.assign(C, { refusalKind: refusalKind, refusalText: refusalText, dropSuperseded: dropSuperseded });
})();
