"""What an auditor (Inspektorat) relies on: past decisions explained with the table they ran
on, a search over the log, exports that match the database, tamper detection (including a
cut tail once a signed checkpoint exists), and a log of the auditor's own reads."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete, func, select, update

from engine.actors import Operator
from engine.audit_trail import (
    AuditQuery,
    TimelineFilter,
    as_csv,
    as_json,
    explain_decision,
    export_events,
    instance_audit,
    search_events,
)
from engine.audit_verification import verify_audit_chain
from engine.definitions import DefinitionFile
from engine.delegation import delegate_task
from engine.deployment import deploy
from engine.errors import Forbidden, NotFound
from engine.kinerja import Kinerja
from engine.models import AuditCheckpoint, AuditEvent, AuditHead
from engine.read_models import instance_detail, instance_history
from engine.tasks import claim_task, complete_task
from kinerja_cli.main import cli
from tests.support import BPMN_DIR, SmallOrg, finish_all_open_work, inbox_task, open_cycle, submit_skp

AUDIT_KEY = "kunci-audit-uji"


@pytest.fixture
def finished(org: SmallOrg, deployed: Kinerja) -> int:
    """Rina's whole year, rated above expectations on both counts (predikat Sangat Baik)."""
    _cycle, (instance_id,) = open_cycle(deployed, [org.cycle_employee])
    finish_all_open_work(deployed)
    return instance_id


def _as_stored(event: AuditEvent) -> dict[str, Any]:
    return {"seq": event.seq, "occurred_at": event.occurred_at.isoformat(), "actor": event.actor,
            "action": event.action, "instance_id": event.instance_id, "task_id": event.task_id,
            "data": event.data, "prev_hash": event.prev_hash, "hash": event.hash}


def _db_events(kinerja: Kinerja, *conditions: Any) -> list[dict[str, Any]]:
    """The stored rows, read straight from the table."""
    with kinerja.unit_of_work() as uow:
        return [_as_stored(e) for e in uow.session.scalars(select(AuditEvent).where(*conditions)
                                                            .order_by(AuditEvent.seq))]


def _predikat_decision(audit: Any) -> Any:
    """The year's predikat: the table's last decision (each period's comes before it)."""
    return [d for d in audit.decisions if d.decision_id == "predikat_kinerja"][-1]


# --- decisions ---------------------------------------------------------------------------

def test_a_past_decision_keeps_the_table_it_ran_on_after_the_table_is_edited(
        org: SmallOrg, deployed: Kinerja, finished: int) -> None:
    dmn = (BPMN_DIR / "predikat_kinerja.dmn").read_text(encoding="utf-8")
    assert '<text>"Sangat Baik"</text>' in dmn, "fixture drift"
    edited = dmn.replace('<text>"Sangat Baik"</text>', '<text>"Istimewa"</text>')
    deploy(deployed, Operator("hr"), [DefinitionFile("dmn", "predikat_kinerja", edited)])

    before = _predikat_decision(instance_audit(deployed, "auditor", finished))
    assert before.outputs == {"predikat": "SANGAT_BAIK", "predikat_label": "Sangat Baik"}
    assert before.source["version"] == 1
    (matched,) = [rule for rule in before.table.rules if rule.matched]
    assert matched.rule_id == before.matched_rules[0]["rule_id"] == "rule_diatas_diatas"
    assert matched.input_entries == ['"DIATAS_EKSPEKTASI"', '"DIATAS_EKSPEKTASI"']
    assert matched.output_entries == ['"SANGAT_BAIK"', '"Sangat Baik"']
    assert before.table.inputs == ["Rating Hasil Kerja", "Rating Perilaku Kerja"]
    assert before.inputs == {"Rating Hasil Kerja": "DIATAS_EKSPEKTASI", "Rating Perilaku Kerja": "DIATAS_EKSPEKTASI"}

    # A year started after the edit runs on, and is explained with, the new table.
    dedi = org.employee_ids["199104042016041004"]
    start = open_cycle(deployed, [dedi]).instance_ids
    finish_all_open_work(deployed)
    after = _predikat_decision(instance_audit(deployed, "auditor", start[0]))
    assert after.source["version"] == 2 and after.outputs["predikat_label"] == "Istimewa"
    assert [r.output_entries for r in after.table.rules if r.matched] == [['"SANGAT_BAIK"', '"Istimewa"']]


