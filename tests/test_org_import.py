"""Importing real organisations: HR's SIASN/e-Kinerja export, previewed row by row, imported
idempotently in batches, with activation links for the new accounts (issue 19, the import)."""
from __future__ import annotations

import io
from typing import Callable

import pytest
from flask import Flask
from lxml import html as lxml_html
from sqlalchemy import func, select

from engine.actors import Operator
from engine.errors import Forbidden
from engine.import_sample import as_csv, as_xlsx, sample_rows
from engine.kinerja import Kinerja
from engine.models import AuditEvent, Employee, OutboxMessage, User
from engine.org_import_rows import nip_problem, read_rows
from engine.org_import_runs import preview_import, run_import, stage_import
from tests.support import (
    ApiClient,
    SmallOrg,
    activation_token,
    elements,
    follow_until_finished,
    login,
    run,
    staff_file_with_mistakes,
    text,
)

HR = Operator("hr-test")
FORMATS: dict[str, Callable[..., bytes]] = {"csv": as_csv, "xlsx": as_xlsx}


def import_file(kinerja: Kinerja, name: str, content: bytes, *, dry_run: bool = False, batch_size: int = 100):  # type: ignore[no-untyped-def]
    """Stage, preview and (unless ``dry_run``) import a file as an operator; the preview's plan."""
    run_id = stage_import(kinerja, HR, "bungo", name, read_rows(name, content))
    plan = preview_import(kinerja, HR, run_id).plan
    if not dry_run:
        run_import(kinerja, HR, run_id, batch_size)
    return plan


def count(kinerja: Kinerja, query) -> int:  # type: ignore[no-untyped-def]
    with kinerja.reading() as uow:
        return uow.session.scalar(query) or 0


def events(kinerja: Kinerja, action: str, after: int = 0) -> list[dict]:
    """The data of the audit events with this action (after sequence number ``after``)."""
    with kinerja.reading() as uow:
        return list(uow.session.scalars(select(AuditEvent.data).where(AuditEvent.action == action,
                                                                      AuditEvent.seq > after)
                                        .order_by(AuditEvent.seq)))


def actions_after(kinerja: Kinerja, seq: int) -> set[str]:
    with kinerja.reading() as uow:
        return set(uow.session.scalars(select(AuditEvent.action).where(AuditEvent.seq > seq)))


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_the_dry_run_names_each_refused_row_and_why_and_writes_nothing(org: SmallOrg, deployed: Kinerja,
                                                                       kind: str) -> None:
    rows, refused = staff_file_with_mistakes(500)
    employees_before = count(deployed, select(func.count(Employee.id)))

    plan = import_file(deployed, f"pegawai.{kind}", FORMATS[kind](rows), dry_run=True)

    assert {o.line: o.refusal.code for o in plan.refused if o.refusal} == refused
    assert plan.counts == {"create": 500 - len(refused), "change": 0, "unchanged": 0, "refused": len(refused)}
    by_line = {o.line: o for o in plan.outcomes}
    assert "U999" in by_line[32].refusal.detail and "lines 42, 47" in by_line[42].refusal.detail
    assert plan.new_units == {f"U{n:03d}": f"Bidang {n}" for n in range(1, 11)}
    assert count(deployed, select(func.count(Employee.id))) == employees_before, "a dry run writes nothing"


def test_the_import_creates_exactly_the_valid_rows_and_a_second_import_changes_nothing(
        org: SmallOrg, deployed: Kinerja) -> None:
    rows, refused = staff_file_with_mistakes(500)
    content = as_xlsx(rows)
    valid = {row["NIP Baru"] for line, row in enumerate(rows, start=2) if line not in refused}

    import_file(deployed, "pegawai.xlsx", content, batch_size=100)

    with deployed.reading() as uow:
        imported = set(uow.session.scalars(select(Employee.nip).where(Employee.nip.in_(valid))))
        kepala = uow.session.scalar(select(Employee).where(Employee.nip == rows[0]["NIP Baru"]))
        staff = uow.session.scalar(select(Employee).where(Employee.nip == rows[3]["NIP Baru"]))
        assert (kepala.jenis_jabatan, kepala.pangkat, kepala.supervisor_id) == ("jpt", "Penata Muda (III/a)", None)
        assert staff.supervisor.nip == rows[2]["NIP Baru"] and staff.unit.name == "Bidang 1"
    assert imported == valid and len(valid) == 500 - len(refused)
    assert count(deployed, select(func.count(Employee.id))) == len(org.employee_ids) + len(valid)
    batches = events(deployed, "org.import_batch")
    assert [e["create"] for e in batches] == [100, 100, 100, 100, 92], "one audited transaction per batch"
    assert count(deployed, select(func.count(User.id)).where(User.password_hash == "")) == len(valid)
    audit_before = count(deployed, select(func.count(AuditEvent.seq)))
    mail_before = count(deployed, select(func.count(OutboxMessage.id)))

    again = import_file(deployed, "pegawai.xlsx", content)

    assert again.counts == {"create": 0, "change": 0, "unchanged": len(valid), "refused": len(refused)}
    assert count(deployed, select(func.count(Employee.id))) == len(org.employee_ids) + len(valid)
    assert count(deployed, select(func.count(OutboxMessage.id))) == mail_before, "no second activation email"
    assert actions_after(deployed, audit_before) == {"org.import_started", "org.import_finished"}, "nothing but the run itself"


