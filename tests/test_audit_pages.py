"""The auditor's pages and API: read-only views of the trail, for auditors only, with streamed
exports that match what the database holds."""
from __future__ import annotations

import csv
import io
import json

import pytest
from flask import Flask
from sqlalchemy import select

from engine.kinerja import Kinerja
from engine.models import AuditEvent, ProcessInstance
from tests.support import ApiClient, SmallOrg, elements, error_of, finish_all_open_work, login, open_cycle, text

RINA_NIP = "199003032015031003"


@pytest.fixture
def year(org: SmallOrg, deployed: Kinerja) -> tuple[int, int]:
    """(cycle id, Rina's instance id) of a year finished by both nurses, Rina and Dedi."""
    cycle_id, (instance_id, _dedi) = open_cycle(deployed, [org.cycle_employee, org.employee_ids["199104042016041004"]])
    finish_all_open_work(deployed)
    return cycle_id, instance_id


def _stored(kinerja: Kinerja, instance_id: int | None = None) -> list[dict]:
    """One instance's stored events (those of every instance of the cycle when ``instance_id``
    is None: the units' result steps belong to no cycle)."""
    with kinerja.unit_of_work() as uow:
        scope = AuditEvent.instance_id == instance_id if instance_id else AuditEvent.instance_id.in_(
            select(ProcessInstance.id).where(ProcessInstance.cycle_id.is_not(None)))
        return [{"seq": e.seq, "action": e.action, "actor": e.actor, "data": e.data, "hash": e.hash}
                for e in uow.session.scalars(select(AuditEvent).where(scope).order_by(AuditEvent.seq))]


def test_the_auditor_searches_opens_the_timeline_and_exports(year: tuple[int, int], deployed: Kinerja,
                                                             app: Flask) -> None:
    cycle_id, instance_id = year
    client = login(app, "auditor")
    assert "nav-audit" in client.get("/inbox").get_data(as_text=True)

    found = client.get("/audit", query_string={"employee": "rina", "action": "decision.evaluated"})
    html = found.get_data(as_text=True)
    # four quarters' predikat, then the year's predikat, follow-up and tunjangan
    assert found.status_code == 200 and len(elements(html, "audit-hit")) == 7
    assert {hit["data-instance-id"] for hit in elements(html, "audit-hit")} == {str(instance_id)}
    assert "Tentukan predikat periode" in html and "Determine" not in html, "an element by its name in the diagram"

    page = client.get(f"/audit/instances/{instance_id}").get_data(as_text=True)
    assert text(page, "audit-predikat") == "Sangat Baik"
    assert "Tentukan predikat kinerja" in page and "Determine" not in page
    matched = elements(page, "matched-rule")  # one row per decision: 4 quarters, the predikat, follow-up, tunjangan
    assert len(matched) == len(elements(page, "decision")) == 7
    assert [row["data-rule-id"] for row in matched[:5]] == ["rule_sesuai_sesuai"] * 4 + ["rule_diatas_diatas"]
    assert len(elements(page, "timeline-event")) == len(_stored(deployed, instance_id))
    only_completions = client.get(f"/audit/instances/{instance_id}", query_string={"action": "task.completed"})
    assert {row["data-action"] for row in elements(only_completions.get_data(as_text=True), "timeline-event")} == {
        "task.completed"}

    as_json = client.get(f"/audit/instances/{instance_id}/export.json")
    assert as_json.mimetype == "application/json" and "attachment" in as_json.headers["Content-Disposition"]
    assert [{k: e[k] for k in ("seq", "action", "actor", "data", "hash")} for e in as_json.get_json()] == _stored(
        deployed, instance_id)
    as_csv = list(csv.DictReader(io.StringIO(client.get(f"/audit/cycles/{cycle_id}/export.csv")
                                             .get_data(as_text=True))))
    assert [int(row["seq"]) for row in as_csv] == [e["seq"] for e in _stored(deployed)]
    assert [json.loads(row["data"]) for row in as_csv] == [e["data"] for e in _stored(deployed)]
    assert client.get(f"/audit/instances/{instance_id}/export.xml").status_code == 404

    report = client.get(f"/audit/employees/{RINA_NIP}/report").get_data(as_text=True)
    assert "Rina Marlina" in text(report, "audit-report") and elements(report, "matched-rule")
    verified = client.get("/audit/verify").get_data(as_text=True)
    assert elements(verified, "verify-result")[0]["data-ok"] == "true"
    assert "belum ada titik periksa" in text(verified, "verify-no-checkpoint"), "intact, but a cut tail would pass"


