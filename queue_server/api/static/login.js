/* The login form: staff number, password and (for a clerk) the window; then on to the page asked for. */
(function () {
  "use strict";
  const H = window.HallQ;
  const HOME = { clerk: "/clerk", manager: "/manager", admin: "/manager", guide: "/guide", city: "/city" };

  function nextPage(role) {
    const next = new URLSearchParams(window.location.search).get("next") || "";
    // only a path of this site, judged the way the browser will resolve it: "/\host" and
    // "/<tab>/host" look like paths but lead elsewhere
    try {
      const url = new URL(next, window.location.origin);
      if (next.startsWith("/") && url.origin === window.location.origin) {
        return url.pathname + url.search + url.hash;
      }
    } catch (error) { /* not a URL at all: go home */ }
    return HOME[role] || "/login";
  }

  /** Where a server keeps several halls, the form asks which one (remembered on this desk). */
  async function offerHalls() {
    const halls = await H.api("GET", "/auth/halls", null, { noRedirect: true });
    if (!Array.isArray(halls) || halls.length < 2) return;
    const choice = document.getElementById("hall");
    for (const hall of halls) {
      const option = H.el("option", null, hall.name);
      option.value = hall.code;
      choice.appendChild(option);
    }
    const remembered = window.localStorage.getItem("hallq.hall");
    if (remembered && halls.some((hall) => hall.code === remembered)) choice.value = remembered;
    choice.disabled = false;
    choice.required = true;
    document.getElementById("hall-choice").hidden = false;
  }

  const form = document.getElementById("login");
  const error = document.getElementById("error");
  const remembered = window.localStorage.getItem("hallq.window");
  if (remembered) document.getElementById("window").value = remembered;
  offerHalls().catch(() => { /* one hall, or the server will say so at login */ });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const button = form.querySelector("button");
    button.disabled = true;
    const data = new FormData(form);
    const windowNumber = String(data.get("window") || "").trim();
    if (!windowNumber) data.delete("window");
    try {
      const who = await H.api("POST", "/auth/login", data, { noRedirect: true });
      if (windowNumber) window.localStorage.setItem("hallq.window", windowNumber);
      if (data.get("hall")) window.localStorage.setItem("hallq.hall", String(data.get("hall")));
      window.location.assign(nextPage(who.role));
    } catch (failure) {
      error.textContent = "";
      error.appendChild(H.el("span", "zh", failure.message));
      error.appendChild(H.el("span", "en", failure.message_en || ""));
      error.dataset.code = failure.code || "";
      error.hidden = false;
      document.getElementById("password").select();
    } finally {
      button.disabled = false;
    }
  });
})();
