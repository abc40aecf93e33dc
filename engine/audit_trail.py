"""What auditors read: an instance's timeline, its path through the diagrams, each DMN
decision explained with the table it ran on, a search over the whole log, and exports.

Everything here reads the audit log (the history) and the immutable definition versions;
nothing is rebuilt from a workflow's current state or its current deployment, because an
auditor asks what happened then. Every function requires the auditor role and logs the
read (``audit.viewed``, see :func:`engine.access.note_auditor_read`).

Exports stream: events are read in keyset batches (``seq > last``, a fixed upper bound),
each batch in its own short transaction, so memory stays bounded whatever the size of a
cycle and no transaction (on SQLite, the write lock) is held while a client downloads.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterator, Optional

from lxml import etree
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from .access import authorise, may_view_employee, note_auditor_read
from .audit import event_as_dict, instance_events
from .definitions import NS, DefinitionFile, parse_xml
from .errors import NotFound
from .kinerja import Kinerja
from .models import (
    AuditEvent,
    AuditHead,
    Cycle,
    DefinitionVersion,
    Deployment,
    Employee,
    ProcessInstance,
    Timer,
    Unit,
    User,
)
from .permissions import AUDIT
from .read_models import InstanceDetail, describe_instance, employee_card, readable_instance
from .unit_of_work import UnitOfWork

EXPORT_COLUMNS = ("seq", "occurred_at", "actor", "action", "instance_id", "task_id", "data", "prev_hash", "hash")
EXPORT_BATCH = 1000


def _auditor(session: Session, username: str) -> User:
    """The auditor reading (a person: their reads are logged); 403 for anyone else."""
    user = authorise(session, username, AUDIT)
    assert user is not None  # a username always yields a user (or a refusal)
    return user


def element_of(data: dict[str, Any]) -> Optional[str]:
    """The BPMN element an event is about (a task, a timer event, a business rule task)."""
    return data.get("task_key") or data.get("event_key")


# --- the timeline ------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineFilter:
    action: Optional[str] = None
    actor: Optional[str] = None
    element: Optional[str] = None

    def keeps(self, event: dict[str, Any]) -> bool:
        return ((self.action is None or event["action"] == self.action)
                and (self.actor is None or event["actor"] == self.actor)
                and (self.element is None or element_of(event["data"]) == self.element))


@dataclass(frozen=True)
class TimelineEvent:
    seq: int
    occurred_at: str
    actor: str
    action: str
    task_id: Optional[int]
    element_id: Optional[str]
    data: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class DecisionRule:
    rule_id: str
    number: int
    description: str
    input_entries: list[str]
    output_entries: list[str]
    matched: bool


@dataclass(frozen=True)
class DecisionTable:
    decision_id: str
    name: str
    hit_policy: str
    inputs: list[str]
    outputs: list[str]
    rules: list[DecisionRule]


@dataclass(frozen=True)
class DecisionExplanation:
    """One ``decision.evaluated`` event with the table version it ran on."""

    seq: int
    occurred_at: str
    task_key: str
    decision_id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    matched_rules: list[dict[str, Any]]
    deployment_id: Optional[int]
    source: Optional[dict[str, Any]]  # name, version, content_hash of the DMN file
    table: Optional[DecisionTable]
    problem: Optional[str] = None  # why the table cannot be shown


@dataclass(frozen=True)
class Diagram:
    """One BPMN file of the instance's deployment with the path taken marked."""

    name: str
    xml: str
    done: list[str]
    current: list[str]


@dataclass(frozen=True)
class InstanceAudit:
    instance: InstanceDetail
    employee: dict[str, Any]
    events: list[TimelineEvent]
    actions: list[str]  # every action of the instance, for the filter
    actors: list[str]
    decisions: list[DecisionExplanation]
    diagrams: list[Diagram] = field(default_factory=list)


