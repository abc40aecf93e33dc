"""Accounts sign in against hashed passwords; the web app answers its health check; the demo
organisation gives every demo role something to do, on a real SKP cascade."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from engine.accounts import sign_in
from engine.actors import Operator
from engine.cycles import cycle_progress
from engine.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoSkps, seed_demo_organisation, seed_demo_skp
from engine.demo_skp import GOALS
from engine.deployment import deploy
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.models import Employee
from engine.skp import list_skp, organisation_goals, skp_document, skp_editor
from engine.skp_views import SkpView
from tests.support import BUNDLED_DEFINITIONS, SmallOrg, inbox_task, open_cycle


def test_passwords_are_checked_against_their_hash(org: SmallOrg, deployed: Kinerja) -> None:
    assert sign_in(deployed, "rina", "rahasia-rina", "test") is not None
    assert sign_in(deployed, "rina", "salah", "test") is None
    assert sign_in(deployed, "tidak-ada", "rahasia-rina", "test") is None


def test_health_check_and_login_page_in_indonesian(deployed: Kinerja, app: Flask) -> None:
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    login_page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'lang="id"' in login_page and "Masuk" in login_page


def test_the_demo_organisation_gives_every_role_something_to_do(kinerja: Kinerja) -> None:
    deploy(kinerja, Operator("demo"), BUNDLED_DEFINITIONS())
    seed_demo_organisation(kinerja)
    cycle_id = open_cycle(kinerja, actor="demo").cycle_id
    assert seed_demo_skp(kinerja, cycle_id) == DemoSkps(agreed=15, awaiting_approval=3)
    assert all(sign_in(kinerja, a.username, DEMO_PASSWORD, "test") for a in DEMO_ACCOUNTS)
    assert [t.task_key for t in list_tasks(kinerja, "pegawai")] == ["draft_skp"]
    atasan = list_tasks(kinerja, "atasan")
    assert [t.subject_name for t in atasan if t.task_key == "approve_skp"] == _names_of(
        kinerja, "Sanitarian", "Nutrisionis"), "two of her staff's SKP wait for her approval"
    assert {t.task_key for t in atasan} == {"approve_skp", "report_realisation"}, "her own SKP is agreed"
    assert [t.subject_name for t in list_tasks(kinerja, "sekda") if t.task_key == "approve_skp"] == _names_of(
        kinerja, "Kepala Dinas Kesehatan"), "a head's SKP waits for the Sekda"
    assert cycle_progress(kinerja, Operator('test'), cycle_id) == {"employees": 31, "started": 31, "completed": 0}

    # The SKP were agreed down a real cascade: HR's goals → the Sekda → the heads → their staff.
    assert [goal.label for goal in organisation_goals(kinerja, "hr", cycle_id)] == GOALS

    sekda = _agreed(kinerja, "Sekretaris Daerah")
    assert {row.intervenes for row in sekda.rhk} == set(GOALS), "the top of the tree takes the goals"
    assert sekda.set_by == "Admin BKPSDM Bungo"
    for head in ("Kepala Puskesmas Muara Bungo", "Camat Rantau Pandan", "Kepala Dinas Pendidikan"):
        document = _agreed(kinerja, head)
        assert document.set_by == sekda.summary.employee.name
        assert {row.intervenes_rhk_id for row in document.rhk} <= {row.id for row in sekda.rhk}, head
    for head, staff in (("Kepala Puskesmas Muara Bungo", "Bidan"), ("Camat Rantau Pandan", "Sekretaris Kecamatan"),
                        ("Kepala Dinas Pendidikan", "Pengawas Sekolah")):
        above, document = _agreed(kinerja, head), _agreed(kinerja, staff)
        utama = [row for row in document.rhk if row.kind == "utama"]
        assert utama and all(row.intervenes_rhk_id in {r.id for r in above.rhk} for row in utama), staff

    kapus = _agreed(kinerja, "Kepala Puskesmas Muara Bungo")
    nurse = _agreed(kinerja, "Perawat", nth=1)  # the other nurse: the demo employee's is still to draft
    assert [(row.kind, row.intervenes_rhk_id) for row in nurse.rhk] == [
        ("utama", kapus.rhk[0].id), ("utama", kapus.rhk[2].id), ("tambahan", None)]
    assert [period for period, _ in nurse.rhk[0].actions] == ["Triwulan I", "Triwulan II", "Triwulan III",
                                                               "Triwulan IV"]
    assert nurse.rhk[1].indicators[1]["target"].startswith("Seluruh asuhan keperawatan")
    assert [value for value, _guide, expectation in nurse.perilaku if expectation] == [
        "Berorientasi Pelayanan", "Kolaboratif"]
    editor = skp_editor(kinerja, "pegawai", inbox_task(kinerja, "pegawai", "draft_skp").id)
    assert editor.status == "new" and [choice.id for choice in editor.parents.choices] == [row.id for row in kapus.rhk]


def _names_of(kinerja: Kinerja, *positions: str) -> list[str]:
    with kinerja.reading() as uow:
        return [name for position in positions for name in uow.session.scalars(
            select(Employee.name).where(Employee.position == position).order_by(Employee.id))]


def _agreed(kinerja: Kinerja, position: str, nth: int = 0) -> SkpView:
    """The agreed SKP of the ``nth`` demo employee in this position, as HR reads it."""
    with kinerja.reading() as uow:
        nip = uow.session.scalars(select(Employee.nip).where(Employee.position == position)
                                  .order_by(Employee.id)).all()[nth]
    [agreed] = [summary for summary in list_skp(kinerja, "hr", nip) if summary.status == "agreed"]
    return skp_document(kinerja, "hr", agreed.id)
