"""Process versions: running instances keep theirs, new ones take the newest, and HR can
move running instances to a new version where the task they wait on still exists."""
from __future__ import annotations

from datetime import timedelta

from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.clock import FixedClock
from engine.definitions import DefinitionFile
from engine.deployment import deploy
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.migration import migrate_instances, plan_migration
from engine.models import ProcessInstance
from engine.read_models import instance_history
from engine.timers import fire_due_timers
from tests.support import BPMN_DIR, SmallOrg, do_task, open_cycle, run, submit_skp, target_setting_without_approval


def _start(kinerja: Kinerja, employee_id: int) -> int:
    (instance_id,) = open_cycle(kinerja, [employee_id]).instance_ids
    return instance_id


def _deployment_of(kinerja: Kinerja, instance_id: int) -> int:
    with kinerja.unit_of_work() as uow:
        return uow.session.get(ProcessInstance, instance_id).deployment_id


def test_migration_moves_instances_whose_waiting_task_still_exists_and_lists_the_others(
        org: SmallOrg, deployed: Kinerja) -> None:
    drafting = _start(deployed, org.cycle_employee)  # rina: waits on draft_skp
    awaiting_approval = _start(deployed, org.employee_ids["199104042016041004"])  # dedi
    submit_skp(deployed, "dedi")  # now waits on approve_skp
    old = _deployment_of(deployed, drafting)

    new = deploy(deployed, Operator("hr"), [target_setting_without_approval()]).deployment_id
    plan = plan_migration(deployed, Operator('test'), old)
    assert plan.to_deployment_id == new
    by_instance = {c.instance_id: c for c in plan.candidates}
    assert by_instance[drafting].movable and by_instance[drafting].waiting_on == ["Susun SKP"]
    assert not by_instance[awaiting_approval].movable
    assert "waits on 'Setujui SKP' (approve_skp), which the target version does not have" \
        in by_instance[awaiting_approval].blockers

    result = migrate_instances(deployed, Operator("hr"), old, None)
    assert [(c.instance_id, c.migrated) for c in result.candidates] == [(drafting, True), (awaiting_approval, False)]
    assert _deployment_of(deployed, drafting) == new
    assert _deployment_of(deployed, awaiting_approval) == old, "the blocked one stays on its version"

    # The moved instance follows the new version: no approval step after the draft.
    submit_skp(deployed, "rina")
    assert [t.task_key for t in list_tasks(deployed, "rina")] == ["report_realisation"]
    # The one that stayed still follows the old one.
    assert [t.task_key for t in list_tasks(deployed, "kapus")] == ["approve_skp"]
    do_task(deployed, "kapus", "approve_skp", {"skp_decision": "approve"})
    assert [t.task_key for t in list_tasks(deployed, "dedi")] == ["report_realisation"]

    migrated = [e for e in instance_history(deployed, Operator('test'), drafting) if e["action"] == "instance.migrated"]
    assert migrated and migrated[0]["data"]["from_deployment"] == old and migrated[0]["data"]["to_deployment"] == new
    assert verify_audit_chain(deployed, Operator('test')).ok


def test_a_changed_deadline_applies_to_new_instances_and_old_ones_keep_theirs(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    old_instance = _start(deployed, org.cycle_employee)
    submit_skp(deployed, "rina")
    changed = (BPMN_DIR / "target_setting.bpmn").read_text().replace('"P7D"</bpmn:timeDuration>',
                                                                     '"P3D"</bpmn:timeDuration>', 1)
    deploy(deployed, Operator("hr"), [DefinitionFile.from_upload("target_setting.bpmn", changed.encode())])
    new_instance = _start(deployed, org.employee_ids["199104042016041004"])
    submit_skp(deployed, "dedi")
    assert _deployment_of(deployed, new_instance) != _deployment_of(deployed, old_instance)

    clock.advance(timedelta(days=3, hours=1))
    assert fire_due_timers(deployed).fired == 1, "only the new instance's 3-day deadline has passed"
    assert {t.subject_nip for t in list_tasks(deployed, "kadis")} == {"199104042016041004"}
    clock.advance(timedelta(days=4))
    assert fire_due_timers(deployed).fired == 1, "the old instance escalates after its 7 days"


def test_the_command_line_lists_then_moves_instances(org: SmallOrg, deployed: Kinerja, database_url: str) -> None:
    drafting = _start(deployed, org.cycle_employee)
    waiting = _start(deployed, org.employee_ids["199104042016041004"])
    submit_skp(deployed, "dedi")
    deploy(deployed, Operator("hr"), [target_setting_without_approval()])

    listed = run(database_url, "migrate", "1", "--dry-run", "--org", "bungo")
    assert listed.exit_code == 0, listed.output
    assert f"instance {drafting} (199003032015031003, waiting on Susun SKP): can move" in listed.output
    assert f"instance {waiting} (199104042016041004, waiting on Setujui SKP): stays" in listed.output
    assert "1 of 2 can move from deployment 1 to 2" in listed.output
    assert _deployment_of(deployed, drafting) == 1, "a dry run moves nothing"

    moved = run(database_url, "migrate", "1", "--actor", "hr")
    assert moved.exit_code == 0 and "1 of 2 moved from deployment 1 to 2" in moved.output
    assert _deployment_of(deployed, drafting) == 2
    refused = run(database_url, "migrate", "1", "--org", "tidak-ada")
    assert refused.exit_code == 1 and "organisation 'tidak-ada' does not exist" in refused.output
