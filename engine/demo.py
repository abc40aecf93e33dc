"""The demo organisation: Pemerintah Kabupaten Bungo, a few units and 40-odd employees.

Deterministic (same names and NIPs every time), so the README can name demo accounts.
Every employee gets an account (username = NIP, password :data:`DEMO_PASSWORD`); the
named demo accounts returned by :func:`seed_demo_organisation` are the ones people use.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from .actors import SYSTEM, Operator
from .assignment import ROLE_AUDITOR, ROLE_HR, ROLE_PPK
from .demo_skp import AWAITING_APPROVAL, GOALS, PLANS, skp_content
from .errors import Conflict
from .inbox import InboxFilter, TaskView, list_tasks
from .kinerja import Kinerja
from .models import Employee, Organisation, Unit, User, UserRole
from .org import EmployeeSpec, add_employees, add_user, create_organisation
from .skp import set_organisation_goals, skp_editor
from .tasks import claim_task, complete_task
from .vocabulary import DRAFT_SKP, SKP_APPROVALS

ORG_CODE = "bungo"
DEMO_PASSWORD = "demo12345"

UNITS = [
    ("setda", "Sekretariat Daerah"),
    ("bkpsdm", "Badan Kepegawaian dan Pengembangan SDM"),
    ("dinkes", "Dinas Kesehatan"),
    ("pkm-muara-bungo", "Puskesmas Muara Bungo"),
    ("disdik", "Dinas Pendidikan"),
    ("dpmptsp", "Dinas Penanaman Modal dan PTSP"),
    ("kec-rantau-pandan", "Kecamatan Rantau Pandan"),
]

_GIVEN = ["Ahmad", "Siti", "Budi", "Dewi", "Rudi", "Nur", "Agus", "Fitri", "Hendra", "Yanti", "Joko", "Maya",
          "Irwan", "Lestari", "Fajar", "Rahma", "Doni", "Wulan", "Eko", "Sari", "Taufik", "Intan", "Yusuf", "Ratna"]
_FAMILY = ["Saputra", "Wahyuni", "Hidayat", "Lubis", "Siregar", "Nasution", "Pratama", "Handayani", "Kurniawan",
           "Permata", "Harahap", "Syahputra"]

# unit → (head position, staff positions); heads report to the Sekda, staff to their head.
STAFF = {
    "bkpsdm": ("Kepala BKPSDM", ["Analis SDM Aparatur", "Pranata Komputer", "Analis Kepegawaian"]),
    "dinkes": ("Kepala Dinas Kesehatan", ["Epidemiolog Kesehatan", "Administrator Kesehatan",
                                          "Pengelola Program Imunisasi"]),
    "pkm-muara-bungo": ("Kepala Puskesmas Muara Bungo", ["Perawat", "Bidan", "Perawat", "Bidan", "Sanitarian",
                                                         "Nutrisionis"]),
    "disdik": ("Kepala Dinas Pendidikan", ["Pengawas Sekolah", "Analis Kurikulum", "Pengelola Data Pendidikan",
                                           "Pengawas Sekolah"]),
    "dpmptsp": ("Kepala DPMPTSP", ["Analis Perizinan", "Analis Perizinan", "Pengelola Layanan Perizinan",
                                   "Penelaah Teknis Kebijakan"]),
    "kec-rantau-pandan": ("Camat Rantau Pandan", ["Sekretaris Kecamatan", "Analis Pemerintahan",
                                                  "Pengadministrasi Umum", "Penata Layanan Operasional"]),
}


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    who: str


DEMO_ACCOUNTS = [
    DemoAccount("employee (Pegawai)", "pegawai", DEMO_PASSWORD, "a nurse at Puskesmas Muara Bungo"),
    DemoAccount("supervisor (Atasan)", "atasan", DEMO_PASSWORD, "head of Puskesmas Muara Bungo"),
    DemoAccount("HR (BKPSDM)", "hr", DEMO_PASSWORD, "BKPSDM administrator"),
    DemoAccount("official (PPK)", "sekda", DEMO_PASSWORD, "Sekretaris Daerah, also supervises unit heads"),
    DemoAccount("auditor (Inspektorat)", "auditor", DEMO_PASSWORD, "read-only auditor"),
]


def _nip(index: int) -> str:
    # NIP layout: birth date (8) + appointment year and month (6) + sex (1) + serial (3).
    return (f"{1980 + index % 15}{1 + index % 12:02d}{10 + index % 18:02d}"
            f"{2010 + index % 12}{1 + index % 12:02d}{1 + index % 2}{index:03d}")


def _name(index: int) -> str:
    return f"{_GIVEN[index % len(_GIVEN)]} {_FAMILY[(index * 7) % len(_FAMILY)]}"


def demo_employees() -> list[EmployeeSpec]:
    """The demo's employees, top-down: the Sekda, then each unit's head followed by their staff."""
    sekda_nip = _nip(0)
    specs = [EmployeeSpec(sekda_nip, "H. Ridwan Hakim, M.Si", "Sekretaris Daerah", "setda",
                          username="sekda", password=DEMO_PASSWORD, roles=(ROLE_PPK,))]
    index = 1
    for unit_code, (head_position, staff_positions) in STAFF.items():
        head_nip = _nip(index)
        specs.append(EmployeeSpec(head_nip, _name(index), head_position, unit_code, sekda_nip,
                                  username=head_nip, password=DEMO_PASSWORD))
        index += 1
        for position in staff_positions:
            specs.append(EmployeeSpec(_nip(index), _name(index), position, unit_code, head_nip,
                                      username=_nip(index), password=DEMO_PASSWORD,
                                      roles=(ROLE_HR,) if unit_code == "bkpsdm" else ()))
            index += 1
    # Friendly usernames for the accounts the README shows.
    named = {"pkm-muara-bungo": ("atasan", "pegawai")}
    for unit_code, (supervisor_name, employee_name) in named.items():
        head = next(i for i, s in enumerate(specs) if s.unit_code == unit_code and s.supervisor_nip == sekda_nip)
        staff = next(i for i, s in enumerate(specs) if s.unit_code == unit_code and s.supervisor_nip == specs[head].nip)
        specs[head] = _renamed(specs[head], supervisor_name)
        specs[staff] = _renamed(specs[staff], employee_name)
    # Addresses under the reserved .example domain: a demo with an SMTP sink shows real mail.
    return [replace(spec, email=_demo_email(spec.username)) for spec in specs]


def seed_demo_organisation(kinerja: Kinerja) -> list[DemoAccount]:
    """Create the demo organisation and its accounts; return the accounts to print."""
    create_organisation(kinerja, SYSTEM, ORG_CODE, "Pemerintah Kabupaten Bungo", UNITS)
    seeder = Operator("seed")
    add_employees(kinerja, seeder, ORG_CODE, demo_employees())
    add_user(kinerja, seeder, ORG_CODE, "hr", DEMO_PASSWORD, "Admin BKPSDM Bungo", roles=(ROLE_HR,),
             email=_demo_email("hr"))
    add_user(kinerja, seeder, ORG_CODE, "auditor", DEMO_PASSWORD, "Auditor Inspektorat Bungo", roles=(ROLE_AUDITOR,),
             email=_demo_email("auditor"))
    return DEMO_ACCOUNTS


def _renamed(spec: EmployeeSpec, username: str) -> EmployeeSpec:
    return replace(spec, username=username)


def _demo_email(username: Optional[str]) -> str:
    return f"{username}@{ORG_CODE}.example"


# Citizens' ratings (speed, friendliness, clarity, overall) and comments, one the head can
# turn into a complaint to follow up.
DEMO_FEEDBACK = [
    ("pkm-muara-bungo", (5, 5, 4, 5), "Imunisasi anak saya cepat dan petugasnya ramah."),
    ("pkm-muara-bungo", (4, 5, 4, 4), ""),
    ("pkm-muara-bungo", (1, 2, 2, 1), "Antre tiga jam di loket pendaftaran, tidak ada nomor antrean."),
    ("dpmptsp", (4, 4, 3, 4), "Izin usaha selesai tepat waktu, tapi syaratnya kurang jelas di situs."),
    ("dpmptsp", (5, 4, 5, 5), ""),
    ("kec-rantau-pandan", (3, 4, 3, 3), "Pelayanan KTP baik, tapi kantor sering tutup saat jam istirahat."),
]


def seed_demo_feedback(kinerja: Kinerja) -> int:
    """A few citizens' ratings, so the feedback pages and the transparency page have figures."""
    from .feedback import QUESTIONS, submit_feedback

    for unit_code, scores, comment in DEMO_FEEDBACK:
        submit_feedback(kinerja, ORG_CODE, unit_code, dict(zip(QUESTIONS, scores)), comment)
    return len(DEMO_FEEDBACK)


