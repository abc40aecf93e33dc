"""Generated organisations for scale runs: a real hierarchy whose tasks reach real inboxes."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from engine.accounts import sign_in
from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.cycles import employees_without_instance, ensure_cycle, start_cycle_instances
from engine.demo import UNIT_SIZE, generate_organisation
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.models import Employee, HumanTask, User
from kinerja_cli.main import cli


def test_a_generated_organisation_has_units_heads_staff_and_one_shared_password(deployed: Kinerja) -> None:
    generated = generate_organisation(deployed, "bungo", "Kabupaten Bungo", 2 * UNIT_SIZE + 7, "sandi-bersama")
    assert (generated.employees, generated.units) == (2 * UNIT_SIZE + 7, 3)
    with deployed.unit_of_work() as uow:
        employees = uow.session.execute(select(Employee.id, Employee.nip, Employee.supervisor_id)
                                        .order_by(Employee.id)).all()
        staff_per_head = dict(uow.session.execute(
            select(Employee.supervisor_id, func.count()).group_by(Employee.supervisor_id)).all())
        nips = {e.nip for e in employees}
    ppk, *others = employees
    assert len(employees) == len(nips) == generated.employees and all(len(nip) == 18 for nip in nips)
    assert ppk.supervisor_id is None and staff_per_head[ppk.id] == 3, "three unit heads report to the PPK"
    assert all(e.supervisor_id is not None for e in others)
    assert max(staff_per_head.values()) <= UNIT_SIZE - 1
    for username in (employees[-1].nip, generated.hr_username, generated.ppk_username):
        assert sign_in(deployed, username, "sandi-bersama", "test") is not None
    assert sign_in(deployed, employees[-1].nip, "salah", "test") is None


def test_opening_the_cycle_of_a_generated_organisation_fills_each_employees_inbox(
        deployed: Kinerja, database_url: str) -> None:
    result = CliRunner().invoke(cli, ["--database-url", database_url, "seed-org", "--name", "bungo",
                                      "--employees", "60", "--password", "sandi-bersama"])
    assert result.exit_code == 0, result.output
    cycle_id = ensure_cycle(deployed, Operator("hr-bungo"), "bungo", 2026, "evaluation_cycle")
    pending = employees_without_instance(deployed, Operator('test'), cycle_id)
    assert len(start_cycle_instances(deployed, Operator("hr-bungo"), cycle_id, pending[:25])) == 25
    assert len(start_cycle_instances(deployed, Operator("hr-bungo"), cycle_id, pending)) == 35, "the first 25 are skipped"
    with deployed.unit_of_work() as uow:
        misplaced = uow.session.scalar(
            select(func.count()).select_from(HumanTask).outerjoin(User, User.id == HumanTask.assignee_user_id)
            .where((User.employee_id != HumanTask.subject_employee_id) | User.id.is_(None)))
        last_nip = uow.session.scalar(select(Employee.nip).order_by(Employee.id.desc()).limit(1))
    assert misplaced == 0
    assert [t.task_key for t in list_tasks(deployed, last_nip)] == ["draft_skp"]
    assert verify_audit_chain(deployed, Operator('test')).ok
