/* 全市大厅: the city's administration sees every hall side by side — who waits now (bars coloured by
   the hall's alerts), how long people waited today (90% bar, mean tick), and a table with served,
   好评率 and alerts. Read-only; refreshed every 30 s, and at once when the tab is shown again. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const SVG = "http://www.w3.org/2000/svg";
  // Every 30 s by default; ?every=N (seconds, at least 5) for a wall screen that wants it sooner.
  const REFRESH_MS = Math.max(5, Number(H.params().get("every")) || 30) * 1000;
  const GOOD_TARGET = 0.95; // the 好评率 the province asks of a hall (below it is shown in red)
  const ROW = 26, LABEL = 150, PAD = 8, WIDTH = 600;

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function colour(hall) {
    if (hall.alerts_red) return "var(--bad)";
    return hall.alerts_open ? "var(--warn)" : "var(--go)";
  }

  /** One row per hall: its name, then a bar (or two) scaled to the largest value. */
  function bars(node, halls, value, draw) {
    const box = node.querySelector("svg");
    const height = PAD * 2 + ROW * Math.max(1, halls.length);
    box.setAttribute("viewBox", `0 0 ${WIDTH} ${height}`);
    box.textContent = "";
    const top = Math.max(1, ...halls.map(value));
    const scale = (WIDTH - LABEL - 70) / top;
    halls.forEach((hall, i) => {
      const y = PAD + i * ROW;
      const row = svg("g", { "data-hall": hall.code });
      row.appendChild(svg("text", { x: LABEL - 6, y: y + ROW / 2 + 5, "text-anchor": "end", "font-size": 14,
        fill: "var(--ink)" }, hall.name));
      draw(row, hall, y, scale);
      box.appendChild(row);
    });
  }

  function waitingChart(halls) {
    bars(document.getElementById("chart-waiting"), halls, (h) => h.waiting, (row, hall, y, scale) => {
      const w = Math.max(2, hall.waiting * scale);
      row.appendChild(svg("rect", { x: LABEL, y: y + 4, width: w, height: ROW - 8, rx: 3, fill: colour(hall),
        class: "bar" }));
      row.appendChild(svg("text", { x: LABEL + w + 6, y: y + ROW / 2 + 5, "font-size": 14, fill: "var(--ink)" },
        String(hall.waiting)));
    });
  }

  function minutes(seconds) { return seconds == null ? "—" : H.duration(seconds)[0]; }

  function waitChart(halls) {
    bars(document.getElementById("chart-wait"), halls, (h) => h.wait_p90 || 0, (row, hall, y, scale) => {
      const w = (hall.wait_p90 || 0) * scale;
      if (hall.wait_p90 != null) {
        row.appendChild(svg("rect", { x: LABEL, y: y + 4, width: Math.max(2, w), height: ROW - 8, rx: 3,
          fill: "#9fb6d1", class: "bar" }));
        const m = LABEL + (hall.wait_mean || 0) * scale;
        row.appendChild(svg("rect", { x: m - 1.5, y: y + 2, width: 3, height: ROW - 4, fill: "var(--ink)" }));
      }
      row.appendChild(svg("text", { x: LABEL + w + 6, y: y + ROW / 2 + 5, "font-size": 14, fill: "var(--ink)" },
        minutes(hall.wait_p90)));
    });
  }

  function percent(rate) { return rate == null ? "—" : (rate * 100).toFixed(1) + "%"; }

  function cell(tr, text, cls) {
    const td = el("td", cls || null, text);
    tr.appendChild(td);
    return td;
  }

  function table(halls) {
    const body = document.querySelector("#halls tbody");
    body.textContent = "";
    for (const hall of halls) {
      const tr = el("tr");
      tr.dataset.hall = hall.code;
      const name = cell(tr, hall.name);
      if (hall.name_en) name.appendChild(el("span", "en", hall.name_en));
      cell(tr, String(hall.waiting), "num waiting");
      cell(tr, String(hall.served), "num served");
      cell(tr, minutes(hall.wait_mean), "num");
      cell(tr, minutes(hall.wait_p90), "num");
      for (const rate of [hall.good_rate_month, hall.good_rate_today]) {
        cell(tr, percent(rate), "num" + (rate != null && rate < GOOD_TARGET ? " low" : ""));
      }
      const alerts = cell(tr, "", "num alerts");
      const pill = el("span", "pill " + (hall.alerts_red ? "bad" : hall.alerts_open ? "warn" : "ok"),
        String(hall.alerts_open));
      alerts.appendChild(pill);
      body.appendChild(tr);
    }
  }

  function totals(halls) {
    const sum = (key) => halls.reduce((n, h) => n + h[key], 0);
    document.getElementById("total-waiting").textContent = String(sum("waiting"));
    document.getElementById("total-served").textContent = String(sum("served"));
    document.getElementById("total-alerts").textContent = String(sum("alerts_open"));
  }

  async function load() {
    try {
      const view = await H.api("GET", "/city/halls");
      H.clock.seen(view.at);
      totals(view.halls);
      waitingChart(view.halls);
      waitChart(view.halls);
      table(view.halls);
      H.pair(document.getElementById("updated"), "city.updated", { time: H.format("time", H.clock.now()) });
      document.body.dataset.loads = String(Number(document.body.dataset.loads || 0) + 1);
    } catch (error) {
      H.toast(error);
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    await H.nav("/city");
    await load();
    document.body.dataset.ready = "1";
    setInterval(load, REFRESH_MS);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) load(); });
  });
})();