@dataclass(frozen=True)
class DemoSkps:
    agreed: int
    awaiting_approval: int


def seed_demo_skp(kinerja: Kinerja, cycle_id: int) -> DemoSkps:
    """HR enters the year's goals, then the SKP cascade is walked top-down the way people do it
    in the inbox: the Sekda's SKP (intervening the goals) is agreed by HR, the heads' (intervening
    the Sekda's RHK) by the Sekda, their staff's by their head. Only those with a plan in
    :data:`engine.demo_skp.PLANS` draft one; the demo employee ``pegawai`` keeps her draft open
    for a visitor, and those in :data:`~engine.demo_skp.AWAITING_APPROVAL` stay submitted, so
    ``atasan`` and ``sekda`` find approvals waiting."""
    set_organisation_goals(kinerja, "hr", cycle_id, GOALS)
    employees = demo_employees()
    username_of = {spec.nip: spec.username for spec in employees}
    agreed = awaiting = 0
    for spec in employees:
        plan = PLANS.get((spec.unit_code, spec.position))
        if plan is None or spec.username == "pegawai" or spec.username is None:
            continue
        draft = _open_task(kinerja, spec.username, DRAFT_SKP, spec.nip, cycle_id)
        parents = skp_editor(kinerja, spec.username, draft.id).parents
        complete_task(kinerja, spec.username, draft.id,
                      skp_content(plan, [choice.id for choice in parents.choices], parents.top))
        if (spec.unit_code, spec.position) in AWAITING_APPROVAL:
            awaiting += 1
            continue
        approver = username_of.get(spec.supervisor_nip or "") or "hr"  # the top's SKP goes to HR
        approval = _open_task(kinerja, approver, SKP_APPROVALS[0], spec.nip, cycle_id)
        if approval.assignee_user_id is None:
            claim_task(kinerja, approver, approval.id)
        complete_task(kinerja, approver, approval.id, {"skp_decision": "approve"})
        agreed += 1
    return DemoSkps(agreed, awaiting)


