// Small screens. On narrow screens the main navigation folds behind the Menu button; without
// JavaScript the button stays hidden and the navigation shows in full (portal.css reads has-menu).
(function () {
  var header = document.querySelector("header.top");
  var toggle = header && header.querySelector(".menu-toggle");
  var nav = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (nav) {
    header.classList.add("has-menu");
    var show = function (open) {
      nav.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    };
    toggle.addEventListener("click", function () {
      show(toggle.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and puts the focus back on its button, as a menu button does.
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        show(false);
        toggle.focus();
      }
    });
  }

  // A table or message body wider than the screen scrolls inside itself (portal.css); it takes the
  // focus, so the keyboard can scroll it too (arrow keys).
  function scrollable() {
    document.querySelectorAll("main table, main pre").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1 || table.scrollHeight > table.clientHeight + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.dataset.scrollFocus = "1";
      } else if (!scrolls && table.dataset.scrollFocus) {
        table.removeAttribute("tabindex");
        delete table.dataset.scrollFocus;
      }
    });
  }
  scrollable();
  window.addEventListener("resize", scrollable);
})();
