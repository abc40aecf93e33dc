"""The `kinerja` command as an administrator uses it: deploy, verify the audit chain, export, seed the demo."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.models import AuditEvent, DefinitionVersion, Deployment, Organisation, Timer, Unit
from tests.support import BPMN_DIR, SmallOrg, finish_all_open_work, open_cycle, run, submit_skp


def _stored_definitions(kinerja: Kinerja) -> tuple[int, int]:
    with kinerja.unit_of_work() as uow:
        return (uow.session.scalar(select(func.count()).select_from(DefinitionVersion)),
                uow.session.scalar(select(func.count()).select_from(Deployment)))


def test_deploy_bundled_processes_then_redeploy_changes_nothing(kinerja: Kinerja, database_url: str) -> None:
    first = run(database_url, "deploy", str(BPMN_DIR))
    assert first.exit_code == 0, first.output
    assert "bpmn  evaluation_cycle v1" in first.output
    again = run(database_url, "deploy", str(BPMN_DIR))
    assert again.exit_code == 0 and "nothing changed" in again.output


def _variant(tmp_path: Path, source: str, old: str, new: str, name: str | None = None) -> Path:
    text = (BPMN_DIR / source).read_text(encoding="utf-8")
    assert old in text, f"fixture drift: {old!r} not in {source}"
    target = tmp_path / (name or source)
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


BROKEN = [
    pytest.param("target_setting.bpmn", 'value="skp_draft"', 'value="skp_draf"',
                 "target_setting.bpmn element draft_skp: form 'skp_draf' is not deployed", id="missing-form"),
    pytest.param("target_setting.bpmn", 'name="Atasan"', 'name="Kepala"',
                 "element approve_skp: lane 'Kepala' does not resolve to a role", id="unknown-lane"),
    pytest.param("periodic_review.bpmn", "<bpmn:script>period = 1</bpmn:script>",
                 "<bpmn:script>import os\nperiod = 1</bpmn:script>",
                 "periodic_review.bpmn element start_periods: script 'import os", id="script-import"),
    pytest.param("target_setting.bpmn", '"P7D"</bpmn:timeDuration>', '"7 hari"</bpmn:timeDuration>',
                 "timer duration '7 hari' is not an ISO 8601 duration", id="bad-timer"),
    pytest.param("target_setting.bpmn", "</bpmn:definitions>", "",
                 "target_setting.bpmn: not well-formed XML", id="truncated-xml"),
    pytest.param("target_setting.bpmn", "<bpmn:definitions",
                 '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<bpmn:definitions',
                 "target_setting.bpmn: unsafe XML refused", id="xxe"),
]


@pytest.mark.parametrize("source, old, new, expected", BROKEN)
def test_invalid_definitions_are_refused_with_file_element_and_problem(
        kinerja: Kinerja, database_url: str, tmp_path: Path, source: str, old: str, new: str, expected: str) -> None:
    assert run(database_url, "deploy", str(BPMN_DIR)).exit_code == 0
    before = _stored_definitions(kinerja)
    result = run(database_url, "deploy", str(_variant(tmp_path, source, old, new)))
    assert result.exit_code == 1
    assert expected in result.stderr
    assert _stored_definitions(kinerja) == before, "nothing is stored"


def test_a_decision_table_with_an_import_is_refused(kinerja: Kinerja, database_url: str, tmp_path: Path) -> None:
    broken = _variant(tmp_path, "predikat_kinerja.dmn", '"SANGAT_BAIK"', '__import__("os").getcwd()')
    result = run(database_url, "deploy", str(BPMN_DIR), str(broken))
    assert result.exit_code == 1
    assert "predikat_kinerja.dmn element" in result.stderr and "not allowed" in result.stderr
    assert _stored_definitions(kinerja) == (0, 0)


@pytest.fixture
def finished_year(org: SmallOrg, deployed: Kinerja) -> int:
    (instance_id,) = open_cycle(deployed, [org.cycle_employee]).instance_ids
    finish_all_open_work(deployed)
    return instance_id


def _tamper(kinerja: Kinerja, statement) -> None:  # type: ignore[no-untyped-def]
    with kinerja.unit_of_work() as uow:
        uow.session.execute(statement)
        uow.session.commit()


def test_audit_verify_passes_on_an_untouched_chain(finished_year: int, deployed: Kinerja, database_url: str) -> None:
    result = run(database_url, "audit", "verify")
    assert result.exit_code == 0 and "audit chain intact" in result.output


@pytest.mark.parametrize("tampering, first_bad", [
    pytest.param(lambda: update(AuditEvent).where(AuditEvent.seq == 40).values(data={"submitted": "dipalsukan"}),
                 40, id="changed-data"),
    pytest.param(lambda: update(AuditEvent).where(AuditEvent.seq == 41).values(actor="orang-lain"), 41,
                 id="changed-actor"),
    pytest.param(lambda: delete(AuditEvent).where(AuditEvent.seq == 30), 30, id="deleted-middle-row"),
])
def test_audit_verify_names_the_first_bad_event(finished_year: int, deployed: Kinerja, database_url: str,
                                               tampering, first_bad: int) -> None:  # type: ignore[no-untyped-def]
    _tamper(deployed, tampering())
    result = run(database_url, "audit", "verify")
    assert result.exit_code == 1
    assert f"audit chain BROKEN at event {first_bad}:" in result.stderr


def test_audit_verify_notices_a_truncated_tail(finished_year: int, deployed: Kinerja, database_url: str) -> None:
    with deployed.unit_of_work() as uow:
        last = uow.session.scalar(select(func.max(AuditEvent.seq)))
    _tamper(deployed, delete(AuditEvent).where(AuditEvent.seq > last - 3))
    result = run(database_url, "audit", "verify")
    assert result.exit_code == 1 and f"the chain ends at event {last - 3}" in result.stderr


def test_audit_export_as_json_and_csv(finished_year: int, deployed: Kinerja, database_url: str) -> None:
    as_json = run(database_url, "audit", "export", "--instance", str(finished_year), "--format", "json")
    events = json.loads(as_json.output)
    assert events[0]["action"] == "instance.started" and events[-1]["action"] == "instance.completed"
    as_csv = run(database_url, "audit", "export", "--instance", str(finished_year), "--format", "csv")
    assert as_csv.output.splitlines()[0].startswith("seq,occurred_at,actor,action")
    assert len(as_csv.output.strip().splitlines()) >= len(events) + 1
    missing = run(database_url, "audit", "export", "--instance", "999")
    assert missing.exit_code == 1 and "instance 999 does not exist" in missing.stderr


def test_timers_fire_runs_the_sweep_on_the_wall_clock(org: SmallOrg, deployed: Kinerja, database_url: str) -> None:
    """The tests' clock stands in January; the command's is the wall clock, so the approval
    deadline armed when the SKP was sent is long due and fires."""
    open_cycle(deployed)
    submit_skp(deployed, "rina")
    due = _waiting_timers(deployed)
    assert due, "sending the SKP armed the approval deadline"
    result = run(database_url, "timers", "fire")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"fired {due} timer(s)"), result.output
    assert _waiting_timers(deployed) < due


def _waiting_timers(kinerja: Kinerja) -> int:
    with kinerja.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Timer).where(Timer.status == "waiting")) or 0


@pytest.mark.usefixtures("prefect_harness")
def test_the_demo_opens_its_cycle_and_the_ppk_finds_each_units_result_to_set(kinerja: Kinerja,
                                                                            database_url: str) -> None:
    assert run(database_url, "deploy", str(BPMN_DIR)).exit_code == 0
    seeded = run(database_url, "seed-demo", "--year", "2026")
    assert seeded.exit_code == 0, seeded.output
    to_set = sorted(task.name for scope in ("mine", "group") for task in list_tasks(kinerja, "sekda", scope)
                    if task.task_key == "set_unit_result")
    with kinerja.reading() as uow:
        units = uow.session.scalars(select(Unit.id).join(Organisation, Organisation.id == Unit.organisation_id)
                                    .where(Organisation.code == "bungo")).all()
    assert "Tetapkan capaian kinerja unit — Puskesmas Muara Bungo 2026" in to_set
    assert 1 < len(to_set) <= len(units), "one task per unit with a head"
    assert "Tetapkan capaian kinerja unit — Sekretariat Daerah 2026" not in to_set, "its head is the PPK himself"
    assert f"unit-result step started for {len(to_set) + 1} units" in seeded.output
