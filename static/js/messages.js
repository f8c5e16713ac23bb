// The message history: "select all on this page" for the bulk actions, and "Copy" of a raw body.
// Listeners sit on the document, so they serve a region that static/js/live.js swapped in too.
document.addEventListener("change", function (event) {
  var all = event.target.closest && event.target.closest("[data-select-all]");
  if (!all) return;
  var form = all.form || all.closest("form");
  form.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]').forEach(function (box) {
    box.checked = all.checked;
  });
});

// Copy fetches the stored body from its download address (the page shows it indented, not raw) and
// puts it on the clipboard; the result is said beside the button.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-copy-url]");
  if (!button) return;
  var status = document.getElementById(button.getAttribute("aria-describedby"));
  function say(text) { if (status) status.textContent = text; }
  var body = fetch(button.dataset.copyUrl, {credentials: "same-origin"}).then(function (r) {
    if (!r.ok) throw new Error(r.status);
    return r.blob();
  }).then(function (blob) { return blob.text(); });
  body.then(function (text) { return navigator.clipboard.writeText(text); })
    .then(function () { say(button.dataset.copied); }, function () { say(button.dataset.failed); });
});
