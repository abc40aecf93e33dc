"""The public transparency page: charts of aggregates for the demo organisation, no names or
NIPs anywhere, small groups suppressed."""
from __future__ import annotations

from sqlalchemy import select

from engine.demo import seed_demo_feedback, seed_demo_organisation, submit_demo_drafts
from engine.models import Employee, User
from engine.services import Kinerja
from engine.transparency import transparency
from tests.support import BUNDLED_DEFINITIONS
from web import create_app


def test_the_demo_organisation_has_public_charts_without_personal_data(kinerja: Kinerja) -> None:
    kinerja.deploy(BUNDLED_DEFINITIONS(), actor="demo")
    seed_demo_organisation(kinerja)
    cycle_id = kinerja.ensure_cycle("bungo", 2026, "evaluation_cycle", actor="demo")
    kinerja.start_cycle_instances(cycle_id, kinerja.employees_without_instance(cycle_id), actor="demo")
    submit_demo_drafts(kinerja)
    with kinerja.unit_of_work() as uow:
        people = [(e.name, e.nip) for e in uow.session.scalars(select(Employee))]
        accounts = [u.username for u in uow.session.scalars(select(User))]
    seed_demo_feedback(kinerja)  # the puskesmas: averages 4.75, 4.25 and 1.5

    response = create_app(kinerja, {"SECRET_KEY": "test"}).test_client().get("/public/bungo/transparency")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<svg" in html and 'data-testid="t-cycle"' in html
    for name, nip in people:
        assert name not in html and nip not in html
    assert not any(f">{username}<" in html for username in accounts)
    assert "3,50/5" in html

    figures = transparency(kinerja, "bungo").cycles[0]
    assert figures.total.employees == 31 and not figures.total.suppressed
    assert figures.total.skp_on_time == 0  # drafts are submitted, none approved yet
    assert all(unit.suppressed == (unit.employees < 5) for unit in figures.units)
    assert any(unit.suppressed for unit in figures.units)
    assert all(unit.skp_on_time is None and unit.predikat == {} for unit in figures.units if unit.suppressed)
