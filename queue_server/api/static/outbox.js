/* 外发消息 (the outbox) on the settings page: per destination sent, pending, failing, given up and
   the oldest pending; each message given up with its reason, to retry (same idempotency key) or
   drop. Both are audited by the server. Refreshed every 10 seconds. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;

  function cell(text) { return el("td", null, text === null || text === undefined ? "—" : String(text)); }

  function destinations(rows) {
    const body = document.querySelector("#outbox-destinations tbody");
    body.replaceChildren(...rows.map((d) => {
      const tr = el("tr");
      tr.dataset.destination = d.destination;
      for (const value of [d.destination, d.sent, d.pending, d.failing, d.dead]) tr.appendChild(cell(value));
      tr.appendChild(cell(d.oldest_pending_at ? new Date(d.oldest_pending_at).toLocaleString("zh-CN") : null));
      return tr;
    }));
    document.getElementById("outbox-empty").hidden = rows.length > 0;
  }

  function dead(messages) {
    document.getElementById("outbox-dead").replaceChildren(...messages.map((m) => {
      const li = el("li");
      li.dataset.id = String(m.id);
      li.appendChild(H.pair(el("span"), "manager.outbox.message", { kind: m.kind, id: m.id, error: m.last_error || "" }));
      for (const [what, done] of [["retry", "manager.outbox.retried"], ["drop", "manager.outbox.dropped"]]) {
        const button = H.pair(el("button", what), "manager.outbox." + what);
        H.action(button, async () => {
          await H.api("POST", "/outbox/" + m.id + "/" + what);
          H.toast(done);
          await refresh();
        });
        li.appendChild(button);
      }
      return li;
    }));
  }

  async function refresh() {
    const view = await H.api("GET", "/outbox");
    destinations(view.destinations);
    dead(view.dead);
    document.getElementById("outbox").dataset.ready = "1";
  }

  refresh().catch(H.toast);
  setInterval(() => refresh().catch(() => {}), 10000);
})();
