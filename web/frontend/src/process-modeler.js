// HR's BPMN editor: bpmn-js with the properties panel (names, lanes, timers) and our own
// group for forms, deadlines, decisions, called processes, conditions and scripts.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import { startEditorPage } from './editor-page.js';
import KinerjaPropertiesModule from './kinerja-properties.js';
import spiffworkflowModdle from './spiffworkflow-moddle.json';

const config = JSON.parse(document.getElementById('editor-config').textContent);
const modeler = new BpmnModeler({
  container: '#editor-canvas',
  // Our group and the timer group open by default: they hold what HR changes most.
  propertiesPanel: { parent: '#editor-properties', layout: { groups: { kinerja: { open: true }, timer: { open: true } } } },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, KinerjaPropertiesModule],
  moddleExtensions: { spiffworkflow: spiffworkflowModdle },
  kinerjaProperties: { labels: config.texts.properties },
});

function each(ids, action) {
  const registry = modeler.get('elementRegistry');
  for (const id of ids) if (registry.get(id)) action(id);
}

startEditorPage({
  async importXML(xml) {
    const { warnings } = await modeler.importXML(xml);
    modeler.get('canvas').zoom('fit-viewport');
    return warnings;
  },
  async saveXML() {
    return (await modeler.saveXML({ format: true })).xml;
  },
  has: (id) => Boolean(modeler.get('elementRegistry').get(id)),
  mark: (ids) => each(ids, (id) => modeler.get('canvas').addMarker(id, 'kinerja-problem')),
  unmark: (ids) => each(ids, (id) => modeler.get('canvas').removeMarker(id, 'kinerja-problem')),
  reveal(id) {
    const element = modeler.get('elementRegistry').get(id);
    modeler.get('canvas').scrollToElement(element);
    modeler.get('selection').select(element);
  },
  modeler,
});