def _open_task(kinerja: Kinerja, username: str, task_key: str, subject_nip: str, cycle_id: int) -> TaskView:
    only = InboxFilter(cycle_id=cycle_id, task_key=task_key, search=subject_nip)
    for scope in ("mine", "group"):
        for task in list_tasks(kinerja, username, scope, only):
            return task
    raise Conflict(f"{username} has no open task {task_key} about {subject_nip}")


UNIT_SIZE = 50  # employees per generated unit: a head and the staff reporting to them


@dataclass(frozen=True)
class GeneratedOrganisation:
    organisation_id: int
    units: int
    employees: int
    hr_username: str
    ppk_username: str


def generate_organisation(kinerja: Kinerja, code: str, name: str, employees: int, password: str,
                          actor: str = "seed") -> GeneratedOrganisation:
    """A synthetic organisation of ``employees`` people (the PPK included) for benchmarks and scale tests.

    A PPK at the top (the first unit), units of :data:`UNIT_SIZE` with a head reporting to
    the PPK and staff reporting to their head. Every employee gets an account (username =
    NIP) so their tasks reach a real inbox, but all accounts share one password hash,
    computed once: hashing 10 000 passwords with scrypt one by one would take about 25
    minutes and prove nothing. Rows go in with bulk inserts, one level of the hierarchy at
    a time (a supervisor's id is needed before their staff are inserted).
    """
    if employees < 1:
        raise ValueError("an organisation needs at least one employee")
    unit_count = max(1, -(-(employees - 1) // UNIT_SIZE))
    shared_hash = generate_password_hash(password)
    with kinerja.unit_of_work() as uow:
        session = uow.session
        if session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None:
            raise Conflict(f"organisation '{code}' already exists")
        organisation = Organisation(code=code, name=name)
        session.add(organisation)
        uow.flush()
        org_id = organisation.id
        unit_ids = session.scalars(insert(Unit).returning(Unit.id, sort_by_parameter_order=True), [
            {"organisation_id": org_id, "code": f"unit-{number:04d}", "name": f"Unit Kerja {number}",
             "parent_id": None} for number in range(1, unit_count + 1)]).all()

        def person(index: int, unit_id: int, position: str, supervisor_id: Optional[int]) -> dict[str, Any]:
            # 18 digits: a birth date, the organisation and a serial, and the sex digit.
            nip = f"{1970 + index % 30}{1 + index % 12:02d}{1 + index % 28:02d}{org_id % 100:02d}{index:07d}{1 + index % 2}"
            return {"organisation_id": org_id, "unit_id": unit_id, "nip": nip, "name": _name(index),
                    "position": position, "supervisor_id": supervisor_id, "active": True}

        def add_level(rows: list[dict[str, Any]]) -> list[int]:
            ids = session.scalars(insert(Employee).returning(Employee.id, sort_by_parameter_order=True), rows).all()
            session.execute(insert(User), [
                {"username": row["nip"], "password_hash": shared_hash, "display_name": row["name"],
                 "organisation_id": org_id, "employee_id": employee_id, "active": True}
                for row, employee_id in zip(rows, ids)])
            return list(ids)

        (ppk_id,) = add_level([person(0, unit_ids[0], "Sekretaris Daerah", None)])
        heads = add_level([person(number + 1, unit_id, f"Kepala Unit Kerja {number + 1}", ppk_id)
                           for number, unit_id in enumerate(unit_ids)][:employees - 1])
        staff_units = [(index, (index - 1 - len(heads)) // (UNIT_SIZE - 1)) for index in range(1 + len(heads), employees)]
        staff = [person(index, unit_ids[unit], "Pelaksana", heads[unit]) for index, unit in staff_units]
        if staff:
            add_level(staff)
        ppk_username = session.scalar(select(Employee.nip).where(Employee.id == ppk_id))
        hr_username = f"hr-{code}"
        session.execute(insert(User), [{"username": hr_username, "password_hash": shared_hash,
                                        "display_name": f"BKPSDM {name}", "organisation_id": org_id,
                                        "employee_id": None, "active": True}])
        user_ids = dict(session.execute(select(User.username, User.id).where(
            User.username.in_([ppk_username, hr_username]))).all())
        session.execute(insert(UserRole), [{"user_id": user_ids[ppk_username], "role": ROLE_PPK},
                                           {"user_id": user_ids[hr_username], "role": ROLE_HR}])
        uow.record(actor, "org.generated", {"code": code, "name": name, "units": unit_count,
                                            "employees": employees, "shared_password_hash": True})
        uow.commit()
    return GeneratedOrganisation(org_id, unit_count, employees, hr_username, ppk_username)
