/* The standings feed of the venue screen, the phone page and the control page (no build step, no libraries).
 *
 * One standings WebSocket (/ws/contests/{slug}/standings?...). Renders snapshots and any update newer than the
 * version shown; asks for a fresh snapshot when an update's `previous` is not the version shown; reconnects by
 * itself with exponential back-off (also when the page comes back from the background, the network returns, or
 * nothing, not even a ping, arrived for a while) and says since when it is offline. Where websockets cannot connect
 * at all, it polls the same address over HTTP (ETag, backing off) until a socket works again.
 * Exposed as window.BoardFeed (and, through static/board.js, as window.Board.Feed).
 */
(function () {
  "use strict";

  const MIN_DELAY = 500;
  const MAX_DELAY = 10000;
  const SILENCE = 40000; // pings come about every 15 s: this long without a word means the socket is dead
  const FALLBACK_AFTER = 2; // sockets in a row that fail before their first message: poll meanwhile
  const POLL = 3000; // the fallback asks for the board this often (an unchanged board: a 304, no body)
  const POLL_MAX = 30000; // and backs off to this when the server cannot be reached
  const PROBE = 30000; // while polling works, a socket is tried again at most this far apart

  function query(params, skip) {
    const found = [];
    Object.keys(params).forEach(function (key) {
      const value = params[key];
      if (key === skip || value === null || value === undefined || value === "") return;
      found.push(encodeURIComponent(key) + "=" + encodeURIComponent(String(value)));
    });
    return found.length ? "?" + found.join("&") : "";
  }

  function wsUrl(base, contest, params) {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + base + encodeURIComponent(contest) + "/standings" + query(params);
  }

  /* The fallback: the same address over plain HTTP answers with the snapshot the socket would send. The token
   * travels in a header there, not in the address. */
  function pollUrl(base, contest, params) {
    return base + encodeURIComponent(contest) + "/standings" + query(params, "token");
  }

  /* hooks: onData(message), onState(state "connecting" | "online" | "offline", since Date | null, via "socket" |
   * "polling"), onError(error).
   *
   * When websockets cannot connect (some WeChat builds, proxies that refuse the upgrade: FALLBACK_AFTER sockets in a
   * row that closed before their first message), the feed polls the same address over HTTP every POLL ms with
   * If-None-Match, backing off to POLL_MAX while the server cannot be reached, and keeps trying a socket now and
   * then (at most PROBE ms apart); the first socket that delivers a message ends the polling. */
  class Feed {
    constructor(base, hooks) {
      this.base = base;
      this.hooks = hooks || {};
      this.ws = null;
      this.wsHeard = false; // the current socket has delivered a message
      this.target = null; // {contest, params}
      this.shown = null; // the version on the page
      this.delay = 0;
      this.timer = null;
      this.since = null;
      this.state = "connecting";
      this.via = "socket";
      this.heard = 0;
      this.stopped = false;
      this.failures = 0; // sockets in a row that failed before their first message (kept across open())
      this.polling = false;
      this.pollOk = false;
      this.pollTimer = null;
      this.pollDelay = POLL;
      this.pollTurn = 0; // a poll answered after another began, or for another board, is dropped
      this.etag = null;
      const self = this;
      window.setInterval(function () {
        if (self.ws && self.ws.readyState === 1 && Date.now() - self.heard > SILENCE) {
          self.lost(); // a socket that went quiet (a locked phone, a sleeping laptop, a dead Wi-Fi)
        }
      }, 5000);
      function wake() {
        if (self.stopped || !self.target) return;
        if (self.polling) self.poll();
        if (!self.ws || self.ws.readyState > 1 || Date.now() - self.heard > 20000) self.connect();
      }
      window.addEventListener("online", wake);
      window.addEventListener("pageshow", wake);
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "visible") wake();
      });
    }

    /* Follow another board (or the same one with other parameters): a fresh socket and snapshot. */
    open(contest, params) {
      this.target = { contest: contest, params: params || {} };
      this.shown = null;
      this.etag = null;
      this.delay = 0;
      this.stopped = false;
      if (this.polling) this.poll(); // sockets failed: the board comes by polling at once, the socket is tried too
      this.connect();
    }

    close() {
      this.stopped = true;
      window.clearTimeout(this.timer);
      this.stopPolling();
      this.drop();
    }

    drop() {
      const ws = this.ws;
      this.ws = null;
      if (ws) {
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
        try {
          ws.close();
        } catch (err) {
          /* already closed */
        }
      }
    }

    setState(state, via) {
      if (state === "online") this.since = null;
      else if (state === "offline" && !this.since) this.since = new Date();
      this.state = state;
      if (via) this.via = via;
      if (this.hooks.onState) this.hooks.onState(state, this.since, this.via);
    }

    connect() {
      window.clearTimeout(this.timer);
      this.drop();
      if (!this.target || this.stopped) return;
      let ws;
      try {
        ws = new WebSocket(wsUrl(this.base, this.target.contest, this.target.params));
      } catch (err) {
        this.wsHeard = false;
        this.lost();
        return;
      }
      this.ws = ws;
      this.wsHeard = false;
      this.heard = Date.now();
      if (this.state !== "offline" && !this.pollOk) this.setState("connecting");
      const self = this;
      ws.onmessage = function (event) {
        if (ws !== self.ws) return;
        self.heard = Date.now();
        let message;
        try {
          message = JSON.parse(event.data);
        } catch (err) {
          return;
        }
        if (!self.wsHeard) {
          self.wsHeard = true;
          self.failures = 0;
          if (self.polling) self.stopPolling(); // the socket works (again): it carries the board from now on
        }
        self.receive(message, true);
      };
      ws.onclose = function () {
        if (ws === self.ws) self.lost();
      };
    }

    lost() {
      const heard = this.wsHeard;
      this.drop();
      if (!heard) this.failures += 1;
      if (this.failures >= FALLBACK_AFTER && !this.polling && !this.stopped) this.startPolling();
      if (!this.pollOk) this.setState("offline");
      if (this.stopped) return;
      const most = this.pollOk ? PROBE : MAX_DELAY;
      this.delay = this.delay ? Math.min(most, this.delay * 2) : MIN_DELAY;
      const self = this;
      this.timer = window.setTimeout(function () { self.connect(); }, this.delay + Math.floor(Math.random() * this.delay * 0.3));
    }

    // -- the fallback: polling the same address over HTTP ------------------------------------------------------

    startPolling() {
      this.polling = true;
      this.pollDelay = POLL;
      this.poll();
    }

    stopPolling() {
      this.polling = false;
      this.pollOk = false;
      this.pollTurn += 1;
      window.clearTimeout(this.pollTimer);
    }

    async poll() {
      window.clearTimeout(this.pollTimer);
      if (!this.polling || this.stopped || !this.target) return;
      const turn = ++this.pollTurn;
      const target = this.target;
      const headers = { Accept: "application/json" };
      if (this.etag) headers["If-None-Match"] = this.etag;
      if (target.params.token) headers.Authorization = "Bearer " + target.params.token;
      let response = null;
      let body = null;
      try {
        response = await fetch(pollUrl(this.base, target.contest, target.params), { cache: "no-store", headers: headers });
        if (response.status !== 304) body = await response.json();
      } catch (err) {
        response = null;
      }
      if (turn !== this.pollTurn || target !== this.target || !this.polling) return; // overtaken
      const self = this;
      const again = function (delay) {
        self.pollTimer = window.setTimeout(function () { self.poll(); }, delay + Math.floor(Math.random() * delay * 0.2));
      };
      if (response && (response.status === 200 || response.status === 304)) {
        const back = !this.pollOk;
        this.pollOk = true;
        this.pollDelay = POLL;
        if (response.status === 200 && body && body.type === "snapshot") {
          this.etag = response.headers.get("ETag");
          this.receive(body, false);
        } else if (this.state !== "online" || this.via !== "polling") {
          this.setState("online", "polling");
        }
        // the server is back (after it was down, or at first): a socket may well work now, try one at once
        if (back && (!this.ws || this.ws.readyState > 1)) this.connect();
        again(this.pollDelay);
        return;
      }
      if (response && response.status >= 400 && response.status < 500 && response.status !== 429 && body && body.error) {
        // an unknown contest or round, a refused token: say so, and look again now and then
        this.pollOk = true;
        if (this.hooks.onError) this.hooks.onError(body.error);
        again(POLL_MAX);
        return;
      }
      this.pollOk = false;
      if (this.state !== "offline" || !this.ws) this.setState("offline");
      this.pollDelay = Math.min(POLL_MAX, this.pollDelay * 2);
      again(this.pollDelay);
    }

    receive(message, fromSocket) {
      if (!message || typeof message !== "object") return;
      if (message.type === "ping") {
        if (this.state !== "online") this.setState("online", "socket");
        return;
      }
      if (message.type === "error") {
        // an unknown contest or round: say so, and look again now and then (it may be created meanwhile)
        if (this.hooks.onError) this.hooks.onError(message.error || {});
        if (this.stopped) return;
        const ws = this.ws;
        this.ws = null;
        if (ws) {
          ws.onclose = null;
          try {
            ws.close();
          } catch (err) {
            /* closed */
          }
        }
        this.delay = MAX_DELAY;
        const self = this;
        window.clearTimeout(this.timer);
        this.timer = window.setTimeout(function () { self.connect(); }, 30000);
        return;
      }
      if (message.type !== "snapshot" && message.type !== "update") return;
      if (fromSocket) this.delay = 0;
      const via = fromSocket ? "socket" : "polling";
      if (this.state !== "online" || this.via !== via) this.setState("online", via);
      const version = typeof message.version === "number" ? message.version : null;
      if (message.type === "update" && this.shown !== null && typeof message.previous === "number" && message.previous !== this.shown) {
        this.ask(); // a gap: this update is complete anyway, but ask for a snapshot to be sure
      }
      if (message.type === "update" && version !== null && this.shown !== null && version <= this.shown) return;
      if (version !== null) this.shown = version;
      if (this.hooks.onData) this.hooks.onData(message);
    }

    ask() {
      if (this.ws && this.ws.readyState === 1) {
        try {
          this.ws.send(JSON.stringify({ type: "snapshot" }));
        } catch (err) {
          /* the close handler reconnects */
        }
      }
    }
  }

  window.BoardFeed = { Feed: Feed, wsUrl: wsUrl };
})();