def test_decisions_recorded_before_file_versions_were_kept_are_explained_from_their_deployment(
        deployed: Kinerja, finished: int) -> None:
    *_periods, event = [e for e in instance_history(deployed, Operator('test'), finished)
                        if e["data"].get("decision_id") == "predikat_kinerja"]  # the year's: the last
    older = {**event, "data": {key: value for key, value in event["data"].items() if key != "dmn"}}
    with deployed.unit_of_work() as uow:
        explained = explain_decision(uow.session, older)
    assert explained.problem is None
    assert [rule.rule_id for rule in explained.table.rules if rule.matched] == ["rule_diatas_diatas"]


def test_the_diagram_marks_the_path_taken_and_where_the_instance_waits(org: SmallOrg, deployed: Kinerja) -> None:
    _cycle, (instance_id,) = open_cycle(deployed, [org.cycle_employee])
    submit_skp(deployed, "rina")
    diagrams = {d.name: d for d in instance_audit(deployed, "auditor", instance_id).diagrams}
    assert list(diagrams)[0] == "evaluation_cycle"
    assert "draft_skp" in diagrams["target_setting"].done
    assert diagrams["target_setting"].current == ["approval_overdue", "approve_skp"]  # the task and its escalation timer
    assert diagrams["evaluation_cycle"].current == ["call_target_setting"]
    assert "final_appraisal" not in diagrams


def test_the_timeline_filters_by_action_actor_and_element(deployed: Kinerja, finished: int) -> None:
    everything = instance_audit(deployed, "auditor", finished)
    assert [e.seq for e in everything.events] == sorted(e.seq for e in everything.events)
    assert {"instance.started", "task.completed", "decision.evaluated", "instance.completed"} <= set(
        everything.actions)
    completed = instance_audit(deployed, "auditor", finished, TimelineFilter(action="task.completed")).events
    assert completed and {e.action for e in completed} == {"task.completed"}
    by_kapus = instance_audit(deployed, "auditor", finished, TimelineFilter(actor="kapus")).events
    assert by_kapus and {e.actor for e in by_kapus} == {"kapus"}
    rated = instance_audit(deployed, "auditor", finished, TimelineFilter(element="rate_performance")).events
    assert {e.action for e in rated} >= {"task.created", "task.completed"}


# --- who may read, and the log of auditors' reads ----------------------------------------

def test_only_auditors_use_the_audit_views_and_their_reads_are_logged(deployed: Kinerja, finished: int) -> None:
    for other in ("hr", "ppk", "kapus", "rina"):
        with pytest.raises(Forbidden):
            instance_audit(deployed, other, finished)
        with pytest.raises(Forbidden):
            search_events(deployed, other, AuditQuery())
    viewed_before = len(_db_events(deployed, AuditEvent.action == "audit.viewed"))
    instance_detail(deployed, "hr", finished)  # HR's reads are not the auditor's
    assert len(_db_events(deployed, AuditEvent.action == "audit.viewed")) == viewed_before

    instance_audit(deployed, "auditor", finished)
    instance_detail(deployed, "auditor", finished)
    logged = _db_events(deployed, AuditEvent.action == "audit.viewed")[viewed_before:]
    assert [(e["actor"], e["data"]["view"], e["data"]["subject_nip"], e["instance_id"]) for e in logged] == [
        ("auditor", "audit.instance", "199003032015031003", None),
        ("auditor", "instance", "199003032015031003", None)]
    assert verify_audit_chain(deployed, Operator('test')).ok


def test_auditors_are_read_only(org: SmallOrg, deployed: Kinerja) -> None:
    open_cycle(deployed, [org.cycle_employee])
    task = inbox_task(deployed, "rina", "draft_skp")
    for attempt in (lambda: claim_task(deployed, "auditor", task.id),
                    lambda: complete_task(deployed, "auditor", task.id, {}),
                    lambda: delegate_task(deployed, "auditor", task.id, "kapus", "Cuti")):
        with pytest.raises(Forbidden):
            attempt()


# --- search ------------------------------------------------------------------------------

