"""Marshmallow schemas of every request and response body of the REST API.

Responses dump the engine's read models (dataclasses and dicts) as they are; datetimes
are timezone-aware and come out as ISO 8601. Requests refuse unknown fields.
"""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate
from werkzeug.datastructures import FileStorage

from engine.delegation import MAX_REASON
from engine.evaluation_tables import PREDIKATS
from engine.inbox import SORTS
from engine.models import MAX_COMPLETION_KEY
from engine.notifications import EMAIL_DELIVERIES, KINDS
from engine.periods import MAX_NAME, MAX_PERIODS, PLAN_CHOICES
from engine.vocabulary import DEFAULT_PROCESS

from ..limits import MAX_DATABASE_ID

MAX_ID = MAX_DATABASE_ID  # ids are 32-bit integers in every supported database


class Text(fields.String):
    """A string without NUL characters (PostgreSQL cannot store or compare them)."""

    default_error_messages = {"nul": "Must not contain NUL characters."}
    NO_NUL = r"^[^\x00]*$"  # the same rule in the OpenAPI document, so clients (and fuzzers) know it

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["metadata"] = {"pattern": self.NO_NUL, **kwargs.get("metadata", {})}
        super().__init__(*args, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        return text


# --- errors ------------------------------------------------------------------------------

class ErrorBodySchema(ma.Schema):
    code = fields.String(required=True, metadata={"description": "stable, machine-readable error code"})
    message = fields.String(required=True, metadata={"description": "what went wrong, for people"})
    details = fields.Raw(allow_none=True, metadata={
        "description": "per-field problems (form fields, request fields by location) or per-file problems "
                       "(file, element_id, message) of a refused deployment"})


class ErrorSchema(ma.Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


# --- auth --------------------------------------------------------------------------------

class TokenRequestSchema(ma.Schema):
    username = Text(required=True, validate=validate.Length(min=1, max=200))
    password = Text(required=True, validate=validate.Length(max=1000))


class TokenSchema(ma.Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "lifetime in seconds"})


class PasswordChangeSchema(ma.Schema):
    current_password = Text(required=True, validate=validate.Length(max=1000))
    new_password = Text(required=True, validate=validate.Length(max=1000), metadata={
        "description": "at least 10 characters, not containing the user name or NIP, not a common password"})


# --- tasks -------------------------------------------------------------------------------

class TaskSchema(ma.Schema):
    id = fields.Integer(required=True)
    instance_id = fields.Integer(required=True)
    task_key = fields.String(required=True, metadata={"description": "the BPMN id of the user task"})
    name = fields.String(required=True)
    process_key = fields.String(required=True)
    lane = fields.String(allow_none=True)
    form_key = fields.String(allow_none=True)
    subject_nip = fields.String(allow_none=True, metadata={"description": "NIP of the employee the task is about"})
    subject_name = fields.String(allow_none=True)
    assignee_user_id = fields.Integer(allow_none=True)
    candidate_group = fields.String(allow_none=True)
    claimed_by_user_id = fields.Integer(allow_none=True)
    status = fields.String(required=True, metadata={"description": "open, completed or cancelled"})
    created_at = fields.DateTime(required=True)
    due_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean(required=True)


class TaskCountsSchema(ma.Schema):
    mine = fields.Integer(required=True)
    group = fields.Integer(required=True)
    overdue = fields.Integer(required=True, metadata={"description": "overdue tasks among mine"})


class TaskListSchema(ma.Schema):
    items = fields.List(fields.Nested(TaskSchema), required=True)
    counts = fields.Nested(TaskCountsSchema, required=True)


class TaskQuerySchema(ma.Schema):
    scope = Text(load_default="mine", validate=validate.OneOf(["mine", "group"]), metadata={
        "description": "mine: assigned to or claimed by me; group: unclaimed tasks of my candidate groups"})
    unit = Text(validate=validate.Length(min=1, max=100), metadata={"description": "unit code of the employee"})
    cycle = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "cycle id"})
    task_key = Text(validate=validate.Length(min=1, max=200))
    search = Text(validate=validate.Length(min=1, max=200),
                  metadata={"description": "part of the employee's name, or their NIP"})
    sort = fields.String(validate=validate.OneOf(SORTS), metadata={
        "description": "due (default: overdue first, then by due date), name (the employee's) or task"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))


