/* Kiosk niceties on top of plain forms: the big keypad, the idle countdown, printing.
   Everything works without this file; it only makes touch use easier. */
(function () {
  "use strict";

  function setUpKeypads() {
    document.querySelectorAll("[data-keypad-for]").forEach(function (pad) {
      var input = document.getElementById(pad.getAttribute("data-keypad-for"));
      if (!input) { return; }
      pad.hidden = false;
      // The on-screen keypad replaces the system keyboard on a touch screen.
      input.setAttribute("inputmode", "none");
      pad.addEventListener("click", function (event) {
        var key = event.target.closest("[data-key]");
        if (!key) { return; }
        var value = key.getAttribute("data-key");
        if (value === "clear") { input.value = ""; }
        else if (value === "back") { input.value = input.value.slice(0, -1); }
        else if (input.value.length < (input.maxLength > 0 ? input.maxLength : 20)) { input.value += value; }
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
  }

  function setUpIdleReset() {
    var overlay = document.getElementById("kiosk-idle");
    if (!overlay) { return; }
    var idleSeconds = parseInt(overlay.getAttribute("data-idle"), 10) || 90;
    var countdownSeconds = parseInt(overlay.getAttribute("data-countdown"), 10) || 20;
    var resetUrl = overlay.getAttribute("data-reset");
    var countEl = overlay.querySelector("[data-idle-count]");
    var continueButton = overlay.querySelector("[data-idle-continue]");
    var idleTimer = null;
    var tickTimer = null;
    var left = countdownSeconds;

    function startOver() { window.location.assign(resetUrl); }

    function tick() {
      left -= 1;
      countEl.textContent = String(Math.max(left, 0));
      if (left <= 0) { clearInterval(tickTimer); startOver(); }
    }

    function showCountdown() {
      left = countdownSeconds;
      countEl.textContent = String(left);
      overlay.hidden = false;
      continueButton.focus();
      tickTimer = setInterval(tick, 1000);
    }

    function stillHere() {
      if (!overlay.hidden) { return; }
      clearTimeout(idleTimer);
      idleTimer = setTimeout(showCountdown, idleSeconds * 1000);
    }

    continueButton.addEventListener("click", function () {
      clearInterval(tickTimer);
      overlay.hidden = true;
      stillHere();
    });
    ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
      document.addEventListener(name, stillHere, { passive: true, capture: true });
    });
    stillHere();
  }

  function setUpPrinting() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpKeypads();
    setUpIdleReset();
    setUpPrinting();
  });
})();
