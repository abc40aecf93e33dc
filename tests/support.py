"""Test helpers that act the way users do: through the service layer, the inbox, the pages
and the API. Plain functions and constants only; the fixtures built from them are in
tests/conftest.py. Test modules import from here, never from conftest or from each other."""
from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator, NamedTuple, Optional, Sequence

import sqlalchemy
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select
from werkzeug.test import TestResponse

from engine.activation import ACTIVATION_KIND, ACTIVATION_PATH
from engine.actors import SYSTEM, Operator
from engine.assignment import may_work_on
from engine.calibration import finalise_unit, unit_calibration
from engine.cycles import employees_without_instance, ensure_cycle, start_cycle_instances
from engine.database import make_engine
from engine.definitions import DefinitionFile
from engine.evidence import upload_evidence
from engine.evaluation_tables import ANNUAL, Evaluation
from engine.import_sample import sample_rows
from engine.inbox import TaskView, list_tasks
from engine.instance_run import InstanceRun
from engine.kinerja import Kinerja
from engine.models import AuditEvent, Employee, HumanTask, OutboxMessage, ProcessInstance, Timer, Unit, User
from engine.org import EmployeeSpec, add_employees, add_user, create_organisation
from engine.schema import METADATA
from engine.skp import organisation_goals, set_organisation_goals, skp_editor
from engine.skp_rules import Parents
from engine.skp_tables import Indikator, Rhk, Skp
from engine.tasks import claim_task, complete_task
from engine.unit_result_step import unit_result_key
from engine.unit_results import start_unit_results
from engine.vocabulary import CALIBRATION_FORM, DEFAULT_PROCESS
from kinerja_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
BPMN_DIR = ROOT / "bpmn"
ARTIFACTS = ROOT / "artifacts"
CATALOG = ROOT / "web" / "translations" / "en" / "LC_MESSAGES"
SCREENSHOTS = ARTIFACTS / "screenshots"
OTHER_MODELERS = Path(__file__).parent / "fixtures" / "other_modelers"
PG_URL = os.environ.get("KINERJA_TEST_DATABASE_URL")
START = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
BASE = "/api/v1"  # the API's prefix
# The web app's settings in tests; a test that needs another setting overrides only that one.
TEST_CONFIG = {"SECRET_KEY": "test", "TESTING": True, "WTF_CSRF_ENABLED": False}


def empty_database(scratch_dir: Path, migrated_postgres: str | None) -> str:
    """A URL to an empty database: a new SQLite file, or the test PostgreSQL emptied."""
    if migrated_postgres is None:
        return f"sqlite:///{scratch_dir / 'kinerja.sqlite3'}"
    engine = make_engine(migrated_postgres)
    tables = ", ".join(table.name for table in METADATA.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return migrated_postgres


def BUNDLED_DEFINITIONS() -> list[DefinitionFile]:  # noqa: N802 - reads like a constant at call sites
    return [DefinitionFile.from_path(p) for p in sorted(BPMN_DIR.rglob("*")) if p.suffix in {".bpmn", ".dmn", ".json"}]


@dataclass(frozen=True)
class SmallOrg:
    """A Puskesmas under Dinas Kesehatan: kadis → kapus → two nurses (peers)."""

    employee_ids: dict[str, int]
    cycle_employee: int  # the nurse whose cycle the tests drive


def build_small_org(kinerja: Kinerja) -> SmallOrg:
    create_organisation(kinerja, SYSTEM, "bungo", "Pemerintah Kabupaten Bungo",
                        [("dinkes", "Dinas Kesehatan"), ("pkm-mb", "Puskesmas Muara Bungo")])
    ids = add_employees(kinerja, SYSTEM, "bungo", [
        EmployeeSpec("197001012000011001", "dr. Hasan Basri", "Kepala Dinas Kesehatan", "dinkes",
                     username="kadis", password="rahasia-kadis",
                     email="kadis@bungo.example", pangkat="Pembina Utama Muda, IV/c"),
        EmployeeSpec("198002022005012002", "Siti Aminah, SKM", "Kepala Puskesmas", "pkm-mb",
                     "197001012000011001", username="kapus", password="rahasia-kapus",
                     email="kapus@bungo.example", pangkat="Penata Tingkat I, III/d"),
        EmployeeSpec("199003032015031003", "Rina Marlina, Amd.Kep", "Perawat", "pkm-mb",
                     "198002022005012002", username="rina", password="rahasia-rina",
                     email="rina@bungo.example", pangkat="Pengatur, II/c"),
        EmployeeSpec("199104042016041004", "Dedi Saputra, Amd.Kep", "Perawat", "pkm-mb",
                     "198002022005012002", username="dedi", password="rahasia-dedi",
                     email="dedi@bungo.example"),
    ])
    add_user(kinerja, SYSTEM, "bungo", "ppk", "rahasia-ppk", "Sekretaris Daerah (PPK)", roles=["ppk"],
             email="ppk@bungo.example")
    add_user(kinerja, SYSTEM, "bungo", "hr", "rahasia-hr", "BKPSDM Bungo", roles=["hr"], email="hr@bungo.example")
    add_user(kinerja, SYSTEM, "bungo", "auditor", "rahasia-auditor", "Inspektorat Bungo", roles=["auditor"])
    return SmallOrg(employee_ids=ids, cycle_employee=ids["199003032015031003"])


class OpenedCycle(NamedTuple):
    cycle_id: int
    instance_ids: list[int]


def open_cycle(kinerja: Kinerja, employee_ids: Optional[Sequence[int]] = None, *, actor: str = "hr",
               settings: Optional[dict[str, Any]] = None, org: str = "bungo", year: int = 2026) -> OpenedCycle:
    """The organisation's evaluation cycle of the year (created if new), with an instance
    started for the given employees, or for every employee who has none yet.

    The one place tests spell opening a cycle; ``settings`` as HR would give them. The test
    acts as an operator named ``actor``, as the open-cycle flow does in HR's name."""
    operator = Operator(actor)
    cycle_id = ensure_cycle(kinerja, operator, org, year, DEFAULT_PROCESS, settings=settings)
    if not organisation_goals(kinerja, operator, cycle_id):
        set_organisation_goals(kinerja, operator, cycle_id, GOALS)
    if employee_ids is None:
        employee_ids = employees_without_instance(kinerja, operator, cycle_id)
    instance_ids = start_cycle_instances(kinerja, operator, cycle_id, list(employee_ids))
    return OpenedCycle(cycle_id, instance_ids)


# A short year: one review period (the whole year).
SHORT_YEAR = {"review_periods": 1}


def audit_events(kinerja: Kinerja, action: str) -> list[AuditEvent]:
    """The audit trail's events of one kind, oldest first."""
    with kinerja.reading() as uow:
        found = list(uow.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                         .order_by(AuditEvent.seq)))
        uow.session.expunge_all()
        return found