class CompletedStepSchema(ma.Schema):
    task_key = fields.String(required=True)
    name = fields.String(required=True)
    actor = fields.String(required=True)
    completed_at = fields.String(required=True, metadata={"format": "date-time"})
    submitted = fields.Dict(required=True)


class TaskDetailSchema(TaskSchema):
    form_schema = fields.Dict(allow_none=True, metadata={"description": "the task's form as a JSON Schema"})
    prefill = fields.Dict(required=True, metadata={"description": "current values of the form's fields"})
    employee = fields.Dict(required=True, metadata={"description": "nip, name, position, unit, supervisor"})
    history = fields.List(fields.Nested(CompletedStepSchema), required=True)
    summary = fields.Dict(required=True, metadata={"description": "outcome fields so far (ratings, predikat, …)"})
    can_complete = fields.Boolean(required=True)


class DelegateRequestSchema(ma.Schema):
    to = Text(required=True, validate=validate.Length(min=1, max=200),
              metadata={"description": "username of the new holder, one of GET /tasks/{id}/delegates"})
    reason = Text(required=True, validate=validate.Length(min=1, max=MAX_REASON),
                  metadata={"description": "why the task is handed on (recorded in the audit trail)"})


class DelegateSchema(ma.Schema):
    username = fields.String(required=True, metadata={"description": "the value to send as `to`"})
    name = fields.String(required=True)
    position = fields.String(allow_none=True)


class DelegateListSchema(ma.Schema):
    items = fields.List(fields.Nested(DelegateSchema), required=True, metadata={
        "description": "for an official's task: the officials of the holder's unit; for a group task: the "
                       "group's other members; never the employee it is about, their subordinates or auditors"})


class CompleteRequestSchema(ma.Schema):
    data = fields.Dict(keys=fields.String(), required=True,
                       metadata={"description": "the form's fields; validated against the task's form"})


class CompleteHeadersSchema(ma.Schema):
    idempotency_key = fields.String(data_key="Idempotency-Key", load_default=None, metadata={"description": (
        f"optional, 1 to {MAX_COMPLETION_KEY} visible ASCII characters (e.g. a UUID), new for each completion the "
        "client means: stored with the completion, so repeating the request with the same key (e.g. after a "
        "timeout) answers 200 as the first time without running anything again; a task completed by someone "
        "else, or without this key, answers 409 naming who completed it and when")})


# --- instances ---------------------------------------------------------------------------

class InstanceSchema(ma.Schema):
    id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    business_key = fields.String(required=True)
    deployment_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "running or completed"})
    started_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(allow_none=True)
    subject_nip = fields.String(allow_none=True)
    subject_name = fields.String(allow_none=True)
    cycle_id = fields.Integer(allow_none=True)
    summary = fields.Dict(required=True)
    open_tasks = fields.List(fields.Nested(TaskSchema), required=True)
    phase = fields.String(allow_none=True, metadata={
        "description": "target_setting, periodic_review, final_appraisal, reward_sanction or completed"})


class CompletedTaskSchema(ma.Schema):
    status = fields.String(required=True, metadata={"example": "completed"})
    task_id = fields.Integer(required=True)
    instance_id = fields.Integer(required=True)
    instance = fields.Nested(InstanceSchema, allow_none=True, metadata={
        "description": "the instance after the step; null when the user may not read it (e.g. peer input)"})


class AuditEventSchema(ma.Schema):
    seq = fields.Integer(required=True)
    occurred_at = fields.String(required=True, metadata={"format": "date-time"})
    actor = fields.String(required=True)
    action = fields.String(required=True, metadata={
        "description": "e.g. instance.started, task.completed, decision.evaluated (data: inputs, "
                       "matched_rules, outputs), timer.fired"})
    instance_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    data = fields.Dict(required=True)
    prev_hash = fields.String(required=True)
    hash = fields.String(required=True)


class HistorySchema(ma.Schema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)


# --- processes ---------------------------------------------------------------------------

