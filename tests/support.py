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
                     username="kadis", password="rahasia-kadis"),
        EmployeeSpec("198002022005012002", "Siti Aminah, SKM", "Kepala Puskesmas", "pkm-mb",
                     "197001012000011001", username="kapus", password="rahasia-kapus"),
        EmployeeSpec("199003032015031003", "Rina Marlina, Amd.Kep", "Perawat", "pkm-mb",
                     "198002022005012002", username="rina", password="rahasia-rina"),
        EmployeeSpec("199104042016041004", "Dedi Saputra, Amd.Kep", "Perawat", "pkm-mb",
                     "198002022005012002", username="dedi", password="rahasia-dedi"),
    ])
    add_user(kinerja, "bungo", "ppk", "rahasia-ppk", "Sekretaris Daerah (PPK)", roles=["ppk"])
    add_user(kinerja, "bungo", "hr", "rahasia-hr", "BKPSDM Bungo", roles=["hr"])
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
