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

// Each poll says what the page shows (the region's version) and how new the data behind it was
// (the stamp); a 204 that brings a newer stamp is kept for the next poll (common/live.py).
document.addEventListener("htmx:configRequest", function (event) {
  var region = event.detail.elt;
  if (region.id !== "live") return;
  event.detail.headers["X-Live-Version"] = region.dataset.liveVersion || "";
  event.detail.headers["X-Live-Stamp"] = region.dataset.liveStamp || "";
});
document.addEventListener("htmx:afterRequest", function (event) {
  var region = event.detail.elt, xhr = event.detail.xhr;
  if (region.id !== "live" || !xhr || xhr.status !== 204) return;
  var newer = xhr.getResponseHeader("X-Live-Stamp");
  if (newer) region.dataset.liveStamp = newer;
});