class DeployedFileSchema(ma.Schema):
    kind = fields.String(required=True, metadata={"description": "bpmn, dmn or form"})
    name = fields.String(required=True)
    version = fields.Integer(required=True)
    content_hash = fields.String(required=True)
    provides = fields.List(fields.String(), required=True,
                           metadata={"description": "process ids, decision ids or the form key"})
    deployed_by = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)


class DeploymentSchema(ma.Schema):
    id = fields.Integer(required=True)
    deployed_by = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)
    running_instances = fields.Integer(required=True)
    files = fields.List(fields.Nested(DeployedFileSchema), required=True)


class CurrentDeploymentSchema(ma.Schema):
    deployment = fields.Nested(DeploymentSchema, allow_none=True, required=True,
                               metadata={"description": "null before the first deployment"})


class UploadedFile(Upload):
    """A file part of a multipart body (a text field of the same name is not a file)."""

    default_error_messages = {"not_a_file": "Must be a file."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise self.make_error("not_a_file")
        return value


class UploadSchema(ma.Schema):
    files = fields.List(UploadedFile(), required=True, validate=validate.Length(min=1, max=100),
                        metadata={"description": ".bpmn, .dmn and form .json files"})


class ChangedFileSchema(ma.Schema):
    kind = fields.String(required=True)
    name = fields.String(required=True)
    version = fields.Integer(required=True)
    content_hash = fields.String(required=True)
    provides = fields.List(fields.String(), required=True)


class DeployResultSchema(ma.Schema):
    deployment_id = fields.Integer(required=True)
    changed_files = fields.List(fields.Nested(ChangedFileSchema), required=True)
    created = fields.Boolean(required=True, metadata={"description": "false when nothing changed"})


# --- cycles ------------------------------------------------------------------------------

class CycleSettingsSchema(ma.Schema):
    periods = fields.Raw(metadata={
        "description": "the period plan: \"triwulan\" (default: Triwulan I–IV), \"bulanan\" (the twelve months) "
                       "or a list of 1–12 periods {\"name\", \"start\", \"end\"} (ISO dates) in order, not "
                       "overlapping, inside the cycle's year; a wrong row is refused with 422 naming it",
        "oneOf": [{"type": "string", "enum": list(PLAN_CHOICES)},
                  {"type": "array", "minItems": 1, "maxItems": MAX_PERIODS, "items": {
                      "type": "object", "required": ["name", "start", "end"], "properties": {
                          "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
                          "start": {"type": "string", "format": "date"},
                          "end": {"type": "string", "format": "date"}}}}]})
    review_periods = fields.Integer(validate=validate.Range(min=1, max=MAX_PERIODS),
                                    metadata={"description": "without periods: that many periods of whole months "
                                                             "(4 = the quarters, 12 = the months)"})
    tunjangan_kinerja = fields.Dict(keys=fields.String(validate=validate.OneOf(PREDIKATS)),
                                    values=fields.Integer(validate=validate.Range(min=0, max=100)), metadata={
        "description": "the organisation's tunjangan kinerja percentage per predikat, over the defaults of the "
                       "DMN table tunjangan_kinerja (bpmn/tunjangan_kinerja.dmn)"})


class CycleRequestSchema(ma.Schema):
    org = Text(required=True, validate=validate.Length(min=1, max=100),
               metadata={"description": "organisation code (your own)"})
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    process_key = Text(load_default=DEFAULT_PROCESS, validate=validate.Length(min=1, max=200))
    settings = fields.Nested(CycleSettingsSchema, load_default=None, allow_none=True)


class CycleProgressSchema(ma.Schema):
    employees = fields.Integer(required=True, metadata={"description": "active employees in scope"})
    started = fields.Integer(required=True)
    completed = fields.Integer(required=True)


class CycleRunSchema(ma.Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "queued | running | completed | failed"})
    requested_by = fields.String(required=True)
    requested_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)
    started = fields.Integer(allow_none=True, metadata={"description": "instances this run started"})
    skipped = fields.Integer(allow_none=True, metadata={"description": "employees who already had one"})
    failures = fields.List(fields.Dict(), required=True,
                           metadata={"description": "per failed batch: employee_ids and reason"})


