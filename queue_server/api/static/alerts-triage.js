/* Alerts triage on 大厅实况: a month of history in a 223-window hall stands at hundreds of lights,
   most of them promised-case reminders. So: counts by type and light at the top (a chip filters
   by its type); the live lights (long waits, 暂离, services no window serves, devices) first;
   reminders grouped by due day, then department, folded; filters by type, light, department and
   acknowledged or not; each alert by name (ticket, service, department, window, clerk — never an
   internal id); ticking many and acknowledging them in one step. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const $ = (id) => document.getElementById(id);
  const ORDER = { red: 0, yellow: 1 };
  const state = { alerts: [], selected: new Set(), wired: false };

  function pairNode(tag, cls, key, fields) { return H.pair(el(tag, cls), key, fields); }

  /** The rule's sentence with the alert's names (a case's ticket number, not its row id). */
  function fields(a) {
    return Object.assign({}, a.detail || {}, {
      ticket: a.ticket || (a.detail || {}).ticket || "",
      service: a.service_name || (a.detail || {}).service || "",
    });
  }

  function names(a) {
    const parts = [];
    if (a.ticket) parts.push(a.ticket);
    if (a.service_name) parts.push(a.service_name);
    if (a.department) parts.push(a.department);
    if (a.window) parts.push(H.t("board.window_no", { window: a.window })[0] + H.t("manager.windows")[0]);
    if (a.clerk) parts.push(a.clerk);
    return parts.join(" · ");
  }

  function item(a, reload) {
    const li = el("li", a.severity + (a.acknowledged_at ? " acked" : ""));
    li.dataset.alert = String(a.id);
    li.dataset.rule = a.rule;
    if (!a.acknowledged_at) {
      const box = el("input", "pick");
      box.type = "checkbox";
      box.checked = state.selected.has(a.id);
      box.setAttribute("aria-label", H.t("manager.acknowledge")[0]);
      box.addEventListener("change", () => {
        if (box.checked) state.selected.add(a.id); else state.selected.delete(a.id);
        paintSelected();
      });
      li.appendChild(box);
    }
    li.appendChild(pairNode("span", "pill " + (a.severity === "red" ? "bad" : "warn"), "manager.severity." + a.severity));
    const what = el("span", "what");
    H.pair(what, "manager.rule." + a.rule, fields(a));
    const who = names(a);
    if (who) what.appendChild(el("small", "names", who));
    what.appendChild(el("small", "muted", " · " + H.format("short", Date.parse(a.raised_at))));
    li.appendChild(what);
    if (a.acknowledged_at) {
      li.appendChild(pairNode("span", "muted acked-by", "manager.acknowledged_by", { who: (a.acknowledged_by || "").split(":").pop() }));
    } else {
      const button = pairNode("button", "ack", "manager.acknowledge");
      H.action(button, async () => { await H.api("POST", "/alerts/" + a.id + "/ack"); await reload(); });
      li.appendChild(button);
    }
    return li;
  }

  function shown() {
    const rule = $("alert-rule").value;
    const severity = $("alert-severity").value;
    const department = $("alert-department").value;
    const unacked = $("alert-unacked").checked;
    return state.alerts.filter((a) => (!rule || a.rule === rule) && (!severity || a.severity === severity)
      && (!department || (a.department || "") === department) && (!unacked || !a.acknowledged_at));
  }

  function options(select, values, label) {
    const keep = select.value;
    const all = el("option", null, H.t("manager.alert_filter.all")[0]);
    all.value = "";
    select.replaceChildren(all, ...values.map((v) => {
      const option = el("option", null, label(v));
      option.value = v;
      return option;
    }));
    if (values.includes(keep)) select.value = keep;
  }

  function drawCounts() {
    const counts = {};
    for (const a of state.alerts) {
      counts[a.rule] = counts[a.rule] || { red: 0, yellow: 0 };
      counts[a.rule][a.severity] += 1;
    }
    const rules = Object.keys(counts).sort();
    const total = pairNode("span", "total", "manager.alerts_total", { count: state.alerts.length });
    $("alert-counts").replaceChildren(total, ...rules.map((rule) => {
      const chip = el("button", "chip" + (counts[rule].red ? " red" : " yellow"));
      chip.type = "button";
      chip.dataset.rule = rule;
      chip.dataset.red = String(counts[rule].red);
      chip.dataset.yellow = String(counts[rule].yellow);
      chip.appendChild(el("span", "zh", H.t("supervise.rule." + rule)[0]));
      chip.appendChild(el("b", null, " " + H.t("manager.alert_count", counts[rule])[0]));
      chip.addEventListener("click", () => { $("alert-rule").value = $("alert-rule").value === rule ? "" : rule; draw(); });
      return chip;
    }));
    options($("alert-rule"), rules, (rule) => H.t("supervise.rule." + rule)[0]);
    options($("alert-severity"), ["red", "yellow"], (s) => H.t("manager.severity." + s)[0]);
    const departments = Array.from(new Set(state.alerts.map((a) => a.department || ""))).filter(Boolean).sort();
    options($("alert-department"), departments, (d) => d);
  }

  function draw() {
    const list = shown();
    const reload = () => load();
    const live = list.filter((a) => a.live)
      .sort((a, b) => (ORDER[a.severity] - ORDER[b.severity]) || (Date.parse(a.raised_at) - Date.parse(b.raised_at)));
    $("alerts-live").replaceChildren(...live.map((a) => item(a, reload)));
    $("alerts-live-box").hidden = live.length === 0;
    // reminders: by due day (earliest, i.e. most overdue, first), then department, folded
    const days = new Map();
    for (const a of list.filter((x) => !x.live)) {
      const day = a.due || (a.raised_at || "").slice(0, 10);
      if (!days.has(day)) days.set(day, new Map());
      const dept = a.department || "";
      const groups = days.get(day);
      if (!groups.has(dept)) groups.set(dept, []);
      groups.get(dept).push(a);
    }
    const blocks = Array.from(days.keys()).sort().map((day) => {
      const groups = days.get(day);
      const count = Array.from(groups.values()).reduce((n, g) => n + g.length, 0);
      const details = el("details", "alert-day");
      details.dataset.due = day;
      const summary = pairNode("summary", null, "manager.alert_due_group", { due: day, count: count });
      details.appendChild(summary);
      for (const dept of Array.from(groups.keys()).sort()) {
        const box = el("div", "alert-dept");
        box.dataset.department = dept;
        const name = dept || H.t("manager.alert_no_department")[0];
        box.appendChild(el("h4", null, name + " (" + groups.get(dept).length + ")"));
        const ul = el("ul", "alerts");
        ul.replaceChildren(...groups.get(dept).map((a) => item(a, reload)));
        box.appendChild(ul);
        details.appendChild(box);
      }
      return details;
    });
    $("alerts-reminders").replaceChildren(...blocks);
    $("alerts-reminders-box").hidden = blocks.length === 0;
    $("no-alerts").hidden = state.alerts.length > 0;
    $("no-alerts-shown").hidden = !(state.alerts.length > 0 && list.length === 0);
    document.body.dataset.alertsShown = String(list.length);
    paintSelected();
  }

  function paintSelected() {
    const button = $("alert-ack-selected");
    button.replaceChildren();
    H.pair(button, "manager.ack_selected", { count: state.selected.size });
    button.disabled = state.selected.size === 0;
  }

  async function load() {
    state.alerts = await H.api("GET", "/alerts");
    const standing = new Set(state.alerts.filter((a) => !a.acknowledged_at).map((a) => a.id));
    for (const id of Array.from(state.selected)) if (!standing.has(id)) state.selected.delete(id);
    drawCounts();
    draw();
  }

  function wire() {
    if (state.wired) return;
    state.wired = true;
    for (const id of ["alert-rule", "alert-severity", "alert-department", "alert-unacked"]) $(id).addEventListener("change", draw);
    $("alert-select-shown").addEventListener("click", () => {
      for (const a of shown()) if (!a.acknowledged_at) state.selected.add(a.id);
      draw();
    });
    H.action($("alert-ack-selected"), async () => {
      const ids = Array.from(state.selected);
      if (!ids.length) return;
      await H.api("POST", "/alerts/ack", { ids: ids });
      state.selected.clear();
      H.toast("manager.acked_many", { count: ids.length });
      await load();
    });
  }

  window.HallQAlerts = { load: async () => { wire(); await load(); } };
})();
