"""Parsing and validating BPMN, DMN and form files as one deployable set.

A :class:`DefinitionSet` is every file of one deployment, parsed once. Building it is
the validation: it refuses the set with a list of problems, each naming the file, the
element id and what is wrong, so nothing half-valid is ever stored. Deployments are
immutable, so a parsed set can be cached by deployment id for the life of the process.
"""
from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Optional

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException
from jsonschema import Draft202012Validator, SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from . import json_limits
from .errors import InvalidDefinition
from .forms import with_text_limits
from .scripting import script_problem
from .timer_dates import own_date_timers
from .vocabulary import KNOWN_LANES

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NAME_LENGTH = 200  # characters of a file name before its extension
KINDS_BY_SUFFIX = {".bpmn": "bpmn", ".dmn": "dmn", ".json": "form"}

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
)
_LXML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass(frozen=True)
class DefinitionFile:
    kind: str  # bpmn | dmn | form
    name: str  # file stem; a form's stem is its form key
    content: str

    @property
    def filename(self) -> str:
        return filename_of(self.kind, self.name)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.content.encode("utf-8")).hexdigest()

    @classmethod
    def from_upload(cls, filename: str, raw: bytes) -> "DefinitionFile":
        """A file as uploaded (API, modeler page, CLI). A browser may send a path: only its last
        part counts. The stem becomes the definition's name (a form's key), so it must be
        printable (no NUL, no bidirectional or other control characters) and not too long."""
        name = PurePosixPath(filename.replace("\\", "/")).name
        path = PurePosixPath(name)
        if not path.stem or len(path.stem) > MAX_NAME_LENGTH or not name.isprintable():
            shown = name.encode("unicode_escape").decode()[:MAX_NAME_LENGTH] or "a file"  # shows what is hidden
            raise InvalidDefinition(f"{shown}: unusable file name", details=[
                problem(shown, None, f"file names must be printable, with a name of 1 to {MAX_NAME_LENGTH} "
                                     "characters before the extension")])
        kind = KINDS_BY_SUFFIX.get(path.suffix.lower())
        if kind is None:
            raise InvalidDefinition(f"{name}: unsupported file type", details=[
                problem(name, None, "only .bpmn, .dmn and .json (form) files can be deployed")])
        if len(raw) > MAX_FILE_BYTES:
            raise InvalidDefinition(f"{name}: file too large", details=[
                problem(name, None, f"file is {len(raw)} bytes; the limit is {MAX_FILE_BYTES}")])
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidDefinition(f"{name}: not UTF-8", details=[
                problem(name, None, "file is not valid UTF-8 text")]) from None
        return cls(kind=kind, name=path.stem, content=content)

    @classmethod
    def from_path(cls, path: Path) -> "DefinitionFile":
        return cls.from_upload(path.name, path.read_bytes())


def filename_of(kind: str, name: str) -> str:
    """A definition's file name: its stem plus the suffix of its kind (forms are JSON)."""
    return f"{name}.{'json' if kind == 'form' else kind}"


def problem(filename: str, element_id: Optional[str], message: str) -> dict[str, Any]:
    return {"file": filename, "element_id": element_id, "message": message}


def _form_limit_problem(filename: str, findings: json_limits.Findings) -> dict[str, Any]:
    """A form file nested too deep for the validators, or with a number no schema keyword can hold."""
    if findings.too_deep:
        return problem(filename, None, f"the form schema is nested deeper than {json_limits.MAX_DEPTH} levels")
    where = findings.number_paths[0].replace(".", "/") or None
    return problem(filename, where, f"unreadable number (longer than {json_limits.MAX_NUMBER_LENGTH} characters, "
                                    "or not finite: NaN, Infinity)")


@dataclass
class UserTaskInfo:
    """What the runtime needs to know about a user task beyond Spiff's spec."""

    form_key: Optional[str]
    due_in: Optional[str]
    title: Optional[str] = None
    due_date: Optional[str] = None  # the task-data value holding the calendar date of the deadline
    assignee_from: Optional[str] = None  # the task-data value holding the assignee's employee id


