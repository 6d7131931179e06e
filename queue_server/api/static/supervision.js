/* 督查: the alert history of a period grouped by rule, window, day or light, with response times
   (raised → acknowledged, raised → cleared: mean / median / max), the alerts themselves (open ones
   can be acknowledged here), and the 差评 follow-ups past their deadline. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;

  function cell(tr, content, cls) {
    const td = el("td", cls || null);
    if (content instanceof Node) td.appendChild(content); else td.textContent = content == null ? "" : String(content);
    tr.appendChild(td);
    return td;
  }
  function span(key, cls) { return H.pair(el("span", cls || null), key); }
  function dur(seconds) { return seconds == null ? "—" : H.duration(seconds)[0]; }
  function triple(t) { return t.count ? [dur(t.mean), dur(t.median), dur(t.max)].join(" / ") : "—"; }
  function ruleName(rule) { return H.CAT.messages["supervise.rule." + rule] ? span("supervise.rule." + rule) : rule; }

  function keyLabel(by, key) {
    if (by === "rule") return ruleName(key);
    if (by === "severity") return span(key === "red" ? "supervise.red" : "supervise.yellow");
    return key || "—";
  }

  function groupRow(by, g, total) {
    const tr = el("tr");
    cell(tr, total ? span("supervise.all") : keyLabel(by, g.key));
    cell(tr, g.raised, "num");
    cell(tr, g.red, "num");
    cell(tr, g.open, "num");
    cell(tr, triple(g.acknowledge), "num");
    cell(tr, triple(g.clear), "num");
    return tr;
  }

  async function load() {
    const form = document.getElementById("filter");
    const query = new URLSearchParams({ by: form.by.value });
    if (form.date_from.value) query.set("date_from", form.date_from.value);
    if (form.date_to.value) query.set("date_to", form.date_to.value);
    const [history, followUps] = await Promise.all([
      H.api("GET", "/supervision/alerts?" + query), H.api("GET", "/supervision/follow-ups"),
    ]);
    form.date_from.value = history.date_from;
    form.date_to.value = history.date_to;
    const body = document.querySelector("#groups tbody");
    body.textContent = "";
    for (const g of history.rows) body.appendChild(groupRow(history.by, g, false));
    const foot = document.querySelector("#groups tfoot");
    foot.textContent = "";
    foot.appendChild(groupRow(history.by, history.total, true));

    const alerts = document.querySelector("#alerts tbody");
    alerts.textContent = "";
    for (const a of history.alerts) {
      const tr = el("tr", a.severity);
      cell(tr, new Date(a.raised_at).toLocaleString("zh-CN", { hour12: false }));
      cell(tr, ruleName(a.rule));
      cell(tr, a.subject);
      cell(tr, a.window || "");
      cell(tr, span(a.severity === "red" ? "supervise.red" : "supervise.yellow", "pill " + (a.severity === "red" ? "bad" : "warn")));
      cell(tr, dur(a.acknowledge_seconds), "num");
      cell(tr, a.cleared_at ? dur(a.clear_seconds) : "", "num");
      const act = cell(tr, "");
      if (!a.acknowledged_at && !a.cleared_at) {
        const b = H.pair(el("button"), "supervise.acknowledge");
        H.action(b, async () => { await H.api("POST", "/alerts/" + a.id + "/ack"); await load(); });
        act.appendChild(b);
      }
      alerts.appendChild(tr);
    }
    const late = document.querySelector("#follow-ups tbody");
    late.textContent = "";
    for (const f of followUps) {
      const tr = el("tr");
      cell(tr, f.id);
      cell(tr, "#" + f.evaluation_id);
      cell(tr, span("supervise.stage." + f.stage));
      cell(tr, f.due, "bad");
      cell(tr, f.owner);
      late.appendChild(tr);
    }
    document.body.dataset.ready = "1";
  }

  async function start() {
    await H.nav("/manager/supervision");
    document.getElementById("filter").addEventListener("submit", (e) => { e.preventDefault(); load().catch(H.toast); });
    await load();
    H.live(["manager"], {
      onSnapshot: () => {},
      onEvent: (frame) => { if (frame.type.startsWith("alert.")) load().catch(H.toast); },
    });
  }

  start().catch(H.toast);
})();
