/* 综合屏: the lobby board. Topic "hall", or "zone:X" with ?zone=X (that zone's windows only).

   A call event is drawn at once from its payload (the benchmarked path) and spoken; everything an
   event does not carry (waiting counts, clerks, estimates) comes from a fresh snapshot asked for
   shortly after (debounced), and a full snapshot every few minutes keeps a board that runs for
   days from drifting. Calls missed while the socket was away are found in the next snapshot's
   recent calls and shown and spoken then, if still recent. */
(function () {
  "use strict";
  const H = window.HallQ;
  const $ = (id) => document.getElementById(id);
  const query = H.params();
  const zone = query.get("zone");
  const topic = zone ? "zone:" + zone : "hall";
  const RECENT = Math.max(3, Math.min(10, Number(query.get("recent")) || 8));
  const VOICE_ON = query.get("voice") !== "0";
  const FLASH_MS = 6000;
  const CATCH_UP_MS = 120000;
  const REFRESH_DEBOUNCE = 800;
  const REFRESH_MAX_DELAY = 4000;
  const REFRESH_EVERY = 5 * 60000;
  const SEEN_LIMIT = 200;

  const state = {
    hall: null,
    windows: new Map(),
    serviceNames: new Map(),
    recent: [],
    current: null,
    lastCallAt: null,
    seen: [],
    calls: 0,
    settings: { enabled: true, repeat: 2, chime: true, english: false, window_by_name: false },
    startedAt: Date.now(),
  };
  const announcer = new H.Announcer($("voice"));
  const live = new H.LiveClient({
    topics: [topic],
    onSnapshot: snapshot,
    onEvent: event,
    onStatus: status,
    onError: problem,
  });
  const windowsPager = H.pager($("windows"), 10);
  const queuesPager = H.pager($("queues"), 8);

  // ------------------------------------------------------------------ labels

  document.title = H.t("board.title")[0] + " · HallQ";
  H.pair($("call-label"), "board.now_calling");
  H.pair($("windows-label"), "board.windows");
  H.pair($("recent-label"), "board.recent");
  H.pair($("queues-label"), "board.queues");
  if (zone) { $("zone").hidden = false; H.pair($("zone"), "board.zone", { zone: zone }); }
  H.pair($("sound-off"), "board.sound_off");
  $("sound-off").addEventListener("click", () => announcer.unblock());
  announcer.onBlocked = (blocked) => { $("sound-off").hidden = !blocked; };

  // ------------------------------------------------------------------ snapshots and events

  function at(iso) { return Date.parse(iso); }
  function key(number, window, when) { return number + "|" + window + "|" + when; }
  function seen(k) { return state.seen.includes(k); }
  function remember(k) {
    state.seen.push(k);
    if (state.seen.length > SEEN_LIMIT) state.seen.splice(0, state.seen.length - SEEN_LIMIT);
  }

  function snapshot(_topic, snap) {
    state.hall = snap.hall;
    H.clock.timezone = snap.hall.timezone;
    H.clock.seen(snap.hall.now);
    $("hall-name").textContent = snap.hall.name;
    $("hall-name-en").textContent = snap.hall.name_en || "";
    notice(snap.hall.notice);
    state.windows = new Map(snap.windows.map((w) => [w.number, w]));
    state.serviceNames = new Map(snap.queues.map((q) => [q.service_code, q.service_name]));
    const calls = snap.recent_calls.map((c) => ({
      number: c.number,
      window: c.window,
      window_name: (state.windows.get(c.window) || {}).name || "",
      service_code: c.service_code,
      service_name: state.serviceNames.get(c.service_code) || "",
      recall: c.recall,
      at: at(c.at),
    }));
    if (state.lastCallAt === null) {
      state.lastCallAt = calls.length ? calls[0].at : 0;
      calls.forEach((c) => remember(key(c.number, c.window, c.at)));
      if (calls.length) show(calls[0], false);
      loadSettings();
    } else {
      const now = H.clock.now();
      calls
        .filter((c) => c.at > state.lastCallAt && !seen(key(c.number, c.window, c.at)))
        .reverse()
        .forEach((c) => call(c, now - c.at < CATCH_UP_MS));
    }
    state.recent = distinct(calls).slice(0, RECENT);
    renderWindows();
    renderRecent();
    renderQueues(snap.queues);
    document.body.dataset.ready = "1";
  }

  function event(frame) {
    H.clock.seen(frame.ts);
    const p = frame.payload;
    switch (frame.type) {
      case "ticket.called":
      case "ticket.recalled": {
        const window = state.windows.get(p.window);
        if (window) {
          window.current = { number: p.number, status: "called", service_code: p.service_code };
          renderWindows();
        }
        call({ ...p, recall: frame.type === "ticket.recalled", at: at(frame.ts) }, true);
        break;
      }
      case "ticket.concluded":
      case "ticket.no_show":
      case "ticket.parked":
        free(p.window, p.number);
        announcer.void(p.number, frame.type);  // a call that ended is not announced late
        break;
      case "ticket.transferred":
        free(p.from_window, p.number);
        announcer.void(p.number, frame.type);
        break;
      case "ticket.cancelled":
      case "ticket.expired":
        announcer.void(p.number, frame.type);
        break;
      case "window.status": {
        const window = state.windows.get(p.window);
        if (window) {
          window.status = p.status;
          window.pause_reason = p.reason;
          renderWindows();
        }
        break;
      }
      case "assignments.changed": {
        // a reallocation (a work profile applied to many windows) is taken at once from the event;
        // the queues' figures follow with the debounced resync below. The window cards do not show
        // services, so nothing is redrawn: a profile applied to ten windows is ten events in a row,
        // and ten redraws (each a forced layout of every card for the pager) held up the last one.
        const window = state.windows.get(p.window);
        if (window && Array.isArray(p.services)) window.services = p.services.slice();
        break;
      }
      case "hall.settings":
        notice(p.notice);
        loadSettings();
        break;
      default:
        break;
    }
    refreshSoon();
  }

  function call(c, speak) {
    const k = key(c.number, c.window, c.at);
    if (seen(k)) return;
    remember(k);
    state.lastCallAt = Math.max(state.lastCallAt || 0, c.at);
    state.calls += 1;
    show(c, true);
    state.recent = distinct([c, ...state.recent]).slice(0, RECENT);
    renderRecent();
    if (speak && VOICE_ON) announcer.announce(c, state.settings);
  }

  function free(number, ticket) {
    const window = state.windows.get(number);
    if (window && window.current && window.current.number === ticket) {
      window.current = null;
      renderWindows();
    }
  }

  function distinct(calls) {
    const out = [];
    const have = new Set();
    for (const c of calls) {
      const k = c.number + "|" + c.window;
      if (!have.has(k)) { have.add(k); out.push(c); }
    }
    return out;
  }

  // ------------------------------------------------------------------ drawing

  let flashTimer = null;
  function show(c, flash) {
    state.current = c;
    const box = $("call");
    const [zh, en] = [H.CAT.messages["board.call"][0], H.t("board.call", c)[1]];
    const text = $("call-text");
    text.replaceChildren(H.emphasised(zh, { number: c.number, window: c.window }));
    if (c.recall) text.prepend(H.el("span", "badge", H.t("board.recall")[0]));
    H.fit(text);
    $("call-en").textContent = en;
    const detail = [c.window_name, c.service_name].filter(Boolean).join(" · ");
    $("call-service").textContent = detail;
    box.dataset.number = c.number;
    box.dataset.window = c.window;
    box.dataset.recall = c.recall ? "1" : "0";
    if (flash) {
      box.classList.remove("flash");
      void box.offsetWidth;  // restart the animation for a recall of the same number
      box.classList.add("flash");
      clearTimeout(flashTimer);
      flashTimer = setTimeout(() => box.classList.remove("flash"), FLASH_MS);
    }
  }

  function renderWindows() {
    const cards = [];
    for (const w of state.windows.values()) {
      if (w.status === "closed") continue;
      const card = H.el("div", "win");
      card.dataset.window = w.number;
      card.appendChild(H.el("div", "win-no", H.t("board.window_no", { window: w.number })[0]));
      card.appendChild(H.el("div", "win-name", w.name));
      const now = H.el("div", "win-now");
      if (w.status === "paused") {
        card.classList.add(w.pause_reason === "away" ? "away" : "paused");
        H.pair(now, w.pause_reason === "away" ? "board.away" : "board.paused");
      } else if (w.current) {
        card.classList.add(w.current.status === "called" ? "called" : "busy");
        now.textContent = w.current.number;
      } else {
        card.classList.add("free");
        H.pair(now, "board.free");
      }
      card.appendChild(now);
      cards.push(card);
    }
    $("windows").replaceChildren(...cards);
    windowsPager.layout();
  }

  function renderRecent() {
    const items = state.recent.map((c) => {
      const li = H.el("li", c.recall ? "recall" : null);
      li.appendChild(H.el("b", "num", c.number));
      li.appendChild(H.el("span", "to", H.t("window_screen.title", { window: c.window })[0]));
      if (c.recall) li.appendChild(H.el("i", "badge", H.t("board.recall")[0]));
      li.appendChild(H.el("time", null, H.format("short", c.at)));
      return li;
    });
    $("recent").replaceChildren(...items);
    H.clip($("recent"));
  }

  function renderQueues(queues) {
    const shown = queues
      .filter((q) => q.waiting > 0 || q.windows_open > 0)
      .sort((a, b) => b.waiting - a.waiting || a.service_code.localeCompare(b.service_code));
    const items = shown.map((q) => {
      const li = H.el("li");
      li.dataset.service = q.service_code;
      li.appendChild(H.el("span", "svc", q.service_name));
      li.appendChild(H.el("b", "count", H.t("board.people", { count: q.waiting })[0]));
      const minutes = q.estimated_wait_seconds ? Math.max(1, Math.round(q.estimated_wait_seconds / 60)) : null;
      li.appendChild(H.el("span", "est", q.waiting && minutes ? H.t("board.minutes", { minutes })[0] : ""));
      return li;
    });
    if (!items.length) items.push(H.pair(H.el("li", "empty"), "board.nobody_waiting"));
    $("queues").replaceChildren(...items);
    queuesPager.layout();
  }

  function notice(text) {
    const span = $("notice");
    if (span.textContent === (text || "")) return;
    span.textContent = text || "";
    span.style.animationDuration = Math.max(20, (text || "").length * 0.4) + "s";
    span.style.animationName = "none";
    void span.offsetWidth;
    span.style.animationName = "";
  }

  function tick() {
    const now = H.clock.now();
    $("time").textContent = H.format("time", now);
    $("date").textContent = H.format("date", now);
    // belt and braces for screens left on for weeks: reload once a night (the cookie keeps the token)
    const hour = Number(H.format("short", now).slice(0, 2));
    if (Date.now() - state.startedAt > 20 * 3600000 && hour === 3) window.location.reload();
  }

  // ------------------------------------------------------------------ refresh, settings, status

  let refreshTimer = null;
  let refreshFirst = 0;
  function refreshSoon() {
    const now = Date.now();
    if (!refreshTimer) refreshFirst = now;
    clearTimeout(refreshTimer);
    const wait = Math.min(REFRESH_DEBOUNCE, Math.max(0, refreshFirst + REFRESH_MAX_DELAY - now));
    refreshTimer = setTimeout(() => { refreshTimer = null; live.resync([topic]); }, wait);
  }

  function loadSettings() {
    fetch(H.CAT.api + "/hall/settings", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((s) => { if (s && s.voice) state.settings = s.voice; })
      .catch(() => {});
  }

  let offlineTimer = null;
  function status(how) {
    const box = $("status");
    if (how === "online") {
      clearTimeout(offlineTimer);
      offlineTimer = null;
      box.hidden = true;
      document.body.dataset.live = "online";
      return;
    }
    document.body.dataset.live = "offline";
    if (!offlineTimer) {
      offlineTimer = setTimeout(() => { H.pair(box, "board.offline"); box.hidden = false; }, 3000);
    }
  }

  function problem(frame) {
    if (frame.code && frame.code.startsWith("auth.")) {
      const box = $("status");
      H.pair(box, "board.unauthorised");
      box.hidden = false;
      document.body.dataset.live = "unauthorised";
      live.drop();
      live.schedule();
    }
  }

  setInterval(tick, 1000);
  setInterval(() => { live.resync([topic]); loadSettings(); }, REFRESH_EVERY);
  tick();
  live.connect();
  window.hallqBoard = { state, live, announcer };
})();