def instance_audit(kinerja: Kinerja, username: str, instance_id: int,
                   filters: TimelineFilter = TimelineFilter(), with_diagrams: bool = True) -> InstanceAudit:
    """An instance's whole trail for an auditor of its organisation (404 for other organisations)."""
    with kinerja.unit_of_work() as uow:
        _auditor(uow.session, username)
        instance = readable_instance(uow, instance_id, username, "audit.instance")
        return _instance_audit(kinerja, uow, instance, filters, with_diagrams)


def _instance_audit(kinerja: Kinerja, uow: UnitOfWork, instance: ProcessInstance, filters: TimelineFilter,
                    with_diagrams: bool) -> InstanceAudit:
    session = uow.session
    events = instance_events(session, instance.id)
    timeline = [TimelineEvent(e["seq"], e["occurred_at"], e["actor"], e["action"], e["task_id"],
                              element_of(e["data"]), e["data"], e["hash"]) for e in events if filters.keeps(e)]
    decisions = [explain_decision(session, e) for e in events if e["action"] == "decision.evaluated"]
    diagrams = _diagrams(kinerja, uow, instance, events) if with_diagrams else []
    return InstanceAudit(instance=describe_instance(session, instance, kinerja.clock.now()),
                         employee=employee_card(session, instance.subject), events=timeline,
                         actions=sorted({e["action"] for e in events}), actors=sorted({e["actor"] for e in events}),
                         decisions=decisions, diagrams=diagrams)


# --- decisions ---------------------------------------------------------------------------


def explain_decision(session: Session, event: dict[str, Any]) -> DecisionExplanation:
    """The decision as recorded, with the DMN table it ran on.

    Events since this module record the DMN file version (``data.dmn``), which is
    immutable and checked against its recorded content hash. Older events only name the
    deployment, whose snapshot of files is immutable too."""
    data = event["data"]
    source = data.get("dmn")
    content, problem = _recorded_dmn(session, data)
    table = None
    if content is not None:
        matched = {rule.get("rule_id") for rule in data.get("matched_rules", [])}
        table = decision_table(content, data["decision_id"], matched)
        if table is None:
            problem = f"decision '{data['decision_id']}' is not in the recorded DMN file"
    return DecisionExplanation(
        seq=event["seq"], occurred_at=event["occurred_at"], task_key=data.get("task_key", ""),
        decision_id=data["decision_id"], inputs=data.get("inputs", {}), outputs=data.get("outputs", {}),
        matched_rules=data.get("matched_rules", []), deployment_id=data.get("deployment_id"),
        source=source, table=table, problem=problem)


def _recorded_dmn(session: Session, data: dict[str, Any]) -> tuple[Optional[str], Optional[str]]:
    """(DMN content, None) or (None, why not)."""
    source = data.get("dmn")
    if source:
        version = session.get(DefinitionVersion, source["definition_version_id"])
        if version is None:
            return None, f"DMN version {source['definition_version_id']} is missing from the database"
        if version.content_hash != source["content_hash"]:
            return None, "the stored DMN file no longer matches the hash recorded with the decision"
        return version.content, None
    deployment = session.get(Deployment, data.get("deployment_id")) if data.get("deployment_id") else None
    if deployment is None:
        return None, "the decision names no deployment"
    for version in deployment.files:
        if version.kind == "dmn" and data["decision_id"] in version.provides:
            return version.content, None
    return None, f"deployment {deployment.id} has no table for '{data['decision_id']}'"


