// Case pictures: shown one at a time, on a deliberate click. Showing one blurs any other
// shown picture again; "Blur again" hides it; "Colour" switches greyscale off and on.
// Thumbnails are stills, so nothing plays. Without this script pictures stay as the
// user's settings show them.
(function () {
  "use strict";
  if (window.himoyaReveal) { return; }
  window.himoyaReveal = true;

  function isShown(frame) { return !frame.classList.contains("is-blurred"); }

  function setColour(frame, colour) {
    frame.classList.toggle("is-grey", !colour);
    frame.querySelector("[data-colour]").setAttribute("aria-pressed", colour ? "true" : "false");
  }

  function setShown(frame, shown) {
    var button = frame.querySelector("[data-reveal]");
    var large = frame.querySelector("[data-large]");
    frame.classList.toggle("is-blurred", !shown);
    button.textContent = shown ? button.dataset.hideText : button.dataset.showText;
    if (large) { large.hidden = !shown; }
    if (!shown && frame.dataset.grey === "1") { setColour(frame, false); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-reveal], [data-colour]");
    var frame = button && button.closest("[data-picture]");
    if (!frame) { return; }
    if (button.hasAttribute("data-colour")) {
      setColour(frame, frame.classList.contains("is-grey"));
      return;
    }
    if (isShown(frame)) {
      setShown(frame, false);
      return;
    }
    document.querySelectorAll("[data-picture]").forEach(function (other) {
      if (other !== frame && other.dataset.blur === "1" && isShown(other)) { setShown(other, false); }
    });
    setShown(frame, true);
  });
})();
