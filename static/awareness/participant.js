// A pupil's phone in an awareness session.
// Without this script every form still posts and the page comes back. With it, answers,
// questions and up-votes go over one WebSocket (each acknowledged; a retried answer still
// counts once), and the page follows the presenter: the server pushes each new activity.
// If the socket is down, forms post as usual.
(function () {
  "use strict";
  var root = document.getElementById("participant");
  if (!root || !window.WebSocket) { return; }
  var words = JSON.parse(document.getElementById("participant-words").textContent);
  var statusLine = document.getElementById("status");
  var activityBox = document.getElementById("activity");
  var questionBox = document.getElementById("question-list");
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var socket = null;
  var delay = 1000;
  var connectedOnce = false;
  var seq = 0;
  var pending = {};  // ref -> callback
  var upvoted = {};
  var mine = {};  // activity id -> what this phone answered, to mark it in the results
  var timer = null;

  document.querySelectorAll('.upvote[aria-pressed="true"]').forEach(function (button) {
    upvoted[button.form.dataset.upvote] = true;
  });

  function say(text, isError) {
    statusLine.textContent = text || "";
    statusLine.classList.toggle("error", !!isError);
  }

  function send(message, callback) {
    if (!socket || socket.readyState !== WebSocket.OPEN) { return false; }
    seq += 1;
    message.ref = "r" + seq;
    pending[message.ref] = callback;
    socket.send(JSON.stringify(message));
    return true;
  }

  function addCsrf(container) {
    container.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector('input[name="csrfmiddlewaretoken"]')) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "csrfmiddlewaretoken";
        input.value = csrf;
        form.prepend(input);
      }
    });
  }

  function startTimer() {
    if (timer) { clearInterval(timer); timer = null; }
    var element = activityBox.querySelector(".timer[data-seconds]");
    if (!element) { return; }
    var left = parseInt(element.dataset.seconds, 10);
    var number = element.querySelector("span");
    var ends = Date.now() + left * 1000;
    timer = setInterval(function () {
      left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      if (number) { number.textContent = left; }
      if (left <= 5) { element.dataset.low = "1"; }
      if (left <= 0) {
        clearInterval(timer);
        timer = null;
        element.textContent = words.time_up;
        var button = activityBox.querySelector("form[data-vote] button[type=submit]");
        if (button) { button.disabled = true; }
      }
    }, 250);
  }

  function markMine() {
    var box = activityBox.querySelector('[data-state="closed"]');
    if (!box || !mine[box.dataset.activity]) { return; }
    var answer = mine[box.dataset.activity];
    var rows = box.querySelectorAll(".results-list li");
    rows.forEach(function (row, i) {
      var label = row.querySelector("span");
      var picked = box.dataset.kind === "word_cloud"
        ? (answer.words || []).indexOf(label.textContent.trim()) >= 0
        : box.dataset.kind === "rating" ? answer.value === i + 1 : (answer.choices || []).indexOf(i) >= 0;
      if (picked && label.textContent.indexOf(words.your_answer) < 0) {
        label.classList.add("mine");
        label.textContent += " (" + words.your_answer + ")";
      }
    });
  }

  function showActivity(html, announce) {
    activityBox.innerHTML = html;
    addCsrf(activityBox);
    markMine();
    startTimer();
    if (announce) {
      say(words.new_activity);
      activityBox.focus({ preventScroll: false });
    }
  }

  function answerOf(form) {
    var kind = form.closest("[data-kind]").dataset.kind;
    var message = { action: "vote", activity: parseInt(form.closest("[data-activity]").dataset.activity, 10) };
    if (kind === "rating") {
      var checked = form.querySelector('input[name="value"]:checked');
      message.value = checked ? parseInt(checked.value, 10) : null;
    } else if (kind === "word_cloud") {
      message.words = Array.prototype.map.call(form.querySelectorAll('input[name="word"]'), function (i) {
        return i.value;
      }).filter(function (w) { return w.trim() !== ""; });
    } else {
      message.choices = Array.prototype.map.call(form.querySelectorAll('input[name="choice"]:checked'), function (i) {
        return parseInt(i.value, 10);
      });
    }
    return message;
  }

  function thanks(form) {
    var box = document.createElement("p");
    box.className = "thanks";
    box.textContent = words.counted;
    form.replaceWith(box);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-vote]")) {
      var button = form.querySelector("button[type=submit]");
      var answer = answerOf(form);
      var sent = send(answer, function (reply) {
        button.disabled = false;
        if (reply.ok || reply.error === "already") {
          if (reply.ok) { mine[answer.activity] = answer; }
          thanks(form);
          say(reply.ok ? words.counted : reply.message);
        } else {
          say(reply.message, true);
        }
      });
      if (sent) {
        event.preventDefault();
        button.disabled = true;
        say(words.sending);
      }
    } else if (form.matches("form[data-ask]")) {
      var text = form.querySelector("textarea");
      if (send({ action: "ask", text: text.value }, function (reply) {
        if (reply.ok) {
          text.value = "";
          say(reply.status === "approved" ? words.asked_shown : words.asked);
        } else {
          say(reply.message, true);
        }
      })) { event.preventDefault(); say(words.sending); }
    } else if (form.matches("form[data-upvote]")) {
      var id = parseInt(form.dataset.upvote, 10);
      if (send({ action: "upvote", question: id }, function (reply) {
        if (reply.ok) {
          upvoted[id] = true;
          var b = form.querySelector("button");
          b.setAttribute("aria-pressed", "true");
          if (reply.added) {
            var n = parseInt(b.dataset.votes || b.textContent.replace(/\D/g, ""), 10) + 1;
            b.textContent = "▲ " + n;
            b.setAttribute("aria-label", words.upvoted + " (" + n + ")");
          }
        } else {
          say(reply.message, true);
        }
      })) { event.preventDefault(); }
    }
  });

  function renderQuestions(items) {
    if (!questionBox) { return; }
    questionBox.textContent = "";
    if (!items.length) {
      var none = document.createElement("p");
      none.className = "hint";
      none.textContent = words.none_yet;
      questionBox.appendChild(none);
      return;
    }
    var list = document.createElement("ul");
    list.className = "question-list";
    items.forEach(function (q) {
      var li = document.createElement("li");
      if (q.answered) { li.className = "answered"; }
      var p = document.createElement("p");
      p.className = "text";
      p.textContent = q.text + (q.answered ? " (" + words.answered + ")" : "");
      var form = document.createElement("form");
      form.method = "post";
      form.action = words.upvote_url.replace("/0/", "/" + q.id + "/");
      form.dataset.upvote = q.id;
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "upvote";
      button.setAttribute("aria-pressed", upvoted[q.id] ? "true" : "false");
      button.setAttribute("aria-label", (upvoted[q.id] ? words.upvoted : words.upvote) + " (" + q.votes + ")");
      button.textContent = "▲ " + q.votes;
      form.appendChild(button);
      li.appendChild(p);
      li.appendChild(form);
      list.appendChild(li);
    });
    questionBox.appendChild(list);
    addCsrf(questionBox);
  }

  function refresh() {
    // After a reconnect: this pupil's own view of the activity (answered or not).
    fetch(window.location.pathname + "?fragment=activity", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { showActivity(html, false); } });
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + root.dataset.ws);
    socket.onopen = function () {
      delay = 1000;
      document.body.dataset.live = "on";
      if (connectedOnce) { say(""); refresh(); }
      connectedOnce = true;
    };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.ref && pending[message.ref]) {
        var callback = pending[message.ref];
        delete pending[message.ref];
        callback(message);
        return;
      }
      if (message.type === "activity") {
        if (message.status === "ended") { window.location.reload(); return; }
        showActivity(message.html, true);
      } else if (message.type === "questions") {
        renderQuestions(message.items);
      }
    };
    socket.onclose = function (event) {
      document.body.dataset.live = "off";
      socket = null;
      Object.keys(pending).forEach(function (ref) {
        pending[ref]({ ok: false, error: "offline", message: words.offline });
        delete pending[ref];
      });
      if (event.code === 4410) { window.location.reload(); return; }
      if (event.code === 4403) { return; }
      if (connectedOnce) { say(words.offline); }
      // Spread reconnects of a whole class over time after a server restart.
      setTimeout(connect, delay + Math.random() * 1000);
      delay = Math.min(delay * 2, 30000);
    };
  }

  addCsrf(document);
  startTimer();
  connect();
})();
