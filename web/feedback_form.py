"""The periodic feedback form (``period_feedback``) as the supervisor fills it in: the
employee's RHK with their indicators and targets, a text box per RHK and per BerAKHLAK
value, and the period's two ratings.

The boxes carry the names the generic form parser reads (``rhk_feedback-<n>-rhk`` with the
RHK's id, ``rhk_feedback-<n>-feedback``, ``perilaku_feedback-<value>``), so completing the
task needs nothing of its own; only the page is drawn differently (web/pages/tasks.py asks
:func:`period_feedback_form` for it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from flask_babel import gettext as _

from engine.period_evaluation import PERIOD_FEEDBACK_FORM
from engine.read_models import TaskDetail
from engine.skp_views import BERAKHLAK_VALUES, RhkView, SkpView

from .forms import SEP, Field, HtmlForm


@dataclass
class Box:
    """One text box: on an RHK (``rhk``, with its indicators beside it) or on a BerAKHLAK value
    (``key`` and its guide behaviour)."""

    name: str  # the field name the parser reads
    label: str
    text: str
    errors: list[str] = field(default_factory=list)
    rhk: Optional[RhkView] = None
    key: str = ""
    guide: str = ""


@dataclass
class FeedbackForm:
    rhk: list[Box]
    values: list[Box]
    ratings: list[Field]  # the generic form's fields of the two ratings


def period_feedback_form(detail: TaskDetail, skp: Optional[SkpView], form: Optional[HtmlForm],
                         values: Mapping[str, Any],
                         errors: Optional[Mapping[str, list[str]]]) -> Optional[FeedbackForm]:
    """The page's feedback form for a ``period_feedback`` task the user can complete (None for
    any other task): ``values`` and ``errors`` as the generic form got them."""
    if form is None or detail.task.form_key != PERIOD_FEEDBACK_FORM:
        return None
    errors = errors or {}
    given = {item.get("rhk"): (index, item.get("feedback") or "")
             for index, item in enumerate(values.get("rhk_feedback") or []) if isinstance(item, Mapping)}
    boxes = []
    for index, row in enumerate(skp.rhk if skp else []):
        at, text = given.get(row.id, (None, ""))
        kind = _("Utama") if row.kind == "utama" else _("Tambahan")
        problems = [*errors.get(f"rhk_feedback.{at}.feedback", []), *errors.get(f"rhk_feedback.{at}.rhk", [])]
        boxes.append(Box(f"rhk_feedback{SEP}{index}{SEP}", f"{kind} {row.number}. {row.text}", text,
                         problems if at is not None else [], rhk=row))
    perilaku = values.get("perilaku_feedback") or {}
    value_boxes = [Box(f"perilaku_feedback{SEP}{key}", _(label), perilaku.get(key) or "",
                       list(errors.get(f"perilaku_feedback.{key}", [])), key=key, guide=_(guide))
                   for key, (label, guide) in BERAKHLAK_VALUES.items()]
    ratings = [f for f in form.fields if f.key in ("rating_hasil_kerja", "rating_perilaku_kerja")]
    return FeedbackForm(boxes, value_boxes, ratings)