def decision_table(content: str, decision_id: str, matched_rule_ids: set[str]) -> Optional[DecisionTable]:
    """Parse one decision table out of DMN XML (screened like any uploaded definition)."""
    root, problems = parse_xml(DefinitionFile("dmn", "recorded", content))
    if root is None or problems:
        return None
    ns = {"dmn": etree.QName(root).namespace}
    decision = next((d for d in root.findall("dmn:decision", ns) if d.get("id") == decision_id), None)
    table = decision.find("dmn:decisionTable", ns) if decision is not None else None
    if table is None:
        return None

    def texts(parent: Any, tag: str) -> list[str]:
        return [(entry.findtext("dmn:text", "", ns) or "").strip() or "-" for entry in parent.findall(tag, ns)]

    inputs = [column.get("label") or column.findtext("dmn:inputExpression/dmn:text", "", ns).strip()
              for column in table.findall("dmn:input", ns)]
    outputs = [column.get("label") or column.get("name") or "" for column in table.findall("dmn:output", ns)]
    rules = [DecisionRule(rule_id=rule.get("id", ""), number=number,
                          description=(rule.findtext("dmn:description", "", ns) or "").strip(),
                          input_entries=texts(rule, "dmn:inputEntry"), output_entries=texts(rule, "dmn:outputEntry"),
                          matched=rule.get("id") in matched_rule_ids)
             for number, rule in enumerate(table.findall("dmn:rule", ns), start=1)]
    return DecisionTable(decision_id=decision_id, name=decision.get("name") or decision_id,
                         hit_policy=table.get("hitPolicy", "UNIQUE"), inputs=inputs, outputs=outputs, rules=rules)


# --- diagrams ----------------------------------------------------------------------------


def _diagrams(kinerja: Kinerja, uow: UnitOfWork, instance: ProcessInstance,
              events: list[dict[str, Any]]) -> list[Diagram]:
    """The BPMN files the instance passed through (its own process first), with the elements
    it went through marked done and where it waits now (open tasks, waiting timers) current.
    A call activity is done or current when the process it calls is; a timer only when it
    fired (a scheduled one is merely armed)."""
    definitions = kinerja.definitions.of(uow.session, instance.deployment_id)
    visited = {element_of(e["data"]) for e in events if e["action"] != "timer.scheduled"} - {None}
    current = {task.task_key for task in describe_instance(uow.session, instance, kinerja.clock.now()).open_tasks}
    current |= set(uow.session.scalars(select(Timer.event_key).where(
        Timer.instance_id == instance.id, Timer.status == "waiting")))
    files: dict[str, tuple[DefinitionFile, Any, set[str]]] = {}
    for file in definitions.files:
        if file.kind == "bpmn":
            root, _problems = parse_xml(file)
            files[file.filename] = (file, root, {e.get("id") for e in root.iter() if e.get("id")})
    process_file = definitions.process_files

    def marks(filename: str, seen: set[str]) -> tuple[set[str], set[str]]:
        _file, root, ids = files[filename]
        done, now = ids & visited, ids & current
        for call in root.iterfind(".//bpmn:callActivity", NS):
            called = process_file.get(call.get("calledElement") or "")
            if called and called not in seen:
                inner_done, inner_now = marks(called, seen | {called})
                if inner_done or inner_now:
                    done.add(call.get("id"))
                if inner_now:
                    now.add(call.get("id"))
        return done, now

    main = process_file.get(instance.process_key)
    ordered = sorted(files, key=lambda name: (name != main, name))
    diagrams = []
    for filename in ordered:
        done, now = marks(filename, {filename})
        if filename == main or done or now:
            file = files[filename][0]
            diagrams.append(Diagram(file.name, file.content, sorted(done - now), sorted(now)))
    return diagrams


# --- search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    """Every field optional and ANDed; ``since``/``until`` are aware datetimes (until exclusive)."""

    employee: Optional[str] = None  # part of the name, or of the NIP
    unit: Optional[str] = None  # unit code
    cycle_id: Optional[int] = None
    actor: Optional[str] = None
    action: Optional[str] = None
    since: Optional[datetime] = None
    until: Optional[datetime] = None
    predikat: Optional[str] = None  # the instance's predikat code, e.g. SANGAT_BAIK
    limit: int = 50
    offset: int = 0

    @property
    def about_instances(self) -> bool:
        return any(value is not None for value in (self.employee, self.unit, self.cycle_id, self.predikat))


