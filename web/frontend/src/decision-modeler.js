// HR's DMN editor: dmn-js opens straight into the decision table, cells edited in place.
import DmnModeler from 'dmn-js/lib/Modeler';
import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import { startEditorPage } from './editor-page.js';

const modeler = new DmnModeler({ container: '#editor-canvas' });
let marked = [];

function cells(id) {
  return document.querySelectorAll('#editor-canvas [data-element-id="' + CSS.escape(id) + '"]');
}

function applyMarks() {
  for (const id of marked) for (const cell of cells(id)) cell.classList.add('kinerja-problem');
}

// Table views re-render on every edit: put the markers back each time.
modeler.on('views.changed', () => setTimeout(applyMarks));

async function openFirstTable() {
  const table = modeler.getViews().find((view) => view.type === 'decisionTable');
  if (table) await modeler.open(table);
}

startEditorPage({
  async importXML(xml) {
    const { warnings } = await modeler.importXML(xml);
    await openFirstTable();
    return warnings;
  },
  async saveXML() {
    return (await modeler.saveXML({ format: true })).xml;
  },
  has: () => true, // rules and cells are rendered lazily by the table view; reveal() copes with absent ones
  mark(ids) { marked = ids; applyMarks(); },
  unmark(ids) {
    for (const id of ids) for (const cell of cells(id)) cell.classList.remove('kinerja-problem');
    marked = [];
  },
  reveal(id) {
    const [cell] = cells(id);
    if (cell) cell.scrollIntoView({ block: 'center' });
  },
  modeler,
});
