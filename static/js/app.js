/* Page behaviour shared by every page, loaded after htmx (both deferred).
 *
 * The Content Security Policy allows no inline style attributes, so widths the server
 * computes (progress bars) arrive as data-width="<percent>" and are set here through the
 * CSSOM, on the first page load and on every piece of page htmx swaps in.
 */
(function () {
  "use strict";

  function applyWidths(root) {
    var nodes = [];
    if (root.matches && root.matches("[data-width]")) {
      nodes.push(root);
    }
    if (root.querySelectorAll) {
      nodes.push.apply(nodes, root.querySelectorAll("[data-width]"));
    }
    nodes.forEach(function (node) {
      var percent = parseFloat(node.getAttribute("data-width"));
      if (!isNaN(percent)) {
        node.style.width = Math.min(100, Math.max(0, percent)) + "%";
      }
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(applyWidths);
    // Out-of-band swaps replace elements outside the swapped target.
    document.addEventListener("htmx:afterSettle", function () {
      applyWidths(document);
    });
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      applyWidths(document);
    });
  }
})();

/* --- visuals: the collapsible main menu on narrow screens ---
 * Without script the menu is simply open (the toggle stays hidden). With script, the toggle
 * appears; app.css collapses the menu below 48rem unless the nav carries .is-open, and
 * aria-expanded tells assistive technology which state it is in.
 */
(function () {
  "use strict";

  function setUp() {
    var toggle = document.querySelector("[data-nav-toggle]");
    var nav = document.querySelector("[data-nav]");
    if (!toggle || !nav) {
      return;
    }
    nav.classList.add("site-nav--collapsible");
    toggle.hidden = false;
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", function () {
      var open = !nav.classList.contains("is-open");
      nav.classList.toggle("is-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) {
        nav.classList.remove("is-open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
