"""The annual evaluation's first and last steps for a unit: the PPK sets the unit's result in
its own task, HR or the PPK calibrate the unit's proposed predikat against the pattern that
result fixes (each change with a reason), and the set is made final only when it keeps the
pattern (or the exception is accepted with a reason)."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.actors import Operator
from engine.calibration import calibrate_predikat, finalise_unit, unit_calibration, unit_overview
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.evaluation_tables import Evaluation, UnitResult
from engine.kinerja import Kinerja
from engine.models import AuditEvent, Unit
from engine.unit_results import start_unit_results
from engine.inbox import TaskView, list_tasks
from engine.tasks import claim_task, complete_task
from tests.support import SmallOrg, propose_predikats


def unit_id(kinerja: Kinerja, code: str) -> int:
    with kinerja.reading() as uow:
        return uow.session.scalar(select(Unit.id).where(Unit.code == code))


def audit_actions(kinerja: Kinerja, action: str) -> list[dict[str, Any]]:
    with kinerja.reading() as uow:
        return [event.data for event in uow.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                                            .order_by(AuditEvent.seq))]


@pytest.fixture
def puskesmas(org: SmallOrg, deployed: Kinerja, cycle: int) -> int:
    """The Puskesmas (its head and two nurses) with the unit-result step started for the cycle."""
    start_unit_results(deployed, Operator("hr"), cycle)
    return unit_id(deployed, "pkm-mb")


def set_result(kinerja: Kinerja, data: dict[str, Any], unit_name: str = "Puskesmas Muara Bungo") -> TaskView:
    """The PPK completes the unit-result task of the unit (its title names the unit)."""
    [task] = [t for scope in ("group", "mine") for t in list_tasks(kinerja, "ppk", scope)  # type: ignore[arg-type]
              if t.task_key == "set_unit_result" and t.name.endswith(f"— {unit_name} 2026")]
    if task.claimed_by_user_id is None:
        claim_task(kinerja, "ppk", task.id)
    complete_task(kinerja, "ppk", task.id, data)
    return task


def nip(org: SmallOrg, name: str) -> int:
    return org.employee_ids[{"kapus": "198002022005012002", "rina": "199003032015031003",
                             "dedi": "199104042016041004"}[name]]


def test_the_ppk_sets_the_unit_result_in_its_task(puskesmas: int, deployed: Kinerja, cycle: int) -> None:
    titles = sorted(t.name for t in list_tasks(deployed, "ppk", "group") if t.task_key == "set_unit_result")
    assert titles == ["Tetapkan capaian kinerja unit — Dinas Kesehatan 2026",
                      "Tetapkan capaian kinerja unit — Puskesmas Muara Bungo 2026"]
    assert start_unit_results(deployed, Operator("hr"), cycle) == [], "starting again starts nobody twice"
    with pytest.raises(ValidationFailed):  # the basis is required
        set_result(deployed, {"unit_result": "BAIK"})
    task = set_result(deployed, {"unit_result": "BAIK", "unit_result_basis": "LAKIP 2026: 92 %"})
    assert task.due_at is not None
    with deployed.reading() as uow:
        row = uow.session.scalar(select(UnitResult).where(UnitResult.unit_id == puskesmas))
        assert (row.cycle_id, row.result, row.basis) == (cycle, "BAIK", "LAKIP 2026: 92 %")
    assert audit_actions(deployed, "unit.result_set")[-1]["result"] == "BAIK"
    state = unit_calibration(deployed, "hr", cycle, puskesmas)
    assert state.result_label == "Baik" and state.status == "incomplete"
    assert state.pattern.startswith("Baik kelompok terbanyak")


def test_a_set_that_breaks_the_pattern_is_calibrated_with_reasons_then_final(
        puskesmas: int, deployed: Kinerja, org: SmallOrg, cycle: int) -> None:
    with pytest.raises(Conflict) as refused:
        finalise_unit(deployed, "ppk", cycle, puskesmas)
    assert {r["reason"] for r in refused.value.details["reasons"]} == {"no_unit_result", "not_proposed"}
    set_result(deployed, {"unit_result": "BAIK", "unit_result_basis": "LAKIP 2026"})
    evaluations = propose_predikats(deployed, cycle, {nip(org, name): "BAIK" for name in ("kapus", "rina", "dedi")})

    state = unit_calibration(deployed, "ppk", cycle, puskesmas)
    assert state.status == "breaks_pattern" and state.shares["BAIK"] == 1.0
    assert [v.message for v in state.violations] == [
        "Baik 100% (3 dari 3 orang) — paling banyak 70% (2 orang, dibulatkan dari 2,1)",
        "Butuh Perbaikan dan/atau Kurang/Misconduct 0% (0 dari 3 orang) — harus ada paling sedikit 1 orang"]
    with pytest.raises(Conflict) as refused:
        finalise_unit(deployed, "hr", cycle, puskesmas)
    assert {r["reason"] for r in refused.value.details["reasons"]} == {"breaks_pattern"}

    dedi = evaluations[nip(org, "dedi")]
    for reason in (None, "", "  "):
        with pytest.raises(ValidationFailed):
            calibrate_predikat(deployed, "hr", dedi, "BUTUH_PERBAIKAN", reason)
    with pytest.raises(ValidationFailed):
        calibrate_predikat(deployed, "hr", dedi, "LUAR_BIASA", "alasan")
    calibrate_predikat(deployed, "hr", dedi, "BUTUH_PERBAIKAN", "Dua RHK utama di bawah target")
    assert audit_actions(deployed, "predikat.calibrated") == [{
        "evaluation_id": dedi, "employee_id": nip(org, "dedi"), "cycle_id": cycle, "unit_id": puskesmas,
        "from": "BAIK", "to": "BUTUH_PERBAIKAN", "reason": "Dua RHK utama di bawah target"}]
    assert unit_calibration(deployed, "hr", cycle, puskesmas).status == "ready"

    final = finalise_unit(deployed, "ppk", cycle, puskesmas)
    assert final.status == "final" and final.calibration_count == 1
    with deployed.reading() as uow:
        assert set(uow.session.scalars(select(Evaluation.status).where(Evaluation.unit_id == puskesmas))) == {"final"}
    assert audit_actions(deployed, "unit.finalised")[-1]["counts"] == {"BAIK": 2, "BUTUH_PERBAIKAN": 1}
    with pytest.raises(Conflict):
        calibrate_predikat(deployed, "hr", dedi, "BAIK", "Terlambat")
    with pytest.raises(Conflict):
        finalise_unit(deployed, "hr", cycle, puskesmas)


def test_an_exception_to_the_pattern_is_an_explicit_decision_with_a_reason(
        puskesmas: int, deployed: Kinerja, org: SmallOrg, cycle: int) -> None:
    set_result(deployed, {"unit_result": "BUTUH_PERBAIKAN", "unit_result_basis": "LAKIP"})
    propose_predikats(deployed, cycle, {nip(org, name): "BAIK" for name in ("kapus", "rina", "dedi")})
    with pytest.raises(ValidationFailed):
        finalise_unit(deployed, "hr", cycle, puskesmas, exception_reason=" ")
    finalise_unit(deployed, "hr", cycle, puskesmas, exception_reason="Unit baru dibentuk; pola belum dapat dipenuhi")
    event = audit_actions(deployed, "unit.finalised")[-1]
    assert event["exception_reason"] == "Unit baru dibentuk; pola belum dapat dipenuhi"
    assert event["violations"] == ["Butuh Perbaikan 0% (0 dari 3 orang) — paling sedikit 60% (2 orang, "
                                   "dibulatkan dari 1,8)"]
    assert event["table"]["name"] == "kurva_distribusi"


def test_the_cycle_lists_every_unit_with_its_status(puskesmas: int, deployed: Kinerja, org: SmallOrg,
                                                    cycle: int) -> None:
    propose_predikats(deployed, cycle, {nip(org, "rina"): "BAIK"})
    assert {s.unit_code: s.status for s in unit_overview(deployed, "hr", cycle)} == {
        "dinkes": "no_result", "pkm-mb": "no_result"}
    set_result(deployed, {"unit_result": "ISTIMEWA", "unit_result_basis": "LAKIP"})
    assert {s.unit_code: s.status for s in unit_overview(deployed, "ppk", cycle)}["pkm-mb"] == "incomplete"


def test_others_are_refused(puskesmas: int, deployed: Kinerja, org: SmallOrg, other_org: str, cycle: int) -> None:
    evaluation = propose_predikats(deployed, cycle, {nip(org, "rina"): "BAIK"})[nip(org, "rina")]
    for outsider in ("rina", "kapus", "auditor"):
        with pytest.raises(Forbidden):
            calibrate_predikat(deployed, outsider, evaluation, "BAIK", "alasan")
    with pytest.raises(NotFound):
        unit_calibration(deployed, "hr-kph", cycle, puskesmas)
    with pytest.raises(NotFound):
        calibrate_predikat(deployed, "hr-kph", evaluation, "SANGAT_BAIK", "alasan")
    with pytest.raises(NotFound):
        finalise_unit(deployed, "hr-kph", cycle, puskesmas)
    with pytest.raises(NotFound):
        unit_calibration(deployed, "hr", cycle, 9999)
