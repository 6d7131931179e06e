/* The clerk console (窗口叫号): one window, worked all day from the keyboard.

   The page holds no state of its own that the server does not: every action is a POST that names
   the ticket the screen shows (``expected``), so a stale page, a second tab or a double click is
   refused instead of acting on a ticket nobody saw; call-next also carries a request id, so a press
   whose reply was lost can be repeated without calling a second ticket. After every action, every
   live event of the window or its zone and every (re)connect, the page reads the desk again
   (GET /windows/{n}/desk): it resyncs by itself. Shortcuts never fire while typing in a field. */
(function () {
  "use strict";
  const H = window.HallQ;
  const $ = (id) => document.getElementById(id);
  const PROBE_MS = 2000;

  const state = {
    number: null, desk: null, me: null, busy: false, pendingCall: null,
    live: null, refreshing: null, again: false, timer: null, probe: null, services: null,
  };

  // key → button id (documented in docs/consoles.md and in the shortcut line at the bottom)
  const KEYS = {
    F1: "call-next", Space: "call-next", R: "recall", S: "start", C: "conclude", N: "no-show",
    T: "transfer", P: "park", B: "callback", Z: "pause",
  };

  const base = () => "/windows/" + encodeURIComponent(state.number);
  const current = () => (state.desk && state.desk.current) || null;
  const expected = () => (current() ? current().number : "");

  function requestId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  // ------------------------------------------------------------------ reading the desk

  /** Read the desk again; calls while one read runs are folded into one more read after it. */
  function refresh() {
    if (state.refreshing) { state.again = true; return state.refreshing; }
    state.refreshing = (async () => {
      try {
        do {
          state.again = false;
          render(await H.api("GET", base() + "/desk"));
        } while (state.again);
      } finally {
        state.refreshing = null;
      }
    })();
    return state.refreshing;
  }

  function soon() {
    clearTimeout(state.timer);
    state.timer = setTimeout(() => refresh().catch(() => { /* the live link will bring it back */ }), 100);
  }

  function text(node, key, fields) {
    node.textContent = "";
    H.pair(node, key, fields);
    return node;
  }

  /** Like ``text``, with fields that are themselves catalogue keys (named in each language). */
  function textNamed(node, key, fields, named) {
    const zh = Object.assign({}, fields);
    const en = Object.assign({}, fields);
    for (const [field, nameKey] of Object.entries(named)) [zh[field], en[field]] = H.t(nameKey);
    node.textContent = "";
    node.appendChild(H.el("span", "zh", H.t(key, zh)[0]));
    node.appendChild(H.el("span", "en", H.t(key, en)[1]));
    return node;
  }

  function render(desk) {
    state.desk = desk;
    H.clock.seen(desk.now);
    const w = desk.window;
    $("window-title").textContent = w.name + " · " + H.t("board.window_no", { window: w.number })[0];
    const status = $("window-status");
    status.className = "pill " + (w.status === "open" ? "ok" : w.status === "paused" ? "warn" : "bad");
    text(status, "clerk.status." + w.status);
    if (w.clerk) status.appendChild(H.el("span", "clerk-name", w.clerk.name + " (" + w.clerk.staff_no + ")"));
    document.body.dataset.windowStatus = w.status;
    const banner = $("paused-banner");
    banner.hidden = w.status !== "paused";
    if (!banner.hidden) {
      textNamed(banner, "clerk.paused_banner", {}, { reason: "clerk.pause_reason." + (w.pause_reason || "other") });
    }
    H.pair($("pause-label"), w.status === "paused" ? "clerk.resume" : "clerk.pause");
    renderTicket(desk.current);
    renderQueue(desk);
    renderAside(desk.aside);
    renderEvaluation(desk.evaluation);
    renderToday(desk.today);
    updateButtons();
    tick();
  }

  function renderTicket(ticket) {
    const box = $("current");
    box.dataset.number = ticket ? ticket.number : "";
    box.dataset.status = ticket ? ticket.status : "";
    $("no-current").hidden = !!ticket;
    $("ticket").hidden = !ticket;
    if (!ticket) return;
    $("ticket-number").textContent = ticket.number;
    $("ticket-service").textContent = ticket.service_name;
    text($("ticket-status"), ticket.status);
    const priority = $("ticket-priority");
    priority.hidden = !ticket.priority_class;
    if (ticket.priority_class) {
      text(priority, "clerk.priority." + ticket.priority_class);
      const [zh, en] = H.t(ticket.priority_confirmed ? "clerk.priority_confirmed" : "clerk.priority_unconfirmed");
      priority.appendChild(H.el("span", "zh", " · " + zh));
      priority.appendChild(H.el("span", "en", en));
      priority.className = "pill " + (ticket.priority_confirmed ? "ok" : "warn");
    }
    $("priority-check").hidden = !ticket.priority_class || ticket.priority_confirmed;
    const left = Math.max(0, ticket.recall_limit - ticket.recalls);
    text($("recalls-left"), "clerk.recalls_left", { left });
    text($("recall-hint"), "clerk.recalls_left", { left });
    for (const [id, value] of [["id-masked", ticket.id_masked], ["phone-masked", ticket.phone_masked]]) {
      $(id).textContent = value || "";
      $(id).hidden = !value;
      $(id).previousElementSibling.hidden = !value;
    }
    const from = $("transferred-from");
    from.hidden = !ticket.transferred_from;
    if (ticket.transferred_from) {
      text(from, "clerk.transferred_from", { window: ticket.transferred_from, reason: ticket.transfer_reason });
    }
    const materials = $("materials");
    materials.textContent = "";
    for (const item of ticket.guide.materials) {
      const li = H.el("li");
      li.appendChild(H.el("b", null, item.name));
      const copies = H.t("clerk.material_copies", { originals: item.originals, copies: item.copies });
      li.appendChild(H.el("span", "muted", " " + copies[0] + (item.note ? " · " + item.note : "")));
      materials.appendChild(li);
    }
    if (!ticket.guide.materials.length) materials.appendChild(text(H.el("li", "muted"), "clerk.no_materials"));
    const promised = $("promised");
    promised.hidden = !ticket.guide.promised_limit_days;
    if (!promised.hidden) text(promised, "clerk.promised_days", { days: ticket.guide.promised_limit_days });
    const conditions = $("conditions");
    conditions.textContent = "";
    for (const line of ticket.guide.conditions) conditions.appendChild(H.el("li", null, line));
  }

  function renderQueue(desk) {
    const body = document.querySelector("#queue tbody");
    body.textContent = "";
    for (const q of desk.queue) {
      const tr = H.el("tr");
      tr.dataset.service = q.service_code;
      tr.appendChild(H.el("td", null, q.service_name));
      tr.appendChild(H.el("td", "num waiting", String(q.waiting)));
      tr.appendChild(H.el("td", "num", q.waiting ? H.duration(q.longest_wait_seconds)[0] : ""));
      tr.appendChild(H.el("td", "next", q.next.join(" ")));
      body.appendChild(tr);
    }
    if (!desk.queue.length) {
      const tr = H.el("tr");
      const td = text(H.el("td", "muted"), "clerk.queue_empty");
      td.colSpan = 4;
      tr.appendChild(td);
      body.appendChild(tr);
    }
    const sent = $("sent-here");
    sent.hidden = !desk.sent_here.length;
    if (!sent.hidden) {
      text(sent, "clerk.sent_here");
      sent.appendChild(H.el("b", null, " " + desk.sent_here.join(" ")));
    }
  }

  function renderAside(aside) {
    const list = $("aside");
    list.textContent = "";
    for (const item of aside) {
      const li = H.el("li");
      li.dataset.number = item.number;
      li.dataset.status = item.status;
      li.appendChild(H.el("b", null, item.number));
      li.appendChild(H.el("span", null, " " + item.service_name + " "));
      li.appendChild(text(H.el("span", "pill"), item.status));
      const button = H.el("button");
      button.type = "button";
      if (item.status === "parked") {
        text(button, "clerk.callback");
        button.className = "do-callback";
        button.addEventListener("click", () => callback(item.number));
      } else {
        text(button, "clerk.requeue");
        button.className = "do-requeue";
        button.addEventListener("click", () => act("requeue", { ticket: item.number }, item.number, "clerk.done.requeue"));
      }
      li.appendChild(button);
      list.appendChild(li);
    }
    if (!aside.length) list.appendChild(text(H.el("li", "muted"), "clerk.aside_empty"));
  }

  function renderEvaluation(evaluation) {
    const node = $("evaluation");
    node.dataset.status = evaluation ? evaluation.status : "";
    node.dataset.ticket = evaluation ? evaluation.ticket : "";
    if (!evaluation) { text(node, "clerk.evaluation.none"); return; }
    const named = evaluation.level ? { level: "clerk.level." + evaluation.level } : {};
    textNamed(node, "clerk.evaluation." + evaluation.status, { ticket: evaluation.ticket }, named);
  }

  function renderToday(today) {
    const list = $("today");
    list.textContent = "";
    const rows = [
      ["called", today.called], ["served", today.served], ["no_shows", today.no_shows],
      ["transferred", today.transferred], ["parked", today.parked], ["recalls", today.recalls],
    ];
    for (const [key, value] of rows) {
      list.appendChild(text(H.el("dt"), "clerk.today." + key));
      const dd = H.el("dd", "num", String(value));
      dd.dataset.key = key;
      list.appendChild(dd);
    }
    list.appendChild(text(H.el("dt"), "clerk.today.average"));
    const average = H.el("dd", "num");
    average.dataset.key = "average";
    if (today.average_handling_seconds === null) text(average, "clerk.dash");
    else {
      const [zh, en] = H.duration(today.average_handling_seconds);
      average.appendChild(H.el("span", "zh", zh));
      average.appendChild(H.el("span", "en", en));
    }
    list.appendChild(average);
  }

  /** The ticking clocks of the current ticket (since issue, since call or start). */
  function tick() {
    const ticket = current();
    if (!ticket) return;
    const now = H.clock.now();
    const since = (iso) => (iso ? Math.max(0, (now - Date.parse(iso)) / 1000) : 0);
    $("since-issue").textContent = H.duration(since(ticket.issued_at))[0];
    const serving = ticket.status === "serving" && ticket.started_at;
    $("since-call").textContent = H.duration(since(serving ? ticket.started_at : ticket.called_at))[0];
    H.pair($("since-call").previousElementSibling, serving ? "clerk.serving_for" : "clerk.since_call");
  }

  // ------------------------------------------------------------------ buttons and actions

  function updateButtons() {
    const desk = state.desk;
    const ticket = current();
    const open = desk && desk.window.status === "open";
    const closed = !desk || desk.window.status === "closed";
    const parked = desk ? desk.aside.filter((a) => a.status === "parked").length : 0;
    const rules = {
      "call-next": open && !ticket,
      recall: !!ticket && ticket.status === "called" && ticket.recalls < ticket.recall_limit,
      start: !!ticket && ticket.status === "called",
      conclude: !!ticket,
      "no-show": !!ticket && ticket.status === "called",
      transfer: !!ticket,
      park: !!ticket,
      callback: !ticket && !closed && parked > 0,
      pause: !closed,
      "close-window": !ticket && !closed,
      "confirm-priority": !!ticket,
      "reject-priority": !!ticket,
    };
    for (const [id, allowed] of Object.entries(rules)) $(id).disabled = state.busy || !allowed;
    for (const button of document.querySelectorAll("#aside button.do-callback")) button.disabled = state.busy || !!ticket;
    for (const button of document.querySelectorAll("#aside button.do-requeue")) button.disabled = state.busy || closed;
    document.body.dataset.busy = state.busy ? "1" : "0";
  }

  function setBusy(busy) {
    state.busy = busy;
    updateButtons();
  }

  /** POST one window action; the answer or a refusal, then a fresh read of the desk. */
  async function act(action, body, ticket, doneKey) {
    if (state.busy) return null;
    setBusy(true);
    try {
      const result = await H.api("POST", base() + "/" + action, body || {});
      if (doneKey) H.toast(doneKey, { ticket: ticket || "" });
      return result;
    } catch (error) {
      report(error);
      return null;
    } finally {
      setBusy(false);
      await refresh().catch(() => { /* offline: the live link resyncs on reconnect */ });
    }
  }

  async function callNext() {
    if (state.busy) return;
    // a press whose reply never came is repeated with the same id: the server answers with the
    // ticket it called then, never a second one
    const id = state.pendingCall || requestId();
    state.pendingCall = id;
    setBusy(true);
    try {
      const result = await H.api("POST", base() + "/call-next", { expected: expected(), request_id: id });
      state.pendingCall = null;
      if (result.ticket) H.toast("clerk.called", { ticket: result.ticket.number });
      else H.toast("window.nothing_waiting");
    } catch (error) {
      if (error.status !== 0) state.pendingCall = null;
      H.toast(error);
    } finally {
      setBusy(false);
      await refresh().catch(() => {});
    }
  }

  async function callback(number) {
    if (state.busy || !number) return;
    setBusy(true);
    try {
      await H.api("POST", base() + "/callback", { ticket: number, request_id: requestId() });
      H.toast("clerk.called", { ticket: number });
    } catch (error) {
      H.toast(error);
    } finally {
      setBusy(false);
      await refresh().catch(() => {});
    }
  }

  function simple(action, doneKey) {
    const ticket = current();
    return act(action, { expected: expected() }, ticket ? ticket.number : "", doneKey);
  }

  async function confirmPriority(accept) {
    const ticket = current();
    if (!ticket || state.busy) return;
    setBusy(true);
    try {
      await H.api("POST", "/tickets/" + encodeURIComponent(ticket.token) + "/confirm-priority", { accept });
    } catch (error) {
      H.toast(error);
    } finally {
      setBusy(false);
      await refresh().catch(() => {});
    }
  }

  // ------------------------------------------------------------------ dialogs

  function openDialog(dialog, focus) {
    clearErrors(dialog);
    dialog.showModal();
    if (focus) focus.focus();
  }

  // ------------------------------------------------------------------ errors where they are read

  // A refusal about one field is shown under that field, inside the dialog; the toast line would
  // sit under the dialog's dim layer, and the browser's own bubble speaks English.
  const FIELD_OF = {
    "case.reasons_required": "reasons",
    "case.referral_required": "referred_to",
    "case.missing_items_required": "missing",
    "case.unknown_material": "missing",
    "ticket.invalid_phone": "phone",
    "clerk.transfer_reason_required": "reason",
    "clerk.transfer_target_required": "to_window",
  };

  function clearErrors(dialog) {
    for (const node of dialog.querySelectorAll(".field-error, .dialog-error")) {
      node.hidden = true;
      node.textContent = "";
    }
    for (const node of dialog.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  }

  /** Show an error (an ApiError or a catalogue key) in the open dialog, or on the toast line. */
  function report(what, fields) {
    const dialog = document.querySelector("dialog.clerk-dialog[open]");
    if (!dialog) { H.toast(what, fields); return; }
    clearErrors(dialog);
    const code = what instanceof Error ? what.code || "server.error" : what;
    const [zh, en] = what instanceof Error && what.message ? [what.message, what.message_en || ""] : H.t(code, fields);
    const field = FIELD_OF[code];
    const slot = (field && dialog.querySelector(`.field-error[data-for="${field}"]`)) || dialog.querySelector(".dialog-error");
    if (!slot) { H.toast(what, fields); return; }
    slot.replaceChildren(H.el("span", "zh", zh), H.el("span", "en", en));
    slot.dataset.code = code;
    slot.hidden = false;
    const input = field && dialog.querySelector(`[name="${field}"]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      if (input.focus && input.type !== "checkbox") input.focus();
    }
  }

  function closeOnCancel(dialog) {
    dialog.querySelector("button.cancel").addEventListener("click", () => dialog.close());
  }

  /** Digits pick the n-th radio of a dialog while the focus is not in a text field. */
  function digitsPick(dialog, name) {
    dialog.addEventListener("keydown", (event) => {
      if (isTyping(event.target) || !/^[1-9]$/.test(event.key)) return;
      const radios = dialog.querySelectorAll(`input[name="${name}"]`);
      const radio = radios[Number(event.key) - 1];
      if (!radio) return;
      event.preventDefault();
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function openConclude() {
    const ticket = current();
    if (!ticket) return;
    const dialog = $("conclude-dialog");
    const form = $("conclude-form");
    form.reset();
    text($("conclude-title"), "clerk.conclude_title", { ticket: ticket.number });
    const box = $("missing-items");
    box.textContent = "";
    for (const item of ticket.guide.materials) {
      const label = H.el("label", "inline");
      const input = H.el("input");
      input.type = "checkbox";
      input.name = "missing";
      input.value = item.name;
      label.appendChild(input);
      label.appendChild(H.el("span", null, item.name));
      box.appendChild(label);
    }
    showOutcomeFields();
    openDialog(dialog, $("conclude-ok"));
  }

  function showOutcomeFields() {
    const outcome = new FormData($("conclude-form")).get("outcome");
    $("missing-box").hidden = outcome !== "correction";
    $("reasons-box").hidden = outcome !== "refused";
    $("referred-box").hidden = outcome !== "referred";
    $("phone-box").hidden = outcome !== "promised" && outcome !== "correction";
  }

  async function submitConclude(event) {
    event.preventDefault();
    const ticket = current();
    if (!ticket || state.busy) return;
    const data = new FormData($("conclude-form"));
    const outcome = data.get("outcome");
    const body = { outcome, expected: ticket.number };
    if (outcome === "correction") body.missing_items = data.getAll("missing");
    if (outcome === "refused") body.reasons = String(data.get("reasons") || "").trim();
    if (outcome === "referred") body.referred_to = String(data.get("referred_to") || "").trim();
    const phone = String(data.get("phone") || "").trim();
    if (phone && (outcome === "promised" || outcome === "correction")) body.phone = phone;
    const missing = outcome === "refused" && !body.reasons ? "case.reasons_required"
      : outcome === "referred" && !body.referred_to ? "case.referral_required"
        : outcome === "correction" && !body.missing_items.length ? "case.missing_items_required" : null;
    if (missing) { report(missing); return; }
    const done = await act("conclude", body, ticket.number, null);
    if (!done) return;  // refused: the dialog stays open with what was typed
    $("conclude-dialog").close();
    await tellOutcome(ticket, body);
    if (outcome === "correction") await showNotice(ticket.token);
  }

  /** Say how the case ended in its own words: 办结, 受理 with the promised date, 补正, 不予受理, 转办. */
  async function tellOutcome(ticket, body) {
    const fields = {
      ticket: ticket.number,
      count: (body.missing_items || []).length,
      reasons: body.reasons || "",
      to: body.referred_to || "",
      date: "",
    };
    if (body.outcome === "promised") {
      const status = await H.api("GET", "/tickets/" + encodeURIComponent(ticket.token)).catch(() => null);
      if (status && status.promised_date) fields.date = status.promised_date;
    }
    H.toast("clerk.done.conclude." + body.outcome, fields);
  }

  /** A transfer named with where the ticket now waits and its place there. */
  async function tellTransfer(ticket) {
    const status = await H.api("GET", "/tickets/" + encodeURIComponent(ticket.token)).catch(() => null);
    if (!status) { H.toast("clerk.done.transfer", { ticket: ticket.number }); return; }
    const target = status.transferred_to_window
      ? H.t("ticket_page.transferred_window", { window: status.transferred_to_window })[0]
      : status.transferred_to_service || status.service_name;
    H.toast("clerk.done.transferred", { ticket: ticket.number, target, count: status.people_ahead });
  }

  /** The 一次性告知书 for the citizen: every missing item at once, printed from this page. */
  async function showNotice(token) {
    let notice;
    try {
      notice = await H.api("GET", "/tickets/" + encodeURIComponent(token) + "/notice");
    } catch (error) {
      H.toast(error);
      return;
    }
    const sheet = $("notice");
    sheet.dataset.ticket = notice.ticket;
    text($("notice-intro"), "clerk.notice_intro", { service: notice.service_name, ticket: notice.ticket });
    const items = $("notice-items");
    items.textContent = "";
    for (const item of notice.missing_items) {
      const li = H.el("li");
      li.appendChild(H.el("b", null, item.name));
      const note = item.note ? H.t("clerk.notice_note", { note: item.note })[0] : "";
      li.appendChild(H.el("span", null, H.t("clerk.notice_item", { originals: item.originals, copies: item.copies, note })[0]));
      items.appendChild(li);
    }
    $("notice-where").hidden = !notice.location;
    if (notice.location) text($("notice-where"), "clerk.notice_where", { location: notice.location });
    $("notice-phone").hidden = !notice.consult_phone;
    if (notice.consult_phone) text($("notice-phone"), "clerk.notice_phone", { phone: notice.consult_phone });
    const who = state.me ? state.me.name : "";
    text($("notice-signed"), "clerk.notice_signed", { hall: notice.hall_name, window: state.number, clerk: who });
    const day = new Intl.DateTimeFormat("zh-CN", {
      timeZone: H.clock.timezone, year: "numeric", month: "long", day: "numeric",
    }).format(new Date(H.clock.now()));
    text($("notice-date"), "clerk.notice_date", { date: day });
    openDialog($("notice-dialog"), $("notice-print"));
  }

  async function openTransfer() {
    const ticket = current();
    if (!ticket) return;
    if (!state.services) {
      try { state.services = await H.api("GET", "/services"); } catch (error) { H.toast(error); return; }
    }
    const form = $("transfer-form");
    form.reset();
    text($("transfer-title"), "clerk.transfer_title", { ticket: ticket.number });
    const services = $("to-service");
    services.textContent = "";
    for (const s of state.services) {
      const option = H.el("option", null, s.code + " · " + s.name);
      option.value = s.code;
      option.selected = s.code === ticket.service_code;
      services.appendChild(option);
    }
    const windows = $("to-window");
    windows.textContent = "";
    for (const n of state.desk.windows.filter((n) => n !== state.number)) {
      const option = H.el("option", null, H.t("board.window_no", { window: n })[0]);
      option.value = n;
      windows.appendChild(option);
    }
    showTransferTarget();
    openDialog($("transfer-dialog"), $("to-service"));
  }

  function showTransferTarget() {
    const byWindow = new FormData($("transfer-form")).get("target") === "window";
    $("to-service-box").hidden = byWindow;
    $("to-window-box").hidden = !byWindow;
  }

  async function submitTransfer(event) {
    event.preventDefault();
    const ticket = current();
    if (!ticket) return;
    const data = new FormData($("transfer-form"));
    const body = {
      reason: String(data.get("reason") || "").trim(),
      keep_place: $("keep-place").checked,
      expected: ticket.number,
    };
    if (data.get("target") === "window") body.to_window = data.get("to_window");
    else body.to_service = data.get("to_service");
    if (!body.reason) { report("clerk.transfer_reason_required"); return; }
    if (!body.to_window && !body.to_service) { report("clerk.transfer_target_required"); return; }
    if (await act("transfer", body, ticket.number, null)) {
      $("transfer-dialog").close();
      await tellTransfer(ticket);
    }
  }

  function togglePause() {
    if (!state.desk) return;
    if (state.desk.window.status === "paused") { act("resume", {}, "", null); return; }
    $("pause-form").reset();
    openDialog($("pause-dialog"), $("pause-ok"));
  }

  async function submitPause(event) {
    event.preventDefault();
    const data = new FormData($("pause-form"));
    const body = { reason: data.get("reason"), note: String(data.get("note") || "").trim() };
    if (await act("pause", body, "", null)) $("pause-dialog").close();
  }

  function openCallback() {
    const parked = state.desk.aside.filter((a) => a.status === "parked");
    if (!parked.length) return;
    const select = $("callback-ticket");
    select.textContent = "";
    parked.forEach((item, i) => {
      const option = H.el("option", null, item.number + " · " + item.service_name);
      option.value = item.number;
      option.selected = i === 0;
      select.appendChild(option);
    });
    openDialog($("callback-dialog"), $("callback-ok"));
  }

  async function submitCallback(event) {
    event.preventDefault();
    $("callback-dialog").close();
    await callback($("callback-ticket").value);
  }

  async function closeWindow() {
    if (await act("close", {}, "", null)) await H.logout();
  }

  // ------------------------------------------------------------------ keyboard

  function isTyping(target) {
    const tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (document.querySelector("dialog[open]") || isTyping(event.target)) return;
    const key = event.key === " " ? "Space" : event.key.length === 1 ? event.key.toUpperCase() : event.key;
    const id = KEYS[key];
    if (!id) return;
    event.preventDefault();  // also keeps Space from pressing the focused button a second time
    if (event.repeat) return;  // a held key is one press
    const button = $(id);
    if (!button.disabled) button.click();
  }

  // ------------------------------------------------------------------ the live link

  /** While the live link is down, read the desk every few seconds; once the server answers, the
      socket reconnects at once instead of waiting out its backoff (a clerk is working). */
  function watchLink(status) {
    document.body.dataset.live = status;
    clearInterval(state.probe);
    state.probe = status === "online" ? null : setInterval(probe, PROBE_MS);
  }

  async function probe() {
    try {
      await refresh();
    } catch (error) {
      return;  // still away
    }
    if (document.body.dataset.live !== "online" && state.live && !state.live.socket) state.live.connect();
  }

  // ------------------------------------------------------------------ start

  function wire() {
    $("call-next").addEventListener("click", callNext);
    $("recall").addEventListener("click", () => simple("recall", "clerk.done.recall"));
    $("start").addEventListener("click", () => simple("start", "clerk.done.start"));
    $("no-show").addEventListener("click", () => simple("no-show", "clerk.done.no_show"));
    $("park").addEventListener("click", () => simple("park", "clerk.done.park"));
    $("conclude").addEventListener("click", openConclude);
    $("transfer").addEventListener("click", openTransfer);
    $("callback").addEventListener("click", openCallback);
    $("pause").addEventListener("click", togglePause);
    $("close-window").addEventListener("click", closeWindow);
    $("confirm-priority").addEventListener("click", () => confirmPriority(true));
    $("reject-priority").addEventListener("click", () => confirmPriority(false));
    $("conclude-form").addEventListener("submit", submitConclude);
    $("conclude-form").addEventListener("change", showOutcomeFields);
    $("transfer-form").addEventListener("submit", submitTransfer);
    $("transfer-form").addEventListener("change", showTransferTarget);
    $("pause-form").addEventListener("submit", submitPause);
    $("callback-form").addEventListener("submit", submitCallback);
    $("notice-print").addEventListener("click", () => window.print());
    $("notice-close").addEventListener("click", () => $("notice-dialog").close());
    for (const id of ["conclude-dialog", "transfer-dialog", "pause-dialog", "callback-dialog"]) closeOnCancel($(id));
    digitsPick($("conclude-dialog"), "outcome");
    digitsPick($("pause-dialog"), "reason");
    document.addEventListener("keydown", onKey);
    setInterval(tick, 1000);
  }

  async function main() {
    const who = await H.nav("/clerk");
    state.me = who;
    state.number = who.window || H.params().get("window");
    if (!state.number) { $("no-window").hidden = false; document.body.dataset.ready = "1"; return; }
    $("desk").hidden = false;
    wire();
    await refresh();
    const w = state.desk.window;
    // a clerk who logs in takes the window: it opens and records who serves there (AB-post cover too)
    if (who.role === "clerk" && (w.status === "closed" || !state.desk.serving_here)) await act("open", {}, "", null);
    const zone = state.desk.window.zone;
    state.live = H.live(["window:" + state.number, zone ? "zone:" + zone : "hall"], {
      onSnapshot: soon,
      onEvent: soon,
      onStatus: watchLink,
    });
    document.body.dataset.ready = "1";
  }

  main().catch((error) => H.toast(error));
})();
