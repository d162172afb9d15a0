// Quick exit: leave for a neutral site at once and keep this site out of "Back".
// The link works without JavaScript; this makes it replace the history entry instead.
(function () {
  "use strict";
  function leave(url) {
    try { document.body.hidden = true; } catch (e) { /* nothing to hide yet */ }
    window.location.replace(url);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-quick-exit]");
    if (!link) { return; }
    event.preventDefault();
    leave(link.href);
  });
  // Pressing Escape twice quickly also leaves.
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var link = document.querySelector("[data-quick-exit]");
    if (!link) { return; }
    var now = Date.now();
    if (now - last < 800) { leave(link.href); }
    last = now;
  });
})();
