/* 大厅设置 (hall settings): the weekly opening hours and the issue cut-off, the ticket rules
   (实名取号 and the per-person limit, number width, recalls, transfers, requeue, what a failed
   print does, how late a booking may check in), the call announcement and the hall's notice.
   The form edits the fields it shows on a fresh copy of the settings (GET, change, PUT), so
   settings edited elsewhere (alert thresholds, 好差评 rules) are kept. The server validates. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const WEEK = [["mon", "一"], ["tue", "二"], ["wed", "三"], ["thu", "四"], ["fri", "五"], ["sat", "六"], ["sun", "日"]];
  const form = document.getElementById("settings");

  /** The value at a dotted name ("voice.repeat") of an object, and setting it. */
  function get(object, name) { return name.split(".").reduce((o, k) => (o == null ? o : o[k]), object); }
  function put(object, name, value) {
    const keys = name.split(".");
    const last = keys.pop();
    keys.reduce((o, k) => o[k], object)[last] = value;
  }

  function fields() {
    return [...form.querySelectorAll("[name]")].filter((n) => !n.name.startsWith("week.") && !n.name.startsWith("ext."));
  }

  /** A line of periods per weekday: the regular hours ("week.") or the weekly 延时服务 ("ext."). */
  function weekRows(table, prefix, hours, placeholder) {
    document.querySelector(table + " tbody").replaceChildren(...WEEK.map(([key, zh]) => {
      const tr = el("tr");
      tr.dataset.day = key;
      tr.appendChild(el("td", null, "周" + zh + " " + key));
      const input = el("input");
      input.name = prefix + key;
      input.placeholder = placeholder;
      input.value = H.periodsText(hours[key] || []);
      const cell = el("td");
      cell.appendChild(input);
      tr.appendChild(cell);
      return tr;
    }));
  }

  function readWeek(prefix) {
    const hours = {};
    for (const [key] of WEEK) {
      const periods = H.parsePeriods(form.elements[prefix + key].value);
      if (periods.length) hours[key] = periods;
    }
    return hours;
  }

  function fill(settings) {
    weekRows("#week", "week.", settings.hours, H.t("manager.day_closed").join(" "));
    weekRows("#extended-week", "ext.", settings.extended_hours || {}, "—");
    for (const node of fields()) {
      const value = get(settings, node.name);
      if (node.type === "checkbox") node.checked = Boolean(value);
      else if (node.dataset.kind === "pairs") node.value = Object.entries(value || {}).map(([k, v]) => `${k} = ${v}`).join("\n");
      else node.value = value === null || value === undefined ? "" : String(value);
    }
  }

  /** "field = template" lines as an object (a gateway's request fields); a line without "=" is refused. */
  function pairs(text) {
    const out = {};
    for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
      const at = line.indexOf("=");
      if (at < 1) {
        const [zh, en] = H.t("manager.gateway.bad_line", { line });
        throw new H.ApiError(0, { code: "manager.gateway.bad_line", message: zh, message_en: en });
      }
      out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return out;
  }

  function read(settings) {
    settings.hours = readWeek("week.");
    settings.extended_hours = readWeek("ext.");
    for (const node of fields()) {
      let value;
      if (node.type === "checkbox") value = node.checked;
      else if (node.type === "number") value = node.value.trim() === "" ? null : Number(node.value);
      else if (node.dataset.kind === "pairs") value = pairs(node.value);
      else value = node.value;
      put(settings, node.name, value);
    }
    return settings;
  }

  async function save() {
    if (!form.reportValidity()) return;
    const edited = read(await H.api("GET", "/hall/settings"));
    fill(await H.api("PUT", "/hall/settings", edited));
    H.toast("console.saved");
  }

  async function start() {
    await H.nav("/manager/settings");
    form.addEventListener("submit", (event) => event.preventDefault());
    H.action(document.getElementById("save-settings"), save);
    fill(await H.api("GET", "/hall/settings"));
    document.body.dataset.ready = "1";
  }

  start().catch(H.toast);
})();
