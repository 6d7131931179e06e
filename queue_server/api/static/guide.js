/* 导办 (lobby guide) on a tablet: find the service a citizen needs (name, pinyin initials, pinyin,
   keyword — the server ranks), read its materials, and issue a ticket for them with an optional
   phone / ID (shown masked) and a priority class; confirm or decline priorities declared at the
   kiosk; check in a booking by its code. The issued number is shown big and can be printed. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const CLASSES = ["elderly", "disabled", "pregnant", "military", "green", "other"];
  const state = { service: null, priority: null, hall: null, timer: null };

  function showTab(name) {
    document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
    document.querySelectorAll(".pane").forEach((p) => { p.hidden = p.id !== "tab-" + name; });
    if (name === "priority") loadPending().catch(H.toast);
    if (name === "booking") document.getElementById("booking-code").focus();
  }

  /** A queue line with its wait in words: no open window, no wait, or "约 N 分钟" (never 0). */
  function queueLine(node, key, fields, seconds, windows) {
    const [zh, en] = waitWords(seconds, windows);
    node.replaceChildren(
      el("span", "zh", H.t(key, Object.assign({}, fields, { wait: zh }))[0]),
      el("span", "en", H.t(key, Object.assign({}, fields, { wait: en }))[1]));
    node.dataset.wait = windows === 0 ? "no-window" : "estimate";
    return node;
  }

  function waitWords(seconds, windows) {
    if (windows === 0) return H.t("ticket_page.no_window");
    if (seconds === 0) return H.t("guide.wait_none");
    if (seconds === null || seconds === undefined) return H.t("guide.wait_unknown");
    return H.t("guide.wait_minutes", { minutes: Math.max(1, Math.ceil(seconds / 60)) });
  }

  // ------------------------------------------------------------------ find a service

  async function search() {
    const q = document.getElementById("search").value.trim();
    const asked = state.searches = (state.searches || 0) + 1;
    const found = await H.api("GET", "/guide/search?q=" + encodeURIComponent(q));
    if (asked !== state.searches) return; // a newer search was typed meanwhile: its answer draws the list
    const results = document.getElementById("results");
    results.dataset.found = String(found.length);
    if (!found.length && q) {
      results.replaceChildren(H.pair(el("p", "not-found"), "guide.not_found", { q }));
      return;
    }
    results.replaceChildren(...found.map((s) => {
      const button = el("button", "service" + (state.service && state.service.code === s.code ? " chosen" : ""));
      button.type = "button";
      button.dataset.code = s.code;
      button.appendChild(el("span", "zh", s.name));
      if (s.name_en) button.appendChild(el("span", "en", s.name_en));
      const meta = queueLine(el("span", "meta"), "guide.queue_line", {
        department: s.department_name || s.department, waiting: s.waiting,
      }, s.estimated_wait_seconds, s.windows_open);
      button.appendChild(meta);
      button.addEventListener("click", () => choose(s.code).catch(H.toast));
      return button;
    }));
  }

  async function choose(code) {
    const s = await H.api("GET", "/services/" + encodeURIComponent(code));
    state.service = s;
    document.querySelectorAll(".results .service").forEach((b) => b.classList.toggle("chosen", b.dataset.code === code));
    const name = document.getElementById("service-name");
    name.textContent = "";
    name.append(el("span", "zh", s.name), el("span", "en", s.name_en || s.code));
    const queue = document.getElementById("service-queue");
    queueLine(queue, "guide.queue_line", {
      department: s.department_name || s.department, waiting: s.waiting,
    }, s.estimated_wait_seconds, s.windows_open);
    document.getElementById("materials").replaceChildren(...(s.guide.materials || []).map((m) => {
      const li = el("li", null, m.name + " ");
      li.appendChild(H.pair(el("small", "muted"), "guide.copies", { originals: m.originals, copies: m.copies }));
      return li;
    }));
    const where = document.getElementById("location");
    where.textContent = s.guide.location ? H.t("guide.location", { location: s.guide.location })[0] : "";
    document.querySelector("fieldset.priorities").hidden = !s.priority_allowed;
    setPriority(null);
    document.getElementById("service").hidden = false;
    document.getElementById("service").scrollIntoView({ block: "nearest" });
  }

  function setPriority(value) {
    state.priority = value;
    document.querySelectorAll("#priority-choices button").forEach((b) => {
      b.setAttribute("aria-pressed", String((b.dataset.priority || null) === value));
    });
    document.getElementById("proof").checked = Boolean(value);
    document.querySelector("label.proof").hidden = !value;
  }

  function priorityButtons() {
    const box = document.getElementById("priority-choices");
    const none = H.pair(el("button"), "guide.priority_none");
    none.type = "button";
    none.addEventListener("click", () => setPriority(null));
    box.appendChild(none);
    for (const value of CLASSES) {
      const button = H.pair(el("button"), "guide.class." + value);
      button.type = "button";
      button.dataset.priority = value;
      button.addEventListener("click", () => setPriority(value));
      box.appendChild(button);
    }
  }

  async function issue() {
    const form = document.getElementById("issue-form");
    const body = { service_code: state.service.code, idempotency_key: "guide-" + Date.now() + "-" + Math.random().toString(36).slice(2) };
    const phone = form.elements.phone.value.replace(/\s+/g, "");
    const id = form.elements.id_number.value.replace(/\s+/g, "");
    if (phone) body.phone = phone;
    if (id) body.id_number = id;
    const sms = state.hall.sms_notices && form.elements.sms.checked;
    if (sms) {  // 短信告知: the server refuses it without a phone (ticket.sms_needs_phone), in both languages
      body.sms = true;
      body.language = form.elements.sms_english.checked ? "en" : "zh-CN";
    }
    if (state.priority) body.priority_class = state.priority;
    let ticket = await H.api("POST", "/tickets", body);
    if (state.priority && document.getElementById("proof").checked) {
      ticket = await H.api("POST", "/tickets/" + ticket.token + "/confirm-priority", { accept: true });
    }
    form.reset();
    setPriority(null);
    showTicket(ticket, sms);
  }

  // ------------------------------------------------------------------ the issued ticket

  function showTicket(ticket, sms) {
    const box = document.getElementById("issued");
    box.dataset.number = ticket.number;
    box.dataset.token = ticket.token;
    document.getElementById("ticket-hall").textContent = state.hall ? state.hall.name : "";
    document.getElementById("ticket-number").textContent = ticket.number;
    document.getElementById("ticket-service").textContent = ticket.service_name;
    const ahead = document.getElementById("ticket-ahead");
    queueLine(ahead, "guide.ahead", { ahead: ticket.people_ahead },
      ticket.estimated_wait_seconds, ticket.serving_windows);
    const priority = document.getElementById("ticket-priority");
    priority.textContent = "";
    if (ticket.priority_class) {
      const [zh, en] = H.t("guide.class." + ticket.priority_class);
      H.pair(priority, ticket.priority_confirmed ? "guide.priority_confirmed" : "guide.priority_declared", {
        class: zh, class_en: en,
      });
    }
    // the QR code and the link to the ticket's live page, as a printed ticket carries them
    const page = new URL(ticket.status_url, window.location.origin).href;
    const qr = document.getElementById("ticket-qr");
    qr.src = ticket.status_url + "/qr.svg";
    qr.alt = page;
    const link = document.getElementById("ticket-link");
    link.href = page;
    link.textContent = page;
    const person = [ticket.id_masked, ticket.phone_masked].filter(Boolean).join(" · ");
    document.getElementById("ticket-person").textContent = person;
    const told = document.getElementById("ticket-sms");
    told.replaceChildren();
    told.hidden = !(sms && ticket.phone_masked);
    if (!told.hidden) H.pair(told, "guide.sms_to", { phone: ticket.phone_masked });  // masked, never the number
    document.getElementById("ticket-time").textContent = H.format("time", Date.parse(ticket.issued_at));
    box.hidden = false;
    box.scrollIntoView({ block: "center" });
  }

  // ------------------------------------------------------------------ priorities declared at the kiosk

  async function loadPending() {
    const tickets = await H.api("GET", "/guide/priority");
    document.getElementById("no-pending").hidden = tickets.length > 0;
    document.getElementById("pending").replaceChildren(...tickets.map((t) => {
      const item = el("div", "item");
      item.dataset.number = t.number;
      item.appendChild(el("span", "number", t.number));
      const what = el("span", "what");
      what.appendChild(el("span", null, t.service_name + " · "));
      what.appendChild(H.pair(el("b"), "guide.class." + t.priority_class));
      what.appendChild(el("small", "muted", " " + H.format("short", Date.parse(t.issued_at)) + " · " + H.t(t.status)[0]));
      item.appendChild(what);
      const yes = H.pair(el("button", "primary confirm"), "guide.confirm");
      H.action(yes, async () => { await decide(t, true); });
      const no = H.pair(el("button", "danger decline"), "guide.decline");
      H.action(no, async () => { await decide(t, false); });
      item.append(yes, no);
      return item;
    }));
  }

  async function decide(ticket, accept) {
    await H.api("POST", "/tickets/" + ticket.token + "/confirm-priority", { accept });
    H.toast(accept ? "guide.confirmed" : "guide.declined", { number: ticket.number });
    await loadPending();
  }

  // ------------------------------------------------------------------ start

  async function start() {
    const who = await H.nav("/guide");
    document.body.dataset.role = who.role;
    state.hall = (await H.api("GET", "/hall")).hall;
    document.getElementById("sms-choice").hidden = !state.hall.sms_notices;  // only where the hall sends SMS
    H.clock.seen(state.hall.now);
    H.clock.timezone = state.hall.timezone;
    priorityButtons();
    document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
    document.getElementById("search").addEventListener("input", () => {
      clearTimeout(state.timer);
      state.timer = setTimeout(() => search().catch(H.toast), 150);
    });
    const form = document.getElementById("issue-form");
    form.addEventListener("submit", (event) => event.preventDefault());
    H.action(document.getElementById("issue"), issue);
    const booking = document.getElementById("booking-form");
    booking.addEventListener("submit", (event) => event.preventDefault());
    H.action(document.getElementById("check-in"), async () => {
      if (!booking.reportValidity()) return;
      const done = await H.api("POST", "/appointments/check-in", { code: booking.elements.code.value });
      booking.reset();
      showTicket(done.ticket);
    });
    document.getElementById("print").addEventListener("click", () => window.print());
    document.getElementById("done").addEventListener("click", () => {
      document.getElementById("issued").hidden = true;
      document.getElementById("search").focus();
    });
    H.live(["hall"], {
      onEvent: (frame) => {
        const pane = document.getElementById("tab-priority");
        if (!pane.hidden && (frame.type.startsWith("ticket.priority") || (frame.type === "ticket.issued" && frame.payload.priority))) {
          loadPending().catch(H.toast);
        }
      },
    });
    await search();
    document.body.dataset.ready = "1";
  }

  start().catch(H.toast);
})();
