// The projector view and the presenter's stage: live charts, word cloud, questions.
// The server sends the whole tally of the activity on screen (coalesced, a few times a
// second at most); a tally with fewer answers than the one shown is an older one and is
// ignored. When the activity changes, the stage is fetched again from the server.
(function () {
  "use strict";
  var screen = document.getElementById("screen");
  if (!screen) { return; }
  var wrap = document.getElementById("stage-wrap");
  var projector = document.body.classList.contains("projector");
  var presenter = screen.hasAttribute("data-presenter");
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var stage = null;
  var chart = null;
  var shown = -1;
  var timer = null;
  var delay = 1000;

  var colours = projector
    ? { bar: "#ffd60a", right: "#5cff8f", other: "#6b6b6b", text: "#ffffff", grid: "#333333" }
    : { bar: "#0b5cad", right: "#146c2e", other: "#8a8a96", text: "#1b1b1f", grid: "#dddddd" };

  // Counts written at the end of each bar, so the chart reads from the back of a hall.
  var countLabels = {
    id: "countLabels",
    afterDatasetsDraw: function (c) {
      var ctx = c.ctx;
      var meta = c.getDatasetMeta(0);
      ctx.save();
      ctx.fillStyle = colours.text;
      ctx.font = "700 " + (projector ? 28 : 14) + "px system-ui, sans-serif";
      ctx.textBaseline = "middle";
      meta.data.forEach(function (bar, i) {
        ctx.fillText(String(c.data.datasets[0].data[i] || 0), bar.x + 8, bar.y);
      });
      ctx.restore();
    }
  };

  function barColours() {
    return stage.labels.map(function (_label, i) {
      if (stage.closed && stage.kind === "quiz") {
        return stage.correct.indexOf(i) >= 0 ? colours.right : colours.other;
      }
      return colours.bar;
    });
  }

  function init() {
    var data = document.getElementById("stage-data");
    stage = data ? JSON.parse(data.textContent) : null;
    shown = -1;
    if (chart) { chart.destroy(); chart = null; }
    var canvas = document.getElementById("chart");
    if (canvas && stage && stage.labels.length && window.Chart) {
      var size = projector ? 26 : 13;
      var counts = Array.prototype.map.call(document.querySelectorAll("#counts-table td"), function (td) {
        return parseInt(td.textContent, 10) || 0;
      });
      chart = new window.Chart(canvas, {
        type: "bar",
        data: { labels: stage.labels, datasets: [{ data: counts, backgroundColor: barColours(), borderWidth: 0 }] },
        options: {
          indexAxis: "y",
          maintainAspectRatio: false,
          animation: { duration: 200 },
          layout: { padding: { right: projector ? 70 : 40 } },
          plugins: { legend: { display: false }, tooltip: { enabled: !projector } },
          scales: {
            x: { beginAtZero: true, ticks: { precision: 0, color: colours.text, font: { size: size * 0.7 } }, grid: { color: colours.grid } },
            y: { ticks: { autoSkip: false, color: colours.text, font: { size: size } }, grid: { display: false } }
          }
        },
        plugins: [countLabels]
      });
    }
    if (stage) { shown = stage.total; }
    startTimer();
  }

  function apply(tally) {
    if (!stage || tally.activity !== stage.activity || tally.total < shown) { return; }
    shown = tally.total;
    document.querySelectorAll("[data-total]").forEach(function (el) { el.textContent = tally.total; });
    if (tally.counts) {
      if (chart) {
        chart.data.datasets[0].data = tally.counts;
        chart.update();
      }
      var cells = document.querySelectorAll("#counts-table td");
      tally.counts.forEach(function (n, i) { if (cells[i]) { cells[i].textContent = n; } });
    }
    if (tally.average !== undefined) {
      document.querySelectorAll("[data-average]").forEach(function (el) {
        el.textContent = tally.average === null ? "–" : tally.average;
      });
    }
    if (tally.words) { drawCloud(tally.words); }
  }

  function drawCloud(items) {
    var cloud = document.getElementById("cloud");
    if (!cloud) { return; }
    var top = items.length ? items[0][1] : 1;
    cloud.textContent = "";
    items.forEach(function (item) {
      var span = document.createElement("span");
      span.className = "w" + Math.max(1, Math.min(6, 1 + Math.round(5 * item[1] / top)));
      span.title = item[1];
      span.textContent = item[0];
      cloud.appendChild(span);
    });
  }

  function drawQuestions(items) {
    var list = document.getElementById("screen-questions");
    if (!list) { return; }
    list.textContent = "";
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "hint";
      empty.textContent = list.dataset.empty;
      list.appendChild(empty);
    }
    items.forEach(function (q) {
      var li = document.createElement("li");
      if (q.answered) { li.className = "answered"; }
      var p = document.createElement("p");
      p.className = "text";
      p.textContent = q.text;
      var votes = document.createElement("span");
      votes.className = "votes";
      votes.textContent = "▲ " + q.votes;
      li.appendChild(p);
      li.appendChild(votes);
      list.appendChild(li);
    });
  }

  function startTimer() {
    if (timer) { clearInterval(timer); timer = null; }
    var element = document.querySelector("#stage .timer[data-seconds]");
    if (!element) { return; }
    var ends = Date.now() + parseInt(element.dataset.seconds, 10) * 1000;
    var number = element.querySelector("span");
    timer = setInterval(function () {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      if (number) { number.textContent = left; }
      if (left <= 5) { element.dataset.low = "1"; }
      if (left <= 0) {
        clearInterval(timer);
        timer = null;
        // The presenter's page closes the question when its time is up; everyone follows.
        if (presenter && screen.dataset.closeUrl) {
          var body = new FormData();
          body.append("csrfmiddlewaretoken", csrf);
          fetch(screen.dataset.closeUrl, {
            method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" }
          });
        }
      }
    }, 250);
  }

  function reload() {
    if (presenter) { window.location.reload(); return; }  // controls change with the activity
    fetch(window.location.pathname + screen.dataset.fragment, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        wrap.innerHTML = html;
        init();
      });
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + screen.dataset.ws);
    socket.onopen = function () { delay = 1000; document.body.dataset.live = "on"; };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "tally") {
        apply(message);
      } else if (message.type === "people") {
        document.querySelectorAll("[data-people]").forEach(function (el) { el.textContent = message.count; });
      } else if (message.type === "questions") {
        drawQuestions(message.items);
        document.body.dispatchEvent(new CustomEvent("questions-changed"));
      } else if (message.type === "activity") {
        if (!stage || message.activity !== stage.activity || message.state !== (stage.closed ? "closed" : "open")) {
          reload();
        }
      }
    };
    socket.onclose = function (event) {
      document.body.dataset.live = "off";
      if (event.code === 4403) { return; }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  init();
  connect();
})();
