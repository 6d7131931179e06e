/* The login form: staff number, password and (for a clerk) the window; then on to the page asked for. */
(function () {
  "use strict";
  const H = window.HallQ;
  const HOME = { clerk: "/clerk", manager: "/manager", admin: "/manager", guide: "/guide" };

  function nextPage(role) {
    const next = new URLSearchParams(window.location.search).get("next") || "";
    // only a path of this site: never an absolute URL an attacker put in the link
    if (next.startsWith("/") && !next.startsWith("//")) return next;
    return HOME[role] || "/login";
  }

  const form = document.getElementById("login");
  const error = document.getElementById("error");
  const remembered = window.localStorage.getItem("hallq.window");
  if (remembered) document.getElementById("window").value = remembered;

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
