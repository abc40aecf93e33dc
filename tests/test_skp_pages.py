"""The SKP on pages, as a nurse and her Kepala Puskesmas use them: the SKP editor of the draft
task (grouped RHK, several indicators, Rencana Aksi, Perilaku, lampiran), saving a draft and
coming back, the approval page with the SKP as a document and comments per RHK, the return
with its comments at the top, and the SKP document page with its versions and revisions."""
from __future__ import annotations

import re
from typing import Optional

from flask import Flask
from flask.testing import FlaskClient

from engine.kinerja import Kinerja
from engine.skp import list_skp
from tests.support import SmallOrg, agree_skp, elements, inbox_task, login, submit_skp, text

KAPUS_NIP = "198002022005012002"
RINA_NIP = "199003032015031003"


def field_value(html: str, name: str) -> Optional[str]:
    match = re.search(rf'<(?:input|textarea)[^>]*\bname="{re.escape(name)}"[^>]*?(?:\bvalue="([^"]*)"[^>]*)?>'
                      rf'([^<]*)', html)
    if not match:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def intervensi_choices(page: str, row: int = 0) -> list[str]:
    """The supervisor's RHK the editor offers a row, by id (the select's options)."""
    select = re.search(rf'<select[^>]*name="rhk-{row}-intervensi".*?</select>', page, re.S)
    assert select, "the row names what it intervenes from a list"
    return [value for value in re.findall(r'<option value="(\d*)"', select.group(0)) if value]


def two_rhk(intervensi: str) -> dict[str, str]:
    """Rina's SKP as she types it: two RHK utama, one with a target in minutes."""
    return {
        "rhk-0-kind": "utama", "rhk-0-intervensi": intervensi,
        "rhk-0-text": "Meningkatnya cakupan imunisasi dasar lengkap",
        "rhk-0-indicators-0-aspek": "kuantitas", "rhk-0-indicators-0-text": "Persentase bayi dengan IDL",
        "rhk-0-indicators-0-target_value": "95", "rhk-0-indicators-0-target_unit": "persen",
        "rhk-1-kind": "utama", "rhk-1-intervensi": intervensi, "rhk-1-text": "Terlaksananya posyandu lansia",
        "rhk-1-indicators-0-aspek": "waktu", "rhk-1-indicators-0-text": "Rata-rata waktu layanan",
        "rhk-1-indicators-0-target_value": "12,5", "rhk-1-indicators-0-target_unit": "menit",
        "rhk-1-rencana_aksi-1": "Jadwal posyandu lansia\nPendataan lansia",
        "perilaku-kompeten": "Mengikuti pelatihan imunisasi",
        "lampiran-dukungan_sumber_daya": "Vaksin dan rantai dingin",
    }


def rina_ready_to_submit(app: Flask, org: SmallOrg, cycle: int, deployed: Kinerja) -> tuple[FlaskClient, int, str]:
    """Rina signed in with her draft task open, her head's SKP agreed: (client, task id, the
    id of the head's RHK the editor offers)."""
    agree_skp(deployed, org.employee_ids[KAPUS_NIP], cycle)
    rina = login(app, "rina")
    task_id = inbox_task(deployed, "rina", "draft_skp").id
    (choice,) = intervensi_choices(rina.get(f"/tasks/{task_id}").get_data(as_text=True))
    return rina, task_id, choice


def field_errors(page: str) -> dict[str, str]:
    return {e["data-field"]: e["_text"] for e in elements(page, "field-error")}


