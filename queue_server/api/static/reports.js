/* 统计报表: the hall's figures per period and group as a table, four charts, CSV/XLSX exports and
   the printable monthly report. Reads /api/v1/reports/figures and /api/v1/reports/charts/*.svg
   (docs/reports.md defines every figure). */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const $ = (id) => document.getElementById(id);
  const CHARTS = ["arrivals", "waiting", "windows", "trend"];

  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  function minutes(v) { return v === null || v === undefined ? "—" : (v / 60).toFixed(1); }
  function hours(v) { return v === null || v === undefined ? "—" : (v / 3600).toFixed(1); }
  function num(v) { return v === null || v === undefined ? "—" : String(v); }

  // column: [catalogue key, unit shown instead of seconds, value of a row]
  const COLUMNS = [
    ["reports.col.period", null, (r) => r.period],
    ["reports.col.key", null, (r) => r.key],
    ["reports.col.label", null, (r) => r.label],
    ["reports.col.issued", null, (r) => num(r.issued)],
    ["reports.col.served", null, (r) => num(r.served)],
    ["reports.col.no_shows", null, (r) => num(r.no_shows)],
    ["reports.col.cancelled", null, (r) => num(r.cancelled)],
    ["reports.col.transferred", null, (r) => num(r.transferred)],
    ["reports.col.waiting_mean", "min", (r) => minutes(r.waiting.mean)],
    ["reports.col.waiting_median", "min", (r) => minutes(r.waiting.median)],
    ["reports.col.waiting_p90", "min", (r) => minutes(r.waiting.p90)],
    ["reports.col.handling_mean", "min", (r) => minutes(r.handling.mean)],
    ["reports.col.handling_p90", "min", (r) => minutes(r.handling.p90)],
    ["reports.col.idle_seconds", "h", (r) => hours(r.idle_seconds)],
    ["reports.col.paused_seconds", "h", (r) => hours(r.paused_seconds)],
    ["reports.col.priority_share", null, (r) => pct(r.priority_share)],
    ["reports.col.appointment_share", null, (r) => pct(r.appointment_share)],
    ["reports.col.on_site_rate", null, (r) => pct(r.on_site_rate)],
    ["reports.col.immediate_share", null, (r) => pct(r.immediate_share)],
    ["reports.col.correction_rate", null, (r) => pct(r.correction_rate)],
    ["reports.col.good_rate", null, (r) => pct(r.evaluation.good_rate)],
    ["reports.col.bad", null, (r) => num(r.evaluation.bad)],
  ];

  function title(key, unit) {
    const [zh, en] = H.t(key);
    if (!unit) return [zh, en];
    return [zh.replace("(秒)", "(" + unit + ")"), en.replace("(s)", "(" + unit + ")")];
  }

  function header() {
    const row = $("figures").querySelector("thead tr");
    row.replaceChildren(...COLUMNS.map(([key, unit], i) => {
      const th = el("th", i > 2 ? "num" : null);
      const [zh, en] = title(key, unit);
      th.appendChild(el("span", null, zh));
      th.appendChild(el("span", "en", en));
      return th;
    }));
  }

  function query() {
    const p = new URLSearchParams();
    if ($("from").value) p.set("date_from", $("from").value);
    if ($("to").value) p.set("date_to", $("to").value);
    return p;
  }

  async function show() {
    const p = query();
    p.set("period", $("period").value);
    p.set("by", $("by").value);
    const data = await H.api("GET", "/api/v1/reports/figures?" + p);
    $("figures").querySelector("tbody").replaceChildren(...data.rows.map((r) => {
      const tr = el("tr");
      tr.dataset.key = r.key;
      COLUMNS.forEach(([, , value], i) => tr.appendChild(el("td", i > 2 ? "num" : null, value(r))));
      return tr;
    }));
    $("empty").hidden = data.rows.length > 0;
    for (const format of ["csv", "xlsx"]) {
      const e = new URLSearchParams(p);
      e.set("format", format);
      $(format).href = "/api/v1/reports/figures?" + e;
    }
    const c = query();
    c.set("v", String(Date.now()));
    await Promise.all(CHARTS.map((name) => new Promise((resolve) => {
      const img = $("chart-" + name);
      img.onload = img.onerror = resolve;
      img.alt = H.t("reports.chart." + name).join(" / ");
      img.src = "/api/v1/reports/charts/" + name + ".svg?" + c;
    })));
  }

  function monthly() {
    $("monthly").href = "/manager/reports/monthly" + ($("month").value ? "?month=" + $("month").value : "");
  }

  async function start() {
    await H.nav("/manager/reports");
    const today = new Date();
    const local = new Date(today.getTime() - today.getTimezoneOffset() * 60000).toISOString();
    $("to").value = local.slice(0, 10);
    $("from").value = local.slice(0, 8) + "01";
    $("month").value = local.slice(0, 7);
    const p = H.params();
    for (const name of ["from", "to", "period", "by"]) if (p.get(name)) $(name).value = p.get(name);
    header();
    monthly();
    $("month").addEventListener("change", monthly);
    H.action($("show"), show);
    await show();
    document.body.dataset.ready = "1";
  }

  start().catch(H.toast);
})();