class PeriodSchema(ma.Schema):
    name = fields.String(required=True, metadata={"description": "e.g. Triwulan II"})
    start = fields.String(required=True, metadata={"format": "date", "description": "ISO date"})
    end = fields.String(required=True, metadata={"format": "date", "description": "ISO date"})


class CycleSchema(ma.Schema):
    id = fields.Integer(required=True)
    organisation = fields.String(required=True, metadata={"description": "organisation code"})
    year = fields.Integer(required=True)
    process_key = fields.String(required=True)
    opened_by = fields.String(required=True)
    opened_at = fields.DateTime(required=True)
    settings = fields.Dict(required=True)
    periods = fields.List(fields.Nested(PeriodSchema), required=True, metadata={"description": "the period plan"})
    progress = fields.Nested(CycleProgressSchema, required=True)
    latest_run = fields.Nested(CycleRunSchema, allow_none=True, required=True,
                               metadata={"description": "the newest request to open the cycle"})


# --- audit -------------------------------------------------------------------------------

class VerificationSchema(ma.Schema):
    ok = fields.Boolean(required=True)
    events_checked = fields.Integer(required=True)
    first_bad_seq = fields.Integer(allow_none=True)
    problem = fields.String(allow_none=True)
    checkpoints_checked = fields.Integer(required=True, metadata={
        "description": "signed checkpoints of the chain head that matched"})


# --- process library and migration (HR) ----------------------------------------------------

class ProblemSchema(ma.Schema):
    file = fields.String(required=True)
    element_id = fields.String(required=True, allow_none=True,
                               metadata={"description": "the BPMN/DMN element, when the problem has one"})
    message = fields.String(required=True)


class CheckResultSchema(ma.Schema):
    problems = fields.List(fields.Nested(ProblemSchema), required=True,
                           metadata={"description": "empty when the files would deploy"})
    warnings = fields.List(fields.Nested(ProblemSchema), required=True,
                           metadata={"description": "what would deploy but should not stay so (a user task "
                                                    "without a deadline or a timer boundary event); in Indonesian"})


class VersionInfoSchema(ma.Schema):
    version = fields.Integer(required=True)
    deployed_by = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)
    content_hash = fields.String(required=True)
    running_instances = fields.Integer(required=True, metadata={
        "description": "running instances on deployments that contain this version"})
    current = fields.Boolean(required=True, metadata={"description": "part of the newest deployment"})


class LibraryEntrySchema(ma.Schema):
    kind = fields.String(required=True)
    name = fields.String(required=True)
    filename = fields.String(required=True)
    provides = fields.List(fields.String(), required=True)
    versions = fields.List(fields.Nested(VersionInfoSchema), required=True, metadata={"description": "newest first"})


class LibrarySchema(ma.Schema):
    items = fields.List(fields.Nested(LibraryEntrySchema), required=True)


class MigrationRequestSchema(ma.Schema):
    to_deployment = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                                   metadata={"description": "default: the newest deployment"})
    instance_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), load_default=None,
                               validate=validate.Length(max=100000),
                               metadata={"description": "default: every running instance that can move"})


class MigrationQuerySchema(ma.Schema):
    to_deployment = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))


class MigrationCandidateSchema(ma.Schema):
    instance_id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    subject_name = fields.String(allow_none=True, required=True)
    subject_nip = fields.String(allow_none=True, required=True)
    waiting_on = fields.List(fields.String(), required=True)
    movable = fields.Boolean(required=True)
    blockers = fields.List(fields.String(), required=True, metadata={"description": "why it cannot move"})
    migrated = fields.Boolean(required=True)


class MigrationPlanSchema(ma.Schema):
    from_deployment_id = fields.Integer(required=True)
    to_deployment_id = fields.Integer(required=True)
    candidates = fields.List(fields.Nested(MigrationCandidateSchema), required=True)


