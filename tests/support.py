"""Test helpers that act the way users do: through the service layer and the inbox."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.definitions import DefinitionFile
from engine.inbox import TaskView, list_tasks
from engine.org import EmployeeSpec, add_employees, add_user, create_organisation
from engine.services import Kinerja

BPMN_DIR = Path(__file__).resolve().parents[1] / "bpmn"


def BUNDLED_DEFINITIONS() -> list[DefinitionFile]:  # noqa: N802 - reads like a constant at call sites
    return [DefinitionFile.from_path(p) for p in sorted(BPMN_DIR.rglob("*")) if p.suffix in {".bpmn", ".dmn", ".json"}]


@dataclass(frozen=True)
class SmallOrg:
    """A Puskesmas under Dinas Kesehatan: kadis → kapus → two nurses (peers)."""

    employee_ids: dict[str, int]
    cycle_employee: int  # the nurse whose cycle the tests drive


def build_small_org(kinerja: Kinerja) -> SmallOrg:
    create_organisation(kinerja, "bungo", "Pemerintah Kabupaten Bungo",
                        [("dinkes", "Dinas Kesehatan"), ("pkm-mb", "Puskesmas Muara Bungo")])
    ids = add_employees(kinerja, "bungo", [
        EmployeeSpec("197001012000011001", "dr. Hasan Basri", "Kepala Dinas Kesehatan", "dinkes",
                     username="kadis", password="rahasia-kadis",
                     email="kadis@bungo.example"),
        EmployeeSpec("198002022005012002", "Siti Aminah, SKM", "Kepala Puskesmas", "pkm-mb",
                     "197001012000011001", username="kapus", password="rahasia-kapus",
                     email="kapus@bungo.example"),
        EmployeeSpec("199003032015031003", "Rina Marlina, Amd.Kep", "Perawat", "pkm-mb",
                     "198002022005012002", username="rina", password="rahasia-rina",
                     email="rina@bungo.example"),
        EmployeeSpec("199104042016041004", "Dedi Saputra, Amd.Kep", "Perawat", "pkm-mb",
                     "198002022005012002", username="dedi", password="rahasia-dedi",
                     email="dedi@bungo.example"),
    ])
    add_user(kinerja, "bungo", "ppk", "rahasia-ppk", "Sekretaris Daerah (PPK)", roles=["ppk"],
             email="ppk@bungo.example")
    add_user(kinerja, "bungo", "hr", "rahasia-hr", "BKPSDM Bungo", roles=["hr"], email="hr@bungo.example")
    add_user(kinerja, "bungo", "auditor", "rahasia-auditor", "Inspektorat Bungo", roles=["auditor"])
    return SmallOrg(employee_ids=ids, cycle_employee=ids["199003032015031003"])


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
        kinerja.claim_task(task.id, username)
    kinerja.complete_task(task.id, username, data)
    return task


SKP = {"rhk": [{"description": "Meningkatnya cakupan imunisasi dasar lengkap", "indicator": "Cakupan IDL",
                "indicator_type": "kuantitas", "target_value": 95, "unit": "persen"}]}


BERAKHLAK = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")

# A plausible answer for every user task of the bundled processes (a "good year").
ANSWERS: dict[str, dict[str, Any]] = {
    "draft_skp": SKP,
    "approve_skp": {"skp_decision": "approve"},
    "approve_skp_escalated": {"skp_decision": "approve"},
    "report_realisation": {"realisations": [{"rhk_index": 0, "realised_value": 90, "evidence": "Laporan"}]},
    "give_feedback": {"feedback": "Baik"},
    "midyear_review": {"midyear_rating": "SESUAI_EKSPEKTASI"},
    "plan_coaching": {"coaching_type": "bimbingan", "sessions": [{"date": "2026-07-01", "topic": "Rencana"}]},
    "record_coaching": {"coaching_outcome": "Selesai"},
    "acknowledge_coaching": {"coaching_response": "Siap"},
    "coaching_followup": {"followup_result": "improved"},
    "self_assessment": {"self_assessment": "Target tercapai"},
    "peer_input": {"peer_behaviour": {key: 4 for key in BERAKHLAK}},
    "rate_performance": {"rating_hasil_kerja": "DIATAS_EKSPEKTASI", "rating_perilaku_kerja": "DIATAS_EKSPEKTASI",
                         "behaviour_items": {key: "DIATAS_EKSPEKTASI" for key in BERAKHLAK}},
    "review_predikat": {"file_objection": False},
    "decide_objection": {"objection_upheld": False},
    "approve_follow_up": {"follow_up_approved": True},
    "respond_complaint": {"complaint_response": "Antrean pagi kami tambah", "complaint_action": "Loket kedua dibuka"},
    "respond_complaint_escalated": {"complaint_response": "Kami tindak lanjuti", "complaint_action": "Teguran"},
}


def eligible_username(kinerja: Kinerja, task_id: int) -> str:
    """Someone who may work on the task, found the way the inbox finds it."""
    from sqlalchemy import select

    from engine.assignment import may_work_on
    from engine.models import HumanTask, User

    with kinerja.unit_of_work() as uow:
        task = uow.session.get(HumanTask, task_id)
        for user in uow.session.scalars(select(User).order_by(User.id)):
            if may_work_on(task, user):
                return user.username
    raise AssertionError(f"nobody may work on task {task_id}")


def finish_all_open_work(kinerja: Kinerja, max_steps: int = 1000) -> int:
    """Complete every open task (and those that follow) with :data:`ANSWERS`; return the count."""
    from sqlalchemy import select

    from engine.models import HumanTask

    done = 0
    while done < max_steps:
        with kinerja.unit_of_work() as uow:
            open_task = uow.session.scalars(select(HumanTask).where(HumanTask.status == "open")
                                            .order_by(HumanTask.id).limit(1)).first()
            if open_task is None:
                return done
            task_id, task_key = open_task.id, open_task.task_key
        kinerja.complete_task(task_id, eligible_username(kinerja, task_id), ANSWERS[task_key])
        done += 1
    raise AssertionError(f"work did not finish within {max_steps} steps")


def complete_until(kinerja: Kinerja, instance_id: int, task_key: str, answers: dict[str, dict[str, Any]] = ANSWERS,
                   max_steps: int = 200) -> int:
    """Work one instance on, each open task by someone who may do it, until a ``task_key`` task
    is open; its id. ``answers`` (by task key) override :data:`ANSWERS`."""
    from sqlalchemy import select

    from engine.models import HumanTask

    for _step in range(max_steps):
        with kinerja.unit_of_work() as uow:
            rows = uow.session.execute(select(HumanTask.id, HumanTask.task_key).where(
                HumanTask.instance_id == instance_id, HumanTask.status == "open").order_by(HumanTask.id)).all()
        wanted = [task_id for task_id, key in rows if key == task_key]
        if wanted:
            return wanted[0]
        assert rows, f"instance {instance_id} ended before a '{task_key}' task"
        task_id, key = rows[0]
        kinerja.complete_task(task_id, eligible_username(kinerja, task_id), {**ANSWERS, **answers}[key])
    raise AssertionError(f"no '{task_key}' task within {max_steps} steps")


class SignedIn:
    """A user of the web app, by page session and by API token (password ``rahasia-<username>``)."""

    def __init__(self, app: Any, username: str) -> None:
        self.username = username
        self.page = app.test_client()
        response = self.page.post("/login", data={"username": username, "password": f"rahasia-{username}"})
        assert response.status_code == 302, response.get_data(as_text=True)
        token = app.test_client().post("/api/v1/auth/token", json={"username": username,
                                                                   "password": f"rahasia-{username}"})
        self.headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}

    def api(self, method: str, path: str, json: Any = None) -> Any:
        """``(status, body)`` of an API call under /api/v1."""
        response = self.page.open("/api/v1" + path, method=method.upper(), headers=self.headers, json=json)
        return response.status_code, response.get_json()
