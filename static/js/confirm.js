// Ask before a destructive action: a form (or the button that submits it) with
// data-confirm="Question?" is sent only when the person answers OK. One listener on the document
// serves every page, forms added later included; without JavaScript the form is sent as before.
document.addEventListener("submit", function (event) {
  var question = (event.submitter && event.submitter.getAttribute("data-confirm")) ||
    event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
