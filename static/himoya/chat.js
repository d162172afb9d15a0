// Live conversation on a staff case page.
// A WebSocket brings new messages, delivery and read states and "typing…"; replies are posted
// with fetch and the reply box has a canned-reply picker (Alt+R, or "/" in an empty box).
// Without script the page is plain HTML and the reply form posts as usual.
(function () {
  "use strict";
  var root = document.querySelector("[data-chat]");
  if (!root) { return; }
  var texts = JSON.parse(document.getElementById("chat-texts").textContent);
  var live = null;
  var seenUpTo = 0;
  var hideTimers = {};

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) { return values[key]; });
  }

  function maxId(selector) {
    var best = 0;
    root.querySelectorAll(selector).forEach(function (item) {
      best = Math.max(best, parseInt(item.dataset.message, 10) || 0);
    });
    return best;
  }

  function thread(reportId) { return root.querySelector('[data-thread="' + reportId + '"]'); }

  function send(payload) { if (live) { live.send(payload); } }

  // Shown for a few seconds unless the other side keeps typing.
  function showFor(element, key, active) {
    clearTimeout(hideTimers[key]);
    element.hidden = !active;
    if (active) { hideTimers[key] = setTimeout(function () { element.hidden = true; }, 6000); }
  }

  function markSeen() {
    if (document.visibilityState !== "visible") { return; }
    var last = maxId("[data-direction=in][data-message]");
    if (last > seenUpTo) {
      seenUpTo = last;
      send({ type: "seen", up_to: last });
    }
  }

  function addMessage(event) {
    if (document.getElementById("message-" + event.id)) { return; }
    var place = thread(event.report);
    if (!place) { return; }
    var list = place.querySelector(".chat");
    var empty = list.querySelector("[data-empty]");
    if (empty) { empty.remove(); }
    list.insertAdjacentHTML("beforeend", event.html);
    if (event.direction === "in") {
      showFor(place.querySelector("[data-typing]"), "reporter-" + event.report, false);
      markSeen();
    }
  }

  function showTyping(event) {
    if (event.who === "reporter") {
      var place = thread(event.report);
      if (place) { showFor(place.querySelector("[data-typing]"), "reporter-" + event.report, event.active); }
    } else {
      var line = root.querySelector("[data-colleague-typing]");
      line.textContent = fill(texts.colleague_typing, { name: event.name });
      showFor(line, "colleague", event.active);
    }
  }

  live = himoyaLive.socket(root.dataset.socket, {
    handlers: { message: addMessage, state: himoyaLive.showState, typing: showTyping },
    open: function () {
      root.querySelector("[data-live-badge]").hidden = false;
      root.querySelector("[data-live-lost]").hidden = true;
      send({ type: "sync", after: maxId("[data-message]") });
      markSeen();
    },
    close: function (event) {
      root.querySelector("[data-live-badge]").hidden = true;
      root.querySelector("[data-live-lost]").hidden = event.code === 4403;
    }
  });
  document.addEventListener("visibilitychange", markSeen);

  // --- The reply form -------------------------------------------------------------------------
  var form = root.querySelector("[data-reply-form]");
  if (!form) { return; }
  var body = form.querySelector("[data-reply-body]");
  var reportField = form.querySelector("[data-reply-report]");
  var languageField = form.querySelector("[data-reply-language]");
  var replyingIn = form.querySelector("[data-replying-in]");
  var errors = form.querySelector("[data-reply-errors]");
  var status = form.querySelector("[data-reply-status]");
  var sendButton = form.querySelector("[data-reply-send]");
  var articlePicker = form.querySelector("[data-article-picker]");
  var lastTyping = 0;

  function currentThread() { return thread(reportField.value); }

  function showLanguage() {
    var code = languageField.value;
    var place = currentThread();
    var option = languageField.options[languageField.selectedIndex];
    var label = place && place.dataset.language === code ? place.dataset.languageLabel : option.dataset.name;
    replyingIn.textContent = fill(texts.replying_in, { language: label });
    body.lang = code;
    if (articlePicker) { articlePicker.dataset.language = code; }
  }

  reportField.addEventListener("change", function () {
    var place = currentThread();
    if (place) { languageField.value = place.dataset.language; }
    showLanguage();
  });
  languageField.addEventListener("change", showLanguage);

  function typing(active) {
    var now = Date.now();
    if (active && now - lastTyping < 3000) { return; }
    lastTyping = active ? now : 0;
    send({ type: "typing", report: parseInt(reportField.value, 10), active: active });
  }

  body.addEventListener("input", function () { typing(body.value.trim() !== ""); });

  function showErrors(list) { himoyaLive.showErrors(errors, body, list); }

  // While the socket is down the form posts as usual: the page that comes back is complete.
  form.addEventListener("submit", function (event) {
    if (!live.isOpen()) { return; }
    event.preventDefault();
    if (sendButton.disabled) { return; }
    sendButton.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, errors: [texts.not_sent] }; });
    }).then(function (result) {
      if (result.ok) {
        addMessage({ id: result.message, report: result.report, direction: "out", html: result.html });
        body.value = "";
        showErrors([]);
        status.textContent = texts.sent;
        typing(false);
      } else {
        showErrors(result.errors || [texts.not_sent]);
      }
    }).catch(function () {
      showErrors([texts.not_sent]);
    }).then(function () {
      sendButton.disabled = false;
    });
  });

  body.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // --- Canned replies ---------------------------------------------------------------------------
  var picker = form.querySelector("[data-canned-picker]");
  var replies = JSON.parse(document.getElementById("canned-replies").textContent);
  var openButton = picker.querySelector("[data-canned-open]");
  var panel = picker.querySelector("[data-canned-panel]");
  var query = picker.querySelector("[data-canned-q]");
  var options = picker.querySelector("[data-canned-options]");
  var empty = picker.querySelector("[data-canned-empty]");
  var shown = [];
  var active = -1;
  var caret = null;
  picker.hidden = false;

  function choose(index) {
    var items = options.querySelectorAll("[role=option]");
    if (!items.length) {
      active = -1;
      query.removeAttribute("aria-activedescendant");
      return;
    }
    active = (index + items.length) % items.length;
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
    query.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function list() {
    var term = query.value.trim().toLowerCase();
    shown = replies.filter(function (reply) {
      return reply.language === languageField.value &&
        (!term || (reply.title + " " + reply.body).toLowerCase().indexOf(term) !== -1);
    });
    options.innerHTML = "";
    shown.forEach(function (reply, index) {
      var item = document.createElement("li");
      item.id = "canned-option-" + reply.id;
      item.setAttribute("role", "option");
      item.dataset.index = index;
      var title = document.createElement("strong");
      title.textContent = reply.title;
      var text = document.createElement("span");
      text.className = "canned-text";
      text.textContent = reply.body;
      text.lang = reply.language;
      item.appendChild(title);
      item.appendChild(text);
      options.appendChild(item);
    });
    empty.hidden = shown.length > 0;
    choose(0);
  }

  function open() {
    caret = [body.selectionStart, body.selectionEnd];
    panel.hidden = false;
    openButton.setAttribute("aria-expanded", "true");
    query.value = "";
    list();
    query.focus();
  }

  function close() {
    panel.hidden = true;
    openButton.setAttribute("aria-expanded", "false");
    body.focus();
  }

  function insert(reply) {
    var start = caret ? caret[0] : body.value.length;
    var end = caret ? caret[1] : body.value.length;
    var before = body.value.slice(0, start);
    var after = body.value.slice(end);
    var text = reply.body;
    if (before && !/\s$/.test(before)) { text = " " + text; }
    if (after && !/^\s/.test(after)) { text = text + " "; }
    body.value = before + text + after;
    close();
    var at = (before + text).length;
    body.setSelectionRange(at, at);
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  openButton.addEventListener("click", open);
  document.addEventListener("keydown", function (event) {
    if (!panel.hidden || !event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.code === "KeyR" || event.key === "r" || event.key === "R") {
      if (form.contains(document.activeElement) || document.activeElement === document.body) {
        event.preventDefault();
        open();
      }
    }
  });
  body.addEventListener("keydown", function (event) {
    if (event.key === "/" && body.value === "" && panel.hidden) {
      event.preventDefault();
      open();
    }
  });
  query.addEventListener("input", list);
  query.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); choose(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); choose(active - 1); }
    else if (event.key === "Enter") {
      event.preventDefault();
      if (active >= 0 && shown[active]) { insert(shown[active]); }
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  options.addEventListener("click", function (event) {
    var item = event.target.closest("[role=option]");
    if (item) { insert(shown[parseInt(item.dataset.index, 10)]); }
  });
})();