class AuditSearchQuerySchema(ma.Schema):
    employee = Text(validate=validate.Length(min=1, max=200),
                    metadata={"description": "part of the employee's name, or of their NIP"})
    unit = Text(validate=validate.Length(min=1, max=100), metadata={"description": "unit code"})
    cycle = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "cycle id"})
    actor = Text(validate=validate.Length(min=1, max=64), metadata={"description": "username, or system"})
    action = Text(validate=validate.Length(min=1, max=64), metadata={"description": "e.g. decision.evaluated"})
    date_from = fields.Date(metadata={"description": "first day (Asia/Jakarta), inclusive"})
    date_to = fields.Date(metadata={"description": "last day (Asia/Jakarta), inclusive"})
    predikat = Text(validate=validate.Length(min=1, max=64),
                    metadata={"description": "the instance's predikat code, e.g. SANGAT_BAIK"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))


class SearchHitSchema(ma.Schema):
    seq = fields.Integer(required=True)
    occurred_at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    instance_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    element_id = fields.String(allow_none=True, metadata={"description": "the BPMN element the event is about"})
    subject_nip = fields.String(allow_none=True)
    subject_name = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    cycle_id = fields.Integer(allow_none=True)
    predikat = fields.String(allow_none=True)


class SearchPageSchema(ma.Schema):
    items = fields.List(fields.Nested(SearchHitSchema), required=True)
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class DecisionRuleSchema(ma.Schema):
    rule_id = fields.String(required=True)
    number = fields.Integer(required=True)
    description = fields.String(required=True)
    input_entries = fields.List(fields.String(), required=True)
    output_entries = fields.List(fields.String(), required=True)
    matched = fields.Boolean(required=True)


class DecisionTableSchema(ma.Schema):
    decision_id = fields.String(required=True)
    name = fields.String(required=True)
    hit_policy = fields.String(required=True)
    inputs = fields.List(fields.String(), required=True)
    outputs = fields.List(fields.String(), required=True)
    rules = fields.List(fields.Nested(DecisionRuleSchema), required=True)


class DecisionExplanationSchema(ma.Schema):
    seq = fields.Integer(required=True, metadata={"description": "the decision.evaluated event"})
    occurred_at = fields.String(required=True, metadata={"format": "date-time"})
    task_key = fields.String(required=True)
    decision_id = fields.String(required=True)
    inputs = fields.Dict(required=True)
    outputs = fields.Dict(required=True)
    matched_rules = fields.List(fields.Dict(), required=True)
    deployment_id = fields.Integer(allow_none=True)
    source = fields.Dict(allow_none=True, metadata={
        "description": "the DMN file the decision ran on: definition_version_id, name, version, content_hash"})
    table = fields.Nested(DecisionTableSchema, allow_none=True, metadata={
        "description": "the table as it was when the decision ran, the matched rows flagged"})
    problem = fields.String(allow_none=True)


class DecisionListSchema(ma.Schema):
    items = fields.List(fields.Nested(DecisionExplanationSchema), required=True)


class ExportQuerySchema(ma.Schema):
    format = Text(load_default="json", validate=validate.OneOf(["json", "csv"]))


# --- notifications -----------------------------------------------------------------------

class NotificationSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    subject = fields.String(required=True, metadata={"description": "the email subject (Indonesian)"})
    params = fields.Dict(required=True, metadata={
        "description": "what the message is about: task, due_at, or decision and value"})
    task_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime(required=True)
    read = fields.Boolean(required=True)


class NotificationListSchema(ma.Schema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    unread = fields.Integer(required=True)


class NotificationQuerySchema(ma.Schema):
    unread = fields.Boolean(load_default=False, metadata={"description": "only unread messages"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class MarkedReadSchema(ma.Schema):
    marked = fields.Integer(required=True, metadata={"description": "messages that were unread"})


class NotificationPreferencesSchema(ma.Schema):
    email = fields.Email(allow_none=True, validate=validate.Length(max=254), metadata={
        "description": "where email goes; null: notifications stay in-app"})
    muted_kinds = fields.List(fields.String(validate=validate.OneOf(KINDS)), required=True)
    email_delivery = fields.String(required=True, validate=validate.OneOf(EMAIL_DELIVERIES), metadata={
        "description": "immediate: one email per message; daily: a digest at 07:00 WIB; off: in-app only"})


# --- citizen feedback ----------------------------------------------------------------------

class FollowUpSchema(ma.Schema):
    instance_id = fields.Integer(required=True, metadata={"description": "the complaint_follow_up process instance"})
