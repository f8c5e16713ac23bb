// Destructive actions ask first: a form with data-confirm="…" is sent only after the person agrees.
// One listener for the whole page, so forms added later (live updates) ask too.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
