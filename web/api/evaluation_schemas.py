"""Schemas of the periodic evaluations (``GET /api/v1/evaluations``)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from engine.evaluation_tables import PREDIKATS, RATINGS
from engine.evaluations import PERIOD_STATES
from engine.skp_tables import BERAKHLAK

from ..limits import MAX_DATABASE_ID
from .schemas import Text


class EvaluationQuerySchema(ma.Schema):
    cycle = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_DATABASE_ID),
                           metadata={"description": "cycle id"})
    employee = Text(validate=validate.Length(min=1, max=64), metadata={
        "description": "NIP of the employee; default: the caller's own evaluations"})


class RhkFeedbackSchema(ma.Schema):
    rhk_id = fields.Integer(required=True)
    rhk = fields.String(required=True, metadata={"description": "the RHK's text"})
    text = fields.String(required=True)
    given_at = fields.DateTime(required=True)


class ValueFeedbackSchema(ma.Schema):
    value = fields.String(required=True, validate=validate.OneOf(BERAKHLAK),
                          metadata={"description": "the BerAKHLAK core value"})
    text = fields.String(required=True)
    given_at = fields.DateTime(required=True)


class PeriodEvaluationSchema(ma.Schema):
    period = fields.Integer(required=True, metadata={"description": "1-based, in the cycle's period plan"})
    name = fields.String(required=True, metadata={"description": "e.g. Triwulan II"})
    start = fields.String(required=True, metadata={"format": "date", "description": "ISO date"})
    end = fields.String(required=True, metadata={"format": "date", "description": "ISO date"})
    state = fields.String(required=True, validate=validate.OneOf(PERIOD_STATES), metadata={
        "description": "upcoming (not begun), running (report due by report_due), reported (the "
                       "supervisor's rating awaited), not_reported (report_due passed), rated"})
    report_due = fields.String(required=True, metadata={
        "format": "date", "description": "last day to report the period's realisation (Asia/Jakarta)"})
    status = fields.String(allow_none=True, required=True,
                           metadata={"description": "final once the supervisor rated the period; null before"})
    rating_hasil_kerja = fields.String(allow_none=True, required=True, validate=validate.OneOf(RATINGS))
    rating_perilaku_kerja = fields.String(allow_none=True, required=True, validate=validate.OneOf(RATINGS))
    predikat = fields.String(allow_none=True, required=True, validate=validate.OneOf(PREDIKATS),
                             metadata={"description": "from the predikat_kinerja decision table"})
    rated_at = fields.DateTime(allow_none=True, required=True)
    rhk_feedback = fields.List(fields.Nested(RhkFeedbackSchema), required=True)
    value_feedback = fields.List(fields.Nested(ValueFeedbackSchema), required=True)
    evaluation_id = fields.Integer(allow_none=True, required=True, metadata={
        "description": "once rated: the evaluation, whose document is GET /evaluations/{id}/document.pdf"})


class EvaluationListSchema(ma.Schema):
    periods = fields.List(fields.Nested(PeriodEvaluationSchema), required=True)
