// The integration form as the person fills it in: only the chosen authentication's fields show,
// only a custom environment shows its base URL, and picking Test or Production (or typing the
// sandbox's base URL) with OAuth2 fills the token URL and scope Jakamo sets up for it. A value the
// person typed is never overwritten; without JavaScript the server fills the same defaults on save.
(function () {
  var form = document.getElementById("integration-form");
  if (!form) return;
  var env = form.querySelector("[name=environment]");
  var auth = form.querySelector("[name=auth_method]");
  var baseUrl = form.querySelector("[name=base_url]");
  var tokenUrl = form.querySelector("[name=token_url]");
  var scope = form.querySelector("[name=scope]");
  if (!env || !auth) return;
  var defaults = JSON.parse(env.getAttribute("data-oauth2-defaults") || "{}");
  var sandboxScope = baseUrl ? baseUrl.getAttribute("data-sandbox-scope") : "";
  var filled = {};

  function row(name) { return form.querySelector("tr[data-field=" + name + "]"); }
  function show(name, visible) { var r = row(name); if (r) r.hidden = !visible; }

  function suggested() {
    if (defaults[env.value]) return defaults[env.value];
    var base = (baseUrl.value || "").replace(/\/+$/, "");
    if (!base) return {token_url: "", scope: ""};
    return {token_url: base + "/oauth2/token", scope: /\/sandbox\/jakamo$/.test(base) ? sandboxScope : ""};
  }

  function fill() {
    if (auth.value !== "oauth2") return;
    var want = suggested();
    [["token_url", tokenUrl], ["scope", scope]].forEach(function (pair) {
      var input = pair[1];
      // Only an empty field, or one this script filled, follows the environment.
      if (!input.value || input.value === filled[pair[0]]) {
        input.value = want[pair[0]];
        filled[pair[0]] = input.value;
      }
    });
  }

  function update() {
    var oauth = auth.value === "oauth2";
    ["token_url", "client_id", "client_secret", "scope"].forEach(function (n) { show(n, oauth); });
    ["username", "password"].forEach(function (n) { show(n, !oauth); });
    show("base_url", env.value === "custom");
    fill();
  }

  filled = suggested();  // a stored value that is the default follows the environment too
  env.addEventListener("change", update);
  auth.addEventListener("change", update);
  if (baseUrl) baseUrl.addEventListener("input", fill);
  update();
})();
