/* Kinerja ASN, auditor's instance page: the BPMN diagram (bpmn-js viewer from the local bundle)
 * with the path taken marked; a click on an element lists that element's timeline events. */
(function () {
  "use strict";

  var diagrams = Array.prototype.map.call(document.querySelectorAll("script.diagram-data"), function (node) {
    return JSON.parse(node.textContent);
  });
  var canvas = document.getElementById("diagram-canvas");
  var select = document.getElementById("diagram-select");
  var panel = document.getElementById("element-events");
  var viewer = null;
  if (!canvas || !diagrams.length || !window.KinerjaProcessViewer) { return; }

  function listEvents(elementId) {
    var rows = document.querySelectorAll('tr[data-testid="timeline-event"]');
    var list = document.createElement("ul");
    list.setAttribute("data-testid", "element-event-list");
    list.setAttribute("data-element", elementId);
    Array.prototype.forEach.call(rows, function (row) {
      var match = row.getAttribute("data-element") === elementId;
      row.classList.toggle("highlighted", match);
      if (!match) { return; }
      var cells = row.querySelectorAll("td");
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + row.id;
      link.textContent = "#" + cells[0].textContent + " · " + cells[1].textContent + " · " + cells[2].textContent +
        " · " + cells[3].textContent;
      item.appendChild(link);
      list.appendChild(item);
    });
    panel.textContent = "";
    var heading = document.createElement("p");
    var filter = document.createElement("a");
    filter.href = "?element=" + encodeURIComponent(elementId);
    filter.textContent = panel.getAttribute("data-filter-label") + ": " + elementId;
    heading.appendChild(filter);
    panel.appendChild(heading);
    if (list.children.length) {
      panel.appendChild(list);
    } else {
      var empty = document.createElement("p");
      empty.className = "muted";
      empty.textContent = panel.getAttribute("data-empty");
      panel.appendChild(empty);
    }
  }

  function show(index) {
    if (viewer) { viewer.destroy(); }
    canvas.textContent = "";
    var diagram = diagrams[index];
    window.KinerjaProcessViewer.show(canvas, diagram.xml, {
      done: diagram.done, current: diagram.current, onSelect: listEvents
    }).then(function (shown) {
      viewer = shown;
      canvas.setAttribute("data-shown", String(index));
    });
  }

  if (select) { select.addEventListener("change", function () { show(parseInt(select.value, 10)); }); }
  show(0);
}());
