/* 窗口屏: one window's screen (topic "window:N"): its number and name, the ticket it calls or
   serves, the clerk's name and staff number, 暂停服务 when paused, "临时有事，请稍候" when 暂离.
   Events update it at once; a fresh snapshot follows each (debounced) for what events do not
   carry, such as the clerk who just opened the window. A 限期整改窗口 sign shows while the window's
   rectification week lasts (window.sign events and each snapshot's rectification_until).
   ?voice=1 makes it speak its own calls. */
(function () {
  "use strict";
  const H = window.HallQ;
  const $ = (id) => document.getElementById(id);
  const number = decodeURIComponent(window.location.pathname.split("/").pop());
  const topic = "window:" + number;
  const VOICE_ON = H.params().get("voice") === "1";
  const FLASH_MS = 6000;
  const OUTCOME_MS = 60000;
  const REFRESH_EVERY = 5 * 60000;

  const state = { window: null, settings: { enabled: true, repeat: 2, chime: true, english: false } };
  const announcer = new H.Announcer($("voice"));
  const live = new H.LiveClient({
    topics: [topic],
    onSnapshot: (_topic, w) => { state.window = w; render(); document.body.dataset.ready = "1"; },
    onEvent: event,
    onStatus: status,
    onError: problem,
  });

  document.title = H.t("window_screen.page_title")[0] + " · HallQ";
  H.pair($("title"), "window_screen.title", { window: number });

  function event(frame) {
    H.clock.seen(frame.ts);
    const w = state.window;
    const p = frame.payload;
    if (!w) return;
    switch (frame.type) {
      case "ticket.called":
      case "ticket.recalled":
        if (p.window !== w.number) break;
        w.current = { number: p.number, status: "called", service_name: p.service_name };
        render();
        flash();
        if (VOICE_ON) announcer.announce({ ...p, recall: frame.type === "ticket.recalled" }, state.settings);
        break;
      case "ticket.started":
        if (w.current && w.current.number === p.number) { w.current.status = "serving"; render(); }
        break;
      case "ticket.concluded":
        if (w.current && w.current.number === p.number) {
          // the citizen still at the desk reads how the case ended, for a minute
          state.outcome = { ...p, until: Date.now() + OUTCOME_MS };
          w.current = null;
          render();
          setTimeout(render, OUTCOME_MS + 50);
        }
        break;
      case "ticket.no_show":
      case "ticket.parked":
      case "ticket.transferred":
        if (w.current && w.current.number === p.number) { w.current = null; render(); }
        break;
      case "window.status":
        if (p.window === w.number) { w.status = p.status; w.pause_reason = p.reason; render(); }
        break;
      default:
        break;
    }
    refreshSoon();
  }

  function render() {
    const w = state.window;
    const main = $("main");
    $("name").textContent = w.name;
    main.classList.remove("paused", "away", "closed", "called", "serving", "idle");
    for (const id of ["label", "number", "calling", "state", "sub"]) $(id).hidden = true;
    if (w.status === "closed") {
      main.classList.add("closed");
      show("state", "board.closed");
    } else if (w.status === "paused") {
      const away = w.pause_reason === "away";
      main.classList.add(away ? "away" : "paused");
      show("state", away ? "board.away" : "board.paused");
      if (away) show("sub", "board.paused");
    } else if (w.current && w.current.status === "called") {
      main.classList.add("called");
      const calling = $("calling");
      calling.replaceChildren(H.emphasised(H.CAT.messages["window_screen.calling"][0],
        { number: w.current.number, window: w.number }));
      calling.appendChild(H.el("span", "en", H.t("window_screen.calling",
        { number: w.current.number, window: w.number })[1]));
      calling.hidden = false;
      H.fit(calling);
    } else if (w.current) {
      main.classList.add("serving");
      show("label", "window_screen.serving");
      $("number").textContent = w.current.number;
      $("number").hidden = false;
    } else {
      main.classList.add("idle");
      show("label", "window_screen.welcome");
      const o = state.outcome;
      if (o && o.outcome && Date.now() < o.until) {
        const key = o.outcome === "promised" && !o.promised_date ? "promised_nodate" : o.outcome;
        const [, month, day] = (o.promised_date || "--").split("-").map(Number);
        const date = o.promised_date ? H.t("window_screen.date", { month, day }) : ["", ""];
        const fields = (i) => ({ number: o.number, date: date[i], to: o.referred_to || "" });
        const sub = $("sub");
        const outcomeKey = "window_screen.outcome." + key;
        sub.replaceChildren(H.el("span", "zh", H.t(outcomeKey, fields(0))[0]), H.el("span", "en", H.t(outcomeKey, fields(1))[1]));
        sub.hidden = false;
        main.dataset.outcome = o.outcome;
      } else {
        main.dataset.outcome = "";
      }
    }
    if (!main.classList.contains("called")) main.classList.remove("flash");  // a pause stops the flash
    main.dataset.number = w.current ? w.current.number : "";
    main.dataset.status = w.status;
    renderSign(w);
    const clerk = w.status !== "closed" ? w.clerk : null;
    $("clerk").replaceChildren();
    $("staff-no").replaceChildren();
    if (clerk) {
      H.pair($("clerk"), "window_screen.clerk", { name: clerk.name });
      H.pair($("staff-no"), "window_screen.staff_no", { staff_no: clerk.staff_no });
    }
  }

  const isoDay = new Intl.DateTimeFormat("en-CA", { timeZone: H.clock.timezone });  // YYYY-MM-DD

  /* 群众不满意窗口: the 限期整改窗口 sign while its week lasts (the server says until which day). */
  function renderSign(w) {
    const sign = $("sign");
    const until = w.rectification_until;
    const today = until ? isoDay.format(new Date(H.clock.now())) : "";
    sign.hidden = !until || today > until;
    document.body.classList.toggle("rectifying", !sign.hidden);
    if (sign.hidden) return;
    const [, month, day] = until.split("-").map(Number);
    sign.replaceChildren();
    H.pair(sign, "window_screen.rectification");
    H.pair(sign.appendChild(H.el("div", "ws-sign-until")), "window_screen.rectification_until",
      { month: month, day: day });
  }

  function show(id, key, fields) {
    const node = $(id);
    node.replaceChildren();
    H.pair(node, key, fields);
    node.hidden = false;
  }

  let flashTimer = null;
  function flash() {
    const main = $("main");
    main.classList.remove("flash");
    void main.offsetWidth;
    main.classList.add("flash");
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => main.classList.remove("flash"), FLASH_MS);
  }

  let refreshTimer = null;
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => live.resync([topic]), 600);
  }

  function status(how) {
    document.body.dataset.live = how;
    const box = $("status");
    if (how === "online") { box.hidden = true; return; }
    setTimeout(() => {
      if (document.body.dataset.live === "offline") { H.pair(box, "board.offline"); box.hidden = false; }
    }, 3000);
  }

  function problem(frame) {
    if (frame.code && frame.code.startsWith("auth.")) {
      H.pair($("status"), "board.unauthorised");
      $("status").hidden = false;
      document.body.dataset.live = "unauthorised";
      live.drop();
      live.schedule();
    } else if (frame.code === "window.not_found") {
      H.pair($("status"), "window.not_found", { number: number });
      $("status").hidden = false;
    }
  }

  function loadSettings() {
    fetch(H.CAT.api + "/hall/settings", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((s) => { if (s && s.voice) state.settings = s.voice; })
      .catch(() => {});
  }

  const tick = () => { $("time").textContent = H.format("short", H.clock.now()); };
  setInterval(tick, 1000);
  tick();
  setInterval(() => { live.resync([topic]); if (VOICE_ON) loadSettings(); }, REFRESH_EVERY);
  if (VOICE_ON) loadSettings();
  live.connect();
  window.hallqWindow = { state, live, announcer };
})();
