/* Shared by every page (no build step, no libraries).
 *
 * - el(): builds DOM nodes; text goes in through textContent only, never innerHTML.
 * - t(): the page's translated texts (rendered by the server into <script type="application/json">).
 * - Dec: exact decimals on BigInt (scores travel as strings such as "8.5"; no binary floats).
 * - request(): JSON to and from the server with the session's form token; never throws.
 * The judge's and the chief judge's pages add static/controls.js (the touch controls, the confirm dialog) and
 * static/outbox.js (marks kept until the server has them).
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

  window.Contest = {
    data: data,
    t: t,
    el: el,
    clear: clear,
    $: $,
    uuid: uuid,
    Dec: Dec,
    request: request,
    errorText: errorText,
    storageGet: storageGet,
    storageSet: storageSet,
  };
})();
