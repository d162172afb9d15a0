// Staff pages follow the system's light or dark scheme; this button overrides it per browser.
// The choice is kept in a cookie so the server renders the page in it from the first paint.
(function () {
  "use strict";
  var button = document.querySelector("[data-theme-toggle]");
  if (!button) { return; }
  var body = document.body;
  var systemDark = window.matchMedia("(prefers-color-scheme: dark)");

  function isDark() {
    if (body.classList.contains("theme-dark")) { return true; }
    if (body.classList.contains("theme-light")) { return false; }
    return systemDark.matches;
  }

  function show() { button.setAttribute("aria-pressed", isDark() ? "true" : "false"); }

  button.hidden = false;
  show();
  systemDark.addEventListener("change", show);
  button.addEventListener("click", function () {
    var dark = !isDark();
    body.classList.toggle("theme-dark", dark);
    body.classList.toggle("theme-light", !dark);
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    document.cookie = "himoya_theme=" + (dark ? "dark" : "light") + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
    show();
  });
})();
