/* The chief judge's block for judges' logins (templates/_credentials.html): list every judge of the contest with
 * their login's state, revoke a login, or give a judge a new QR code (the old one stops working at once). Talks to
 * /api/contests/{slug}/judges/... with the page's session and form token (common.js's request). Data reaches the
 * page through textContent and attributes only. */
(function () {
  "use strict";

  function init() {
    const C = window.Contest;
    const root = document.getElementById("logins");
    if (!C || !root) return;
    let messages = {};
    try {
      messages = JSON.parse(document.getElementById("logins-messages").textContent || "{}");
    } catch (err) {
      messages = {};
    }
    function t(key, params) {
      let text = messages[key] || key;
      Object.keys(params || {}).forEach(function (name) {
        text = text.split("{" + name + "}").join(String(params[name]));
      });
      return text;
    }
    const slug = (C.data.contest && C.data.contest.slug) || "";
    const base = "/api/contests/" + encodeURIComponent(slug) + "/judges/";
    const list = C.$("logins-list");
    const error = C.$("logins-error");
    const done = C.$("logins-done");
    let loaded = false;

    function when(iso) {
      if (!iso) return "";
      const moment = new Date(iso);
      if (isNaN(moment.getTime())) return iso;
      return moment.toLocaleString(document.documentElement.lang || "zh-CN", {
        month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
      });
    }

    function state(judge) {
      if (!judge.login) return t("no_login");
      if (!judge.devices) return t("not_signed_in");
      const text = t("signed_in", { n: judge.devices });
      return judge.seen ? text + " · " + t("seen", { time: when(judge.seen) }) : text;
    }

    function row(judge) {
      const name = judge.name ? " " + judge.name : "";
      const actions = C.el("div", { class: "logins-actions" });
      if (judge.manageable) {
        actions.append(
          C.el("button", { type: "button", class: "secondary", onclick: function () { reissue(judge); } }, t("reissue")),
          C.el("button", { type: "button", class: "ghost danger-text", disabled: !judge.login,
            onclick: function () { revoke(judge); } }, t("revoke"))
        );
      } else {
        actions.append(C.el("span", { class: "muted small" }, t("organizer_only")));
      }
      return C.el("li", { class: "logins-row", dataset: { judge: judge.code } },
        C.el("div", { class: "logins-who" },
          C.el("strong", {}, judge.code), C.el("span", {}, name),
          C.el("span", { class: "muted small logins-state" }, state(judge))),
        actions);
    }

    async function load() {
      const result = await C.request("GET", base + "logins");
      if (result.status !== 200) {
        error.textContent = C.errorText(result);
        return;
      }
      error.textContent = "";
      C.clear(list);
      result.body.judges.forEach(function (judge) { list.append(row(judge)); });
      loaded = true;
    }

    async function ask(title, text) {
      if (C.$("confirm")) {
        return (await C.confirmDialog({ title: title, sub: text, ok: title, danger: true })) !== null;
      }
      return window.confirm(title + "\n" + text);
    }

    async function revoke(judge) {
      if (!(await ask(t("revoke_title", { code: judge.code }), t("revoke_text")))) return;
      const result = await C.request("POST", base + encodeURIComponent(judge.code) + "/revoke");
      if (result.status !== 200) {
        error.textContent = C.errorText(result);
        return;
      }
      C.$("logins-new").hidden = true;
      done.textContent = t("revoked", { code: judge.code, n: result.body.sessions });
      done.hidden = false;
      await load();
    }

    async function reissue(judge) {
      if (!(await ask(t("reissue_title", { code: judge.code }), t("reissue_text")))) return;
      const result = await C.request("POST", base + encodeURIComponent(judge.code) + "/reissue?qr=svg");
      if (result.status !== 200) {
        error.textContent = C.errorText(result);
        return;
      }
      done.hidden = true;
      C.$("logins-new-text").textContent = t("reissued", { code: judge.code });
      const link = C.$("logins-new-link");
      link.textContent = result.body.login_url;
      link.setAttribute("href", result.body.login_url);
      const qr = C.$("logins-new-qr");
      if (typeof result.body.qr === "string" && result.body.qr.indexOf("data:image/svg+xml;") === 0) {
        qr.setAttribute("src", result.body.qr);
        qr.setAttribute("alt", result.body.login_url);
        qr.hidden = false;
      } else {
        qr.hidden = true;
      }
      C.$("logins-new").hidden = false;
      await load();
    }

    C.$("logins-details").addEventListener("toggle", function (event) {
      if (event.target.open && !loaded) load();
    });
    if (C.$("logins-details").open) load();
  }

  // this deferred script comes before common.js in the page: start once every deferred script has run
  if (window.Contest) init();
  else document.addEventListener("DOMContentLoaded", init);
})();
