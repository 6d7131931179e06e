/* 大厅设置 (hall settings): the weekly opening hours and the issue cut-off, the ticket rules
   (实名取号 and the per-person limit, number width, recalls, transfers, requeue, what a failed
   print does, how late a booking may check in), the call announcement and the hall's notice, the
   SMS notices and both gateways. The form edits the fields it shows on a fresh copy of the settings
   (GET, change, PUT), so settings edited elsewhere (alert thresholds, 好差评 rules) are kept. The
   server validates; a refusal that names its field (``fields.at``) is shown beside it. Parts built
   by other scripts (H.settingsParts: the notice editors, the gateway fieldsets) fill and read
   what the named inputs alone cannot say. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const WEEK = [["mon", "一"], ["tue", "二"], ["wed", "三"], ["thu", "四"], ["fri", "五"], ["sat", "六"], ["sun", "日"]];
  const form = document.getElementById("settings");
  const parts = H.settingsParts || [];

  /** The value at a dotted name ("voice.repeat") of an object, and setting it. */
  function get(object, name) { return name.split(".").reduce((o, k) => (o == null ? o : o[k]), object); }
  function put(object, name, value) {
    const keys = name.split(".");
    const last = keys.pop();
    keys.reduce((o, k) => (o[k] === null || o[k] === undefined ? (o[k] = {}) : o[k]), object)[last] = value;
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
    for (const part of parts) part.fill(settings);
  }

  /** "field = template" lines as an object (a gateway's request fields); a line without "=" is refused. */
  function pairs(text, at) {
    const out = {};
    for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
      const at = line.indexOf("=");
      if (at < 1) {
        const [zh, en] = H.t("manager.gateway.bad_line", { line });
        throw new H.ApiError(0, { code: "manager.gateway.bad_line", message: zh, message_en: en, fields: { at } });
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
      else if (node.dataset.kind === "pairs") value = pairs(node.value, node.name);
      else value = node.value;
      put(settings, node.name, value);
    }
    for (const part of parts) part.read(settings);
    return settings;
  }

  /** A refusal beside the field it names (``at``: the settings' path, as the inputs are named). */
  function showAt(error) {
    const at = error.fields && error.fields.at;
    const node = at && (form.querySelector(`[name="${CSS.escape(at)}"]`) || form.querySelector(`[data-at="${CSS.escape(at)}"]`));
    if (!node) return;
    const note = el("p", "field-error");
    note.setAttribute("role", "alert");
    note.dataset.code = error.code;
    note.append(el("span", "zh", error.message), el("span", "en", error.message_en));
    (node.closest("label, [data-at]") || node).appendChild(note);
    node.setAttribute("aria-invalid", "true");
    node.scrollIntoView({ block: "center" });
  }

  async function save() {
    for (const note of form.querySelectorAll(".field-error")) note.remove();
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    if (!form.reportValidity()) return;
    try {
      const edited = read(await H.api("GET", "/hall/settings"));
      fill(await H.api("PUT", "/hall/settings", edited));
    } catch (error) {
      if (error instanceof H.ApiError) showAt(error);
      throw error;
    }
    H.toast("console.saved");
  }

  async function start() {
    await H.nav("/manager/settings");
    form.addEventListener("submit", (event) => event.preventDefault());
    H.action(document.getElementById("save-settings"), save);
    await Promise.all(parts.map((part) => part.ready));
    fill(await H.api("GET", "/hall/settings"));
    document.body.dataset.ready = "1";
  }

  start().catch(H.toast);
})();
