// The reporter's conversation page, live: the center's replies, "typing…" and "Seen" arrive
// over a WebSocket, and the reporter's messages go out over it. Without script, or while the
// socket is down, the form posts and the page reloads as it always did.
(function () {
  "use strict";
  var root = document.querySelector("[data-conversation]");
  if (!root || !window.WebSocket) { return; }
  var list = root.querySelector(".chat");
  var typing = root.querySelector("[data-typing]");
  var status = document.querySelector("[data-case-status]");
  var form = document.querySelector("[data-send-form]");
  var field = form.querySelector("textarea");
  var errors = form.querySelector("[data-send-errors]");
  var button = form.querySelector("button[type=submit]");
  var live = null;
  var refs = 0;
  var lastTyping = 0;
  var typingTimer = null;

  function send(payload) { return !!live && live.send(payload); }

  function maxId() {
    var best = 0;
    list.querySelectorAll("[data-message]").forEach(function (item) {
      best = Math.max(best, parseInt(item.dataset.message, 10) || 0);
    });
    return best;
  }

  function seen() {
    if (document.visibilityState === "visible") { send({ type: "seen" }); }
  }

  function showTyping(active) {
    clearTimeout(typingTimer);
    typing.hidden = !active;
    if (active) { typingTimer = setTimeout(function () { typing.hidden = true; }, 6000); }
  }

  function add(event) {
    if (event.status && status && status.textContent.trim() !== event.status) { status.textContent = event.status; }
    if (document.getElementById("message-" + event.id)) { return; }
    var empty = list.querySelector("[data-empty]");
    if (empty) { empty.remove(); }
    list.insertAdjacentHTML("beforeend", event.html);
    if (event.direction === "out") {
      showTyping(false);
      // Shown in front it is read; in a background tab it has only been delivered.
      if (document.visibilityState === "visible") { seen(); } else { send({ type: "received", id: event.id }); }
    }
  }

  function showErrors(messages) { himoyaLive.showErrors(errors, field, messages); }

  var handlers = {
    message: add,
    state: himoyaLive.showState,
    typing: function (event) { showTyping(event.active); },
    sent: function () {
      field.value = "";
      showErrors([]);
      button.disabled = false;
      lastTyping = 0;
    },
    error: function (event) {
      showErrors(event.errors || []);
      button.disabled = false;
    }
  };


  form.addEventListener("submit", function (event) {
    // While the socket is down the form posts as usual.
    if (button.disabled) { event.preventDefault(); return; }
    refs += 1;
    if (send({ type: "send", body: field.value, ref: refs })) {
      event.preventDefault();
      button.disabled = true;
    }
  });

  field.addEventListener("input", function () {
    var now = Date.now();
    if (field.value.trim() === "") {
      if (lastTyping) { send({ type: "typing", active: false }); }
      lastTyping = 0;
    } else if (now - lastTyping > 3000) {
      lastTyping = now;
      send({ type: "typing", active: true });
    }
  });

  field.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  live = himoyaLive.socket(root.dataset.socket, {
    handlers: handlers,
    open: function () {
      document.body.dataset.live = "on";
      send({ type: "sync", after: maxId() });
      seen();
    },
    close: function () {
      document.body.dataset.live = "off";
      button.disabled = false;
    }
  });
  document.addEventListener("visibilitychange", seen);
})();
