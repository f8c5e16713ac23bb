// Pages that update themselves (common/live.py): htmx asks for the page again every few seconds and
// swaps the live region only when it changed. Never while a person is filling in a form: a swap
// would throw away what they typed or ticked. Polling stops while the focus is in a form field and
// for good once a form on the page has been changed (until it is sent, which loads a new page).
(function () {
  var changed = false;
  function inForm(el) {
    return el && el.closest && el.closest("form") && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }
  function mark(event) {
    if (inForm(event.target)) {
      changed = true;
      var region = document.getElementById("live");
      if (region) region.classList.add("live-paused");
    }
  }
  document.addEventListener("input", mark, true);
  document.addEventListener("change", mark, true);
  window.portalLive = {
    idle: function () {
      return !changed && !inForm(document.activeElement) && document.visibilityState !== "hidden";
    }
  };
})();