def test_search_pages_and_bad_search_input(year: tuple[int, int], deployed: Kinerja,
                                           app: Flask) -> None:
    client = login(app, "auditor")
    both_nurses = len(_stored(deployed))
    assert 100 < both_nurses <= 150  # three pages of 50
    pages = [client.get("/audit", query_string={"employee": "amd.kep", "offset": offset}).get_data(as_text=True)
             for offset in (0, 50, 100)]
    assert [len(elements(page, "audit-hit")) for page in pages] == [50, 50, both_nurses - 100]
    assert elements(pages[0], "audit-next") and elements(pages[1], "audit-next")
    assert elements(pages[2], "audit-prev") and not elements(pages[2], "audit-next")
    seqs = [int(h["_text"].split()[0]) for page in pages for h in elements(page, "audit-hit")]
    assert seqs == sorted((e["seq"] for e in _stored(deployed)), reverse=True)
    bad = client.get("/audit", query_string={"date_from": "kemarin"}).get_data(as_text=True)
    assert "date_from" in text(bad, "audit-search-errors")


def test_other_users_cannot_open_the_audit_views(year: tuple[int, int], deployed: Kinerja,
                                                 app: Flask) -> None:
    for username in ("hr", "kapus", "rina"):
        client = login(app, username)
        assert "nav-audit" not in client.get("/inbox").get_data(as_text=True)
        for path in ("/audit", f"/audit/instances/{year[1]}", f"/audit/instances/{year[1]}/export.csv",
                     f"/audit/cycles/{year[0]}/export.json", f"/audit/employees/{RINA_NIP}/report", "/audit/verify"):
            assert client.get(path).status_code == 403, (username, path)


def test_the_audit_api_searches_explains_and_exports(year: tuple[int, int], deployed: Kinerja,
                                                       api: ApiClient) -> None:
    cycle_id, instance_id = year
    page = api.ok("get", "/audit/events", "auditor", query_string={"employee": RINA_NIP, "limit": 3})
    assert len(page["items"]) == 3 and page["total"] == len(_stored(deployed, instance_id))
    decided = api.ok("get", "/audit/events", "auditor", query_string={"predikat": "SANGAT_BAIK",
                                                                      "action": "decision.evaluated"})
    assert decided["total"] == 14  # four quarters' predikat, the year's, follow-up and tunjangan, for each nurse
    decisions = api.ok("get", f"/audit/instances/{instance_id}/decisions", "auditor")["items"]
    predikat = [d for d in decisions if d["decision_id"] == "predikat_kinerja"][-1]  # the year's, after the quarters
    assert [r["rule_id"] for r in predikat["table"]["rules"] if r["matched"]] == ["rule_diatas_diatas"]
    assert predikat["source"]["version"] == 1

    exported = api.get(f"/audit/cycles/{cycle_id}/export", "auditor")
    assert [e["seq"] for e in json.loads(exported.get_data(as_text=True))] == [e["seq"] for e in _stored(deployed)]
    as_csv = api.get(f"/audit/instances/{instance_id}/export", "auditor", query_string={"format": "csv"})
    assert as_csv.mimetype == "text/csv"
    error_of(api.get(f"/audit/instances/{instance_id}/export", "auditor", query_string={"format": "xml"}), 422)
    error_of(api.get(f"/audit/cycles/{cycle_id + 1}/export", "auditor"), 404)
    error_of(api.get("/audit/events", "auditor", query_string={"date_to": "besok"}), 422)
    for other in ("hr", "kapus"):
        error_of(api.get("/audit/events", other), 403)
        error_of(api.get(f"/audit/instances/{instance_id}/decisions", other), 403)
    assert api.ok("get", "/audit/verify", "auditor")["checkpoints_checked"] == 0