def test_a_changed_supervisor_in_a_third_import_moves_that_employee(org: SmallOrg, deployed: Kinerja) -> None:
    rows, _refused = staff_file_with_mistakes(500)
    import_file(deployed, "pegawai.csv", as_csv(rows))
    import_file(deployed, "pegawai.csv", as_csv(rows))
    mover, new_boss, old_boss = rows[5]["NIP Baru"], rows[12]["NIP Baru"], rows[5]["NIP Atasan"]
    rows[5]["NIP Atasan"] = new_boss

    plan = import_file(deployed, "pegawai.csv", as_csv(rows))

    assert [(o.nip, o.action, o.fields) for o in plan.outcomes if o.action == "change"] == \
        [(mover, "change", ("supervisor_nip",))]
    with deployed.reading() as uow:
        assert uow.session.scalar(select(Employee).where(Employee.nip == mover)).supervisor.nip == new_boss
    [moved] = events(deployed, "employee.moved")
    assert moved == {"nip": mover, "from_unit": "U001", "to_unit": "U001", "from_supervisor": old_boss,
                     "to_supervisor": new_boss, "effective_date": "2026-01-05", "reason": "Impor data pegawai"}


def test_an_imported_employee_activates_the_account_by_the_emailed_link_and_signs_in(
        org: SmallOrg, deployed: Kinerja, app: Flask) -> None:
    rows = sample_rows(20)
    import_file(deployed, "pegawai.csv", as_csv(rows))
    nip = rows[3]["NIP Baru"]
    client = app.test_client()
    assert client.post("/login", data={"username": nip, "password": ""}).status_code != 302, "no password yet"
    token = activation_token(deployed, nip)

    page = client.get(f"/aktivasi/{token}")
    assert page.status_code == 200 and nip in page.get_data(as_text=True)
    weak = client.post(f"/aktivasi/{token}", data={"new_password": "pendek", "confirm_password": "pendek"})
    assert weak.status_code == 422
    done = client.post(f"/aktivasi/{token}", data={"new_password": "Kopi-Tubruk-2026", "confirm_password":
                                                   "Kopi-Tubruk-2026"})
    assert done.status_code == 303

    assert client.post("/login", data={"username": nip, "password": "Kopi-Tubruk-2026"}).status_code == 302
    assert client.get("/inbox").status_code == 200
    assert app.test_client().get(f"/aktivasi/{token}").status_code == 404, "the link works once"
    assert [e["username"] for e in events(deployed, "account.activated")] == [nip]


def test_hr_uploads_reads_the_preview_and_imports_on_the_page(org: SmallOrg, app: Flask) -> None:
    rows, refused = staff_file_with_mistakes(80)
    hr = login(app, "hr")
    assert elements(hr.get("/inbox").get_data(as_text=True), "nav-import"), "HR finds the page in the menu"

    uploaded = hr.post("/pegawai/impor", data={"file": (io.BytesIO(as_xlsx(rows)), "siasn.xlsx")},
                       content_type="multipart/form-data")
    assert uploaded.status_code == 303
    preview = hr.get(uploaded.location).get_data(as_text=True)
    assert text(preview, "count-create") == str(80 - len(refused))
    refused_rows = lxml_html.fromstring(preview).xpath('//table[@data-testid="refused-rows"]//tr[@data-line]')
    assert {int(r.get("data-line")): r.get("data-reason") for r in refused_rows} == refused
    assert "NIP ganda dalam berkas" in preview

    assert hr.post(uploaded.location).status_code == 303
    done = follow_until_finished(hr, uploaded.location)
    assert elements(done, "import-progress")[0]["data-status"] == "completed"
    assert text(done, "done-create") == str(80 - len(refused))


def test_a_file_without_the_required_columns_or_past_the_limit_is_refused_precisely(org: SmallOrg,
                                                                                    api: ApiClient) -> None:
    headerless = api.post("/organisations/bungo/import", "hr", data={"file": (io.BytesIO(b"Nama;Email\nA;a@b.id\n"),
                                                                              "x.csv")})
    assert headerless.status_code == 422
    assert {d["location"] for d in headerless.get_json()["error"]["details"]} >= {"file.nip", "file.unit_code"}
    wrong = api.post("/organisations/bungo/import", "hr", data={"file": (io.BytesIO(b"x"), "x.pdf")})
    assert wrong.status_code == 422
    huge = api.post("/organisations/bungo/import", "hr",
                    data={"file": (io.BytesIO(b"NIP;Nama\n" + b"1" * (10 * 1024 * 1024)), "x.csv")})
    assert huge.status_code == 413 and "10485760" in huge.get_json()["error"]["message"]