def test_search_by_employee_predikat_actor_action_and_dates_in_pages(
        org: SmallOrg, deployed: Kinerja, clock: Any) -> None:
    _cycle, (rina_instance, dedi_instance) = open_cycle(
        deployed, [org.cycle_employee, org.employee_ids["199104042016041004"]])
    clock.advance(timedelta(days=3))
    finish_all_open_work(deployed)

    by_name = search_events(deployed, "auditor", AuditQuery(employee="rina", limit=500))
    assert by_name.total == len(by_name.items) > 0
    assert {hit.instance_id for hit in by_name.items} == {rina_instance}
    assert [hit.seq for hit in by_name.items] == sorted((hit.seq for hit in by_name.items), reverse=True)
    by_nip = search_events(deployed, "auditor", AuditQuery(employee="199104042016041004", limit=500))
    assert {hit.instance_id for hit in by_nip.items} == {dedi_instance}

    decided = search_events(deployed, "auditor", AuditQuery(predikat="SANGAT_BAIK", action="decision.evaluated"))
    assert decided.total == 14  # four quarters' predikat, the year's, follow-up and tunjangan, for each of the two
    assert search_events(deployed, "auditor", AuditQuery(predikat="BAIK")).total == 0

    by_actor = search_events(deployed, "auditor", AuditQuery(actor="kapus", unit="pkm-mb", limit=500))
    assert by_actor.items and {hit.actor for hit in by_actor.items} == {"kapus"}
    later = search_events(deployed, "auditor", AuditQuery(cycle_id=_cycle, since=clock.now() - timedelta(days=1),
                                                          limit=500))
    earlier = search_events(deployed, "auditor", AuditQuery(cycle_id=_cycle, until=clock.now() - timedelta(days=1),
                                                            limit=500))
    assert later.total and earlier.total
    assert {hit.action for hit in earlier.items} <= {"instance.started", "task.created", "timer.scheduled"}
    assert later.total + earlier.total == search_events(deployed, "auditor", AuditQuery(cycle_id=_cycle)).total

    first, second = (search_events(deployed, "auditor", AuditQuery(employee="rina", limit=5, offset=offset))
                     for offset in (0, 5))
    assert len(first.items) == len(second.items) == 5 and first.total == by_name.total
    assert [h.seq for h in first.items + second.items] == [h.seq for h in by_name.items[:10]]


# --- exports -----------------------------------------------------------------------------

def test_instance_and_cycle_exports_match_the_database(org: SmallOrg, deployed: Kinerja) -> None:
    cycle_id, instances = open_cycle(deployed, [org.cycle_employee, org.employee_ids["199104042016041004"]])
    finish_all_open_work(deployed)
    stored_cycle = _db_events(deployed, AuditEvent.instance_id.in_(instances))
    stored_instance = [e for e in stored_cycle if e["instance_id"] == instances[0]]

    exported = json.loads("".join(as_json(export_events(deployed, "auditor", cycle_id=cycle_id))))
    assert exported == stored_cycle
    rows = list(csv.DictReader(io.StringIO("".join(as_csv(export_events(deployed, "auditor",
                                                                        instance_id=instances[0]))))))
    assert [int(row["seq"]) for row in rows] == [e["seq"] for e in stored_instance]
    assert [json.loads(row["data"]) for row in rows] == [e["data"] for e in stored_instance]
    assert [row["hash"] for row in rows] == [e["hash"] for e in stored_instance]
    assert [v["data"] for v in _db_events(deployed, AuditEvent.action == "audit.viewed")] == [
        {"view": "audit.export", "cycle_id": cycle_id},
        {"view": "audit.export", "instance_id": instances[0], "subject_nip": "199003032015031003"}]
    with pytest.raises(NotFound):
        export_events(deployed, "auditor", cycle_id=cycle_id + 1)
    assert "".join(as_json(iter(()))) == "[]\n"


def test_a_cycle_export_reads_in_batches(org: SmallOrg, deployed: Kinerja) -> None:
    from engine.audit_trail import iter_events

    cycle_id, instances = open_cycle(deployed, [org.cycle_employee, org.employee_ids["199104042016041004"]])
    stored = [e["seq"] for e in _db_events(deployed, AuditEvent.instance_id.in_(instances))]
    assert [e["seq"] for e in iter_events(deployed, cycle_id=cycle_id, batch_size=3)] == stored


# --- tampering ---------------------------------------------------------------------------