def inbox_task(kinerja: Kinerja, username: str, task_key: str) -> TaskView:
    """The user's open task with this BPMN id, from 'mine' or else from 'group'."""
    for scope in ("mine", "group"):
        matches = [t for t in list_tasks(kinerja, username, scope) if t.task_key == task_key]  # type: ignore[arg-type]
        if matches:
            return matches[0]
    seen = [(t.task_key, t.subject_nip) for s in ("mine", "group") for t in list_tasks(kinerja, username, s)]  # type: ignore[arg-type]
    raise AssertionError(f"{username} has no open task '{task_key}'; open tasks: {seen}")


def do_task(kinerja: Kinerja, username: str, task_key: str, data: dict[str, Any]) -> TaskView:
    task = inbox_task(kinerja, username, task_key)
    if task.assignee_user_id is None:
        claim_task(kinerja, username, task.id)
    complete_task(kinerja, username, task.id, data)
    return task


# The organisation's goals the tests' cycles start with (HR enters them per cycle).
GOALS = ["Meningkatnya derajat kesehatan masyarakat", "Meningkatnya kualitas pelayanan publik"]
RHK_TEXT = "Meningkatnya cakupan imunisasi dasar lengkap"  # the RHK of every SKP the helpers submit
APPROVE_SKP = {"skp_decision": "approve"}
# An SKP the form accepts but whose RHK intervenes nothing yet: for requests refused before
# the cascade is checked (someone else's task, a finished one, a malformed field).
SKP = {"rhk": [{"kind": "utama", "text": RHK_TEXT, "indicators": [
    {"aspek": "kuantitas", "text": "Cakupan IDL", "target_value": 95, "target_unit": "persen"}]}]}


def skp_content(parents: Parents, target_value: float = 95) -> dict[str, Any]:
    """An SKP with one RHK utama intervening the first thing ``parents`` offers."""
    reference = {"sasaran" if parents.top else "intervensi": parents.choices[0].id}
    return {"rhk": [{"kind": "utama", "text": RHK_TEXT, **reference, "indicators": [
        {"aspek": "kuantitas", "text": "Cakupan IDL", "target_value": target_value, "target_unit": "persen"}]}]}


def skp_answer(kinerja: Kinerja, task_id: int, target_value: float = 95) -> dict[str, Any]:
    """A valid SKP for an open draft task, as its holder would fill it in: the supervisor's
    SKP is agreed first when it is not yet (by the supervisor and their Pejabat Penilai)."""
    holder = eligible_username(kinerja, task_id)
    editor = skp_editor(kinerja, holder, task_id)
    if editor.parents.waiting_for or (editor.parents.top and not editor.parents.choices):
        with kinerja.reading() as uow:
            task = uow.session.get(HumanTask, task_id)
            instance = uow.session.get(ProcessInstance, task.instance_id)
            employee = uow.session.get(Employee, instance.subject_employee_id)
            skp = uow.session.scalar(select(Skp).where(Skp.instance_id == instance.id))
            supervisor_id, cycle_id = employee.supervisor_id, instance.cycle_id or skp.cycle_id
        if editor.parents.top:  # a cycle opened without goals: HR enters them
            set_organisation_goals(kinerja, Operator("hr"), cycle_id, GOALS)
        else:
            agree_skp(kinerja, supervisor_id, cycle_id)
        editor = skp_editor(kinerja, holder, task_id)
    return skp_content(editor.parents, target_value)


def agree_skp(kinerja: Kinerja, employee_id: int, cycle_id: int) -> None:
    """Get the employee's SKP in the cycle agreed, the way they and their Pejabat Penilai would."""
    for _step in range(20):
        with kinerja.reading() as uow:
            if uow.session.scalar(select(Skp.id).where(Skp.employee_id == employee_id, Skp.cycle_id == cycle_id,
                                                       Skp.status == "agreed")):
                return
            task_id = uow.session.scalar(
                select(HumanTask.id).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                .where(HumanTask.subject_employee_id == employee_id, HumanTask.status == "open",
                       HumanTask.form_key.in_(("skp_draft", "skp_approval")), ProcessInstance.cycle_id == cycle_id)
                .order_by(HumanTask.id).limit(1))
        assert task_id is not None, f"employee {employee_id} has no SKP work open in cycle {cycle_id}"
        complete_task(kinerja, eligible_username(kinerja, task_id), task_id, answer(kinerja, task_id))
    raise AssertionError(f"the SKP of employee {employee_id} was not agreed within 20 steps")


