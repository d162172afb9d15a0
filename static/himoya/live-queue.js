// Live queue: a WebSocket says "case N changed"; htmx reloads the list fragment.
// If the socket drops, it reconnects with back-off; the page still works by reload.
(function () {
  "use strict";
  var delay = 1000;
  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/queue/");
    socket.onopen = function () { delay = 1000; document.body.dataset.live = "on"; };
    socket.onmessage = function () {
      document.body.dispatchEvent(new CustomEvent("case-changed"));
    };
    socket.onclose = function (event) {
      document.body.dataset.live = "off";
      if (event.code === 4403) { return; }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