def test_a_nurse_submits_her_skp_and_the_supervisor_sees_it(app: Flask, org: SmallOrg, cycle: int,
                                                            deployed: Kinerja) -> None:
    rina = login(app, "rina")
    task_id = inbox_task(deployed, "rina", "draft_skp").id
    waiting = rina.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Siti Aminah" in text(waiting, "waiting-for-supervisor"), "her head's SKP is not agreed yet"

    rina, task_id, choice = rina_ready_to_submit(app, org, cycle, deployed)
    page = rina.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert text(page, "task-title") == "Susun SKP" and text(page, "employee-nip") == RINA_NIP
    assert not elements(page, "waiting-for-supervisor")
    assert elements(page, "add-rhk-utama") and elements(page, "add-rhk-tambahan") and elements(page, "add-indicator")
    assert 'name="rhk-0-indicators-0-target_value"' in page, "one blank RHK utama to start with"
    assert len(elements(page, "rencana-aksi")) == len(re.findall(r'name="rhk-0-rencana_aksi-\d+"', page)) >= 1
    assert elements(page, "perilaku-kompeten") and elements(page, "lampiran-konsekuensi")

    response = rina.post(f"/tasks/{task_id}", data={**two_rhk(choice), "intent": "submit"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/inbox")
    assert "SKP diajukan" in text(rina.get("/inbox").get_data(as_text=True), "flash")
    (submitted,) = list_skp(deployed, "rina")
    assert (submitted.version, submitted.status) == (1, "submitted")

    kapus = login(app, "kapus")
    approval = inbox_task(deployed, "kapus", "approve_skp")
    assert approval.subject_name == "Rina Marlina, Amd.Kep"
    page = kapus.get(f"/tasks/{approval.id}").get_data(as_text=True)
    skp = text(page, "skp")
    assert "Meningkatnya cakupan imunisasi dasar lengkap" in skp and "Terlaksananya posyandu lansia" in skp
    assert "12,5 menit" in skp and "Waktu" in skp, "numbers and aspects are shown the Indonesian way"
    assert "Mengikuti pelatihan imunisasi" in text(page, "skp-perilaku")
    assert "Jadwal posyandu lansia" in text(page, "skp-rencana-aksi")
    assert {e["_text"] for e in elements(page, "skp-intervenes")} == {"Meningkatnya cakupan imunisasi dasar lengkap"}
    assert 'data-testid="choice-skp_decision-approve"' in page and "Kembalikan untuk perbaikan" in page
    assert 'name="rhk_comments-0-rhk"' in page, "a comment can be made on one RHK"
    (drafted,) = elements(page, "history-item")
    assert "Utama 2. Terlaksananya posyandu lansia" in drafted["_text"], "the history names the RHK in words"
    assert "Mengikuti pelatihan imunisasi" in drafted["_text"] and "[{" not in drafted["_text"]


def test_a_draft_is_saved_and_the_nurse_comes_back_to_it(app: Flask, org: SmallOrg, cycle: int,
                                                         deployed: Kinerja) -> None:
    rina = login(app, "rina")
    task_id = inbox_task(deployed, "rina", "draft_skp").id
    half_done = {"rhk-0-kind": "utama", "rhk-0-text": "Terlaksananya posyandu lansia",
                 "rhk-0-indicators-0-aspek": "kualitas", "rhk-0-indicators-0-target_description": "Sesuai SOP",
                 "perilaku-loyal": "Menjaga rahasia pasien", "intent": "draft"}
    saved = rina.post(f"/tasks/{task_id}", data=half_done)
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/tasks/{task_id}"), \
        "a draft may be saved before the head's SKP is agreed, and half filled"

    page = rina.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Draf SKP tersimpan" in text(page, "flash") and text(page, "skp-status") == "Draf"
    assert field_value(page, "rhk-0-text") == "Terlaksananya posyandu lansia"
    assert field_value(page, "rhk-0-indicators-0-target_description") == "Sesuai SOP"
    assert field_value(page, "perilaku-loyal") == "Menjaga rahasia pasien"
    assert re.search(r'<option value="kualitas" selected>', page)
    assert inbox_task(deployed, "rina", "draft_skp").id == task_id, "saving a draft completes nothing"
    (draft,) = list_skp(deployed, "rina")
    assert draft.status == "draft"


def test_wrong_values_come_back_with_messages_and_nothing_changes(app: Flask, org: SmallOrg, cycle: int,
                                                                  deployed: Kinerja) -> None:
    rina, task_id, choice = rina_ready_to_submit(app, org, cycle, deployed)
    bad = {**two_rhk(choice), "rhk-0-indicators-0-target_value": "abc", "rhk-1-text": "ab"}
    response = rina.post(f"/tasks/{task_id}", data={**bad, "intent": "submit"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page) == {"rhk.0.indicators.0.target_value": "Isi dengan angka.",
                                  "rhk.1.text": "Paling sedikit 3 karakter."}
    assert elements(page, "form-errors") and 'aria-invalid="true"' in page
    assert field_value(page, "rhk-0-indicators-0-target_value") == "abc", "what was typed is shown again"
    assert field_value(page, "rhk-1-indicators-0-target_value") == "12,5"
    assert inbox_task(deployed, "rina", "draft_skp").id == task_id, "the task is still open"
    assert list_skp(deployed, "rina") == [], "nothing is stored"

    nothing = rina.post(f"/tasks/{task_id}", data={"intent": "submit"})
    assert nothing.status_code == 422 and field_errors(nothing.get_data(as_text=True)) == {
        "rhk": "Isi paling sedikit 1 baris."}

    elsewhere = rina.post(f"/tasks/{task_id}", data={**two_rhk("999999"), "intent": "submit"})
    assert elsewhere.status_code == 422, "an RHK the head's agreed SKP does not hold is refused"
    assert "rhk.0.intervensi" in field_errors(elsewhere.get_data(as_text=True))
    assert list_skp(deployed, "rina") == []


def test_rhk_and_indicators_are_added_and_removed_without_javascript(app: Flask, org: SmallOrg, cycle: int,
                                                                     deployed: Kinerja) -> None:
    rina, task_id, choice = rina_ready_to_submit(app, org, cycle, deployed)
    typed = two_rhk(choice)

    page = rina.post(f"/tasks/{task_id}", data={**typed, "_add_row": "rhk-tambahan"}).get_data(as_text=True)
    assert [row["data-kind"] for row in elements(page, "rhk-row")] == ["utama", "utama", "tambahan"]
    assert field_value(page, "rhk-1-text") == "Terlaksananya posyandu lansia", "what was typed stays"
    assert "Tambah RHK tambahan" in text(page, "add-rhk-tambahan")

    page = rina.post(f"/tasks/{task_id}", data={**typed, "_add_row": "rhk-1-indicators"}).get_data(as_text=True)
    assert len(elements(page, "indicator")) == 3 and field_value(page, "rhk-1-indicators-1-text") == ""
    assert "Tambah indikator" in text(page, "add-indicator")

    page = rina.post(f"/tasks/{task_id}", data={**typed, "_remove_row": "rhk-0"}).get_data(as_text=True)
    assert field_value(page, "rhk-0-text") == "Terlaksananya posyandu lansia"
    assert len(elements(page, "rhk-row")) == 1 and "Hapus" in text(page, "remove-rhk")
    page = rina.post(f"/tasks/{task_id}", data={**typed, "_remove_row": "rhk-1-indicators-0"}).get_data(as_text=True)
    assert field_value(page, "rhk-1-text") == "Terlaksananya posyandu lansia"
    assert field_value(page, "rhk-1-indicators-0-text") == "", "its indicator is gone: a blank one to fill in"
    assert inbox_task(deployed, "rina", "draft_skp").id == task_id and list_skp(deployed, "rina") == [], \
        "adding or removing rows saves nothing"


def test_a_returned_skp_comes_back_prefilled_with_the_comments(app: Flask, org: SmallOrg, cycle: int,
                                                               deployed: Kinerja) -> None:
    submit_skp(deployed, "rina")
    kapus = login(app, "kapus")
    approval = inbox_task(deployed, "kapus", "approve_skp")
    page = kapus.get(f"/tasks/{approval.id}").get_data(as_text=True)
    (rhk_id,) = [row["data-rhk-id"] for row in elements(page, "skp-rhk")]
    assert re.search(rf'<option value="{rhk_id}"[^>]*>Utama 1\. Meningkatnya cakupan', page), \
        "the comment's RHK is chosen by its number and text"

    without_comment = kapus.post(f"/tasks/{approval.id}", data={"skp_decision": "return"})
    assert without_comment.status_code == 422, "returning needs a comment"
    assert inbox_task(deployed, "kapus", "approve_skp").id == approval.id
    response = kapus.post(f"/tasks/{approval.id}", data={
        "skp_decision": "return", "skp_comment": "Tambahkan indikator kualitas.",
        "rhk_comments-0-rhk": rhk_id, "rhk_comments-0-comment": "Targetnya terlalu rendah."})
    assert response.status_code == 303

    rina = login(app, "rina")
    redraft = inbox_task(deployed, "rina", "draft_skp")
    page = rina.get(f"/tasks/{redraft.id}").get_data(as_text=True)
    assert "Tambahkan indikator kualitas." in text(page, "return-comment")
    assert text(page, "rhk-comment") == "Catatan Pejabat Penilai: Targetnya terlalu rendah."
    assert text(page, "skp-status") == "Dikembalikan untuk perbaikan"
    assert field_value(page, "rhk-0-text") == "Meningkatnya cakupan imunisasi dasar lengkap"
    assert field_value(page, "rhk-0-indicators-0-target_value") == "95"
    assert re.search(r'<option value="kuantitas" selected>', page)
    history = elements(page, "history-item") or elements(
        rina.get(f"/tasks/{approval.id}").get_data(as_text=True), "history-item")
    assert "Siti Aminah, SKM" in " ".join(item["_text"] for item in history), "the actor is named"


def test_what_people_type_is_escaped(app: Flask, org: SmallOrg, cycle: int, deployed: Kinerja) -> None:
    rina, task_id, choice = rina_ready_to_submit(app, org, cycle, deployed)
    script = '"><script>alert(1)</script>'
    response = rina.post(f"/tasks/{task_id}", data={**two_rhk(choice), "rhk-0-text": script,
                                                    "rhk-0-indicators-0-target_value": "x", "intent": "submit"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    saved = rina.post(f"/tasks/{task_id}", data={**two_rhk(choice), "rhk-0-text": script, "intent": "submit"})
    assert saved.status_code == 303
    (skp,) = list_skp(deployed, "rina")
    document = login(app, "kapus").get(f"/skp/{skp.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in document and "&lt;script&gt;alert(1)&lt;/script&gt;" in document


def test_the_skp_document_shows_its_versions_and_the_supervisor_opens_a_revision(
        app: Flask, org: SmallOrg, cycle: int, deployed: Kinerja) -> None:
    agree_skp(deployed, org.employee_ids[RINA_NIP], cycle)
    rina = login(app, "rina")
    listing = rina.get("/skp").get_data(as_text=True)
    (row,) = elements(listing, "skp-version-row")
    assert "Disepakati" in row["_text"]
    (link,) = elements(listing, "skp-link")
    page = rina.get(link["href"]).get_data(as_text=True)
    (document,) = elements(page, "skp-document")
    assert (document["data-version"], document["data-status"]) == ("1", "agreed")
    assert "Siti Aminah" in text(page, "skp-set"), "set by the Pejabat Penilai"
    assert "Meningkatnya cakupan imunisasi dasar lengkap" in text(page, "skp-hasil-kerja")
    assert [v["data-version"] for v in elements(page, "skp-history-version")] == ["1"]
    skp_id = int(link["href"].rsplit("/", 1)[1])

    assert login(app, "dedi").get(f"/skp/{skp_id}").status_code == 404, "a colleague does not see it"
    assert login(app, "dedi").get(f"/skp?employee={RINA_NIP}").status_code == 404
    assert login(app, "hr").get(f"/skp/{skp_id}").status_code == 200

    kapus = login(app, "kapus")
    page = kapus.get(f"/skp/{skp_id}").get_data(as_text=True)
    assert elements(page, "revision-form"), "the Pejabat Penilai may open a revision"
    refused = kapus.post(f"/skp/{skp_id}/revisions", data={"reason": "x"})
    assert refused.status_code == 422 and "alasan revisi" in text(refused.get_data(as_text=True), "field-error")
    opened = kapus.post(f"/skp/{skp_id}/revisions", data={"reason": "Penugasan baru: posyandu lansia"})
    assert opened.status_code == 303
    again = kapus.post(f"/skp/{skp_id}/revisions", data={"reason": "Penugasan baru: posyandu lansia"})
    assert again.status_code == 409 and "sudah dibuka" in again.get_data(as_text=True)

    versions = list_skp(deployed, "rina")
    assert [(v.version, v.status) for v in versions] == [(2, "draft"), (1, "agreed")]
    page = rina.get(f"/skp/{versions[0].id}").get_data(as_text=True)
    assert [v["data-version"] for v in elements(page, "skp-history-version")] == ["1", "2"]
    assert "Penugasan baru: posyandu lansia" in text(page, "skp-history")
    redraft = rina.get(f"/tasks/{inbox_task(deployed, 'rina', 'draft_skp').id}").get_data(as_text=True)
    assert "Penugasan baru: posyandu lansia" in text(redraft, "revision-reason")
    assert field_value(redraft, "rhk-0-text") == "Meningkatnya cakupan imunisasi dasar lengkap", \
        "the revision starts from the agreed content"