def submit_skp(kinerja: Kinerja, username: str, target_value: float = 95) -> TaskView:
    """The user submits a valid SKP in their open draft task (see :func:`skp_answer`)."""
    task = inbox_task(kinerja, username, "draft_skp")
    return do_task(kinerja, username, "draft_skp", skp_answer(kinerja, task.id, target_value))


# The nine statements of the employee's feedback on coaching (form B.1.8, bpmn/forms/coaching_feedback.json).
COACHING_STATEMENTS = ("tujuan_jelas", "penjelasan_jelas", "mendengarkan", "mengenali_potensi", "umpan_balik_spesifik",
                       "langkah_perbaikan", "waktu_cukup", "bermanfaat", "puas")
BERAKHLAK = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")
PERIOD_RATINGS = {"rating_hasil_kerja": "SESUAI_EKSPEKTASI", "rating_perilaku_kerja": "SESUAI_EKSPEKTASI"}


def feedback_answer(kinerja: Kinerja, task_id: int, ratings: dict[str, str] = PERIOD_RATINGS) -> dict[str, Any]:
    """The supervisor's periodic feedback on an open ``period_feedback`` task: a line on each
    RHK of the task's SKP (by RHK id), one on two BerAKHLAK values, and ``ratings``."""
    with kinerja.reading() as uow:
        skp_id = uow.session.get(HumanTask, task_id).skp_id
        rhk_ids = sorted(uow.session.scalars(select(Rhk.id).where(Rhk.skp_id == skp_id))) if skp_id else []
    return {"rhk_feedback": [{"rhk": rhk_id, "feedback": f"Umpan balik RHK {rhk_id}"} for rhk_id in rhk_ids],
            "perilaku_feedback": {"akuntabel": "Laporan tepat waktu", "kolaboratif": "Aktif di lokakarya mini"},
            **ratings}


UNIT_RESULT = {"unit_result": "BAIK", "unit_result_basis": "Laporan evaluasi kinerja unit (LAKIP) 2026"}

# The supervisor's annual rating: every value di atas, so kinerja proposes di atas, confirmed.
RATE_YEAR = {"rating_hasil_kerja": "DIATAS_EKSPEKTASI", "rating_perilaku_kerja": "DIATAS_EKSPEKTASI",
             "behaviour_items": {key: "DIATAS_EKSPEKTASI" for key in BERAKHLAK}}
REJECT_OBJECTION = {"objection_upheld": False, "decision_reason": "Penilaian sesuai bukti realisasi"}

# A plausible answer for every user task of the bundled processes (a "good year").
ANSWERS: dict[str, dict[str, Any]] = {
    "approve_skp": APPROVE_SKP,
    "approve_skp_escalated": APPROVE_SKP,
    # the periodic feedback's ratings; answer() adds a line per RHK of the task's SKP (feedback_answer)
    "give_feedback": PERIOD_RATINGS,
    "give_feedback_escalated": PERIOD_RATINGS,
    "plan_coaching": {"coaching_type": "bimbingan", "sessions": [{"date": "2026-07-01", "topic": "Rencana"}]},
    "record_coaching": {"coaching_outcome": "Selesai"},
    "acknowledge_coaching": {"coaching_feedback": {key: 4 for key in COACHING_STATEMENTS}},
    "evaluate_competency": {"competencies": [{"competency_name": "Kompetensi teknis", "competency_score": 4,
                                              "competency_reason": "Menguasai pencatatan imunisasi"}]},
    "coaching_followup": {"followup_result": "improved", "training_recommendations": ["Pelatihan imunisasi"]},
    "self_assessment": {"self_assessment": "Target tercapai"},
    "peer_input": {"peer_behaviour": {key: "SESUAI_EKSPEKTASI" for key in BERAKHLAK}},
    "rate_performance": RATE_YEAR,
    "rate_performance_escalated": RATE_YEAR,
    "review_predikat": {"file_objection": False},
    "objection_hearing": {"question_to_rater": "Apa dasar rating hasil kerja?",
                          "question_to_employee": "Bukti apa yang belum dipertimbangkan?"},
    "explain_rater": {"explanation": "Realisasi di bawah target triwulan IV"},
    "explain_employee": {"explanation": "Laporan triwulan IV terlambat diunggah"},
    "decide_objection": REJECT_OBJECTION,
    "decide_objection_ppk": REJECT_OBJECTION,
    "approve_follow_up": {"follow_up_decision": "approve"},
    "assess_improvement": {"improvement_result": "not_improved", "improvement_notes": "Target belum tercapai"},
    "assess_improvement_escalated": {"improvement_result": "not_improved", "improvement_notes": "Belum membaik"},
    "record_competency_test": {"competency_test_date": "2027-08-02", "competency_test_result": "tidak_memenuhi"},
    "propose_transfer": {"transfer_kind": "PEMINDAHAN_JABATAN_LAIN", "proposed_position": "Pengadministrasi Umum",
                         "transfer_reason": "Tidak memenuhi kompetensi jabatan"},
    "decide_transfer": {"follow_up_decision": "approve"},
    "respond_complaint": {"complaint_response": "Antrean pagi kami tambah", "complaint_action": "Loket kedua dibuka"},
    "respond_complaint_escalated": {"complaint_response": "Kami tindak lanjuti", "complaint_action": "Teguran"},
    "sign_evaluation": {"sign": True},
    "set_unit_result": UNIT_RESULT,
    "set_unit_result_escalated": UNIT_RESULT,
}

# A year rated below expectation (predikat Butuh Perbaikan): the follow-up proposes the PP 30/2019 path.
LOW_YEAR: dict[str, dict[str, Any]] = {
    "rate_performance": {"rating_hasil_kerja": "DIBAWAH_EKSPEKTASI", "rating_perilaku_kerja": "SESUAI_EKSPEKTASI",
                         "hasil_kerja_reason": "Realisasi tidak didukung bukti yang sah",
                         "behaviour_items": {key: "SESUAI_EKSPEKTASI" for key in BERAKHLAK}},
}


