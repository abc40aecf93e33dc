"""Marshmallow schemas of the SKP endpoints (:mod:`web.api.skp`).

They dump the engine's read views (:mod:`engine.skp_views`, :class:`engine.skp.SkpEditor`)
as they are; the few pairs the views keep as tuples (Rencana Aksi, Perilaku) become objects
here, so a client reads named fields. An SKP's ``content`` is the editor's shape: the JSON
Schema of the ``skp_draft`` form is its contract, not these schemas.
"""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, pre_dump, validate

from engine.skp import MAX_GOALS
from engine.skp_tables import APPROACHES, LAYOUTS, MAX_TEXT, SKP_STATUSES

from .schemas import MAX_ID, Text

CONTENT = ("the SKP in the editor's shape (layout, approach, rhk with indicators and rencana_aksi, perilaku, "
           "lampiran), as the skp_draft form's JSON Schema defines it; targets are JSON numbers")


# --- reading ----------------------------------------------------------------------------------

class SkpQuerySchema(ma.Schema):
    employee = Text(validate=validate.Length(min=1, max=64), metadata={
        "description": "NIP of the employee; default: the caller's own SKP (the caller must be an employee then)"})
    cycle = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "cycle id"})


class PersonSchema(ma.Schema):
    name = fields.String(required=True)
    nip = fields.String(required=True)
    position = fields.String(required=True)
    unit = fields.String(required=True, metadata={"description": "the unit's name"})


class SkpSummarySchema(ma.Schema):
    id = fields.Integer(required=True, metadata={"description": "the id of this version"})
    version = fields.Integer(required=True, metadata={"description": "1, then one more for each revision"})
    status = fields.String(required=True, validate=validate.OneOf(SKP_STATUSES), metadata={
        "description": "draft, submitted, returned, agreed, or revised (superseded by a newer agreed version)"})
    cycle_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    employee = fields.Nested(PersonSchema, required=True)
    layout = fields.String(required=True, validate=validate.OneOf(LAYOUTS), metadata={
        "description": "ja_jf: Jabatan Administrasi/Fungsional; jpt: Jabatan Pimpinan Tinggi"})
    approach = fields.String(required=True, validate=validate.OneOf(APPROACHES))
    signed_at = fields.DateTime(allow_none=True, required=True, metadata={"description": "signed by the employee"})
    set_at = fields.DateTime(allow_none=True, required=True, metadata={"description": "set by the Pejabat Penilai"})
    superseded_at = fields.DateTime(allow_none=True, required=True,
                                    metadata={"description": "when a revision's agreement replaced it"})


class SkpListSchema(ma.Schema):
    items = fields.List(fields.Nested(SkpSummarySchema), required=True,
                        metadata={"description": "newest cycle and version first"})


class IndicatorSchema(ma.Schema):
    aspek = fields.String(required=True, metadata={"description": "kuantitas, kualitas, waktu or biaya"})
    text = fields.String(required=True)
    target = fields.String(required=True, metadata={
        "description": "the target as people read it: a number with its unit, or the described (qualitative) "
                       "target; the number itself is in content"})
    perspektif = fields.String(allow_none=True, metadata={"description": "the JPT layout's perspective"})


class ActionSchema(ma.Schema):
    period = fields.String(required=True, metadata={"description": "the period's name, e.g. Triwulan I"})
    text = fields.String(required=True)


class RhkSchema(ma.Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True, metadata={"description": "1-based within its kind"})
    kind = fields.String(required=True, validate=validate.OneOf(["utama", "tambahan"]))
    text = fields.String(required=True)
    intervenes = fields.String(allow_none=True, required=True, metadata={
        "description": "the supervisor's RHK or, at the top of the tree, the organisation's goal it intervenes"})
    intervenes_rhk_id = fields.Integer(allow_none=True, required=True)
    intervenes_goal_id = fields.Integer(allow_none=True, required=True)
    penugasan_dari = fields.String(allow_none=True, required=True)
    review_comment = fields.String(allow_none=True, required=True,
                                   metadata={"description": "the Pejabat Penilai's comment on a return"})
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True)
    actions = fields.List(fields.Nested(ActionSchema), required=True, metadata={"description": "Rencana Aksi"})

    @pre_dump
    def _named_actions(self, rhk: Any, **_kwargs: Any) -> dict[str, Any]:
        return {**vars(rhk), "actions": [{"period": period, "text": text} for period, text in rhk.actions]}


class PerilakuSchema(ma.Schema):
    value = fields.String(required=True, metadata={"description": "the BerAKHLAK core value"})
    guide = fields.String(required=True, metadata={"description": "its guide behaviours"})
    ekspektasi_khusus = fields.String(allow_none=True, required=True,
                                      metadata={"description": "Ekspektasi Khusus Pimpinan, when given"})


class ChangeSchema(ma.Schema):
    path = fields.String(required=True, metadata={"description": "e.g. rhk.0.indicators.0.target_value"})
    before = fields.Raw(allow_none=True, required=True)
    after = fields.Raw(allow_none=True, required=True)


class VersionSchema(ma.Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(SKP_STATUSES))
    set_at = fields.DateTime(allow_none=True, required=True)
    superseded_at = fields.DateTime(allow_none=True, required=True)
    revision_reason = fields.String(allow_none=True, required=True)
    changes = fields.List(fields.Nested(ChangeSchema), required=True,
                          metadata={"description": "what changed from the version before (empty for the first)"})


