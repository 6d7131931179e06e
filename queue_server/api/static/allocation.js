/* 窗口配置 (window allocation): a matrix of windows × services. A tick says a window serves a
   service; the number beside it is its order of preference there (1 first). Each row saves on its
   own (PUT /windows/{n}/assignments) and applies at once: the board and the estimates follow.
   Seasonal and time-boxed rules keep their dates and hours when a row is saved; the form below
   sets them. Open / pause / close act on the window (PUT /windows/{n}/status). The audit panel
   lists recent changes with before and after. Live: the "manager" topic redraws untouched rows. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  let services = [];
  let windows = [];
  let rules = {};  // window → [AssignmentIn]
  const dirty = new Set();
  let client = null;
  let timer = null;

  function t(key, fields) { return H.pair(el("span"), key, fields); }

  function byPreference(list) { return [...list].sort((a, b) => a.preference - b.preference); }

  function header() {
    const tr = el("tr");
    tr.appendChild(H.pair(el("th", "win"), "manager.window"));
    for (const s of services) {
      const th = el("th", null, s.name);
      th.appendChild(el("span", "en", s.code));
      tr.appendChild(th);
    }
    tr.appendChild(H.pair(el("th"), "manager.status"));
    tr.appendChild(el("th"));
    document.querySelector("#matrix thead").replaceChildren(tr);
  }

  function statusCell(w) {
    const td = el("td", "status");
    td.appendChild(H.pair(el("span", "pill " + ({ open: "ok", paused: "warn" }[w.status] || "")), "manager.status." + w.status));
    const actions = el("div", "actions");
    const buttons = [["open", "manager.do_open"], ["paused", "manager.do_pause"], ["closed", "manager.do_close"]];
    for (const [status, key] of buttons) {
      if (status === w.status) continue;
      const button = H.pair(el("button", "set-" + status), key);
      H.action(button, async () => {
        const body = status === "paused" ? { status, reason: "other" } : { status };
        await H.api("PUT", "/windows/" + encodeURIComponent(w.number) + "/status", body);
        H.toast("manager.window_changed", { window: w.number });
        await reload();
      });
      actions.appendChild(button);
    }
    td.appendChild(actions);
    return td;
  }

  function row(w) {
    const tr = el("tr");
    tr.dataset.window = w.number;
    const name = el("td", "win");
    name.appendChild(el("b", null, w.number + " "));
    name.appendChild(el("span", "muted", w.name));
    tr.appendChild(name);
    const mine = rules[w.number] || [];
    for (const s of services) {
      const rule = mine.find((r) => r.service_code === s.code);
      const td = el("td");
      const cell = el("span", "cell" + (rule && (rule.valid_from || rule.valid_until || rule.time_from || rule.time_until) ? " boxed" : ""));
      const tick = el("input");
      tick.type = "checkbox";
      tick.checked = Boolean(rule);
      tick.dataset.service = s.code;
      tick.setAttribute("aria-label", w.number + " " + s.code);
      const order = el("input");
      order.type = "number"; order.min = "1"; order.max = "99";
      order.value = rule ? String(rule.preference) : "";
      order.disabled = !rule;
      order.dataset.service = s.code;
      order.className = "preference";
      tick.addEventListener("change", () => {
        order.disabled = !tick.checked;
        if (tick.checked && !order.value) order.value = String(nextPreference(tr));
        touch(tr, w.number);
      });
      order.addEventListener("input", () => touch(tr, w.number));
      cell.append(tick, order);
      td.appendChild(cell);
      tr.appendChild(td);
    }
    tr.appendChild(statusCell(w));
    const saveCell = el("td");
    const save = H.pair(el("button", "primary save"), "manager.save");
    save.disabled = true;
    H.action(save, () => saveRow(tr, w.number));
    saveCell.appendChild(save);
    tr.appendChild(saveCell);
    return tr;
  }

  function nextPreference(tr) {
    const used = [...tr.querySelectorAll("input.preference")].filter((i) => !i.disabled && i.value).map((i) => Number(i.value));
    return used.length ? Math.max(...used) + 1 : 1;
  }

  function touch(tr, number) {
    dirty.add(number);
    tr.classList.add("dirty");
    tr.querySelector("button.save").disabled = false;
  }

  /** The row's ticks as assignments, keeping each service's seasonal/time-box fields and weight. */
  function wanted(tr, number) {
    const old = rules[number] || [];
    const out = [];
    for (const tick of tr.querySelectorAll("input[type=checkbox]")) {
      if (!tick.checked) continue;
      const code = tick.dataset.service;
      const order = tr.querySelector("input.preference[data-service='" + code + "']");
      const kept = old.find((r) => r.service_code === code) || {};
      out.push({ ...kept, service_code: code, preference: Number(order.value) || 1 });
    }
    return out;
  }

  async function saveRow(tr, number) {
    const saved = await H.api("PUT", "/windows/" + encodeURIComponent(number) + "/assignments", wanted(tr, number));
    rules[number] = byPreference(saved.assignments);
    dirty.delete(number);
    H.toast("manager.allocation_saved", { window: number });
    draw();
    await loadAudit();
  }

  function draw() {
    header();
    const body = document.querySelector("#matrix tbody");
    const kept = new Map([...body.querySelectorAll("tr.dirty")]
      .filter((tr) => dirty.has(tr.dataset.window)).map((tr) => [tr.dataset.window, tr]));
    body.replaceChildren(...windows.map((w) => kept.get(w.number) || row(w)));
    drawBoxed();
  }

  // ------------------------------------------------------------------ seasonal and time-boxed rules

  function span(a, b) { return a || b ? (a || "…") + " – " + (b || "…") : "—"; }

  function drawBoxed() {
    const body = document.querySelector("#boxed tbody");
    const rows = [];
    for (const w of windows) {
      for (const r of rules[w.number] || []) {
        if (!(r.valid_from || r.valid_until || r.time_from || r.time_until)) continue;
        const tr = el("tr");
        tr.appendChild(el("td", null, w.number));
        tr.appendChild(el("td", null, r.service_code + " · " + r.preference));
        tr.appendChild(el("td", null, span(r.valid_from, r.valid_until)));
        tr.appendChild(el("td", null, span(r.time_from && r.time_from.slice(0, 5), r.time_until && r.time_until.slice(0, 5))));
        const clear = H.pair(el("button"), "manager.clear_timebox");
        H.action(clear, async () => {
          const list = (rules[w.number] || []).map((x) => x.service_code === r.service_code
            ? { ...x, valid_from: null, valid_until: null, time_from: null, time_until: null } : x);
          await putRules(w.number, list);
        });
        const td = el("td");
        td.appendChild(clear);
        tr.appendChild(td);
        rows.push(tr);
      }
    }
    body.replaceChildren(...rows);
  }

  async function putRules(number, list) {
    const saved = await H.api("PUT", "/windows/" + encodeURIComponent(number) + "/assignments", list);
    rules[number] = byPreference(saved.assignments);
    dirty.delete(number);
    H.toast("manager.allocation_saved", { window: number });
    draw();
    await loadAudit();
  }

  function wireTimebox() {
    const form = document.getElementById("timebox");
    form.elements.window.replaceChildren(...windows.map((w) => { const o = el("option", null, w.number + " " + w.name); o.value = w.number; return o; }));
    form.elements.service.replaceChildren(...services.map((s) => { const o = el("option", null, s.code + " " + s.name); o.value = s.code; return o; }));
    form.addEventListener("submit", (event) => event.preventDefault());
    H.action(document.getElementById("timebox-save"), async () => {
      if (!form.reportValidity()) return;
      const f = form.elements;
      const rule = {
        service_code: f.service.value,
        preference: Number(f.preference.value),
        weight: Number(f.weight.value),
        valid_from: f.valid_from.value || null,
        valid_until: f.valid_until.value || null,
        time_from: f.time_from.value || null,
        time_until: f.time_until.value || null,
      };
      const list = (rules[f.window.value] || []).filter((r) => r.service_code !== rule.service_code);
      await putRules(f.window.value, [...list, rule]);
    });
  }

  // ------------------------------------------------------------------ audit

  function describe(entry) {
    const detail = entry.detail || {};
    const show = (side) => {
      if (!side) return "—";
      if (side.assignments) return side.assignments.map((a) => a.preference + "." + a.service_code
        + (a.valid_from || a.valid_until || a.time_from || a.time_until ? "★" : "")).join(" ") || "∅";
      if (side.status) return H.t("manager.status." + side.status)[0] + (side.pause_reason ? "（" + H.t("manager.reason." + side.pause_reason)[0] + "）" : "");
      return JSON.stringify(side);
    };
    const change = el("div", "change");
    change.appendChild(el("del", "before", show(detail.before)));
    change.appendChild(document.createTextNode(" → "));
    change.appendChild(el("ins", "after", show(detail.after)));
    return change;
  }

  async function loadAudit() {
    const [assignments, statuses] = await Promise.all([
      H.api("GET", "/audit?action=assignments&limit=30"),
      H.api("GET", "/audit?action=window.status&limit=30"),
    ]);
    const entries = [...assignments, ...statuses].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, 30);
    document.getElementById("audit").replaceChildren(...entries.map((entry) => {
      const li = el("li");
      li.dataset.action = entry.action;
      li.dataset.subject = entry.subject;
      const head = el("div");
      head.appendChild(el("b", null, H.format("time", Date.parse(entry.at)) + " "));
      head.appendChild(t("manager.audit." + entry.action, { window: entry.subject.replace("window:", "") }));
      head.appendChild(el("span", "muted", " · " + entry.actor.split(":").pop()));
      li.appendChild(head);
      li.appendChild(describe(entry));
      return li;
    }));
  }

  // ------------------------------------------------------------------ loading and live

  async function reload() {
    const [hall, matrix] = await Promise.all([H.api("GET", "/hall"), H.api("GET", "/assignments")]);
    H.clock.timezone = hall.hall.timezone;
    windows = hall.windows;
    rules = {};
    for (const w of matrix) if (!dirty.has(w.window)) rules[w.window] = byPreference(w.assignments);
    for (const number of dirty) if (!rules[number]) rules[number] = (matrix.find((w) => w.window === number) || {}).assignments || [];
    draw();
  }

  function reloadSoon() {
    clearTimeout(timer);
    timer = setTimeout(() => { reload().catch(H.toast); loadAudit().catch(H.toast); }, 300);
  }

  async function start() {
    await H.nav("/manager/allocation");
    services = await H.api("GET", "/services");
    await reload();
    wireTimebox();
    await loadAudit();
    client = H.live(["manager"], {
      onSnapshot: () => {},
      onEvent: (frame) => {
        if (frame.type === "window.status" || frame.type === "assignments.changed") reloadSoon();
      },
    });
    document.body.dataset.ready = "1";
  }

  start().catch(H.toast);
})();
