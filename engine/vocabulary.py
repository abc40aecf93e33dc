"""The bundled processes' vocabulary: the names the code relies on, written once.

The BPMN files in bpmn/ name processes, lanes, user tasks and the data fields their
outcome lives in; engine and web code refer to those names only through this module. A
new process touches its BPMN and this file. Lane names are Indonesian because HR sees
them in the modeler; the glossary in docs/ARCHITECTURE.md explains each.
"""
from __future__ import annotations

from typing import Iterable, Optional

# Processes
DEFAULT_PROCESS = "evaluation_cycle"  # the yearly cycle HR opens for every employee
COMPLAINT_PROCESS = "complaint_follow_up"  # a citizen's complaint, answered by the unit head

# Lanes: who a task goes to (resolved by engine.assignment.LaneDirectory)
EMPLOYEE_LANE = "Pegawai"
SUPERVISOR_LANE = "Atasan"
SECOND_SUPERVISOR_LANE = "Atasan Atasan"
PPK_LANE = "PPK"
HR_LANE = "HR"
PEER_LANE = "Rekan Kerja"  # peer input: raters see the task, not the file, and stay anonymous
UNIT_HEAD_LANE = "Kepala Unit"
KNOWN_LANES = (EMPLOYEE_LANE, SUPERVISOR_LANE, SECOND_SUPERVISOR_LANE, PPK_LANE, HR_LANE, PEER_LANE, UNIT_HEAD_LANE)

# User tasks the code treats specially
DRAFT_SKP = "draft_skp"
SKP_APPROVALS = ("approve_skp", "approve_skp_escalated")  # the supervisor's, then the escalated one
# Forms whose tasks write the SKP's tables (engine.skp_step), whatever the task ids.
SKP_DRAFT_FORM, SKP_APPROVAL_FORM = "skp_draft", "skp_approval"
SKP_FORMS = (SKP_DRAFT_FORM, SKP_APPROVAL_FORM)
# the HR-lane task of final_appraisal that waits for the unit's final predikat; only finalising the
# unit's calibration completes it (engine.calibration), never its own form
CALIBRATION_FORM = "predikat_calibration"
REALISATION_FORM = "realisation"  # a period's realisation per indicator, with its evidence (engine.realisation_step)
TARGET_SETTING_PROCESS = "target_setting"  # a revision of an agreed SKP runs it on its own
RATE_PERFORMANCE = "rate_performance"  # the supervisor's rating: scored against service satisfaction
ESCALATED_COMPLAINT = "respond_complaint_escalated"

# The cycle's phases in order, and the phase each bundled user task belongs to.
PHASES = ("target_setting", "periodic_review", "final_appraisal", "reward_sanction")
COMPLETED_PHASE = "completed"
PHASE_OF_TASK = {
    DRAFT_SKP: "target_setting", SKP_APPROVALS[0]: "target_setting", SKP_APPROVALS[1]: "target_setting",
    "report_realisation": "periodic_review", "give_feedback": "periodic_review",
    "give_feedback_escalated": "periodic_review",
    "self_assessment": "final_appraisal", "peer_input": "final_appraisal", RATE_PERFORMANCE: "final_appraisal",
    "review_predikat": "final_appraisal", "decide_objection": "final_appraisal",
    "approve_follow_up": "reward_sanction", "assess_improvement": "reward_sanction",
    "assess_improvement_escalated": "reward_sanction", "record_competency_test": "reward_sanction",
    "propose_transfer": "reward_sanction", "decide_transfer": "reward_sanction",
}
# The annual appraisal's and the SKP's escalation tasks (issue 15: no task without an end).
PHASE_OF_TASK.update({"approve_skp_ppk": "target_setting", **dict.fromkeys((
    "rate_performance_escalated", "calibrate_predikat", "calibrate_predikat_ppk", "objection_hearing",
    "explain_rater", "explain_employee", "decide_objection_ppk"), "final_appraisal")})

# Outcome fields copied from workflow data into the instance's summary column.
PREDIKAT, PREDIKAT_LABEL = "predikat", "predikat_label"
RATING_FIELDS = ("rating_hasil_kerja", "rating_perilaku_kerja")
# follow_up: the DMN's proposal; follow_up_in_force: what the PPK's decision (or its default) put in force;
# then the PP 30/2019 path's outcomes: the improvement assessment, the competency test, the transfer.
FOLLOW_UP_FIELDS = ("follow_up", "follow_up_detail", "follow_up_approved", "follow_up_in_force",
                    "tunjangan_kinerja_persen", "improvement_result", "competency_test_result", "transfer_kind",
                    "transfer_in_force")
SUMMARY_KEYS = (*RATING_FIELDS, PREDIKAT, PREDIKAT_LABEL, *FOLLOW_UP_FIELDS,
                "complaint", "complaint_response", "complaint_action")
# Summary fields whose new value is a decision the employee is told about, with its label.
DECISION_FIELDS = {PREDIKAT_LABEL: "Predikat kinerja", "follow_up_approved": "Keputusan tindak lanjut"}


def phase_of(completed: bool, open_task_keys: Iterable[str], recent_task_keys: Iterable[str]) -> Optional[str]:
    """Which phase an instance is in: ``completed`` once done; else the phase of its first open
    bundled task; else (waiting on a timer, or in coaching) the phase of the newest bundled
    task it had (``recent_task_keys``: newest first)."""
    if completed:
        return COMPLETED_PHASE
    for key in (*open_task_keys, *recent_task_keys):
        if key in PHASE_OF_TASK:
            return PHASE_OF_TASK[key]
    return None
