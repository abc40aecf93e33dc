"""The public transparency page: charts of aggregates for the demo organisation, no names or
NIPs anywhere, and no figure that describes fewer than five people, not even by subtraction."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select

from engine.actors import Operator
from engine.demo import seed_demo_feedback, seed_demo_organisation, seed_demo_skp
from engine.deployment import deploy
from engine.kinerja import Kinerja
from engine.models import Employee, User
from engine.small_cells import Equation, is_small, suppress
from engine.transparency import CycleFigures, GroupFigures, transparency
from tests.support import BUNDLED_DEFINITIONS, TEST_CONFIG, open_cycle
from web import create_app


def test_the_demo_organisation_has_public_charts_without_personal_data(kinerja: Kinerja) -> None:
    deploy(kinerja, Operator("demo"), BUNDLED_DEFINITIONS())
    seed_demo_organisation(kinerja)
    seed_demo_skp(kinerja, open_cycle(kinerja, actor="demo").cycle_id)
    with kinerja.unit_of_work() as uow:
        people = [(e.name, e.nip) for e in uow.session.scalars(select(Employee))]
        accounts = [u.username for u in uow.session.scalars(select(User))]
    seed_demo_feedback(kinerja)  # the puskesmas: 3 ratings, DPMPTSP 2, the kecamatan 1

    response = create_app(kinerja, TEST_CONFIG).test_client().get("/public/bungo/transparency")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<svg" in html and 'data-testid="t-cycle"' in html
    for name, nip in people:
        assert name not in html and nip not in html
    assert not any(f">{username}<" in html for username in accounts)
    assert "57%" not in html and 'data-testid="t-hidden-note"' in html, "4 of the Puskesmas' 7 agreed, 3 not"
    assert "3,71/5" in html, "the six ratings of the whole organisation; no unit has five"

    figures = transparency(kinerja, "bungo").cycles[0]
    assert figures.total.employees == 31 and not figures.total.suppressed
    assert all(unit.suppressed == (unit.employees < 5) for unit in figures.units)
    assert all(unit.skp_on_time is None and unit.predikat == {} for unit in figures.units if unit.suppressed)
    (puskesmas,) = [unit for unit in figures.units if unit.name == "Puskesmas Muara Bungo"]
    assert puskesmas.skp_on_time is None, "the 3 of 7 without an agreed SKP would be a small figure"
    assert figures.total.skp_on_time == 15 / 31, "the cascade the demo agreed: Sekda, 3 heads, 11 staff"
    assert puskesmas.satisfaction is None and puskesmas.satisfaction_hidden, "three ratings"
    assert figures.total.satisfaction == 3.71 and figures.total.ratings == 6
    assert_no_small_figure(figures)


def counts_shown(group: GroupFigures) -> dict[str, Optional[int]]:
    """The figures of a group as counts of people (None: hidden), from what the page shows."""
    def count(share: Optional[float]) -> Optional[int]:
        return None if share is None else round(share * group.employees)
    return {"skp": count(group.skp_on_time), "reviews": count(group.reviews_done),
            **{f"predikat {label}": value for label, value in group.predikat.items()}}


def assert_no_small_figure(cycle: CycleFigures) -> None:
    """What a reader of the page can compute: each shown count, its complement in the group,
    the rest of a group's predikat, and the organisation's figure minus the units' shown ones."""
    shown = [group for group in (cycle.total, *cycle.units) if not group.suppressed]
    for group in shown:
        counts = counts_shown(group)
        for key, value in counts.items():
            assert value is None or not is_small([value]), (group.name, key, value)
            if key in ("skp", "reviews") and value is not None:
                assert not is_small([group.employees - value]), (group.name, key)
        predikat = [value for key, value in counts.items() if key.startswith("predikat") and value is not None]
        assert not is_small([group.employees - sum(predikat)]) or not predikat, group.name
        if group.satisfaction is not None:
            assert group.ratings is not None and group.ratings >= 5 and group.employees >= 5
    total = counts_shown(cycle.total)
    for key, value in total.items():
        if value is not None:
            units = [counts_shown(unit).get(key) for unit in cycle.units if not unit.suppressed]
            assert not is_small([value - sum(v for v in units if v is not None)]), key


# -- the suppression itself, on tables made up to show each case ------------------------------

def test_a_small_cell_takes_a_partner_so_the_row_total_does_not_give_it_away() -> None:
    cells = {"on time": (1,), "late": (6,)}
    assert suppress(cells, [Equation(("on time", "late"))]) == {"on time", "late"}
    assert suppress({"on time": (0,), "late": (7,)}, [Equation(("on time", "late"))]) == set(), \
        "nobody on time describes nobody"
    three = {"baik": (5,), "cukup": (2,), "kurang": (1,), "none": (0,)}
    assert suppress(three, [Equation(tuple(three))]) == {"baik", "cukup", "kurang"}, \
        "cukup + kurang = 3 would be known: the smallest shown cell goes too"
    four = {"sangat baik": (6,), "baik": (7,), "cukup": (3,), "kurang": (2,)}
    assert suppress(four, [Equation(tuple(four))]) == {"cukup", "kurang"}, "3 + 2 = 5: hidden together, safe"


def test_columns_are_protected_against_the_organisations_figure() -> None:
    """Three units of 8, 12 and 12; the organisation's figure is their sum."""
    units = {"a": (1, 7), "b": (6, 6), "c": (7, 5)}  # per unit: (Sangat Baik, Baik)
    cells = {(unit, label): (value,) for unit, values in units.items() for label, value in zip(("SB", "B"), values)}
    cells |= {("org", "SB"): (14,), ("org", "B"): (18,)}
    rows = [Equation(((unit, "SB"), (unit, "B"))) for unit in (*units, "org")]
    columns = [Equation(tuple((unit, label) for unit in units), ("org", label)) for label in ("SB", "B")]
    hidden = suppress(cells, rows + columns)
    assert {("a", "SB"), ("a", "B")} <= hidden, "1 Sangat Baik in unit a, and its row partner"
    assert {("b", "SB"), ("b", "B")} <= hidden, \
        "else 14 − 6 − 7 gives a's 1: b's 6 goes too, and b's Baik, or b's 6 is 12 − 6"
    assert not hidden & {("org", "SB"), ("org", "B"), ("c", "SB"), ("c", "B")}


def test_a_citizens_average_needs_five_raters_and_five_staff() -> None:
    cells = {"a": (7, 12), "b": (9, 3), "c": (2, 20), "org": (18, 35)}  # (ratings, staff)
    hidden = suppress(cells, [Equation(("a", "b", "c"), "org")])
    assert hidden == {"b", "c"}, "b has 3 staff, c 2 ratings; together 11 ratings and 23 staff"