def realisation_answer(kinerja: Kinerja, task_id: int, value: float = 110,
                       evidence: Optional[dict[int, list[int]]] = None) -> dict[str, Any]:
    """A realisation of every indicator of the task's SKP version: ``value`` against a numeric
    target, a description against a described one; ``evidence``: uploaded ids by indicator."""
    with kinerja.reading() as uow:
        skp_id = uow.session.get(HumanTask, task_id).skp_id
        indicators = uow.session.scalars(select(Indikator).join(Rhk, Rhk.id == Indikator.rhk_id)
                                         .where(Rhk.skp_id == skp_id).order_by(Rhk.position, Indikator.position)).all()
        return {"realisations": [
            {"indikator": row.id, "value": value if row.target_value is not None else None,
             "description": "" if row.target_value is not None else "Laporan kegiatan periode ini",
             "evidence": (evidence or {}).get(row.id, []), "links": []} for row in indicators]}


# A small PDF (what the evidence tests upload) and things that are not accepted as evidence.
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(64)


def evidence_upload(content: bytes, filename: str = "laporan.pdf", content_type: str = "application/pdf",
                    **fields: Any) -> dict[str, Any]:
    """Keyword arguments of a test-client request that uploads one evidence file (API field ``file``)."""
    return {"data": {"file": (io.BytesIO(content), filename, content_type), **fields},
            "content_type": "multipart/form-data"}


def holder_of(kinerja: Kinerja, task_id: int) -> Optional[str]:
    """Someone who may work on the task, found the way the inbox finds it (None: nobody yet)."""
    with kinerja.unit_of_work() as uow:
        task = uow.session.get(HumanTask, task_id)
        return next((user.username for user in uow.session.scalars(select(User).order_by(User.id))
                     if may_work_on(task, user)), None)


def eligible_username(kinerja: Kinerja, task_id: int) -> str:
    """Someone who may work on the task (an assertion fails when nobody may)."""
    username = holder_of(kinerja, task_id)
    assert username is not None, f"nobody may work on task {task_id}"
    return username


def answer(kinerja: Kinerja, task_id: int, answers: Optional[dict[str, dict[str, Any]]] = None) -> dict[str, Any]:
    """The answer to an open task: ``answers`` or :data:`ANSWERS` by its key, for an SKP
    draft a valid SKP (:func:`skp_answer`), for periodic feedback (unless ``answers`` names
    the task) the ratings of :data:`ANSWERS` with a line per RHK (:func:`feedback_answer`)."""
    with kinerja.reading() as uow:
        task = uow.session.get(HumanTask, task_id)
        key, form_key = task.task_key, task.form_key
    chosen = {**ANSWERS, **(answers or {})}
    if form_key == "period_feedback" and key not in (answers or {}):
        return feedback_answer(kinerja, task_id, {name: chosen[key][name] for name in PERIOD_RATINGS}
                               if key in chosen else PERIOD_RATINGS)
    if key in chosen:
        return chosen[key]
    if form_key == "skp_draft":
        return skp_answer(kinerja, task_id)
    if form_key == "realisation":
        return realisation_answer(kinerja, task_id)
    raise AssertionError(f"no answer for task '{key}'")


CALIBRATION_EXCEPTION = "Unit kecil: pola distribusi tidak dapat dipenuhi (diterima BKPSDM)"


def waiting_units(kinerja: Kinerja) -> list[tuple[int, int]]:
    """(cycle id, unit id) of every unit with an employee whose process waits for its calibration."""
    with kinerja.reading() as uow:
        return sorted(set(uow.session.execute(
            select(ProcessInstance.cycle_id, Employee.unit_id)
            .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
            .join(Employee, Employee.id == HumanTask.subject_employee_id)
            .where(HumanTask.status == "open", HumanTask.form_key == CALIBRATION_FORM)).all()))


def set_unit_results(kinerja: Kinerja, cycle_id: int, data: dict[str, Any] = UNIT_RESULT) -> None:
    """Every unit's result for the cycle, set by the PPK (``data`` for each) through the
    unit-result steps HR starts; units that have one keep it, and so does a unit whose result
    nobody may set yet (the PPK heads it: the step waits for its escalation to HR)."""
    start_unit_results(kinerja, "hr", cycle_id)
    with kinerja.reading() as uow:
        keys = [unit_result_key(cycle_id, unit_id) for unit_id in uow.session.scalars(select(Unit.id))]
        task_ids = uow.session.scalars(select(HumanTask.id).join(
            ProcessInstance, ProcessInstance.id == HumanTask.instance_id).where(
            ProcessInstance.business_key.in_(keys), HumanTask.status == "open").order_by(HumanTask.id)).all()
    for task_id in task_ids:
        username = holder_of(kinerja, task_id)
        if username is not None:
            claim_task(kinerja, username, task_id)
            complete_task(kinerja, username, task_id, data)


def calibrate(kinerja: Kinerja, username: str = "hr") -> None:
    """HR makes final every unit whose employees wait for calibration, leaving each predikat as
    the supervisor proposed it: the unit's result is set first where it has none, and a set
    that breaks the unit's pattern is made final as an accepted exception."""
    units = waiting_units(kinerja)
    assert units, "no calibration is open"
    for cycle_id in {cycle_id for cycle_id, _unit in units}:
        set_unit_results(kinerja, cycle_id)
    for cycle_id, unit_id in units:
        state = unit_calibration(kinerja, username, cycle_id, unit_id)
        finalise_unit(kinerja, username, cycle_id, unit_id, CALIBRATION_EXCEPTION if state.violations else None)


