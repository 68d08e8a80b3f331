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

/* --- homes: confirm before irreversible actions --- */
/* A form (or its submit button) with data-confirm="<what cannot be undone>" asks first in a
 * <dialog>; data-confirm-yes / data-confirm-no label its buttons. The form also carries a
 * hidden confirm_first=1: without this script the server answers with a confirmation page
 * (hub.views.confirm); once the dialog is accepted the field is removed and the form posts
 * straight through. htmx forms are asked through htmx:confirm. */
(function () {
  "use strict";

  var dialog = null;

  function ask(source, form) {
    return new Promise(function (resolve) {
      if (typeof HTMLDialogElement !== "function") {
        resolve(window.confirm(source.getAttribute("data-confirm")));
        return;
      }
      if (!dialog) {
        dialog = document.createElement("dialog");
        dialog.className = "confirm-dialog";
        dialog.setAttribute("aria-labelledby", "confirm-dialog-text");
        var text = document.createElement("p");
        text.id = "confirm-dialog-text";
        var actions = document.createElement("div");
        actions.className = "form-actions";
        var yes = document.createElement("button");
        yes.type = "button";
        yes.className = "button button--irreversible confirm-dialog__yes";
        var no = document.createElement("button");
        no.type = "button";
        no.className = "button button--ghost confirm-dialog__no";
        actions.appendChild(yes);
        actions.appendChild(no);
        dialog.appendChild(text);
        dialog.appendChild(actions);
        document.body.appendChild(dialog);
      }
      var label = function (name, fallback) {
        return source.getAttribute(name) || form.getAttribute(name) || fallback;
      };
      dialog.querySelector("p").textContent = source.getAttribute("data-confirm");
      var yesButton = dialog.querySelector(".confirm-dialog__yes");
      var noButton = dialog.querySelector(".confirm-dialog__no");
      yesButton.textContent = label("data-confirm-yes", "OK");
      noButton.textContent = label("data-confirm-no", "Cancel");
      var done = function (answer) {
        yesButton.onclick = null;
        noButton.onclick = null;
        dialog.onclose = null;
        if (dialog.open) {
          dialog.close();
        }
        resolve(answer);
      };
      yesButton.onclick = function () { done(true); };
      noButton.onclick = function () { done(false); };
      dialog.onclose = function () { done(false); };
      dialog.showModal();
      noButton.focus();
    });
  }

  function confirmSource(form, submitter) {
    if (submitter && submitter.hasAttribute("data-confirm")) {
      return submitter;
    }
    return form.hasAttribute("data-confirm") ? form : null;
  }

  function clearAsk(form) {
    form.querySelectorAll("input[name='confirm_first']").forEach(function (input) {
      input.remove();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("hx-post")) {
      return;
    }
    if (form.dataset.confirmed === "yes") {
      return;
    }
    var source = confirmSource(form, event.submitter);
    clearAsk(form);
    if (!source) {
      return;
    }
    event.preventDefault();
    var submitter = event.submitter;
    ask(source, form).then(function (ok) {
      if (!ok) {
        return;
      }
      form.dataset.confirmed = "yes";
      if (submitter && form.requestSubmit) {
        form.requestSubmit(submitter);
      } else {
        form.submit();
      }
    });
  }, true);

  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target.closest ? event.target.closest("form") : null;
    if (!form) {
      return;
    }
    clearAsk(form);
    var source = confirmSource(form, null);
    if (!source) {
      return;
    }
    event.preventDefault();
    ask(source, form).then(function (ok) {
      if (ok) {
        event.detail.issueRequest(true);
      }
    });
  });
})();