def run(database_url: str, *args: str, key: str | None = AUDIT_KEY) -> Result:
    return CliRunner().invoke(cli, ["--database-url", database_url, *args],
                              env={"KINERJA_AUDIT_KEY": key} if key else {"KINERJA_AUDIT_KEY": ""})


def _tamper(kinerja: Kinerja, *statements: Any) -> None:
    with kinerja.unit_of_work() as uow:
        for statement in statements:
            uow.session.execute(statement)
        uow.session.commit()


def _last_seq(kinerja: Kinerja) -> int:
    with kinerja.unit_of_work() as uow:
        return uow.session.scalar(select(func.max(AuditEvent.seq)))


def _cut_tail_and_cover_it_up(kinerja: Kinerja, keep: int) -> None:
    """Delete every event after ``keep`` and rewrite the head to match, as an insider would."""
    (kept,) = _db_events(kinerja, AuditEvent.seq == keep)
    _tamper(kinerja, delete(AuditEvent).where(AuditEvent.seq > keep),
            update(AuditHead).where(AuditHead.id == 1).values(last_seq=keep, last_hash=kept["hash"]))


@pytest.mark.parametrize("tampering", [
    pytest.param(lambda last: update(AuditEvent).where(AuditEvent.seq == last // 2).values(
        data={"submitted": "dipalsukan"}), id="updated-row"),
    pytest.param(lambda last: delete(AuditEvent).where(AuditEvent.seq == last // 2), id="deleted-middle-row"),
])
def test_an_updated_or_deleted_row_is_named(finished: int, deployed: Kinerja, database_url: str, tampering) -> None:  # type: ignore[no-untyped-def]
    assert run(database_url, "audit", "verify").exit_code == 0
    last = _last_seq(deployed)
    _tamper(deployed, tampering(last))
    result = run(database_url, "audit", "verify")
    assert result.exit_code == 1 and f"audit chain BROKEN at event {last // 2}:" in result.stderr


def test_a_cut_tail_with_a_rewritten_head_is_detected_by_a_signed_checkpoint(
        finished: int, deployed: Kinerja, database_url: str, tmp_path: Path) -> None:
    kept_file = tmp_path / "checkpoints.jsonl"
    made = run(database_url, "audit", "checkpoint", "--file", str(kept_file))
    assert made.exit_code == 0, made.output
    head = _last_seq(deployed)
    assert f"checkpoint at event {head}" in made.output
    assert "1 checkpoint(s) matched (signatures checked)" in run(database_url, "audit", "verify").output

    _cut_tail_and_cover_it_up(deployed, head - 5)
    result = run(database_url, "audit", "verify")
    assert result.exit_code == 1
    assert (f"BROKEN at event {head - 4}: the chain ends at event {head - 5} but the "
            f"checkpoint made") in result.stderr and f"records event {head}" in result.stderr

    # Removing the checkpoint rows as well does not help against the copy kept in a file.
    _tamper(deployed, delete(AuditCheckpoint))
    assert run(database_url, "audit", "verify").exit_code == 0  # nothing left in the database to tell
    from_file = run(database_url, "audit", "verify", "--checkpoint-file", str(kept_file))
    assert from_file.exit_code == 1 and f"records event {head}" in from_file.stderr


def test_a_forged_checkpoint_is_refused_and_checkpoints_need_the_key(
        finished: int, deployed: Kinerja, database_url: str) -> None:
    refused = run(database_url, "audit", "checkpoint", key=None)
    assert refused.exit_code == 1 and "KINERJA_AUDIT_KEY" in refused.stderr
    assert run(database_url, "audit", "checkpoint").exit_code == 0
    forged = run(database_url, "audit", "checkpoint", key="kunci-lain")
    assert forged.exit_code == 0  # signed with another key: the real key does not accept it
    result = run(database_url, "audit", "verify")
    assert result.exit_code == 1 and "has an invalid signature" in result.stderr


def test_the_export_command_streams_a_cycle(org: SmallOrg, deployed: Kinerja, database_url: str) -> None:
    cycle_id, instances = open_cycle(deployed, [org.cycle_employee])
    result = run(database_url, "audit", "export", "--cycle", str(cycle_id), "--format", "json")
    assert json.loads(result.output) == _db_events(deployed, AuditEvent.instance_id.in_(instances))
    assert run(database_url, "audit", "export").exit_code == 2  # neither --instance nor --cycle
