// "Add a line" on the order forms without a round trip: a copy of the formset's empty form is
// appended and the management form counts it. Without JavaScript the button submits the form and
// the page comes back with one more empty line (orders/purchase/form_views.py).
document.addEventListener("click", function (event) {
  var button = event.target.closest("#add-line");
  if (!button) return;
  var form = button.form;
  var total = form.querySelector("input[name$='-TOTAL_FORMS']");
  var template = document.getElementById("empty-line");
  if (!total || !template) return;
  event.preventDefault();
  var index = parseInt(total.value, 10);
  var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
  document.getElementById("lines").insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
  var added = document.getElementById("lines").lastElementChild;
  var first = added && added.querySelector("input:not([type=hidden]), textarea");
  if (first) first.focus();
});