@dataclass(frozen=True)
class SearchHit:
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    instance_id: Optional[int]
    task_id: Optional[int]
    element_id: Optional[str]
    subject_nip: Optional[str]
    subject_name: Optional[str]
    unit: Optional[str]
    cycle_id: Optional[int]
    predikat: Optional[str]


@dataclass(frozen=True)
class SearchPage:
    items: list[SearchHit]
    total: int
    limit: int
    offset: int


def search_events(kinerja: Kinerja, username: str, query: AuditQuery) -> SearchPage:
    """Audit events of the auditor's organisation, newest first, one page at a time.

    Events about no instance (deployments, cycles opened, auditors' reads) are included
    unless the query narrows to instances (employee, unit, cycle or predikat)."""
    with kinerja.unit_of_work() as uow:
        user = _auditor(uow.session, username)
        predikat = ProcessInstance.summary["predikat"].as_string()
        base = (select(AuditEvent, ProcessInstance.cycle_id, predikat, Employee.nip, Employee.name, Unit.name)
                .outerjoin(ProcessInstance, ProcessInstance.id == AuditEvent.instance_id)
                .outerjoin(Employee, Employee.id == ProcessInstance.subject_employee_id)
                .outerjoin(Unit, Unit.id == Employee.unit_id))
        in_organisation = Employee.organisation_id == user.organisation_id
        conditions = [in_organisation if query.about_instances
                      else or_(in_organisation, AuditEvent.instance_id.is_(None))]
        if query.employee:
            pattern = f"%{query.employee.strip().lower()}%"
            conditions.append(or_(func.lower(Employee.name).like(pattern), Employee.nip.like(pattern)))
        if query.unit:
            conditions.append(Unit.code == query.unit)
        if query.cycle_id is not None:
            conditions.append(ProcessInstance.cycle_id == query.cycle_id)
        if query.predikat:
            conditions.append(predikat == query.predikat)
        if query.actor:
            conditions.append(AuditEvent.actor == query.actor)
        if query.action:
            conditions.append(AuditEvent.action == query.action)
        if query.since is not None:
            conditions.append(AuditEvent.occurred_at >= query.since)
        if query.until is not None:
            conditions.append(AuditEvent.occurred_at < query.until)
        where = and_(*conditions)
        total = uow.session.scalar(select(func.count()).select_from(base.where(where).subquery())) or 0
        rows = uow.session.execute(base.where(where).order_by(AuditEvent.seq.desc())
                                   .limit(query.limit).offset(query.offset)).all()
        items = [SearchHit(event.seq, event.occurred_at, event.actor, event.action, event.instance_id, event.task_id,
                           element_of(event.data), nip, name, unit, cycle_id, predikat_code)
                 for event, cycle_id, predikat_code, nip, name, unit in rows]
        if query.about_instances:
            note_auditor_read(uow, user, "audit.search", query={
                key: value for key, value in (("employee", query.employee), ("unit", query.unit),
                                              ("cycle_id", query.cycle_id), ("predikat", query.predikat))
                if value is not None}, results=total)
        return SearchPage(items, total, query.limit, query.offset)


# --- printable report per employee -------------------------------------------------------


@dataclass(frozen=True)
class EmployeeReport:
    employee: dict[str, Any]
    instances: list[InstanceAudit]


def employee_report(kinerja: Kinerja, username: str, nip: str) -> EmployeeReport:
    """Every instance of one employee with its decisions and timeline (no diagrams: for print)."""
    with kinerja.unit_of_work() as uow:
        user = _auditor(uow.session, username)
        employee = uow.session.scalar(select(Employee).where(Employee.nip == nip))
        if employee is None or not may_view_employee(uow.session, user, employee.id):
            raise NotFound(f"employee {nip} does not exist")
        note_auditor_read(uow, user, "audit.report", subject_nip=nip)
        instances = uow.session.scalars(select(ProcessInstance).where(
            ProcessInstance.subject_employee_id == employee.id).order_by(ProcessInstance.id)).all()
        return EmployeeReport(employee_card(uow.session, employee),
                              [_instance_audit(kinerja, uow, instance, TimelineFilter(), False)
                               for instance in instances])


