// A "Kinerja" group in the bpmn-js properties panel for what the engine reads beyond the
// standard panel: a user task's form and due period (Spiff extension properties), a
// business rule task's decision, a call activity's process, a sequence flow's condition
// and a script task's script. Labels come from the page (config.kinerjaProperties.labels).
import { TextAreaEntry, TextFieldEntry, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { jsx } from '@bpmn-io/properties-panel/preact/jsx-runtime';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

// --- reading and writing the model -------------------------------------------------------

function extensionValues(businessObject) {
  return (businessObject.extensionElements && businessObject.extensionElements.values) || [];
}

function findExtension(businessObject, type) {
  return extensionValues(businessObject).find((value) => is(value, type));
}

function ensureExtension(element, type, modeling, bpmnFactory) {
  const businessObject = getBusinessObject(element);
  let extensionElements = businessObject.extensionElements;
  if (!extensionElements) {
    extensionElements = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    modeling.updateModdleProperties(element, businessObject, { extensionElements });
  }
  let extension = findExtension(businessObject, type);
  if (!extension) {
    extension = bpmnFactory.create(type);
    modeling.updateModdleProperties(element, extensionElements, {
      values: [...extensionElements.values, extension],
    });
  }
  return extension;
}

function propertyValue(element, name) {
  const properties = findExtension(getBusinessObject(element), 'spiffworkflow:Properties');
  const found = properties && (properties.properties || []).find((p) => p.name === name);
  return found ? found.value : '';
}

function setPropertyValue(element, name, value, modeling, bpmnFactory) {
  const properties = ensureExtension(element, 'spiffworkflow:Properties', modeling, bpmnFactory);
  const list = properties.properties || [];
  const existing = list.find((p) => p.name === name);
  if (!value) {
    if (existing) modeling.updateModdleProperties(element, properties, { properties: list.filter((p) => p !== existing) });
  } else if (existing) {
    modeling.updateModdleProperties(element, existing, { value });
  } else {
    const property = bpmnFactory.create('spiffworkflow:Property', { name, value });
    modeling.updateModdleProperties(element, properties, { properties: [...list, property] });
  }
}

// --- entries -----------------------------------------------------------------------------

function textEntry({ element, id, label, getValue, setValue, multiline }) {
  const debounce = useService('debounceInput');
  return jsx(multiline ? TextAreaEntry : TextFieldEntry, {
    element, id, label, getValue, setValue, debounce, monospace: multiline, autoResize: multiline,
  });
}

function SpiffProperty(props) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const { element, name } = props;
  return textEntry({
    ...props,
    getValue: () => propertyValue(element, name),
    setValue: (value) => setPropertyValue(element, name, (value || '').trim(), modeling, bpmnFactory),
  });
}

function CalledDecision(props) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const { element } = props;
  return textEntry({
    ...props,
    getValue: () => (findExtension(getBusinessObject(element), 'spiffworkflow:CalledDecisionId') || {}).value || '',
    setValue: (value) => {
      const decision = ensureExtension(element, 'spiffworkflow:CalledDecisionId', modeling, bpmnFactory);
      modeling.updateModdleProperties(element, decision, { value: (value || '').trim() });
    },
  });
}

function CalledElement(props) {
  const modeling = useService('modeling');
  return textEntry({
    ...props,
    getValue: () => getBusinessObject(props.element).calledElement || '',
    setValue: (value) => modeling.updateProperties(props.element, { calledElement: (value || '').trim() || undefined }),
  });
}

function Condition(props) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const { element } = props;
  return textEntry({
    ...props,
    multiline: true,
    getValue: () => (getBusinessObject(element).conditionExpression || {}).body || '',
    setValue: (value) => modeling.updateProperties(element, {
      conditionExpression: value ? bpmnFactory.create('bpmn:FormalExpression', { body: value }) : undefined,
    }),
  });
}

function Script(props) {
  const modeling = useService('modeling');
  return textEntry({
    ...props,
    multiline: true,
    getValue: () => getBusinessObject(props.element).script || '',
    setValue: (value) => modeling.updateProperties(props.element, { script: value, scriptFormat: 'python' }),
  });
}

function entriesFor(element, labels) {
  const entry = (id, component, extra = {}) => ({
    id, element, label: labels[id], isEdited: isTextFieldEntryEdited, component: (props) => component({ ...props, ...extra, label: labels[id] }),
  });
  if (is(element, 'bpmn:UserTask')) {
    return [entry('kinerja-form', SpiffProperty, { name: 'formKey' }), entry('kinerja-due', SpiffProperty, { name: 'dueIn' })];
  }
  if (is(element, 'bpmn:BusinessRuleTask')) return [entry('kinerja-decision', CalledDecision)];
  if (is(element, 'bpmn:CallActivity')) return [entry('kinerja-called', CalledElement)];
  if (is(element, 'bpmn:ScriptTask')) return [entry('kinerja-script', Script)];
  if (is(element, 'bpmn:SequenceFlow') && isAnyGateway(element.source)) return [entry('kinerja-condition', Condition)];
  return [];
}

function isAnyGateway(element) {
  return element && (is(element, 'bpmn:ExclusiveGateway') || is(element, 'bpmn:InclusiveGateway'));
}

class KinerjaPropertiesProvider {
  constructor(propertiesPanel, config) {
    this._labels = (config && config.labels) || {};
    propertiesPanel.registerProvider(400, this);
  }

  getGroups(element) {
    return (groups) => {
      const entries = entriesFor(element, this._labels);
      if (entries.length) groups.splice(1, 0, { id: 'kinerja', label: this._labels.group || 'Kinerja', entries });
      return groups;
    };
  }
}

KinerjaPropertiesProvider.$inject = ['propertiesPanel', 'config.kinerjaProperties'];

export default {
  __init__: ['kinerjaPropertiesProvider'],
  kinerjaPropertiesProvider: ['type', KinerjaPropertiesProvider],
};
