/* 好差评: the indicators per group and period with the export for the provincial platform, and
   the follow-up of bad ratings (核实 → 整改 → 回访) with its steps. Reads /api/v1/evaluations/indicators,
   /api/v1/evaluations/export and /api/v1/follow-ups (docs/evaluations.md). */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const $ = (id) => document.getElementById(id);

  function pct(value) { return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%"; }
  function stage(name) { return H.t("manager.eval.stage." + name)[0]; }

  function range() {
    const p = new URLSearchParams();
    if ($("from").value) p.set("date_from", $("from").value);
    if ($("to").value) p.set("date_to", $("to").value);
    return p;
  }

  async function figures() {
    const p = range();
    p.set("by", $("by").value);
    const data = await H.api("GET", "/api/v1/evaluations/indicators?" + p);
    $("figures").querySelector("tbody").replaceChildren(...data.rows.map((r) => {
      const tr = el("tr");
      const values = [r.key, r.total, r.rated, pct(r.good_rate), pct(r.active_good_rate), pct(r.unrated_rate), r.bad,
        pct(r.bad_reply_rate), pct(r.rectify_rate), pct(r.rectify_satisfaction_rate)];
      values.forEach((v, i) => tr.appendChild(el("td", i ? "num" : null, String(v))));
      return tr;
    }));
    const e = range();
    e.set("format", "csv");
    $("csv").href = "/api/v1/evaluations/export?" + e;
    e.set("format", "json");
    $("json").href = "/api/v1/evaluations/export?" + e;
  }

  async function step(id, action) {
    const body = { action };
    if (action === "assign") {
      body.owner = window.prompt(H.t("manager.eval.ask_owner").join(" / "));
      if (!body.owner) return;
    } else {
      body.note = window.prompt(H.t("manager.eval.ask_note", { stage: stage(action) }).join(" / ")) || "";
      if (!body.note) return;
    }
    if (action === "revisit") body.satisfied = window.confirm(H.t("manager.eval.ask_satisfied").join(" / "));
    await H.api("POST", "/api/v1/follow-ups/" + id, body);
    await load();
  }

  async function follow() {
    const rows = await H.api("GET", "/api/v1/follow-ups" + ($("history").checked ? "?history=true" : ""));
    $("follow").querySelector("tbody").replaceChildren(...rows.map((f) => {
      const tr = el("tr");
      tr.dataset.followUp = String(f.id);
      tr.appendChild(el("td", null, String(f.id)));
      tr.appendChild(el("td", null, H.t("manager.eval.evaluation_no", { id: f.evaluation_id })[0]));
      tr.appendChild(el("td", null, stage(f.stage)));
      tr.appendChild(el("td", null, f.owner || "—"));
      tr.appendChild(el("td", f.overdue ? "overdue" : null, f.due || "—"));
      tr.appendChild(el("td", null, (f.notes || []).map((n) => n.action + ": " + n.text).join(" / ")));
      const td = el("td");
      if (f.stage !== "closed") {
        for (const [action, key] of [[f.stage, "manager.eval.stage." + f.stage], ["assign", "manager.eval.assign"]]) {
          const button = H.pair(el("button"), key);
          H.action(button, () => step(f.id, action));
          td.appendChild(button);
        }
      }
      tr.appendChild(td);
      return tr;
    }));
  }

  async function load() { await figures(); await follow(); }

  async function start() {
    await H.nav("/manager/evaluations");
    H.action($("refresh"), load);
    $("by").addEventListener("change", () => figures().catch(H.toast));
    $("history").addEventListener("change", () => follow().catch(H.toast));
    await load();
    document.body.dataset.ready = "1";
  }

  start().catch(H.toast);
})();
