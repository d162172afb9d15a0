// One WebSocket that keeps itself open, for the live pages (queue, case chat, reporter chat).
//
//   var live = himoyaLive.socket("/ws/...", { open: fn, close: fn, message: fn, handlers: {type: fn} });
//   live.send({...})  // true if it went out, false while the socket is down
//
// A dropped socket reconnects with a growing pause (1 s doubling to 30 s, back to 1 s right
// after a socket that had been open); close code 4403 (not allowed) ends it for good. Events are
// JSON objects; handlers[event.type] gets each, or message() gets every raw one.
(function () {
  "use strict";

  function socket(path, options) {
    var current = null;
    var delay = 1000;
    var handlers = options.handlers || {};

    function send(payload) {
      if (current && current.readyState === WebSocket.OPEN) {
        current.send(JSON.stringify(payload));
        return true;
      }
      return false;
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var opened = false;
      current = new WebSocket(scheme + window.location.host + path);
      current.onopen = function () {
        delay = 1000;
        opened = true;
        if (options.open) { options.open(); }
      };
      current.onmessage = function (message) {
        if (options.message) { options.message(message); }
        var event;
        try { event = JSON.parse(message.data); } catch (error) { return; }
        if (event && handlers[event.type]) { handlers[event.type](event); }
      };
      current.onclose = function (event) {
        if (options.close) { options.close(event); }
        if (event.code === 4403) { return; }
        setTimeout(connect, opened ? 1000 : delay);
        delay = Math.min(delay * 2, 30000);
      };
    }

    connect();
    return { send: send, isOpen: function () { return !!current && current.readyState === WebSocket.OPEN; } };
  }

  // A message's delivery state ("Delivered", "Seen") changed.
  function showState(event) {
    event.messages.forEach(function (id) {
      var state = document.querySelector("#message-" + id + " [data-state]");
      if (state) {
        state.textContent = event.label;
        state.className = "state state-" + event.state;
      }
    });
  }

  // Errors listed above a field, which is marked invalid and focused (or cleared with []).
  function showErrors(box, field, messages) {
    box.innerHTML = "";
    messages.forEach(function (text) {
      var line = document.createElement("p");
      line.textContent = text;
      box.appendChild(line);
    });
    box.hidden = messages.length === 0;
    if (messages.length) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
    } else {
      field.removeAttribute("aria-invalid");
    }
  }

  window.himoyaLive = { socket: socket, showState: showState, showErrors: showErrors };
})();
