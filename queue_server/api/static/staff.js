/* 人员与设备 (staff and devices): the hall's accounts with their default window and AB岗 partner
   (changed in place, both sides of a pair at once), password resets (a temporary password shown
   once), deactivation; device tokens with their devices' last reports, issuing (the token and its
   pairing QR code shown this once) and revocation (the device is refused and disconnected at once).
   Every change goes through the API, which checks the caller's role and audits it. */
(function () {
  "use strict";
  const H = window.HallQ;
  const el = H.el;
  const PEOPLE = ["clerk", "guide", "manager"];
  const DEVICES = ["kiosk", "board", "evaluator", "clerk"];

  let me = null;
  let windows = [];
  let staff = [];

  function both(key, fields) { const [zh, en] = H.t(key, fields); return zh + " " + en; }

  function select(name, values, label, chosen) {
    const node = el("select");
    node.name = name;
    node.replaceChildren(...values.map((value) => {
      const option = el("option", null, label(value));
      option.value = value;
      option.selected = value === (chosen || "");
      return option;
    }));
    return node;
  }

  function windowChoices(chosen) {
    return select("window", ["", ...windows.map((w) => w.number)],
      (n) => (n ? n + " · " + windows.find((w) => w.number === n).name : both("staff_page.none")), chosen);
  }

  function partnerChoices(person) {
    const others = staff.filter((p) => p.active && (!person || p.staff_no !== person.staff_no));
    return select("ab_partner", ["", ...others.map((p) => p.staff_no)],
      (n) => (n ? n + " " + others.find((p) => p.staff_no === n).name : both("staff_page.none")),
      person ? person.ab_partner : "");
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "";
  }

  /* ---- staff ---- */

  async function change(person, body) {
    const saved = await H.api("PATCH", "/staff/" + encodeURIComponent(person.staff_no), body);
    H.toast("staff_page.updated", { name: saved.name });
    await loadStaff();
  }

  function staffRow(person) {
    const tr = el("tr", person.active ? "" : "inactive");
    tr.dataset.staff = person.staff_no;
    const locked = person.role === "admin" && me.role !== "admin";
    tr.appendChild(el("td", "code", person.staff_no));
    tr.appendChild(el("td", null, person.name));
    tr.appendChild(H.pair(el("td"), "staff_page.role." + person.role));
    const windowCell = el("td");
    const win = windowChoices(person.window);
    win.disabled = locked;
    win.addEventListener("change", () => change(person, { window: win.value || null }).catch(H.toast));
    windowCell.appendChild(win);
    tr.appendChild(windowCell);
    const partnerCell = el("td");
    const partner = partnerChoices(person);
    partner.disabled = locked || !person.active;
    partner.addEventListener("change", () => change(person, { ab_partner: partner.value || null }).catch(H.toast));
    partnerCell.appendChild(partner);
    tr.appendChild(partnerCell);
    tr.appendChild(H.pair(el("td", null), person.active ? "staff_page.active" : "staff_page.inactive"));
    const actions = el("td", "row-actions");
    if (!locked) {
      const reset = H.pair(el("button", "reset"), "staff_page.reset");
      H.action(reset, async () => {
        const done = await H.api("POST", "/staff/" + encodeURIComponent(person.staff_no) + "/password", {});
        const notice = document.getElementById("password-notice");
        notice.replaceChildren(H.pair(el("span"), "staff_page.temporary",
          { staff_no: done.staff_no, password: done.temporary_password }));
        notice.hidden = false;
      });
      const toggle = H.pair(el("button", person.active ? "deactivate danger" : "reactivate"),
        person.active ? "staff_page.deactivate" : "staff_page.reactivate");
      H.action(toggle, async () => {
        if (person.active && !window.confirm(both("staff_page.confirm_deactivate", { name: person.name }))) return;
        await change(person, { active: !person.active });
      });
      actions.append(reset, toggle);
    }
    tr.appendChild(actions);
    return tr;
  }

  async function loadStaff() {
    staff = await H.api("GET", "/staff");
    document.querySelector("#staff tbody").replaceChildren(...staff.map(staffRow));
    const form = document.getElementById("add-staff");
    form.elements.ab_partner.replaceWith(partnerChoices(null));
  }

  async function addStaff() {
    const f = document.getElementById("add-staff").elements;
    const body = {
      staff_no: f.staff_no.value.trim(), name: f.name.value.trim(), role: f.role.value,
      password: f.password.value, window: f.window.value || null, ab_partner: f.ab_partner.value || null,
    };
    const saved = await H.api("POST", "/staff", body);
    H.toast("staff_page.created", { name: saved.name });
    document.getElementById("add-staff").reset();
    await loadStaff();
  }

  /* ---- device tokens ---- */

  function tokenRow(token) {
    const tr = el("tr", token.revoked_at ? "revoked" : "");
    tr.dataset.token = String(token.id);
    tr.appendChild(el("td", "num", String(token.id)));
    tr.appendChild(el("td", "label", token.label));
    tr.appendChild(H.pair(el("td"), "staff_page.role." + token.role));
    tr.appendChild(el("td", null, token.window || ""));
    tr.appendChild(el("td", "muted", when(token.created_at)));
    const state = el("td");
    if (token.revoked_at) state.appendChild(H.pair(el("span", "pill bad"), "staff_page.revoked"));
    else if (token.state) state.appendChild(H.pair(el("span", "pill " + (token.state === "ok" ? "ok" : "warn")), "staff_page.state." + token.state));
    tr.appendChild(state);
    tr.appendChild(token.last_seen_at ? el("td", "muted", when(token.last_seen_at)) : H.pair(el("td", "muted"), "staff_page.never"));
    const actions = el("td", "row-actions");
    const privileged = (token.role === "manager" || token.role === "admin") && me.role !== "admin";
    if (!token.revoked_at && !privileged) {
      const revoke = H.pair(el("button", "revoke danger"), "staff_page.revoke");
      H.action(revoke, async () => {
        if (!window.confirm(both("staff_page.confirm_revoke", { label: token.label }))) return;
        await H.api("POST", "/devices/tokens/" + token.id + "/revoke");
        H.toast("staff_page.revoked_done", { label: token.label });
        await loadTokens();
      });
      actions.appendChild(revoke);
    }
    tr.appendChild(actions);
    return tr;
  }

  async function loadTokens() {
    const tokens = await H.api("GET", "/devices/tokens");
    document.querySelector("#tokens tbody").replaceChildren(...tokens.map(tokenRow));
  }

  async function issue() {
    const form = document.getElementById("issue-token");
    const f = form.elements;
    const body = { role: f.role.value, label: f.label.value.trim(), window: f.window.value || null };
    const issued = await H.api("POST", "/devices/tokens", body);
    document.getElementById("issued-qr").src = issued.pairing_qr;
    document.getElementById("issued-token").textContent = issued.token;
    const url = document.getElementById("issued-url");
    url.textContent = issued.pairing_url;
    url.hidden = issued.pairing_url === issued.token;
    document.getElementById("issued").hidden = false;
    form.reset();
    await loadTokens();
  }

  async function start() {
    me = await H.nav("/manager/staff");
    windows = (await H.api("GET", "/hall")).windows;
    const roles = me.role === "admin" ? [...PEOPLE, "admin"] : PEOPLE;
    const add = document.getElementById("add-staff");
    add.elements.role.replaceWith(select("role", roles, (r) => both("staff_page.role." + r), "clerk"));
    add.elements.window.replaceWith(windowChoices(""));
    const tokenForm = document.getElementById("issue-token");
    tokenForm.elements.role.replaceWith(select("role", DEVICES, (r) => both("staff_page.role." + r), "kiosk"));
    tokenForm.elements.window.replaceWith(windowChoices(""));
    add.addEventListener("submit", (event) => { event.preventDefault(); addStaff().catch(H.toast); });
    tokenForm.addEventListener("submit", (event) => { event.preventDefault(); issue().catch(H.toast); });
    document.getElementById("issued-close").addEventListener("click", () => {
      document.getElementById("issued").hidden = true;
      document.getElementById("issued-token").textContent = "";
      document.getElementById("issued-url").textContent = "";
      document.getElementById("issued-qr").removeAttribute("src");
    });
    await Promise.all([loadStaff(), loadTokens()]);
    H.live(["manager"], {
      onSnapshot() {},
      onEvent(frame) { if (frame.type === "device.status") loadTokens().catch(H.toast); },
    });
  }

  start().catch((error) => H.toast(error));
})();
