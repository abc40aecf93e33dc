/* Kinerja ASN: repeatable form rows ("Tambah baris" / "Hapus") without a server round trip.
 * Without JavaScript the same buttons submit the form and the server adds or removes the row. */
(function () {
  "use strict";

  function renumber(table) {
    var rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      var number = rows[i].querySelector(".row-number");
      if (number) { number.textContent = String(i + 1); }
    }
  }

  function addRow(button) {
    var name = button.getAttribute("data-add-row");
    var table = document.querySelector('table[data-rows="' + name + '"]');
    var template = document.getElementById("row-template-" + name);
    if (!table || !template) { return false; }
    var index = parseInt(table.getAttribute("data-next-index"), 10) || table.tBodies[0].rows.length;
    var html = template.innerHTML.split("__index__").join(String(index))
      .split("__number__").join(String(table.tBodies[0].rows.length + 1));
    table.tBodies[0].insertAdjacentHTML("beforeend", html);
    table.setAttribute("data-next-index", String(index + 1));
    renumber(table);
    var added = table.tBodies[0].rows[table.tBodies[0].rows.length - 1];
    var first = added.querySelector("input, select, textarea");
    if (first) { first.focus(); }
    return true;
  }

  function removeRow(button) {
    var row = button.closest("tr");
    var table = button.closest("table");
    if (!row || !table) { return false; }
    if (table.tBodies[0].rows.length > 1) {
      row.parentNode.removeChild(row);
      renumber(table);
      var add = document.querySelector('[data-add-row="' + table.getAttribute("data-rows") + '"]');
      if (add) { add.focus(); }
    } else {  // keep one (blank) row so the form still shows its columns
      var fields = row.querySelectorAll("input, select, textarea");
      for (var i = 0; i < fields.length; i++) { fields[i].value = ""; }
      if (fields.length) { fields[0].focus(); }
    }
    return true;
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    var add = target.closest("[data-add-row]");
    if (add && addRow(add)) { event.preventDefault(); return; }
    var remove = target.closest("[data-remove-row]");
    if (remove && removeRow(remove)) { event.preventDefault(); }
    if (target.closest("[data-print]")) { window.print(); }  /* no inline handlers: the CSP forbids them */
  });

  /* After a refused submission, bring the error summary into view. */
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
})();

/* The SKP editor: ask before a filled row is removed, and before leaving with unsaved changes.
 * Adding and removing rows is done by the server (the buttons submit the form). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-unsaved-warning]");
  if (!form) { return; }
  var changed = false;
  form.addEventListener("input", function () { changed = true; });
  form.addEventListener("change", function () { changed = true; });
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.hasAttribute("data-confirm-remove")) {
      var row = button.closest("[data-row]");
      var filled = row && Array.prototype.some.call(row.querySelectorAll("input[type=text], textarea, select"),
        function (field) { return field.value.trim() !== ""; });
      if (filled && !window.confirm(form.getAttribute("data-confirm-remove") || "")) {
        event.preventDefault();
        return;
      }
    }
    changed = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (changed) { event.preventDefault(); event.returnValue = form.getAttribute("data-unsaved-warning"); }
  });
})();

/* The inbox's keyboard shortcuts: j / k move to the next / previous task, Enter opens it,
 * x ticks it for the bulk approval, ? shows the help (templates/inbox.html lists them). */
(function () {
  "use strict";
  var list = document.querySelector("[data-keyboard-list]");
  var help = document.querySelector("[data-testid=shortcuts-help]");
  if (!help) { return; }
  var rows = list ? Array.prototype.slice.call(list.querySelectorAll("[data-testid=task-row]")) : [];
  var current = -1;

  function select(index) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("is-selected", i === current); });
    rows[current].setAttribute("aria-current", "true");
    rows.forEach(function (row, i) { if (i !== current) { row.removeAttribute("aria-current"); } });
    var link = rows[current].querySelector("[data-testid=task-link]");
    if (link) { link.focus(); }
    rows[current].scrollIntoView({block: "nearest"});
  }

  function toggleHelp(show) {
    help.hidden = !show;
    if (show) { help.querySelector("[data-shortcuts-close]").focus(); }
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("[data-shortcuts-help]")) { toggleHelp(true); }
    if (target && target.closest("[data-shortcuts-close]")) { toggleHelp(false); }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target && target.closest("input, textarea, select, [contenteditable]")) { return; }
    if (event.key === "Escape" && !help.hidden) { toggleHelp(false); return; }
    if (event.key === "?") { toggleHelp(help.hidden); event.preventDefault(); return; }
    if (!help.hidden) { return; }
    if (event.key === "j") { select(current + 1); event.preventDefault(); }
    else if (event.key === "k") { select(current - 1); event.preventDefault(); }
    else if (event.key === "x" && current >= 0) {
      var check = rows[current].querySelector("[data-testid=bulk-check]");
      if (check) { check.checked = !check.checked; event.preventDefault(); }
    } else if (event.key === "Enter" && current >= 0 && !(target && target.closest("a, button"))) {
      var link = rows[current].querySelector("[data-testid=task-link]");
      if (link) { link.click(); event.preventDefault(); }
    }
  });
})();
