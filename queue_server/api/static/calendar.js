/* 预约与日历: the working calendar as a month (holidays, 调休 working days, extended hours), a
   window's approved extended hours, the bookable slots of the chosen day (open and close them),
   and the day's bookings with their check-ins. Dates are the hall's local dates (YYYY-MM-DD). */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const state = { year: 0, month: 0, selected: "", today: "", entries: {} };
  const DOW = ["一", "二", "三", "四", "五", "六", "日"];

  function iso(y, m, d) { return y + "-" + String(m + 1).padStart(2, "0") + "-" + String(d).padStart(2, "0"); }
  const periodsText = H.periodsText;
  const parsePeriods = H.parsePeriods;

  /** A working day's hours in its calendar cell ("全天办公" in a hall open at all hours). */
  function dayHours(entry) {
    const mark = el("span", "mark muted");
    if (entry.periods.length) mark.textContent = periodsText(entry.periods);
    else H.pair(mark, "manager.day_always");
    return mark;
  }


  async function loadMonth() {
    const first = iso(state.year, state.month, 1);
    const days = new Date(Date.UTC(state.year, state.month + 1, 0)).getUTCDate();
    const last = iso(state.year, state.month, days);
    const entries = await H.api("GET", "/calendar?start=" + first + "&end=" + last);
    state.entries = Object.fromEntries(entries.map((e) => [e.day, e]));
    const title = document.getElementById("month-title");
    title.textContent = "";
    H.pair(title, "manager.month_title", { year: state.year, month: state.month + 1 });
    const grid = document.getElementById("month");
    const cells = DOW.map((d) => el("div", "dow", d));
    const offset = (new Date(Date.UTC(state.year, state.month, 1)).getUTCDay() + 6) % 7;
    for (let i = 0; i < offset; i += 1) cells.push(el("div"));
    for (let d = 1; d <= days; d += 1) {
      const day = iso(state.year, state.month, d);
      const entry = state.entries[day];
      const cell = el("button", "day" + (entry.working ? "" : " off") + (entry.kind ? " " + entry.kind : "")
        + (day === state.selected ? " selected" : "") + (day === state.today ? " today" : ""));
      cell.type = "button";
      cell.dataset.day = day;
      cell.appendChild(el("span", "d", String(d)));
      if (entry.kind) cell.appendChild(H.pair(el("span", "mark"), "manager.kind_" + entry.kind));
      if (entry.working) cell.appendChild(dayHours(entry));
      if (entry.note) cell.appendChild(el("span", "mark muted", entry.note));
      cell.addEventListener("click", () => select(day));
      cells.push(cell);
    }
    grid.replaceChildren(...cells);
  }

  async function select(day) {
    state.selected = day;
    document.querySelectorAll("#month .day").forEach((b) => b.classList.toggle("selected", b.dataset.day === day));
    document.getElementById("moved-deadlines").replaceChildren();
    const title = document.getElementById("day-title");
    title.textContent = "";
    H.pair(title, "manager.day_title", { day });
    const entry = state.entries[day];
    const line = document.getElementById("day-state");
    line.textContent = "";
    if (entry) {
      if (entry.working && !entry.periods.length) H.pair(line, "manager.day_always");
      else H.pair(line, entry.working ? "manager.day_working" : "manager.day_closed", { periods: periodsText(entry.periods) });
      // 两个日历: a day the hall opens that counts for no deadline (weekend 延时服务), and the reverse.
      if (entry.working !== entry.workday) {
        line.appendChild(document.createTextNode(" · "));
        line.appendChild(H.pair(el("span", "workday-note"), entry.workday ? "manager.day_workday" : "manager.day_not_workday"));
      }
      const form = document.getElementById("mark");
      if (entry.kind) form.elements.kind.value = entry.kind;
      form.elements.note.value = entry.note || "";
    }
    await Promise.all([loadSlots(), loadBookings(), loadWindowHours()]);
  }

  /** What a calendar change did to the open deadlines: 差评 follow-ups recounted, 承诺件 flagged. */
  function showMoved(changed) {
    const list = document.getElementById("moved-deadlines");
    list.replaceChildren(...(changed.deadlines || []).map((d) => {
      const li = el("li", d.flagged ? "flagged" : "moved");
      li.dataset.kind = d.kind;
      if (d.flagged) H.pair(li, "manager.deadline_flagged", { ticket: d.ticket, before: d.before });
      else {
        H.pair(li, "manager.deadline_moved", { ticket: d.ticket, before: d.before, after: d.after });
        li.prepend(H.pair(el("span", "stage"), "manager.eval.stage." + d.stage), document.createTextNode(" · "));
      }
      return li;
    }));
  }

  async function loadWindowHours() {
    const approved = await H.api("GET", "/calendar/" + state.selected + "/windows");
    const body = document.querySelector("#approved-hours tbody");
    if (!approved.length) {
      const none = el("td", "muted");
      none.colSpan = 3;
      const row = el("tr");
      row.appendChild(H.pair(none, "manager.no_window_hours"));
      body.replaceChildren(row);
      return;
    }
    body.replaceChildren(...approved.map((h) => {
      const tr = el("tr");
      tr.dataset.window = h.window;
      tr.appendChild(el("td", "", h.window + " " + h.window_name));
      tr.appendChild(el("td", "", periodsText(h.periods) + (h.note ? " · " + h.note : "")));
      tr.appendChild(el("td", "", h.approved_by));
      return tr;
    }));
  }

  async function loadSlots() {
    const slots = await H.api("GET", "/appointments/slots?day=" + state.selected);
    document.querySelector("#slots tbody").replaceChildren(...slots.map((s) => {
      const tr = el("tr");
      tr.dataset.slot = String(s.id);
      tr.appendChild(el("td", null, s.service_name + " (" + s.service_code + ")"));
      tr.appendChild(el("td", null, periodsText([[s.start, s.end]])));
      tr.appendChild(el("td", "num", String(s.capacity)));
      tr.appendChild(el("td", "num", String(s.booked)));
      tr.appendChild(el("td", "num", String(s.free)));
      tr.appendChild(H.pair(el("td"), s.open ? "manager.slot_open" : "manager.slot_closed"));
      const td = el("td");
      if (s.open) {
        const close = H.pair(el("button", "close-slot"), "manager.close_slot");
        H.action(close, async () => { await H.api("POST", "/appointments/slots/" + s.id + "/close"); await loadSlots(); });
        td.appendChild(close);
      }
      tr.appendChild(td);
      return tr;
    }));
  }

  async function loadBookings() {
    const day = await H.api("GET", "/bookings?day=" + state.selected);
    const counts = document.getElementById("booking-counts");
    counts.textContent = "";
    H.pair(counts, "manager.booking_counts", day);
    document.querySelector("#bookings tbody").replaceChildren(...day.bookings.map((b) => {
      const tr = el("tr");
      tr.dataset.code = b.code;
      tr.appendChild(el("td", null, b.code));
      tr.appendChild(el("td", null, b.slot.service_name));
      tr.appendChild(el("td", null, periodsText([[b.slot.start, b.slot.end]])));
      tr.appendChild(H.pair(el("td"), "manager.booking." + b.status));
      tr.appendChild(el("td", null, b.phone_masked || "—"));
      tr.appendChild(el("td", null, b.checked_in_at ? H.format("time", Date.parse(b.checked_in_at)) : "—"));
      tr.appendChild(el("td", null, b.ticket || "—"));
      return tr;
    }));
  }

  function wire() {
    document.getElementById("prev").addEventListener("click", () => { shift(-1); });
    document.getElementById("next").addEventListener("click", () => { shift(1); });
    const mark = document.getElementById("mark");
    mark.addEventListener("submit", (event) => event.preventDefault());
    H.action(document.getElementById("mark-save"), async () => {
      const f = mark.elements;
      const body = { kind: f.kind.value, periods: parsePeriods(f.periods.value), note: f.note.value };
      const changed = await H.api("PUT", "/calendar/" + state.selected, body);
      H.toast("console.saved");
      await loadMonth();
      await select(state.selected);
      showMoved(changed);
    });
    H.action(document.getElementById("mark-clear"), async () => {
      const changed = await H.api("DELETE", "/calendar/" + state.selected);
      await loadMonth();
      await select(state.selected);
      showMoved(changed);
    });
    const hours = document.getElementById("window-hours");
    hours.addEventListener("submit", (event) => event.preventDefault());
    H.action(document.getElementById("window-hours-save"), async () => {
      if (!hours.reportValidity()) return;
      const body = { periods: parsePeriods(hours.elements.periods.value) };
      await H.api("PUT", "/calendar/" + state.selected + "/windows/" + encodeURIComponent(hours.elements.window.value), body);
      H.toast("console.saved");
      await loadWindowHours();
    });
    H.action(document.getElementById("window-hours-clear"), async () => {
      await H.api("DELETE", "/calendar/" + state.selected + "/windows/" + encodeURIComponent(hours.elements.window.value));
      H.toast("console.saved");
      await loadWindowHours();
    });
    const slot = document.getElementById("slot");
    slot.addEventListener("submit", (event) => event.preventDefault());
    H.action(document.getElementById("slot-open"), async () => {
      if (!slot.reportValidity()) return;
      const f = slot.elements;
      await H.api("POST", "/appointments/slots", {
        service_code: f.service.value, day: state.selected, start: f.start.value, end: f.end.value,
        capacity: Number(f.capacity.value),
      });
      await loadSlots();
    });
  }

  async function shift(months) {
    const m = state.month + months;
    state.year += Math.floor(m / 12);
    state.month = ((m % 12) + 12) % 12;
    await loadMonth();
  }

  async function start() {
    await H.nav("/manager/calendar");
    const [hall, services] = await Promise.all([H.api("GET", "/hall"), H.api("GET", "/services")]);
    H.clock.seen(hall.hall.now);
    H.clock.timezone = hall.hall.timezone;
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: hall.hall.timezone }).format(new Date(H.clock.now()));
    state.today = parts;
    state.selected = H.params().get("day") || parts;
    [state.year, state.month] = [Number(state.selected.slice(0, 4)), Number(state.selected.slice(5, 7)) - 1];
    const option = (value, text) => { const o = el("option", null, text); o.value = value; return o; };
    document.querySelector("#slot select[name=service]").replaceChildren(...services.map((s) => option(s.code, s.code + " " + s.name)));
    document.querySelector("#window-hours select[name=window]").replaceChildren(...hall.windows.map((w) => option(w.number, w.number + " " + w.name)));
    wire();
    await loadMonth();
    await select(state.selected);
    H.live(["manager"], {
      onEvent: (frame) => { if (frame.type.startsWith("appointment.") || frame.type === "ticket.issued") loadSlots().then(loadBookings).catch(H.toast); },
    });
    document.body.dataset.ready = "1";
  }

  start().catch(H.toast);
})();