# --- exports -----------------------------------------------------------------------------


def export_events(kinerja: Kinerja, username: str, *, instance_id: Optional[int] = None,
                  cycle_id: Optional[int] = None) -> Iterator[dict[str, Any]]:
    """An instance's or a cycle's events for an auditor: access is checked and the export
    logged now; the events stream when the returned iterator is consumed."""
    with kinerja.unit_of_work() as uow:
        user = _auditor(uow.session, username)
        if instance_id is not None:
            readable_instance(uow, instance_id, username, "audit.export")
        else:
            cycle = uow.session.get(Cycle, cycle_id)
            if cycle is None or cycle.organisation_id != user.organisation_id:
                raise NotFound(f"cycle {cycle_id} does not exist")
            note_auditor_read(uow, user, "audit.export", cycle_id=cycle_id)
    return iter_events(kinerja, instance_id=instance_id, cycle_id=cycle_id)


def iter_events(kinerja: Kinerja, *, instance_id: Optional[int] = None, cycle_id: Optional[int] = None,
                batch_size: int = EXPORT_BATCH) -> Iterator[dict[str, Any]]:
    """The events of one instance or one cycle in chain order, read in bounded batches (no
    access check: for administrators and :func:`export_events`). The events appended
    after the export began are left out, so the export is one consistent prefix."""
    with kinerja.unit_of_work() as uow:
        if instance_id is not None and uow.session.get(ProcessInstance, instance_id) is None:
            raise NotFound(f"instance {instance_id} does not exist")
        if cycle_id is not None and uow.session.get(Cycle, cycle_id) is None:
            raise NotFound(f"cycle {cycle_id} does not exist")
        head = uow.session.get(AuditHead, 1)
        last_seq = head.last_seq if head else 0
    # A cycle's batches walk the log in seq order (primary key) and keep its instances' rows:
    # linear over the whole export. "+ 0" stops SQLite from probing the instance_id index
    # per instance and sorting every remaining row for each batch (quadratic).
    scope = (AuditEvent.instance_id == instance_id if instance_id is not None else
             (AuditEvent.instance_id + 0).in_(select(ProcessInstance.id).where(ProcessInstance.cycle_id == cycle_id)))
    return _batches(kinerja, scope, last_seq, batch_size)


def _batches(kinerja: Kinerja, scope: Any, last_seq: int, batch_size: int) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        with kinerja.reading() as uow:
            rows = uow.session.scalars(select(AuditEvent).where(
                scope, AuditEvent.seq > after, AuditEvent.seq <= last_seq)
                .order_by(AuditEvent.seq).limit(batch_size)).all()
            batch = [event_as_dict(event) for event in rows]
        yield from batch
        if len(batch) < batch_size:
            return
        after = batch[-1]["seq"]


def as_csv(events: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV text, a line at a time: one row per event, ``data`` as JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(list(EXPORT_COLUMNS))
    for event in events:
        yield line([json.dumps(event[c], ensure_ascii=False) if c == "data" else event[c] for c in EXPORT_COLUMNS])


def as_json(events: Iterator[dict[str, Any]]) -> Iterator[str]:
    """A JSON array of events, an event at a time."""
    separator = "[\n"
    for event in events:
        yield separator + json.dumps(event, ensure_ascii=False)
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


EXPORT_FORMATS: dict[str, tuple[Callable[[Iterator[dict[str, Any]]], Iterator[str]], str]] = {
    "csv": (as_csv, "text/csv"),
    "json": (as_json, "application/json"),
}
