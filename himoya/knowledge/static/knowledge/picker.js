// Operator's article picker: Alt+K in a reply box opens a search of published advice in the
// reporter's language; arrows choose, Enter inserts "Title: address" where the caret was.
(function () {
  "use strict";
  document.querySelectorAll("[data-article-picker]").forEach(function (root) {
    var target = document.querySelector(root.dataset.target);
    var button = root.querySelector("[data-picker-open]");
    var panel = root.querySelector("[data-picker-panel]");
    var input = root.querySelector("[data-picker-q]");
    var results = root.querySelector("[data-picker-results]");
    if (!target || !button || !panel || !input || !results) { return; }
    button.hidden = false;
    var caret = null;
    var timer = null;
    var active = -1;

    function options() { return Array.prototype.slice.call(results.querySelectorAll("[role=option]")); }

    function choose(index) {
      var all = options();
      if (!all.length) { active = -1; input.removeAttribute("aria-activedescendant"); return; }
      active = (index + all.length) % all.length;
      all.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function load() {
      var url = new URL(root.dataset.url, window.location.href);
      url.searchParams.set("language", root.dataset.language || "");
      if (root.dataset.harm) { url.searchParams.set("harm", root.dataset.harm); }
      if (input.value.trim()) { url.searchParams.set("q", input.value.trim()); }
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { results.innerHTML = html; choose(0); });
    }

    function open() {
      caret = [target.selectionStart, target.selectionEnd];
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      input.value = "";
      input.focus();
      load();
    }

    function close() {
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
      target.focus();
    }

    function insert(item) {
      var text = item.dataset.title + ": " + item.dataset.url;
      var start = caret ? caret[0] : target.value.length;
      var end = caret ? caret[1] : target.value.length;
      var before = target.value.slice(0, start);
      var after = target.value.slice(end);
      if (before && !/\s$/.test(before)) { text = " " + text; }
      if (after && !/^\s/.test(after)) { text = text + " "; }
      target.value = before + text + after;
      close();
      var at = (before + text).length;
      target.setSelectionRange(at, at);
      target.dispatchEvent(new Event("input", { bubbles: true }));
    }

    button.addEventListener("click", open);
    document.addEventListener("keydown", function (event) {
      if (event.altKey && (event.key === "k" || event.key === "K" || event.code === "KeyK") && panel.hidden) {
        if (document.activeElement === target || document.activeElement === document.body) {
          event.preventDefault();
          open();
        }
      }
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); choose(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); choose(active - 1); }
      else if (event.key === "Enter") {
        event.preventDefault();
        var all = options();
        if (active >= 0 && all[active]) { insert(all[active]); }
      } else if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(); }
    });
    results.addEventListener("click", function (event) {
      var item = event.target.closest("[role=option]");
      if (item) { insert(item); }
    });
  });
})();
