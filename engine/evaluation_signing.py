"""The Pejabat Penilai's electronic signature of the year's evaluation document (DESIGN §1.6).

Once the annual predikat is final (accepted, decided on objection, or final by a deadline),
the final appraisal asks the Pejabat Penilai to sign the Dokumen Evaluasi Kinerja Pegawai
(user task ``sign_evaluation``, form ``evaluation_signature``). The signature is the audit
event ``evaluation.signed``, which records the SHA-256 of the document's content as it
stands without its approvals (:func:`signed_hash`: what was signed cannot include the
signature itself), so anyone can later check that the paper they hold is the content that was
signed. The printed document then shows the signature in the Pejabat Penilai's block
(:mod:`engine.document_approvals`). A signature not given by the deadline is recorded
(``evaluation.signature_lapsed``); the document then prints the rating's approval as before.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy.orm import Session

from .access import task_shown_to_reader
from .annual_rating import annual_evaluation
from .document_content import content_hash
from .errors import Conflict
from .evaluation_document import evaluation_content
from .evaluation_tables import Evaluation
from .form_steps import Lapse, StepContext, StepInput, on_lapse, register
from .kinerja import Kinerja
from .models import ProcessInstance

SIGNATURE_FORM = "evaluation_signature"
SIGNED, SIGNATURE_LAPSED = "evaluation.signed", "evaluation.signature_lapsed"


def signed_hash(kinerja: Kinerja, session: Session, evaluation: Evaluation) -> str:
    """The SHA-256 of the evaluation document's content without its approvals."""
    content = evaluation_content(kinerja, session, evaluation)
    return content_hash({key: value for key, value in content.items()
                         if key not in ("approvals", "objection_decided")})


def evaluation_to_sign(kinerja: Kinerja, username: str, task_id: int) -> Optional[int]:
    """The id of the evaluation a signature task is about (its page links the document to
    read before signing), for a reader of the employee's file; None for any other task."""
    with kinerja.reading() as uow:
        task = task_shown_to_reader(uow.session, username, task_id, {SIGNATURE_FORM})
        instance = uow.session.get(ProcessInstance, task.instance_id) if task is not None else None
        evaluation = annual_evaluation(uow.session, instance) if instance is not None else None
        return evaluation.id if evaluation is not None else None


@register(SIGNATURE_FORM)
def sign_evaluation(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Sign the final annual evaluation of the task's employee (409 while it is not final)."""
    session, instance = context.uow.session, context.instance
    evaluation = annual_evaluation(session, instance)
    if evaluation is None or evaluation.status != "final":
        raise Conflict("the year's predikat is not final yet, so its document cannot be signed",
                       details={"reason": "evaluation_not_final"})
    assert context.kinerja is not None  # engine.tasks.complete_task passes it
    digest = signed_hash(context.kinerja, session, evaluation)
    context.uow.record(context.user.username, SIGNED, {
        "evaluation_id": evaluation.id, "employee_id": evaluation.employee_id, "cycle_id": evaluation.cycle_id,
        "predikat": evaluation.predikat, "content_sha256": digest}, instance_id=instance.id, task_id=context.task.id)
    return StepInput({"evaluation_signed": True})


@on_lapse(SIGNATURE_FORM)
def signature_lapsed(lapse: Lapse) -> None:
    """The deadline passed unsigned: recorded, and the document keeps the rating's approval."""
    evaluation = annual_evaluation(lapse.uow.session, lapse.instance)
    lapse.uow.record("system", SIGNATURE_LAPSED, {
        "evaluation_id": evaluation.id if evaluation else None, "reason": "tidak ditandatangani sampai batas waktu"},
        instance_id=lapse.instance.id, task_id=lapse.task.id)
