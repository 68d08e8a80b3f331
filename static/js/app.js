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