def next_open_task(kinerja: Kinerja, instance_id: Optional[int] = None) -> Optional[tuple[int, str]]:
    """(id, key) of the oldest open task (of the instance) that its form completes; when only
    calibrations wait, their units are made final first (:func:`calibrate`), as HR would."""
    query = select(HumanTask.id, HumanTask.task_key, HumanTask.form_key).where(HumanTask.status == "open")
    if instance_id is not None:
        query = query.where(HumanTask.instance_id == instance_id)
    with kinerja.reading() as uow:
        rows = uow.session.execute(query.order_by(HumanTask.id)).all()
    answerable = [(task_id, key) for task_id, key, form_key in rows if form_key != CALIBRATION_FORM]
    if answerable or not rows:
        return answerable[0] if answerable else None
    calibrate(kinerja)
    return next_open_task(kinerja, instance_id)


def work_on(kinerja: Kinerja, steps: int, instance_id: Optional[int] = None) -> int:
    """Complete up to ``steps`` open tasks (of the instance), oldest first, with :data:`ANSWERS`;
    return how many were completed (fewer when the work ran out)."""
    done = 0
    while done < steps:
        found = next_open_task(kinerja, instance_id)
        if found is None:
            return done
        task_id = found[0]
        complete_task(kinerja, eligible_username(kinerja, task_id), task_id, answer(kinerja, task_id))
        done += 1
    return done


def finish_year(kinerja: Kinerja, instance_id: int, max_steps: int = 1000) -> None:
    """Work one instance to its end with :data:`ANSWERS` (and its unit's calibration)."""
    work_on(kinerja, max_steps, instance_id)
    with kinerja.reading() as uow:
        assert uow.session.get(ProcessInstance, instance_id).status == "completed", "the year did not end"


def finish_all_open_work(kinerja: Kinerja, max_steps: int = 1000) -> int:
    """Complete every open task (and those that follow) with :data:`ANSWERS`; return the count."""
    done = work_on(kinerja, max_steps)
    with kinerja.reading() as uow:
        if uow.session.scalar(select(HumanTask.id).where(HumanTask.status == "open").limit(1)) is not None:
            raise AssertionError(f"work did not finish within {max_steps} steps")
    return done


def complete_until(kinerja: Kinerja, instance_id: Optional[int], task_key: str,
                   answers: dict[str, dict[str, Any]] = ANSWERS, max_steps: int = 200) -> int:
    """Work one instance on (every instance when ``instance_id`` is None), oldest open task
    first, each by someone who may do it, until a ``task_key`` task is open; its id.
    ``answers`` (by task key) override :data:`ANSWERS`."""
    for _step in range(max_steps):
        query = select(HumanTask.id).where(HumanTask.status == "open", HumanTask.task_key == task_key)
        if instance_id is not None:
            query = query.where(HumanTask.instance_id == instance_id)
        with kinerja.reading() as uow:
            wanted = uow.session.scalars(query.order_by(HumanTask.id)).first()
        if wanted is not None:
            return wanted
        found = next_open_task(kinerja, instance_id)
        assert found, f"{'instance ' + str(instance_id) if instance_id else 'the work'} ended before a '{task_key}' task"
        task_id, key = found
        if key == task_key:  # the first task after a calibration
            return task_id
        complete_task(kinerja, eligible_username(kinerja, task_id), task_id, answer(kinerja, task_id, answers))
    raise AssertionError(f"no '{task_key}' task within {max_steps} steps")


def work_until(kinerja: Kinerja, task_key: str) -> int:
    """Complete open tasks of every instance, oldest first, until a ``task_key`` task is open; its id."""
    return complete_until(kinerja, None, task_key)


# -- the web app ------------------------------------------------------------------------------

class Elements(HTMLParser):
    """Elements with a given ``data-testid``: their attributes and text."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "area", "base", "col", "embed", "source", "track", "wbr"}

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid, self.found, self._open = testid, [], []  # type: ignore[var-annotated]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        if tag in self.VOID:
            if dict(attrs).get("data-testid") == self.testid:
                self.found.append({**dict(attrs), "_text": ""})
            return
        for item in self._open:
            item[1] += 1 if item[0]["_tag"] == tag else 0
        if dict(attrs).get("data-testid") == self.testid:
            element = {**dict(attrs), "_text": "", "_tag": tag}
            self.found.append(element)
            self._open.append([element, 1])

    def handle_endtag(self, tag: str) -> None:
        for item in list(self._open):
            if item[0]["_tag"] == tag:
                item[1] -= 1
                if item[1] == 0:
                    self._open.remove(item)

    def handle_data(self, data: str) -> None:
        for element, _depth in self._open:
            element["_text"] += data


def follow_until_finished(client: FlaskClient, path: str, timeout: float = 120) -> str:
    """Reload a page that follows background work (a cycle opening, a batch retry, an import),
    as its refresh header does, until it stops asking to be reloaded; the last page."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(path).get_data(as_text=True)
        if 'http-equiv="refresh"' not in page:
            return page
        time.sleep(0.2)
    raise AssertionError(f"{path} still refreshing after {timeout} s")


def elements(html: str, testid: str) -> list[dict[str, Any]]:
    parser = Elements(testid)
    parser.feed(html)
    for element in parser.found:
        element["_text"] = " ".join(element["_text"].split())
    return parser.found


def text(html: str, testid: str) -> str:
    found = elements(html, testid)
    assert found, f"no element with data-testid={testid!r}"
    return found[0]["_text"]


