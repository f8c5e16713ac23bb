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

  // A table wider than the screen scrolls inside itself (portal.css); one the keyboard cannot
  // scroll otherwise (no link or field in it) takes the focus, so arrow keys scroll it.
  function scrollable() {
    document.querySelectorAll("main table").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
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
