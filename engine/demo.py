"""The demo organisation: Pemerintah Kabupaten Bungo, a few units and 40-odd employees.

Deterministic (same names and NIPs every time), so the README can name demo accounts.
Every employee gets an account (username = NIP, password :data:`DEMO_PASSWORD`); the
named demo accounts returned by :func:`seed_demo_organisation` are the ones people use.
"""
from __future__ import annotations

from dataclasses import dataclass

from .assignment import ROLE_AUDITOR, ROLE_HR, ROLE_PPK
from .org import EmployeeSpec, add_employees, add_user, create_organisation
from .services import Kinerja

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


def seed_demo_organisation(kinerja: Kinerja) -> list[DemoAccount]:
    """Create the demo organisation and its accounts; return the accounts to print."""
    create_organisation(kinerja, ORG_CODE, "Pemerintah Kabupaten Bungo", UNITS)
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
    add_employees(kinerja, ORG_CODE, specs, actor="seed")
    add_user(kinerja, ORG_CODE, "hr", DEMO_PASSWORD, "Admin BKPSDM Bungo", roles=(ROLE_HR,), actor="seed")
    add_user(kinerja, ORG_CODE, "auditor", DEMO_PASSWORD, "Auditor Inspektorat Bungo", roles=(ROLE_AUDITOR,),
             actor="seed")
    return DEMO_ACCOUNTS


def _renamed(spec: EmployeeSpec, username: str) -> EmployeeSpec:
    return EmployeeSpec(spec.nip, spec.name, spec.position, spec.unit_code, spec.supervisor_nip,
                        username=username, password=spec.password, roles=spec.roles)


DEMO_SKP = {"rhk": [
    {"description": "Meningkatnya cakupan imunisasi dasar lengkap di wilayah kerja", "indicator": "Cakupan IDL",
     "indicator_type": "kuantitas", "target_value": 95, "unit": "persen"},
    {"description": "Terlaksananya kunjungan rumah balita gizi kurang", "indicator": "Jumlah kunjungan",
     "indicator_type": "kuantitas", "target_value": 120, "unit": "kunjungan"},
]}


def submit_demo_drafts(kinerja: Kinerja) -> int:
    """Let the Puskesmas staff (all but the demo employee) submit their SKP drafts, so the demo
    supervisor finds approvals waiting in his inbox. Returns how many were submitted."""
    from .inbox import list_tasks
    from .org import staff_usernames

    submitted = 0
    for username in staff_usernames(kinerja, supervisor_username="atasan"):
        if username == "pegawai":
            continue
        for task in list_tasks(kinerja, username):
            if task.task_key == "draft_skp":
                kinerja.complete_task(task.id, username, DEMO_SKP)
                submitted += 1
    return submitted