def login(app: Flask, username: str) -> FlaskClient:
    """A page session of ``username`` (password ``rahasia-<username>``), checked to be signed in."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": f"rahasia-{username}"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


class ApiClient:
    """A thin JSON client: ``api.get("/tasks", "rina")`` sends rina's bearer token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._tokens:
            response = self.client.post(f"{BASE}/auth/token",
                                        json={"username": username, "password": f"rahasia-{username}"})
            assert response.status_code == 200, response.get_json()
            self._tokens[username] = response.get_json()["access_token"]
        return self._tokens[username]

    def _headers(self, username: Optional[str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"} if username else {}

    def get(self, path: str, username: Optional[str] = None, **kwargs: Any) -> TestResponse:
        return self.client.get(BASE + path, headers=self._headers(username), **kwargs)

    def post(self, path: str, username: Optional[str] = None, headers: Optional[dict[str, str]] = None,
             **kwargs: Any) -> TestResponse:
        return self.client.post(BASE + path, headers={**self._headers(username), **(headers or {})}, **kwargs)

    def put(self, path: str, username: Optional[str] = None, **kwargs: Any) -> TestResponse:
        return self.client.put(BASE + path, headers=self._headers(username), **kwargs)

    def ok(self, method: str, path: str, username: str, status: int = 200, **kwargs: Any) -> Any:
        response = getattr(self, method)(path, username, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json() if response.data else None  # 204: no content


def error_of(response: TestResponse, status: int, code: Optional[str] = None) -> dict[str, Any]:
    """The error body, after checking the status and the shape every error has."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def upload(*files: tuple[str, bytes]) -> dict[str, Any]:
    """Keyword arguments of a test-client request that uploads ``(filename, content)`` files."""
    return {"data": {"files": [(io.BytesIO(content), name) for name, content in files]},
            "content_type": "multipart/form-data"}


class SignedIn:
    """A user of the web app, by page session and by API token (password ``rahasia-<username>``)."""

    def __init__(self, app: Any, username: str) -> None:
        self.username = username
        self.page = login(app, username)
        token = app.test_client().post(f"{BASE}/auth/token", json={"username": username,
                                                                   "password": f"rahasia-{username}"})
        self.headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}

    def api(self, method: str, path: str, json: Any = None) -> Any:
        """``(status, body)`` of an API call under /api/v1."""
        response = self.page.open(BASE + path, method=method.upper(), headers=self.headers, json=json)
        return response.status_code, response.get_json()


# -- processes and definitions ----------------------------------------------------------------

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
APPROVAL_ELEMENTS = ("approve_skp", "approval_overdue", "approve_skp_escalated", "skp_approved")


def target_setting_without_approval() -> DefinitionFile:
    """target_setting where the drafted SKP is agreed at once: the approval tasks are gone."""
    root = etree.fromstring((BPMN_DIR / "target_setting.bpmn").read_bytes())
    doomed = set(APPROVAL_ELEMENTS)
    for element in list(root.iter()):
        refs = {element.get("id"), element.get("sourceRef"), element.get("targetRef"), element.get("bpmnElement"),
                (element.text or "").strip() if element.tag == f"{BPMN}flowNodeRef" else None}
        if refs & doomed or (element.tag.endswith("BPMNEdge") and element.get("bpmnElement", "").startswith("flow_")
                             and _touches(root, element.get("bpmnElement"), doomed)):
            element.getparent().remove(element)
    for ref in root.iter(f"{BPMN}incoming", f"{BPMN}outgoing"):
        if root.find(f".//{BPMN}sequenceFlow[@id='{ref.text}']") is None:
            ref.getparent().remove(ref)
    process = root.find(f"{BPMN}process")
    etree.SubElement(process, f"{BPMN}sequenceFlow", id="flow_draft_skp_to_skp_agreed",
                     sourceRef="draft_skp", targetRef="skp_agreed")
    etree.SubElement(process.find(f"{BPMN}userTask[@id='draft_skp']"), f"{BPMN}outgoing").text = \
        "flow_draft_skp_to_skp_agreed"
    etree.SubElement(process.find(f"{BPMN}endEvent[@id='skp_agreed']"), f"{BPMN}incoming").text = \
        "flow_draft_skp_to_skp_agreed"
    return DefinitionFile.from_upload("target_setting.bpmn", etree.tostring(root, xml_declaration=True,
                                                                           encoding="UTF-8"))


def _touches(root, flow_id, doomed) -> bool:  # type: ignore[no-untyped-def]
    flow = root.find(f".//{BPMN}sequenceFlow[@id='{flow_id}']")
    return flow is None or bool({flow.get("sourceRef"), flow.get("targetRef")} & doomed)


# What checking each file in tests/fixtures/other_modelers finds: (element id, part of the message).
EXPECTED_FROM_OTHER_MODELERS = {
    "bpmnio_sederhana.bpmn": [("arsip_dokumen", 'the process is not executable; set isExecutable="true"')],
    "camunda_modeler_cuti.bpmn": [
        ("Flow_4", "this is a JUEL expression (Camunda)"), ("Flow_5", "for example not approved"),
        ("Event_batas_waktu", 'timer value PT48H must be written in quotes, "PT48H"')],
    "signavio_pengaduan.bpmn": [("sid-F3", "expression 'Pengaduan perlu tindak lanjut': syntax error")],
    "unsupported_elements.bpmn": [("Gateway_kompleks", "complexGateway is not supported by this engine"),
                                  ("Event_syarat", "link events are not supported by this engine")],
}


def run(database_url: str, *args: str) -> Result:
    """The ``kinerja`` command on this database."""
    return CliRunner().invoke(cli, ["--database-url", database_url, *args])


def projection_mismatches(kinerja: Kinerja) -> list[str]:
    """Where the task and timer tables disagree with the workflows, one line per instance.

    Every instance's saved state is loaded again (:meth:`InstanceRun.load`, as the next step
    would), and a running one's open ``human_tasks`` must be exactly its workflow's ready
    user tasks and its waiting (or failed, set-aside) ``timers`` exactly the timers it waits
    on; an instance that ended has neither. Empty when everything agrees."""
    problems = []
    with kinerja.reading() as uow:
        open_tasks: dict[int, set[str]] = {}
        for instance_id, spiff_id in uow.session.execute(select(HumanTask.instance_id, HumanTask.spiff_task_id)
                                                         .where(HumanTask.status == "open")):
            open_tasks.setdefault(instance_id, set()).add(spiff_id)
        armed: dict[int, set[str]] = {}
        for instance_id, spiff_id in uow.session.execute(select(Timer.instance_id, Timer.spiff_task_id)
                                                         .where(Timer.status.in_(("waiting", "failed")))):
            armed.setdefault(instance_id, set()).add(spiff_id)
        for instance in uow.session.scalars(select(ProcessInstance).order_by(ProcessInstance.id)):
            run = InstanceRun.load(kinerja.definitions.of(uow.session, instance.deployment_id),
                                   instance.process_key, instance.state)
            running = instance.status == "running"
            ready = {str(task.id) for task in run.ready_user_tasks()} if running else set()
            waiting = {str(task.id) for task in run.waiting_timers()} if running else set()
            if instance.status == "completed" and not run.is_completed():
                problems.append(f"instance {instance.id} is marked completed but its workflow is not")
            if open_tasks.get(instance.id, set()) != ready:
                problems.append(f"instance {instance.id}: open tasks {sorted(open_tasks.get(instance.id, set()))}"
                                f" but the workflow waits on {sorted(ready)}")
            if armed.get(instance.id, set()) != waiting:
                problems.append(f"instance {instance.id}: timers {sorted(armed.get(instance.id, set()))}"
                                f" but the workflow waits on {sorted(waiting)}")
    return problems


# -- real processes: servers a test starts, and the PostgreSQL it may restart ------------------

def free_port() -> int:
    """A TCP port nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def background(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running process in its own session; its whole process group is ended on exit."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            yield process
        finally:
            for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    """Wait until ``url`` answers 200, failing early (with the log's tail) if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{process.args[0]} exited:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} not healthy after {timeout} s:\n{log.read_text()[-3000:]}")


def http(method: str, url: str, body: Any = None, headers: Optional[dict[str, str]] = None,
         timeout: float = 30) -> tuple[int, Any, Any]:
    """A JSON request as an API client over the network makes it: ``(status, body, headers)``.
    An error status is returned like any other; a connection that fails raises ``OSError``
    (or ``http.client.HTTPException`` for an answer cut short)."""
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, answer_headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, answer_headers = error.code, error.read(), error.headers
    try:
        return status, json.loads(raw) if raw else None, answer_headers
    except ValueError:
        return status, raw.decode(errors="replace"), answer_headers


def _processes() -> Iterator[tuple[int, str, int, int]]:
    """(pid, state, parent pid, process group) of every process, read from /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        yield int(entry.name), fields[0], int(fields[1]), int(fields[2])


def process_group(leader: int) -> set[int]:
    """The ids of the live processes in the process group ``leader`` started (zombies excluded)."""
    return {pid for pid, state, _parent, group in _processes() if state != "Z" and group == leader}


def child_processes(parent: int) -> set[int]:
    """The ids of the live children of ``parent`` (e.g. a gunicorn master's workers)."""
    return {pid for pid, state, ppid, _group in _processes() if state != "Z" and ppid == parent}


# The throwaway cluster of scripts/with-postgres.sh, which a test may crash and restart.
PG_DATA = os.environ.get("KINERJA_TEST_PGDATA")


def restart_test_postgres() -> None:
    """Restart the test cluster the hard way, ``pg_ctl restart -m immediate`` (every backend
    killed, crash recovery at start, as after a power cut); returns once it accepts
    connections again."""
    assert PG_DATA, "no restartable cluster: run under scripts/with-postgres.sh"
    owner = os.environ.get("KINERJA_TEST_PG_OWNER")
    command = [os.environ["KINERJA_TEST_PG_CTL"], "restart", "-D", PG_DATA, "-m", "immediate", "-w", "-t", "60",
               "-l", os.environ["KINERJA_TEST_PG_LOG"]]
    done = subprocess.run((["runuser", "-u", owner, "--"] if owner else []) + command, cwd=Path(PG_DATA).parent,
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, f"pg_ctl restart failed:\n{done.stdout}\n{done.stderr}"



# -- the annual evaluation ----------------------------------------------------------------------

def propose_predikats(kinerja: Kinerja, cycle_id: int, predikats: dict[int, str]) -> dict[int, int]:
    """Annual evaluations proposed with these predikat (employee id → code), as the supervisor's
    rating step leaves them (status ``proposed``, counted in the employee's unit); returns
    employee id → evaluation id. Written as rows: the rating step is another form's."""

    with kinerja.unit_of_work() as uow:
        rows = {}
        for employee_id, predikat in predikats.items():
            employee = uow.session.get(Employee, employee_id)
            instance_id = uow.session.scalar(select(ProcessInstance.id).where(
                ProcessInstance.cycle_id == cycle_id, ProcessInstance.subject_employee_id == employee_id))
            rows[employee_id] = Evaluation(employee_id=employee_id, cycle_id=cycle_id, period=ANNUAL,
                                           period_name="Tahunan", unit_id=employee.unit_id, instance_id=instance_id,
                                           status="proposed", rating_hasil_kerja="SESUAI_EKSPEKTASI",
                                           rating_perilaku_kerja="SESUAI_EKSPEKTASI", predikat=predikat,
                                           rated_at=uow.clock.now())
            uow.session.add(rows[employee_id])
        uow.commit()
        return {employee_id: row.id for employee_id, row in rows.items()}


def set_result(kinerja: Kinerja, data: dict[str, Any], unit_name: str = "Puskesmas Muara Bungo",
               year: int = 2026) -> TaskView:
    """The PPK completes the unit-result task of the unit (its title names the unit and year)."""
    [task] = [t for scope in ("group", "mine") for t in list_tasks(kinerja, "ppk", scope)  # type: ignore[arg-type]
              if t.task_key == "set_unit_result" and t.name.endswith(f"— {unit_name} {year}")]
    if task.claimed_by_user_id is None:
        claim_task(kinerja, "ppk", task.id)
    complete_task(kinerja, "ppk", task.id, data)
    return task


def annual_evaluation(kinerja: Kinerja, employee_id: int) -> Evaluation:
    """The employee's annual evaluation row as stored (detached, to read after the session)."""
    with kinerja.reading() as uow:
        evaluation = uow.session.scalars(select(Evaluation).where(Evaluation.employee_id == employee_id,
                                                                  Evaluation.period == ANNUAL)).one()
        uow.session.expunge(evaluation)
        return evaluation


# -- printed documents ----------------------------------------------------------------------------

EVIDENCE_NAME = "laporan-imunisasi-2026.pdf"  # the evidence of the evaluated year


class EvaluatedYear(NamedTuple):
    cycle_id: int
    instance_id: int


def evaluated_year(kinerja: Kinerja, org: SmallOrg) -> EvaluatedYear:
    """Rina's year of one period, done the way people do it: her SKP agreed, the realisation
    reported at 115 persen (target 95) with an evidence file, the supervisor's feedback, the unit's result
    (Baik), the annual rating, HR's calibration; left at her response to the predikat."""
    (instance_id,) = open_cycle(kinerja, [org.cycle_employee], settings=SHORT_YEAR).instance_ids
    with kinerja.reading() as uow:
        cycle_id = uow.session.get(ProcessInstance, instance_id).cycle_id
    agree_skp(kinerja, org.cycle_employee, cycle_id)
    task = inbox_task(kinerja, "rina", "report_realisation")
    with kinerja.reading() as uow:
        skp_id = uow.session.get(HumanTask, task.id).skp_id
        indikator = uow.session.scalars(select(Indikator.id).join(Rhk, Rhk.id == Indikator.rhk_id)
                                        .where(Rhk.skp_id == skp_id).order_by(Indikator.id)).first()
    evidence_id = upload_evidence(kinerja, "rina", task.id, EVIDENCE_NAME, "application/pdf", PDF, indikator)
    complete_task(kinerja, "rina", task.id, realisation_answer(kinerja, task.id, 115, {indikator: [evidence_id]}))
    start_unit_results(kinerja, Operator("hr"), cycle_id)
    set_result(kinerja, UNIT_RESULT)
    feedback = complete_until(kinerja, instance_id, "give_feedback")
    complete_task(kinerja, "kapus", feedback, feedback_answer(kinerja, feedback))
    complete_until(kinerja, instance_id, "review_predikat")
    return EvaluatedYear(cycle_id, instance_id)


def agreed_skp_id(kinerja: Kinerja, employee_id: int, cycle_id: int) -> int:
    with kinerja.reading() as uow:
        return uow.session.scalar(select(Skp.id).where(Skp.employee_id == employee_id, Skp.cycle_id == cycle_id,
                                                       Skp.status == "agreed"))


def evaluation_ids(kinerja: Kinerja, employee_id: int) -> dict[int, int]:
    """The employee's evaluations by period (0: the year) → id."""
    with kinerja.reading() as uow:
        return dict(uow.session.execute(select(Evaluation.period, Evaluation.id)
                                        .where(Evaluation.employee_id == employee_id)).all())


def pdf_text(pdf: bytes) -> str:
    """The text of every page of a PDF, read back with pypdf, whitespace made single spaces."""
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split())


# -- employee files (engine.import_sample) with the mistakes HR's spreadsheets have ---------

UNKNOWN_BOSS = "198501012010011999"  # a well-formed NIP nobody has


def staff_file_with_mistakes(count: int = 500) -> tuple[list[dict[str, Optional[str]]], dict[int, str]]:
    """A SIASN-shaped file of ``count`` (at least 80) employees (0-based row i is file line
    i + 2) with one of each mistake the import refuses; the rows and each refused line's reason."""
    rows = sample_rows(count)
    nip, boss, unit, unit_name = "NIP Baru", "NIP Atasan", "Unor ID", "Unor Nama"
    refused = {}

    def spoil(index: int, reason: str, **changes: Optional[str]) -> None:
        rows[index].update(changes)
        refused[index + 2] = reason

    spoil(10, "nip_format", **{nip: "19800101200501100"})  # 17 digits
    spoil(20, "nip_birth_date", **{nip: "198013012005011002"})  # month 13
    spoil(30, "unknown_unit", **{unit: "U999", unit_name: None})
    spoil(40, "duplicate_nip", **{nip: rows[45][nip]})
    refused[47] = "duplicate_nip"  # row 45, whose NIP row 40 repeats
    spoil(50, "supervisor_cycle", **{boss: rows[60][nip]})
    spoil(60, "supervisor_cycle", **{boss: rows[50][nip]})
    spoil(70, "supervisor_not_found", **{boss: UNKNOWN_BOSS})
    return rows, refused


def activation_token(kinerja: Kinerja, nip: str) -> str:
    """The token in the activation email the import queued for the employee with this NIP."""
    with kinerja.reading() as uow:
        bodies = list(uow.session.scalars(
            select(OutboxMessage.body).join(User, User.id == OutboxMessage.user_id)
            .where(User.username == nip, OutboxMessage.kind == ACTIVATION_KIND).order_by(OutboxMessage.id)))
    assert bodies, f"no activation email for {nip}"
    return bodies[-1].rsplit(ACTIVATION_PATH, 1)[1].strip()
