"""Every module that owns the step of a form (see :mod:`engine.form_steps`), imported once,
and the lookup that relies on them all being registered.

One line per owner, so that a new domain form is registered where a reader looks for it.
"""
from __future__ import annotations

from typing import Optional

from . import follow_up  # noqa: F401 - follow_up_decision, coaching_feedback, competency_evaluation, coaching_followup
from . import period_evaluation  # noqa: F401 - period_feedback
from . import realisation_step  # noqa: F401 - realisation
from . import skp_step  # noqa: F401 - skp_draft, skp_approval
from . import unit_result_step  # noqa: F401 - unit_result
from . import annual_rating, appraisal_input, objection  # noqa: F401 - the annual appraisal's forms
from . import evaluation_signing  # noqa: F401 - evaluation_signature
from .form_steps import FormStep, record_lapses, registered_step

__all__ = ["form_step", "record_lapses"]


def form_step(form_key: Optional[str]) -> FormStep:
    """The step of the form ``form_key`` (a plain pass-through when no module owns it)."""
    return registered_step(form_key)
