/* 好差评上报对账 on the settings page: per day, the ratings stored against those the provincial
   platform accepted, those still pending and those it refused (with its reasons). A stacked bar per
   day shows at a glance whether a day went through whole; the table gives the figures. Reads
   /api/v1/outbox/reconciliation for the chosen days (the last 14 by default), again every minute. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const NS = "http://www.w3.org/2000/svg";
  const DAYS = 14, HEIGHT = 180, AXIS = 28, TOP = 14;
  const PARTS = [["accepted", "var(--ok)"], ["pending", "var(--warn)"], ["refused", "var(--bad)"]];

  const $ = (id) => document.getElementById(id);
  const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

  function shape(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, String(v)));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  /** Every day of the range, those without ratings as zeros, so a gap shows as a gap. */
  function everyDay(start, end, rows) {
    const byDay = new Map(rows.map((r) => [r.day, r]));
    const out = [];
    for (let d = new Date(start + "T00:00"); iso(d) <= end; d.setDate(d.getDate() + 1)) {
      const day = iso(d);
      out.push(byDay.get(day) || { day, stored: 0, accepted: 0, pending: 0, refused: 0, reasons: {} });
    }
    return out;
  }

  function chart(days) {
    const box = $("recon-chart");
    const width = Math.max(box.clientWidth || 600, 300);
    const most = Math.max(1, ...days.map((d) => d.stored));
    const slot = width / Math.max(1, days.length);
    const scale = (HEIGHT - AXIS - TOP) / most;
    box.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
    box.setAttribute("aria-label", H.t("manager.reconciliation.chart").join(" / "));
    const parts = [shape("line", { x1: 0, x2: width, y1: HEIGHT - AXIS, y2: HEIGHT - AXIS, stroke: "var(--line)" })];
    days.forEach((d, i) => {
      const g = shape("g", { "data-day": d.day });
      let y = HEIGHT - AXIS;
      for (const [part, colour] of PARTS) {
        const h = d[part] * scale;
        if (h > 0) {
          y -= h;
          const bar = shape("rect", { x: i * slot + slot * 0.2, y, width: slot * 0.6, height: h, fill: colour });
          bar.dataset.part = part;
          bar.appendChild(shape("title", {}, `${d.day} ${H.t("manager.reconciliation." + part)[0]} ${d[part]}`));
          g.appendChild(bar);
        }
      }
      if (d.stored) g.appendChild(shape("text", { x: i * slot + slot / 2, y: y - 3, "text-anchor": "middle", "font-size": 12 }, d.stored));
      g.appendChild(shape("text", { x: i * slot + slot / 2, y: HEIGHT - AXIS + 16, "text-anchor": "middle", "font-size": 11, fill: "var(--muted)" }, d.day.slice(5)));
      parts.push(g);
    });
    box.replaceChildren(...parts);
  }

  function table(days) {
    const cell = (value) => el("td", null, String(value));
    $("recon-days").querySelector("tbody").replaceChildren(...days.filter((d) => d.stored).map((d) => {
      const tr = el("tr");
      tr.dataset.day = d.day;
      [d.day, d.stored, d.accepted, d.pending, d.refused].forEach((v) => tr.appendChild(cell(v)));
      const reasons = el("td");
      for (const [reason, count] of Object.entries(d.reasons || {})) {
        reasons.appendChild(el("div", "reason", `${reason} × ${count}`)); // the platform's own words
      }
      tr.appendChild(reasons);
      if (d.refused) tr.classList.add("refused");
      return tr;
    }));
  }

  async function refresh() {
    const start = $("recon-start").value, end = $("recon-end").value;
    if (!start || !end || start > end) return;
    const rows = await H.api("GET", `/outbox/reconciliation?start=${start}&end=${end}`);
    const days = everyDay(start, end, rows);
    chart(days);
    table(days);
    $("recon-empty").hidden = rows.length > 0;
    $("reconciliation").dataset.ready = "1";
  }

  const today = new Date();
  const first = new Date(today);
  first.setDate(today.getDate() - (DAYS - 1));
  $("recon-start").value = iso(first);
  $("recon-end").value = iso(today);
  for (const id of ["recon-start", "recon-end"]) $(id).addEventListener("change", () => refresh().catch(H.toast));
  refresh().catch(H.toast);
  setInterval(() => refresh().catch(() => {}), 60000);
})();