class SkpDocumentSchema(SkpSummarySchema):
    organisation = fields.String(required=True)
    evaluator = fields.Nested(PersonSchema, allow_none=True, required=True,
                              metadata={"description": "the Pejabat Penilai Kinerja"})
    signed_by = fields.String(allow_none=True, required=True)
    set_by = fields.String(allow_none=True, required=True)
    content_hash = fields.String(allow_none=True, required=True, metadata={
        "description": "SHA-256 of the version's content, as signed and set (audit events skp.signed, skp.set)"})
    return_comment = fields.String(allow_none=True, required=True)
    revision_reason = fields.String(allow_none=True, required=True)
    rhk = fields.List(fields.Nested(RhkSchema), required=True, metadata={"description": "utama first, then tambahan"})
    perilaku = fields.List(fields.Nested(PerilakuSchema), required=True)
    lampiran = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True, metadata={
        "description": "dukungan_sumber_daya, skema_pertanggungjawaban, konsekuensi → their lines"})
    periods = fields.List(fields.String(), required=True)
    content = fields.Dict(required=True, metadata={"description": CONTENT})
    versions = fields.List(fields.Nested(VersionSchema), required=True,
                           metadata={"description": "every version of this SKP in the cycle, oldest first"})

    @pre_dump
    def _flat(self, view: Any, **_kwargs: Any) -> dict[str, Any]:
        """The summary's fields at the top, as in the list; the pairs as objects."""
        return {**vars(view.summary), **{key: value for key, value in vars(view).items() if key != "summary"},
                "perilaku": [{"value": value, "guide": guide, "ekspektasi_khusus": expected}
                             for value, guide, expected in view.perilaku]}


# --- revising ---------------------------------------------------------------------------------

# At least three characters from the first to the last that is not a space (the engine's rule,
# which strips the reason), and no NUL: said as a pattern, so the document tells clients.
REASON = r"^[^\x00]*[^\s\x00][^\x00]+[^\s\x00][^\x00]*$"


class RevisionRequestSchema(ma.Schema):
    reason = fields.String(required=True, validate=[
        validate.Length(max=MAX_TEXT),
        validate.Regexp(REASON, error="must hold at least 3 characters besides surrounding spaces, and no NUL")],
        metadata={"description": "why the agreed SKP is revised (e.g. a transfer); up to 2000 characters"})


class RevisionSchema(ma.Schema):
    id = fields.Integer(required=True, metadata={"description": "the new version's SKP id"})
    version = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"example": "draft"})


# --- the editor of a draft task ---------------------------------------------------------------

class SkpDraftRequestSchema(ma.Schema):
    data = fields.Dict(keys=fields.String(), required=True, metadata={"description": CONTENT + "; may be "
                       "incomplete while a draft, but what it names must exist"})


class SavedDraftSchema(ma.Schema):
    skp_id = fields.Integer(required=True)


class ChoiceSchema(ma.Schema):
    id = fields.Integer(required=True, metadata={"description": "the value of intervensi (an RHK) or sasaran "
                                                                "(a goal)"})
    label = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "utama | tambahan for an RHK; empty for a goal"})


class ParentsSchema(ma.Schema):
    top = fields.Boolean(required=True, metadata={
        "description": "true: the employee heads the tree and intervenes the organisation's goals (sasaran)"})
    choices = fields.List(fields.Nested(ChoiceSchema), required=True)
    supervisor = fields.String(allow_none=True, required=True)
    waiting_for = fields.String(allow_none=True, required=True, metadata={
        "description": "the supervisor whose SKP is not agreed yet (choices are empty until it is)"})


class RhkCommentSchema(ma.Schema):
    rhk = fields.Integer(required=True, metadata={"description": "the RHK's id (content.rhk[].id)"})
    comment = fields.String(required=True)


class SkpEditorSchema(ma.Schema):
    task_id = fields.Integer(required=True)
    skp_id = fields.Integer(allow_none=True, required=True, metadata={"description": "null before the first save"})
    version = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["new", "draft", "returned", "submitted"]))
    content = fields.Dict(required=True, metadata={"description": CONTENT})
    parents = fields.Nested(ParentsSchema, required=True, metadata={"description": "what an RHK can intervene"})
    periods = fields.List(fields.String(), required=True, metadata={
        "description": "the cycle's periods; rencana_aksi[].period is a 1-based index into them"})
    return_comment = fields.String(allow_none=True, required=True)
    rhk_comments = fields.List(fields.Nested(RhkCommentSchema), required=True)
    revision_reason = fields.String(allow_none=True, required=True)

    @pre_dump
    def _listed_comments(self, editor: Any, **_kwargs: Any) -> dict[str, Any]:
        return {**vars(editor), "rhk_comments": [{"rhk": rhk, "comment": comment}
                                                  for rhk, comment in editor.rhk_comments.items()]}


# --- the organisation's goals (the top of the cascade) ----------------------------------------

class GoalSchema(ma.Schema):
    id = fields.Integer(required=True)
    text = fields.String(required=True, attribute="label")


class GoalListSchema(ma.Schema):
    goals = fields.List(fields.Nested(GoalSchema), required=True, metadata={"description": "in order"})


class GoalsRequestSchema(ma.Schema):
    goals = fields.List(Text(validate=validate.Length(max=MAX_TEXT)), required=True,
                        validate=validate.Length(max=MAX_GOALS), metadata={
                            "description": "every goal of the cycle, in order (blank ones are left out); a goal "
                                           "keeps its id by position, and one an RHK intervenes cannot be removed"})
