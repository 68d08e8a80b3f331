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

/* --- forms: searchable pickers, live required-if marks, error summary focus, cost shares
 * computed as you type, fill page folding. Every piece works without this script: pickers
 * submit the typed text, the server computes and checks everything again. --- */
(function () {
  "use strict";

  function each(root, selector, fn) {
    if (root.matches && root.matches(selector)) {
      fn(root);
    }
    if (root.querySelectorAll) {
      Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
    }
  }

  function format(message, values) {
    return String(message || "").replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  /* Pickers (hub/widgets.py): an ARIA combobox over a listbox htmx fills. */
  function lookupParts(box) {
    return {
      input: box.querySelector("[data-lookup-input]"),
      value: box.querySelector("[data-lookup-value]"),
      list: box.querySelector("[role=listbox]"),
      note: box.querySelector("[data-lookup-chosen]"),
    };
  }

  function lookupOptions(parts) {
    return Array.prototype.filter.call(
      parts.list.querySelectorAll("[role=option]"),
      function (option) {
        return option.getAttribute("aria-disabled") !== "true";
      }
    );
  }

  function lookupClose(parts) {
    parts.list.hidden = true;
    parts.input.setAttribute("aria-expanded", "false");
    parts.input.removeAttribute("aria-activedescendant");
  }

  function lookupActivate(parts, index) {
    var options = lookupOptions(parts);
    if (!options.length) {
      return;
    }
    index = (index + options.length) % options.length;
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      option.classList.toggle("is-active", i === index);
    });
    parts.input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  }

  function lookupChoose(parts, option) {
    parts.value.value = option.getAttribute("data-value");
    parts.input.value = option.getAttribute("data-label");
    var meta = option.querySelector(".lookup__meta");
    parts.note.textContent =
      option.getAttribute("data-label") + (meta ? " · " + meta.textContent : "");
    lookupClose(parts);
    parts.value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function initLookup(box) {
    if (box.hasAttribute("data-lookup-ready")) {
      return;
    }
    box.setAttribute("data-lookup-ready", "");
    var parts = lookupParts(box);
    parts.input.addEventListener("input", function () {
      parts.value.value = ""; // typed again: nothing chosen until a suggestion is picked
    });
    parts.input.addEventListener("keydown", function (event) {
      var open = !parts.list.hidden;
      var options = lookupOptions(parts);
      var active = options.findIndex(function (o) {
        return o.getAttribute("aria-selected") === "true";
      });
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!options.length) {
          return;
        }
        event.preventDefault();
        parts.list.hidden = false;
        parts.input.setAttribute("aria-expanded", "true");
        lookupActivate(parts, active + (event.key === "ArrowDown" ? 1 : active < 0 ? 0 : -1));
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        lookupChoose(parts, options[active]);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        lookupClose(parts);
      }
    });
    parts.list.addEventListener("mousedown", function (event) {
      var option = event.target.closest("[role=option]");
      event.preventDefault(); // keep the focus in the input
      if (option && option.getAttribute("aria-disabled") !== "true") {
        lookupChoose(parts, option);
      }
    });
    parts.input.addEventListener("blur", function () {
      lookupClose(parts);
    });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (!list || list.getAttribute("role") !== "listbox") {
      return;
    }
    var box = list.closest("[data-lookup]");
    if (!box) {
      return;
    }
    var parts = lookupParts(box);
    var any = list.querySelector("[role=option]") !== null;
    list.hidden = !any || document.activeElement !== parts.input;
    parts.input.setAttribute("aria-expanded", list.hidden ? "false" : "true");
    parts.input.removeAttribute("aria-activedescendant");
  });

  /* Required-if: data-required-when="kind=sme" (or "program=3,5") marks the field required
     while the other field holds one of those values. */
  function initRequiredWhen(input) {
    var rule = input.getAttribute("data-required-when");
    var form = input.form;
    if (!rule || !form || input.hasAttribute("data-required-ready")) {
      return;
    }
    input.setAttribute("data-required-ready", "");
    var name = rule.split("=")[0];
    var values = (rule.split("=")[1] || "").split(",");
    var control = form.elements[name];
    var field = input.closest(".field");
    if (!control) {
      return;
    }
    function update() {
      var on = values.indexOf(control.value) !== -1;
      input.setAttribute("aria-required", on ? "true" : "false");
      if (field) {
        field.classList.toggle("field--required-now", on);
      }
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === name) {
        update();
      }
    });
    update();
  }

  /* Cost shares (programs/rules.py is the authority): the share not typed most recently is
     the rest of the total; percentages and the program rule's bounds shown as you type. */
  function initShares(box) {
    if (box.hasAttribute("data-shares-ready")) {
      return;
    }
    box.setAttribute("data-shares-ready", "");
    var form = box.closest("form");
    var names = ["government_share", "partner_share", "sme_share"];
    var total = form.elements.total_cost;
    var inputs = names.map(function (n) {
      return form.elements[n];
    });
    if (!total || inputs.some(function (i) { return !i; })) {
      return;
    }
    var rules = {};
    try {
      rules = JSON.parse(box.getAttribute("data-share-rules") || "{}");
    } catch (e) {
      rules = {};
    }
    var order = [2, 1, 0]; // least recently typed first: the SME pays the rest by default
    var output = box.querySelector("[data-shares-output]");
    var problems = box.querySelector("[data-shares-problems]");
    var split = box.querySelector("[data-shares-split]");
    var label = function (input) {
      var l = form.querySelector("label[for='" + input.id + "']");
      return l ? l.firstChild.textContent.trim() : input.name;
    };
    var num = function (input) {
      var v = String(input.value).replace(/[,\s]/g, "");
      return v === "" || isNaN(Number(v)) ? null : Number(v);
    };
    var rule = function () {
      var program = form.elements.program;
      return rules[program ? program.value : ""] || null;
    };
    var pct = function (part, whole) {
      return whole > 0 ? ((100 * part) / whole).toFixed(1) + " %" : "—";
    };
    var won = function (n) {
      return Math.round(n).toLocaleString();
    };

    function show(derived) {
      var t = num(total);
      var v = inputs.map(num);
      problems.textContent = "";
      if (t === null || t <= 0 || v.some(function (x) { return x === null; })) {
        output.textContent = "";
        return;
      }
      var msg = format(box.getAttribute("data-msg-pct"), {
        gov: pct(v[0], t),
        partner: pct(v[1], t),
        sme: pct(v[2], t),
      });
      if (derived !== undefined) {
        msg += " " + format(box.getAttribute("data-msg-rest"), { field: label(inputs[derived]) });
      }
      output.textContent = msg;
      var found = [];
      var sum = v[0] + v[1] + v[2];
      if (sum !== t) {
        found.push(format(box.getAttribute("data-msg-sum"), { sum: won(sum), total: won(t) }));
      }
      var r = rule();
      if (r) {
        if (v[0] > (t * r.government_max_pct) / 100) {
          found.push(format(box.getAttribute("data-msg-gov-max"), { pct: Number(r.government_max_pct) + " %" }));
        }
        var level = form.elements.target_level ? form.elements.target_level.value : "";
        if (r.caps[level] !== undefined && v[0] > Number(r.caps[level])) {
          found.push(format(box.getAttribute("data-msg-gov-cap"), { cap: won(Number(r.caps[level])) }));
        }
        if (v[1] < (t * r.partner_min_pct) / 100) {
          found.push(format(box.getAttribute("data-msg-partner-min"), { pct: Number(r.partner_min_pct) + " %" }));
        }
        if (v[2] > (t * r.sme_max_pct) / 100) {
          found.push(format(box.getAttribute("data-msg-sme-max"), { pct: Number(r.sme_max_pct) + " %" }));
        }
      }
      if (!found.length && r) {
        found.push(box.getAttribute("data-msg-ok"));
      }
      found.forEach(function (text) {
        var li = document.createElement("li");
        li.textContent = text;
        problems.appendChild(li);
      });
      box.classList.toggle("shares-calc--problem", found.length > 0 && (sum !== t || found.length > 1 || !r));
    }

    function derive() {
      var t = num(total);
      var target = order[0];
      inputs.forEach(function (input) {
        input.classList.remove("is-derived");
      });
      var others = [0, 1, 2].filter(function (i) {
        return i !== target;
      });
      if (t !== null && others.every(function (i) { return num(inputs[i]) !== null; })) {
        var rest = t - num(inputs[others[0]]) - num(inputs[others[1]]);
        if (rest >= 0 && !inputs[target].disabled) {
          inputs[target].value = String(rest);
          inputs[target].classList.add("is-derived");
          show(target);
          return;
        }
      }
      show();
    }

    inputs.forEach(function (input, i) {
      input.addEventListener("input", function () {
        order = order.filter(function (j) {
          return j !== i;
        });
        order.push(i);
        derive();
      });
    });
    total.addEventListener("input", derive);
    form.addEventListener("change", function (event) {
      if (event.target.name === "program" || event.target.name === "target_level") {
        show();
      }
    });
    if (split) {
      split.hidden = false;
      split.addEventListener("click", function () {
        var t = num(total);
        var r = rule();
        if (t === null || t <= 0 || !r) {
          return;
        }
        var level = form.elements.target_level ? form.elements.target_level.value : "";
        var gov = Math.floor((t * r.government_max_pct) / 100);
        if (r.caps[level] !== undefined) {
          gov = Math.min(gov, Number(r.caps[level]));
        }
        var partner = Math.ceil((t * r.partner_min_pct) / 100);
        inputs[0].value = String(gov);
        inputs[1].value = String(partner);
        inputs[2].value = String(t - gov - partner);
        order = [2, 1, 0];
        show(2);
      });
    }
    show();
  }

  /* Fill page: open every item, or fold the rated ones to their one-line summary. */
  function initFillFold(root) {
    each(root, "[data-fill-expand], [data-fill-collapse]", function (button) {
      if (button.hasAttribute("data-fold-ready")) {
        return;
      }
      button.setAttribute("data-fold-ready", "");
      button.hidden = false;
      var expand = button.hasAttribute("data-fill-expand");
      button.addEventListener("click", function () {
        each(document, ".item-card__fold", function (fold) {
          if (expand) {
            fold.open = true;
          } else if (fold.closest(".item-card--done")) {
            fold.open = false;
          }
        });
      });
    });
  }

  function init(root) {
    each(root, "[data-lookup]", initLookup);
    each(root, "[data-required-when]", initRequiredWhen);
    each(root, "[data-shares-calc]", initShares);
    initFillFold(root);
  }

  function start() {
    init(document);
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
    // An error link moves the focus into the field, not just the view.
    document.addEventListener("click", function (event) {
      var link = event.target.closest("[data-error-summary] a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (field) {
        event.preventDefault();
        field.scrollIntoView({ block: "center" });
        field.focus();
      }
    });
    if (window.htmx) {
      window.htmx.onLoad(init);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
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