def test_the_api_previews_then_imports(org: SmallOrg, api: ApiClient) -> None:
    rows, refused = staff_file_with_mistakes(80)
    content = as_csv(rows)

    preview = api.post("/organisations/bungo/import?dry_run=true", "hr", data={"file": (io.BytesIO(content), "a.csv")})
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert body["run"] is None and body["preview"]["counts"]["refused"] == len(refused)
    assert {r["line"]: r["reason"] for r in body["preview"]["rows"] if r["action"] == "refused"} == refused

    imported = api.post("/organisations/bungo/import", "hr", data={"file": (io.BytesIO(content), "a.csv")})
    assert imported.status_code == 200, imported.get_json()
    result = imported.get_json()["run"]
    assert (result["status"], result["counts"]["create"]) == ("completed", 80 - len(refused))
    followed = api.get(f"/organisations/bungo/imports/{result['id']}", "hr").get_json()
    assert followed["processed"] == followed["total"] == 80 - len(refused)


@pytest.mark.usefixtures("prefect_harness")
def test_a_large_file_imports_in_the_background_flow_with_progress(org: SmallOrg, app: Flask,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import web.pages.org_import

    monkeypatch.setattr(web.pages.org_import, "BACKGROUND_ROWS", 50)
    rows, refused = staff_file_with_mistakes(120)
    hr = login(app, "hr")
    uploaded = hr.post("/pegawai/impor", data={"file": (io.BytesIO(as_csv(rows)), "besar.csv")},
                       content_type="multipart/form-data")
    hr.post(uploaded.location)

    done = follow_until_finished(hr, uploaded.location)

    assert elements(done, "import-progress")[0]["data-status"] == "completed"
    assert text(done, "progress-text") == f"{120 - len(refused)} / {120 - len(refused)} baris ditulis"


def test_only_hr_imports_on_the_page_and_the_api_and_an_operator_on_the_command_line(
        org: SmallOrg, app: Flask, api: ApiClient, deployed: Kinerja, database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows, refused = staff_file_with_mistakes(80)
    content = as_csv(rows)
    for username in ("rina", "ppk", "auditor"):
        assert login(app, username).get("/pegawai/impor").status_code == 403
        refused_call = api.post("/organisations/bungo/import?dry_run=true", username,
                                data={"file": (io.BytesIO(content), "a.csv")})
        assert refused_call.status_code == 403
        with pytest.raises(Forbidden):
            stage_import(deployed, username, "bungo", "a.csv", read_rows("a.csv", content))
    assert login(app, "hr").get("/pegawai/impor").status_code == 200
    assert api.post("/organisations/other/import?dry_run=true", "hr",
                    data={"file": (io.BytesIO(content), "a.csv")}).status_code == 404

    path = tmp_path / "pegawai.csv"
    path.write_bytes(content)
    dry = run(database_url, "org", "import", str(path), "--org", "bungo", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"line 12 {rows[10]['NIP Baru']}: refused, nip_format" in dry.output and "nothing was written" in dry.output
    done = run(database_url, "org", "import", str(path), "--org", "bungo")
    assert done.exit_code == 0, done.output
    assert f"create {80 - len(refused)}" in done.output


@pytest.mark.parametrize(("nip", "reason"), [
    ("198501012010011001", None),
    ("19850101201001100", "nip_format"), ("1985010120100110011", "nip_format"), ("19850101201001100x", "nip_format"),
    ("198502302010011001", "nip_birth_date"), ("198501012010131001", "nip_tmt"),
    ("198501011984011001", "nip_tmt"), ("198501012010013001", "nip_gender"), ("198501012010011000", "nip_sequence"),
])
def test_a_nip_is_18_digits_with_a_birth_date_a_later_tmt_a_gender_and_a_sequence(nip: str, reason: str) -> None:
    problem = nip_problem(nip)
    assert (problem.code if problem else None) == reason


def test_headers_are_found_whatever_their_case_and_indonesian_spelling() -> None:
    content = ("nip;NAMA PEGAWAI;Golongan/Ruang;nama_jabatan;Jenis-Jabatan;KODE UNIT KERJA;Nama Unit Kerja;"
               "nip atasan langsung;E-mail\n"
               "198501012010011001;Ani;Penata (III/c);Analis;JFT;U1;Bidang Satu;;ani@contoh.go.id\n").encode()
    [row] = read_rows("pegawai.CSV", content)
    assert (row.nip, row.name, row.pangkat, row.position, row.jenis_jabatan, row.unit_code, row.unit_name,
            row.supervisor_nip, row.email) == ("198501012010011001", "Ani", "Penata (III/c)", "Analis", "JFT", "U1",
                                               "Bidang Satu", None, "ani@contoh.go.id")
