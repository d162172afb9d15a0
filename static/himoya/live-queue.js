// The live console: queue and shift pages.
//
// - A WebSocket (/ws/queue/) says "case N changed" or "case N alerted"; the page then asks
//   htmx to redraw its regions (they listen for "queue-refresh"). Bursts are folded into one
//   redraw. If the socket drops, the regions are redrawn every 30 seconds until it is back,
//   and the page always works by plain reload.
// - Deadlines count down every second; a row that passes its deadline turns overdue at once.
// - Keyboard: j/k or arrows move between cases, Enter opens, c claims, / goes to the filters,
//   ? lists the shortcuts. Keys typed into a field are never taken.
(function () {
  "use strict";

  var REFRESH_AFTER_MS = 400;
  var FALLBACK_EVERY_MS = 30000;
  var status = document.querySelector("[data-live-status]");
  var refreshTimer = null;
  var fallbackTimer = null;

  function refresh() {
    if (refreshTimer) { return; }
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      document.body.dispatchEvent(new CustomEvent("queue-refresh"));
    }, REFRESH_AFTER_MS);
  }

  function setLive(on) {
    document.body.dataset.live = on ? "on" : "off";
    if (status) {
      var text = on ? status.dataset.on : status.dataset.off;
      if (status.textContent !== text) { status.textContent = text; }
    }
    if (on && fallbackTimer) {
      clearInterval(fallbackTimer);
      fallbackTimer = null;
    } else if (!on && !fallbackTimer) {
      fallbackTimer = setInterval(refresh, FALLBACK_EVERY_MS);
    }
  }

  function connect() {
    himoyaLive.socket("/ws/queue/", {
      // Whatever changed while the socket was down.
      open: function () { setLive(true); refresh(); },
      message: refresh,
      close: function () { setLive(false); }
    });
  }

  // --- Redraws keep the keyboard where it was -------------------------------------------------

  var focusedCase = null;

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    // Nothing changed: keep the DOM (and focus, and what a screen reader has read).
    if (event.detail.xhr && event.detail.xhr.status === 200 && target.innerHTML.trim() === event.detail.serverResponse.trim()) {
      event.detail.shouldSwap = false;
      return;
    }
    // Someone is choosing in a form here (say, whom to assign a case to): redraw a little later.
    if (busy(target)) {
      event.detail.shouldSwap = false;
      setTimeout(refresh, 5000);
      return;
    }
    var row = document.activeElement && document.activeElement.closest && document.activeElement.closest("tr[data-case]");
    focusedCase = row && target.contains(row) ? row.dataset.case : null;
  });

  function busy(target) {
    if (typing(document.activeElement) && target.contains(document.activeElement)) { return true; }
    return Array.prototype.some.call(target.querySelectorAll("select"), function (select) {
      var initial = select.querySelector("option[selected]") || select.options[0];
      return initial && select.value !== initial.value;
    });
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    tick();
    if (focusedCase) {
      var link = event.detail.target.querySelector('tr[data-case="' + focusedCase + '"] .case-link');
      if (link) { link.focus(); }
      focusedCase = null;
    }
  });

  // --- Countdowns -----------------------------------------------------------------------------

  function clock(ms) {
    var seconds = Math.floor(Math.abs(ms) / 1000);
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    return hours + ":" + (minutes < 10 ? "0" : "") + minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tick() {
    if (!status) { return; }
    var now = Date.now();
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (element) {
      var left = Number(element.dataset.deadline) * 1000 - now;
      var late = left < 0;
      var text = (late ? status.dataset.late : status.dataset.left).replace("%(time)s", clock(left));
      if (element.textContent !== text) { element.textContent = text; }
      var row = element.closest("tr");
      if (late && row && !row.classList.contains("overdue")) {
        row.classList.add("overdue");
        var label = row.querySelector(".overdue-label");
        if (label) { label.hidden = false; }
      }
    });
  }

  // --- Keyboard -------------------------------------------------------------------------------

  var dialog = document.getElementById("shortcuts");

  function typing(element) {
    if (!element || !element.tagName) { return false; }
    var tag = element.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || element.isContentEditable;
  }

  function caseLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#case-list tr[data-case] .case-link"));
  }

  function currentRow() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("#case-list tr[data-case]") : null;
  }

  function move(step) {
    var links = caseLinks();
    if (!links.length) { return; }
    var row = currentRow();
    var index = row ? links.indexOf(row.querySelector(".case-link")) : -1;
    var next = index < 0 ? 0 : Math.max(0, Math.min(links.length - 1, index + step));
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
  }

  function openShortcuts() {
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", openShortcuts);
  });

  document.addEventListener("keydown", function (event) {
    if (!dialog || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    if (dialog.open || typing(event.target)) { return; }
    var inList = Boolean(currentRow());
    var handled = true;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "ArrowDown": if (inList) { move(1); } else { handled = false; } break;
      case "ArrowUp": if (inList) { move(-1); } else { handled = false; } break;
      case "c": {
        var claim = inList && currentRow().querySelector("[data-claim]");
        if (claim) { claim.click(); } else { handled = false; }
        break;
      }
      case "/": {
        var filter = document.querySelector(".queue-filters select, .queue-filters input");
        if (filter) { filter.focus(); } else { handled = false; }
        break;
      }
      case "?": openShortcuts(); break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });

  tick();
  setInterval(tick, 1000);
  connect();
})();
