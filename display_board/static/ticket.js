/* The citizen's ticket page (/t/TOKEN, from the ticket's QR code): number, service, people ahead
   and the estimated wait, live; "请到3号窗口" when called; the full materials checklist; the
   一次性告知 notice when the case ended with materials missing. No login, nothing personal.
   Calls arrive as events on the ticket's topic, and so does every move of its queue
   (ticket.ahead: people ahead and the wait, pushed when others are called); a 15 s resync while
   the page is visible and the ticket waits is only the safety net. No open window for the
   service: the page says so and sends the holder to the guide's desk instead of a made-up wait.
   The call names the zone, floor and window; the end names the outcome (办结, 受理 with the
   promised date, 补正 with the notice, 不予受理 with the reasons, 转办 with where to). The QR code says which paper copy it was printed on (?p=2);
   when the kiosk has reprinted the ticket since (the server counts copies), the page tells the
   holder that this paper is void and the newest copy counts. */
(function () {
  "use strict";
  const H = window.HallQ;
  const $ = (id) => document.getElementById(id);
  const token = decodeURIComponent(window.location.pathname.split("/").pop());
  const topic = "ticket:" + token;
  const api = H.CAT.api + "/tickets/" + encodeURIComponent(token);
  const POLL_MS = 15000;
  const OPEN = ["waiting", "called", "serving", "parked"];
  const held = heldCopy();

  const LEVELS = ["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"];
  const BAD = ["dissatisfied", "very_dissatisfied"];
  const REASONS = ["attitude", "slow", "not_told_at_once", "unclear_rules", "long_wait", "result",
    "environment", "other"];

  const state = { ticket: null, guide: false, notice: false, evaluation: null, level: null };
  const live = new H.LiveClient({
    topics: [topic],
    onSnapshot: (_topic, ticket) => { state.ticket = ticket; render(); document.body.dataset.ready = "1"; },
    onEvent: event,
    onStatus: (how) => { document.body.dataset.live = how; H.pair($("live"), how === "online" ? "ticket_page.live" : "board.offline"); },
    onError: (frame) => {
      if (frame.code === "ticket.not_found") {
        message("ticket.not_found");
        document.body.dataset.ready = "1";
      }
    },
  });

  document.title = H.t("ticket_page.title")[0] + " · HallQ";
  H.pair($("title"), "ticket_page.title");
  H.pair($("materials-title"), "ticket_page.materials");
  H.pair($("notice-title"), "ticket_page.notice");
  H.pair($("rating-title"), "ticket_page.rate");
  H.pair($("reasons-title"), "ticket_page.rate_reasons");
  H.pair($("rate-submit"), "ticket_page.rate_submit");
  buildRating();
  buildSms();

  function event(frame) {
    const t = state.ticket;
    const p = frame.payload;
    if (!t) return;
    switch (frame.type) {
      case "ticket.called":
      case "ticket.recalled":
        t.status = "called";
        t.window = p.window;
        if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
        break;
      case "ticket.started": t.status = "serving"; break;
      case "ticket.concluded": t.status = "concluded"; break;
      case "ticket.no_show": t.status = "no_show"; break;
      case "ticket.parked": t.status = "parked"; break;
      case "ticket.ahead":
        t.people_ahead = p.people_ahead;
        t.estimated_wait_seconds = p.estimated_wait_seconds;
        t.serving_windows = p.serving_windows;
        render();
        return;  // the figures came with the event: no snapshot needed
      case "ticket.transferred":
      case "ticket.requeued": t.status = "waiting"; t.window = null; break;
      case "ticket.cancelled": t.status = "cancelled"; break;
      case "ticket.expired": t.status = "expired"; break;
      case "evaluation.requested":
      case "evaluation.recorded":
        loadEvaluation();
        return;
      default: break;
    }
    render();
    live.resync([topic]);
  }

  function heldCopy() {
    // The copy number printed in the QR code; anything else (no ?p, garbage) means "not known".
    const value = new URLSearchParams(window.location.search).get("p");
    return value && /^[1-9][0-9]{0,3}$/.test(value) ? Number(value) : null;
  }

  function renderPaper(t) {
    const box = $("superseded");
    const superseded = held !== null && typeof t.paper === "number" && held < t.paper;
    box.hidden = !superseded;
    document.body.dataset.paper = superseded ? "superseded" : "current";
    if (!superseded) return;
    box.replaceChildren();
    H.pair(box, "ticket_page.superseded", { held: held, paper: t.paper });
  }

  function render() {
    const t = state.ticket;
    renderPaper(t);
    $("number").textContent = t.number;
    $("service").textContent = t.service_name;
    H.pair($("state"), t.status === "concluded" && t.outcome ? "ticket_page.state." + t.outcome : t.status);
    $("card").dataset.status = t.status;
    $("card").dataset.outcome = t.outcome || "";
    renderWait(t);
    renderTransfer(t);
    const called = t.status === "called" && t.window;
    $("called").hidden = !called;
    if (called) {
      $("go").replaceChildren(H.emphasised(H.CAT.messages["ticket_page.go_to_window"][0], { window: t.window }));
      $("go").appendChild(H.el("span", "en", H.t("ticket_page.go_to_window", { window: t.window })[1]));
      $("place").textContent = [t.zone_name, t.floor, t.window_name].filter(Boolean).join(" · ");
      $("place").hidden = !$("place").textContent;
      H.pair($("hint"), "ticket_page.called_hint");
    }
    const messages = {
      serving: ["ticket_page.serving", { window: t.window || "" }],
      concluded: outcomeMessage(t),
      no_show: ["ticket_page.no_show", {}],
      parked: ["ticket_page.parked", {}],
      cancelled: ["ticket_page.ended", {}],
      expired: ["ticket_page.ended", {}],
    };
    if (messages[t.status]) message(...messages[t.status]);
    else $("message").hidden = true;
    if (!state.guide) loadGuide();
    if (t.status === "concluded" && !state.notice) loadNotice();
    if (t.status === "concluded" && !state.evaluation) loadEvaluation();
  }

  function renderWait(t) {
    const waiting = t.status === "waiting";
    const nobody = waiting && t.serving_windows === 0;
    $("card").dataset.wait = !waiting ? "" : nobody ? "no-window" : "estimate";
    $("ahead").hidden = !waiting;
    $("estimate").hidden = !waiting || (!nobody && t.estimated_wait_seconds == null);
    if (!waiting) return;
    H.pair($("ahead"), "ticket_page.people_ahead", { count: t.people_ahead });
    if (nobody) {
      H.pair($("estimate"), "ticket_page.no_window");
    } else if (t.people_ahead === 0) {
      H.pair($("estimate"), "ticket_page.next");
    } else if (t.estimated_wait_seconds != null) {
      // rounded up and never below a minute: "约 0 分钟" is never a truthful wait
      const minutes = Math.max(1, Math.ceil(t.estimated_wait_seconds / 60));
      H.pair($("estimate"), "ticket_page.estimate", { minutes: minutes });
    }
  }

  function renderTransfer(t) {
    const moved = t.status === "waiting" && (t.transferred_to_window || t.transferred_to_service);
    $("transferred").hidden = !moved;
    if (!moved) return;
    const target = t.transferred_to_window
      ? H.t("ticket_page.transferred_window", { window: t.transferred_to_window })
      : [t.transferred_to_service, t.transferred_to_service];
    const zh = H.t("ticket_page.transferred", { target: target[0] })[0];
    const en = H.t("ticket_page.transferred", { target: target[1] })[1];
    $("transferred").replaceChildren(H.el("span", "zh", zh), H.el("span", "en", en));
  }

  function outcomeMessage(t) {
    switch (t.outcome) {
      case "promised":
        return t.promised_date
          ? ["ticket_page.outcome.promised", { date: longDate(t.promised_date) }]  // [zh, en] date
          : ["ticket_page.outcome.promised_nodate", {}];
      case "correction": return ["ticket_page.outcome.correction", {}];
      case "refused": return ["ticket_page.outcome.refused", { reasons: t.refused_reasons || "" }];
      case "referred": return ["ticket_page.outcome.referred", { to: t.referred_to || "" }];
      case "immediate": return ["ticket_page.outcome.immediate", {}];
      default: return ["ticket_page.concluded", {}];
    }
  }

  /** A day in each language's way: [zh, en]. */
  function longDate(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    const fields = { year: y, month: m, day: d };
    return [H.t("ticket_page.date", fields)[0], H.t("ticket_page.date", fields)[1]];
  }

  /** A message in both languages; a field given as [zh, en] goes into each in its own language. */
  function message(key, fields) {
    const box = $("message");
    const pick = (i) => Object.fromEntries(Object.entries(fields || {}).map(([k, v]) => [k, Array.isArray(v) ? v[i] : v]));
    box.replaceChildren(H.el("span", "zh", H.t(key, pick(0))[0]), H.el("span", "en", H.t(key, pick(1))[1]));
    box.hidden = false;
  }

  function loadGuide() {
    state.guide = true;
    fetch(api + "/guide")
      .then((r) => (r.ok ? r.json() : null))
      .then((service) => {
        if (!service) return;
        const items = (service.guide.materials || []).map((m) => {
          const li = H.el("li");
          li.appendChild(H.el("span", "name", m.name));
          const counts = [];
          if (m.originals) counts.push(H.t("ticket_page.originals", { count: m.originals })[0]);
          if (m.copies) counts.push(H.t("ticket_page.copies", { count: m.copies })[0]);
          if (counts.length) li.appendChild(H.el("span", "counts", counts.join(" · ")));
          if (m.note) li.appendChild(H.el("span", "note", m.note));
          return li;
        });
        $("materials-list").replaceChildren(...items);
        $("where").textContent = [service.guide.location, service.guide.hours].filter(Boolean).join(" · ");
        $("materials").hidden = !items.length;
      })
      .catch(() => { state.guide = false; });
  }

  function loadNotice() {
    state.notice = true;
    fetch(api + "/notice")
      .then((r) => (r.ok ? r.json() : null))
      .then((notice) => {
        if (!notice || !notice.missing_items.length) return;
        const items = notice.missing_items.map((m) => {
          const li = H.el("li", null, m.name);
          if (m.note) li.appendChild(H.el("span", "note", m.note));
          return li;
        });
        $("notice-items").replaceChildren(...items);
        $("notice").hidden = false;
      })
      .catch(() => { state.notice = false; });
  }

  // ---------------------------------------------------------------- 好差评 from the phone (一次一评)

  function buildRating() {
    $("levels").replaceChildren(...LEVELS.map((level) => {
      const button = H.pair(H.el("button", "level"), "ticket_page.level." + level);
      button.dataset.level = level;
      button.addEventListener("click", () => choose(level));
      return button;
    }));
    $("reason-list").replaceChildren(...REASONS.map((reason) => {
      const label = H.el("label", "reason");
      const box = H.el("input");
      box.type = "checkbox";
      box.value = reason;
      label.appendChild(box);
      label.appendChild(H.el("span", null, H.t("ticket_page.reason." + reason)[0]));
      return label;
    }));
    $("rate-submit").addEventListener("click", submit);
  }

  function choose(level) {
    state.level = level;
    for (const button of $("levels").children) {
      button.classList.toggle("chosen", button.dataset.level === level);
    }
    $("reasons").hidden = !BAD.includes(level);
    $("rate-submit").disabled = false;
  }

  function loadEvaluation() {
    fetch(api + "/evaluation")
      .then((r) => (r.ok ? r.json() : null))
      .then((evaluation) => { if (evaluation) showEvaluation(evaluation); })
      .catch(() => {});
  }

  function showEvaluation(evaluation) {
    state.evaluation = evaluation;
    const box = $("rating");
    box.dataset.status = evaluation.status;
    if (evaluation.status === "pending") {
      box.hidden = false;
      return;
    }
    if (evaluation.status === "rated" && evaluation.level) {
      box.hidden = false;
      for (const id of ["levels", "reasons", "rate-submit"]) $(id).hidden = true;
      const level = H.t("ticket_page.level." + evaluation.level)[0];
      H.pair($("rated"), "ticket_page.rated", { level: level });
      $("rated").hidden = false;
      return;
    }
    box.hidden = true;
  }

  function submit() {
    const evaluation = state.evaluation;
    if (!evaluation || !state.level) return;
    $("rate-submit").disabled = true;
    const reasons = BAD.includes(state.level)
      ? Array.from($("reason-list").querySelectorAll("input:checked")).map((box) => box.value)
      : [];
    fetch(H.CAT.api + "/evaluations/" + evaluation.id + "/rating", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ level: state.level, reasons: reasons, ticket_token: token }),
    })
      .then((r) => r.json().then((body) => ({ ok: r.ok, body: body })))
      .then(({ ok, body }) => {
        if (ok) { showEvaluation(body); return; }
        $("rated").replaceChildren();
        H.pair($("rated"), body.code || "evaluation.closed");
        $("rated").hidden = false;
        $("rate-submit").disabled = false;
      })
      .catch(() => { $("rate-submit").disabled = false; });
  }

  // ---------------------------------------------------------------- 短信告知, opted in from the phone

  function buildSms() {
    H.pair($("sms-title"), "ticket_page.sms_title");
    H.pair($("sms-hint"), "ticket_page.sms_hint");
    H.pair($("sms-phone-label"), "ticket_page.sms_phone");
    H.pair($("sms-english-label"), "ticket_page.sms_english");
    H.pair($("sms-on"), "ticket_page.sms_on");
    H.pair($("sms-off"), "ticket_page.sms_off");
    $("sms-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const phone = $("sms-phone").value.replace(/\s+/g, "");
      changeSms("PUT", { phone: phone, language: $("sms-english").checked ? "en" : "zh-CN" });
    });
    $("sms-off").addEventListener("click", () => changeSms("DELETE", null));
    fetch(api + "/sms")
      .then((r) => (r.ok ? r.json() : null))
      .then((sms) => { if (sms) showSms(sms); })
      .catch(() => {});
  }

  /** Shown only where the hall sends SMS notices; the number only ever masked. */
  function showSms(sms) {
    const t = state.ticket;
    const ended = t && ["cancelled", "expired"].includes(t.status);
    $("sms").hidden = !sms.available || (ended && !sms.enabled);
    $("sms").dataset.enabled = String(sms.enabled);
    $("sms-form").hidden = sms.enabled;
    $("sms-enabled").hidden = !sms.enabled;
    if (sms.enabled) H.pair($("sms-to"), "ticket_page.sms_enabled", { phone: sms.phone_masked });
  }

  function changeSms(method, body) {
    $("sms-on").disabled = $("sms-off").disabled = true;
    $("sms-error").hidden = true;
    const options = { method: method, headers: { "Content-Type": "application/json" } };
    if (body) options.body = JSON.stringify(body);
    fetch(api + "/sms", options)
      .then((r) => r.json().then((answer) => ({ ok: r.ok, answer: answer })))
      .then(({ ok, answer }) => {
        if (ok) { $("sms-phone").value = ""; showSms(answer); return; }
        const error = $("sms-error");  // the server's message in both languages, with its stable code
        error.dataset.code = answer.code || "";
        error.replaceChildren(H.el("span", "zh", answer.message || ""), H.el("span", "en", answer.message_en || ""));
        error.hidden = false;
      })
      .catch(() => {})
      .finally(() => { $("sms-on").disabled = $("sms-off").disabled = false; });
  }

  setInterval(() => {
    const t = state.ticket;
    if (!document.hidden && t && OPEN.includes(t.status)) live.resync([topic]);
  }, POLL_MS);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) { if (live.socket) live.resync([topic]); else live.connect(); }
  });
  live.connect();
  window.hallqTicket = { state, live };
})();
