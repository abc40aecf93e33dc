// Read-only BPMN diagram (zoom and pan) with the path an instance took: used by the audit views.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';

// show(container, xml, { done: [ids], current: [ids], onSelect(id) }) → the viewer
async function show(container, xml, options = {}) {
  const viewer = new NavigatedViewer({ container });
  await viewer.importXML(xml);
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  canvas.zoom('fit-viewport');
  for (const id of options.done || []) if (registry.get(id)) canvas.addMarker(id, 'kinerja-done');
  for (const id of options.current || []) if (registry.get(id)) canvas.addMarker(id, 'kinerja-current');
  if (options.onSelect) {
    viewer.get('eventBus').on('element.click', (event) => options.onSelect(event.element.id));
  }
  return viewer;
}

window.KinerjaProcessViewer = { show };