@dataclass
class DefinitionSet:
    files: list[DefinitionFile]
    parser: SpiffBpmnParser = field(init=False)
    process_files: dict[str, str] = field(init=False, default_factory=dict)
    decision_files: dict[str, str] = field(init=False, default_factory=dict)
    forms: dict[str, dict[str, Any]] = field(init=False, default_factory=dict)
    _spec_cache: dict[str, tuple[Any, dict[str, Any]]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.parser = SpiffBpmnParser(validator=VALIDATOR)
        problems: list[dict[str, Any]] = []
        trees: dict[str, Any] = {}
        for file in self.files:
            if file.kind == "form":
                problems += self._load_form(file)
                continue
            tree, file_problems = parse_xml(file)
            problems += file_problems
            if tree is not None:
                trees[file.filename] = tree
                unsupported = _unsupported_elements(file.filename, tree, self.parser) if file.kind == "bpmn" else []
                problems += unsupported or self._load_into_parser(file, tree)
        if not problems:
            for filename, tree in trees.items():
                problems += _check_elements(filename, tree, self)
        if not problems:
            problems += self._check_specs_build()
        if problems:
            first = problems[0]
            where = f" (element {first['element_id']})" if first["element_id"] else ""
            raise InvalidDefinition(f"{first['file']}{where}: {first['message']}", details=problems)

    # -- loading ---------------------------------------------------------------------------

    def _load_form(self, file: DefinitionFile) -> list[dict[str, Any]]:
        try:
            schema, findings = json_limits.load(file.content)
        except ValueError as error:
            return [problem(file.filename, None, f"invalid JSON: {error}")]
        if not findings.ok:
            return [_form_limit_problem(file.filename, findings)]
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            return [problem(file.filename, "/".join(map(str, error.path)) or None,
                            f"invalid JSON Schema: {error.message}")]
        if not isinstance(schema, dict) or schema.get("type") != "object":
            return [problem(file.filename, None, 'a form schema must have "type": "object"')]
        self.forms[file.name] = with_text_limits(schema)
        return []

    def _load_into_parser(self, file: DefinitionFile, tree: Any) -> list[dict[str, Any]]:
        try:
            if file.kind == "bpmn":
                before = set(self.parser.get_process_ids())
                self.parser.add_bpmn_xml(tree, filename=file.filename)
                for process_id in set(self.parser.get_process_ids()) - before:
                    self.process_files[process_id] = file.filename
            else:
                before = set(self.parser.dmn_parsers)
                self.parser.add_dmn_xml(tree, filename=file.filename)
                for decision_id in set(self.parser.dmn_parsers) - before:
                    self.decision_files[decision_id] = file.filename
        except ValidationException as error:
            return [problem(file.filename, error.id or None, _spiff_message(error))]
        except (SpiffWorkflowException, etree.LxmlError, ValueError, KeyError) as error:
            return [problem(file.filename, None, str(error))]
        return []

    def _check_specs_build(self) -> list[dict[str, Any]]:
        problems = []
        for process_id, filename in self.process_files.items():
            try:
                self.workflow_specs(process_id)
            except ValidationException as error:
                problems.append(problem(error.file_name or filename, error.id or None, _spiff_message(error)))
            except (SpiffWorkflowException, ValueError, KeyError) as error:
                problems.append(problem(filename, process_id, str(error)))
        return problems

    # -- queries ---------------------------------------------------------------------------

    def workflow_specs(self, process_id: str) -> tuple[Any, dict[str, Any]]:
        """The top-level spec and the specs of every process it calls, parsed once."""
        if process_id not in self._spec_cache:
            spec = self.parser.get_spec(process_id)
            subprocess_specs = self.parser.get_subprocess_specs(process_id)
            own_date_timers([spec, *subprocess_specs.values()])
            self._spec_cache[process_id] = (spec, subprocess_specs)
        return self._spec_cache[process_id]

    def element_names(self) -> dict[str, str]:
        """Every named element of the processes (tasks, events, gateways) by id: the label a
        page shows for an element id the audit trail names (a decision's business rule task)."""
        names: dict[str, str] = {}
        for process_id in self.process_files:
            spec, _called = self.workflow_specs(process_id)
            for task_spec in spec.task_specs.values():
                if getattr(task_spec, "bpmn_id", None) and getattr(task_spec, "bpmn_name", None):
                    names[task_spec.bpmn_id] = task_spec.bpmn_name
        return names

    def decision_engine(self, decision_id: str) -> Any:
        """Spiff's DMN engine for one decision table (raises KeyError if not deployed)."""
        if decision_id not in self.decision_files:
            raise KeyError(decision_id)
        return self.parser.get_engine(decision_id, None)

    def provides(self, file: DefinitionFile) -> list[str]:
        if file.kind == "form":
            return [file.name]
        owners = self.process_files if file.kind == "bpmn" else self.decision_files
        return sorted(key for key, filename in owners.items() if filename == file.filename)


def user_task_info(task_spec: Any) -> UserTaskInfo:
    properties = getattr(task_spec, "extensions", {}).get("properties", {})
    return UserTaskInfo(form_key=properties.get("formKey"), due_in=properties.get("dueIn"),
                        title=properties.get("title"), due_date=properties.get("dueDate"),
                        assignee_from=properties.get("assigneeFrom"))


# -- XML screening and element checks -----------------------------------------------------


def parse_xml(file: DefinitionFile) -> tuple[Any, list[dict[str, Any]]]:
    """Parse untrusted XML: defusedxml refuses DTDs and entities, lxml never resolves any."""
    raw = file.content.encode("utf-8")
    try:
        SafeElementTree.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException as error:
        return None, [problem(file.filename, None, f"unsafe XML refused ({type(error).__name__}): "
                                                   "DTDs and entities are not allowed")]
    except SafeElementTree.ParseError as error:
        return None, [problem(file.filename, None, f"not well-formed XML: {error}")]
    try:
        root = etree.fromstring(raw, _LXML_PARSER)
    except etree.XMLSyntaxError as error:
        return None, [problem(file.filename, None, f"not well-formed XML: {error}")]
    expected = {"bpmn": [NS["bpmn"]], "dmn": list(DMN_NAMESPACES)}[file.kind]
    if etree.QName(root).namespace not in expected or etree.QName(root).localname != "definitions":
        return None, [problem(file.filename, root.get("id"),
                              f"root element must be <definitions> in {' or '.join(expected)}")]
    return root, []


def _check_elements(filename: str, root: Any, definitions: DefinitionSet) -> list[dict[str, Any]]:
    if etree.QName(root).namespace != NS["bpmn"]:
        return _check_dmn_expressions(filename, root)
    problems = []
    if not any(owner == filename for owner in definitions.process_files.values()):
        for process in root.iterfind("bpmn:process", NS):
            problems.append(problem(filename, process.get("id"), "the process is not executable; set "
                                    "isExecutable=\"true\" (\"Executable\" in the modeler's properties) to run it"))

    def add(element: Any, message: str) -> None:
        # Name the diagram element (the event, the flow), not an inner definition with its own id.
        owner = element
        while owner is not None and (owner.get("id") is None or _is_detail(owner)):
            owner = owner.getparent()
        problems.append(problem(filename, owner.get("id") if owner is not None else None, message))

    lane_of = {ref.text.strip(): lane.get("name", "")
               for lane in root.iterfind(".//bpmn:lane", NS)
               for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}
    for task in root.iterfind(".//bpmn:userTask", NS):
        lane = lane_of.get(task.get("id"))
        if lane is None:
            add(task, "user task is not in any lane, so nobody could be assigned to it")
        elif lane not in KNOWN_LANES:
            add(task, f"lane '{lane}' does not resolve to a role; use one of: {', '.join(KNOWN_LANES)}")
        properties = {p.get("name"): p.get("value")
                      for p in task.iterfind("bpmn:extensionElements/spiffworkflow:properties/"
                                             "spiffworkflow:property", NS)}
        form_key = properties.get("formKey")
        if form_key and form_key not in definitions.forms:
            add(task, f"form '{form_key}' is not deployed")
        if properties.get("dueIn") and not _is_iso_duration(properties["dueIn"]):
            add(task, f"dueIn '{properties['dueIn']}' is not an ISO 8601 duration such as P7D")
        for name in ("dueDate", "assigneeFrom"):
            if properties.get(name) and not properties[name].isidentifier():
                add(task, f"{name} '{properties[name]}' must name a value of the task data, such as period_end")
    for call in root.iterfind(".//bpmn:callActivity", NS):
        called = call.get("calledElement")
        if not called or called not in definitions.process_files:
            add(call, f"called process '{called}' is not deployed")
    for task in root.iterfind(".//bpmn:businessRuleTask", NS):
        decision = task.findtext("bpmn:extensionElements/spiffworkflow:calledDecisionId", None, NS)
        if not decision or decision.strip() not in definitions.decision_files:
            add(task, f"called decision '{decision}' is not deployed")
    for script in root.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
        _check_code(add, script, script.text or "", "exec")
    for condition in root.iterfind(".//bpmn:conditionExpression", NS):
        _check_code(add, condition, condition.text or "", "eval")
    for condition in root.iterfind(".//bpmn:conditionalEventDefinition/bpmn:condition", NS):
        _check_code(add, condition, condition.text or "", "eval")
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for timer in root.iterfind(f".//bpmn:{tag}", NS):
            _check_timer(add, timer, tag, (timer.text or "").strip())
    return problems


def _check_dmn_expressions(filename: str, root: Any) -> list[dict[str, Any]]:
    problems = []
    namespace = etree.QName(root).namespace
    for tag in ("inputExpression", "outputEntry"):
        for text in root.iterfind(".//{%s}%s/{%s}text" % (namespace, tag, namespace)):
            source = (text.text or "").strip()
            if source and source != "-":
                reason = script_problem(source, "eval")
                if reason:
                    problems.append(problem(filename, text.getparent().get("id"), f"expression '{source}': {reason}"))
    for text in root.iterfind(".//{%s}inputEntry/{%s}text" % (namespace, namespace)):
        source = (text.text or "").strip()
        if source and source != "-":
            # An entry may be a bare comparison ("> 3"), which Spiff prefixes with the input,
            # or use "?" for the input ("1 < ? < 4"), which Spiff names dmninputexpr.
            entry = _DMN_INPUT_MARK.sub("dmninputexpr", source)
            reason = script_problem(entry, "eval") and script_problem(f"v {entry}", "eval")
            if reason:
                problems.append(problem(filename, text.getparent().get("id"), f"entry '{source}': {reason}"))
    return problems


def _check_code(add: Any, element: Any, source: str, mode: str) -> None:
    if not source.strip():
        add(element, "empty script or expression")
        return
    reason = _foreign_expression(source.strip()) or script_problem(source.strip(), mode)  # type: ignore[arg-type]
    if reason:
        add(element, f"{'script' if mode == 'exec' else 'expression'} '{source.strip()[:80]}': {reason}")


def _check_timer(add: Any, element: Any, tag: str, source: str) -> None:
    if tag == "timeCycle":
        add(element, "repeating timers (timeCycle) are not supported; "
                     "model the repetition as a loop around a duration timer")
        return
    reason = (_foreign_expression(source) or script_problem(source, "eval")) if source else "empty timer expression"
    if reason:
        add(element, f"timer expression: {reason}")
        return
    if _ISO_LIKE.match(source):
        add(element, f"timer value {source} must be written in quotes, \"{source}\": "
                     "timer values are Python expressions, so an unquoted P7D is read as a variable name")
        return
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return  # computed from task data at run time; the sandbox check above is all we can do
    if not isinstance(value, str):
        add(element, f"timer value {value!r} is not an ISO 8601 string (did you forget the quotes?)")
    elif tag == "timeDuration" and not _is_iso_duration(value):
        add(element, f"timer duration '{value}' is not an ISO 8601 duration such as \"P7D\"")
    elif tag == "timeDate":
        try:
            TimerEventDefinition.get_datetime(value)
        except ValueError:
            add(element, f"timer date '{value}' is not an ISO 8601 date-time")


# Spiff's own pattern for "?" outside quotes in a DMN input entry (dmn/engine/DMNEngine.py).
_DMN_INPUT_MARK = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')
_ISO_LIKE = re.compile(r"^(P[0-9TWYMDHS.,]+|R[0-9]*/.*|[0-9]{4}-[0-9]{2}-[0-9]{2}(T.*)?)$")


def _foreign_expression(source: str) -> Optional[str]:
    """Expressions in another engine's language (Camunda's JUEL/FEEL ``${…}``), named as such."""
    if source.startswith(("${", "#{")) and source.endswith("}"):
        return ("this is a JUEL expression (Camunda); expressions here are Python over the task data, "
                f"for example {source[2:-1].strip().replace('!', 'not ') or 'approved'}")
    return None


def _unsupported_elements(filename: str, root: Any, parser: SpiffBpmnParser) -> list[dict[str, Any]]:
    """BPMN elements this engine cannot run, named precisely (Spiff's own message is generic)."""
    runnable = {etree.QName(tag).localname for tag in (*parser.PARSER_CLASSES, *parser.OVERRIDE_PARSER_CLASSES)}
    problems = []
    for container in root.iter(*(f"{{{NS['bpmn']}}}{tag}" for tag in _CONTAINERS)):
        for element in container:
            if not isinstance(element.tag, str) or etree.QName(element).namespace != NS["bpmn"]:
                continue  # comments and other vendors' extensions
            name = etree.QName(element).localname
            if name not in runnable and name not in _NOT_FLOW_NODES:
                problems.append(problem(filename, element.get("id"), f"{name} is not supported by this engine; "
                                        f"supported flow elements: {', '.join(sorted(runnable))}"))
    for definition in root.iter(f"{{{NS['bpmn']}}}*"):
        name = etree.QName(definition).localname
        if name.endswith("EventDefinition") and name not in _RUNNABLE_EVENT_DEFINITIONS:
            owner = definition.getparent()
            problems.append(problem(filename, owner.get("id"), f"{name[:-len('EventDefinition')]} events are not "
                                    f"supported by this engine; supported event types: "
                                    f"{', '.join(sorted(n[:-len('EventDefinition')] for n in _RUNNABLE_EVENT_DEFINITIONS))}"))
    return problems


def _is_detail(element: Any) -> bool:
    name = etree.QName(element).localname
    return name.endswith("EventDefinition") or name in _DETAIL_ELEMENTS


_DETAIL_ELEMENTS = {"conditionExpression", "condition", "script", "timeDuration", "timeDate", "timeCycle"}
_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")
_NOT_FLOW_NODES = {
    "sequenceFlow", "laneSet", "dataObject", "dataObjectReference", "dataStoreReference", "textAnnotation",
    "association", "group", "extensionElements", "documentation", "ioSpecification", "property",
    "dataInputAssociation", "dataOutputAssociation", "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics", "incoming", "outgoing", "category", "auditing", "monitoring",
}
_RUNNABLE_EVENT_DEFINITIONS = {
    "timerEventDefinition", "messageEventDefinition", "signalEventDefinition", "errorEventDefinition",
    "escalationEventDefinition", "terminateEventDefinition", "cancelEventDefinition", "conditionalEventDefinition",
}


def _is_iso_duration(value: str) -> bool:
    if not value.upper().startswith("P") or len(value) < 3:
        return False
    try:
        TimerEventDefinition.parse_iso_duration(value)
    except Exception:  # Spiff raises bare Exception for bad durations
        return False
    return True


def _spiff_message(error: ValidationException) -> str:
    message = str(error.args[0]) if error.args else str(error)
    if error.line_number:
        message += f" (line {error.line_number})"
    return message
