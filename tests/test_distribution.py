"""The distribution curve of SE MenPANRB 3/2023, as the deployed DMN table ``kurva_distribusi``
gives it: for each of the five unit results, predikat sets that keep the pattern and sets
that break it (maximums, minimums, "largest group" and "must be some"), counted in whole
people for small units."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.actors import Operator
from engine.definition_cache import newest_deployment
from engine.definitions import DefinitionFile
from engine.deployment import deploy
from engine.distribution import check_distribution, pattern_of, pattern_words
from engine.kinerja import Kinerja
from tests.support import BPMN_DIR


def deployed_pattern(kinerja: Kinerja, unit_result: str):  # type: ignore[no-untyped-def]
    """The constraints of the newest deployment's table for ``unit_result``."""
    with kinerja.reading() as uow:
        definitions = kinerja.definitions.of(uow.session, newest_deployment(uow.session).id)
    return pattern_of(definitions, unit_result)


def counts(sb: int = 0, b: int = 0, bp: int = 0, k: int = 0, sk: int = 0) -> dict[str, int]:
    return {"SANGAT_BAIK": sb, "BAIK": b, "BUTUH_PERBAIKAN": bp, "KURANG": k, "SANGAT_KURANG": sk}


# (unit result, the predikat counts, the rules broken: (group, kind) of each violation)
CASES = [
    ("ISTIMEWA", counts(sb=6, b=4), []),
    ("ISTIMEWA", counts(sb=4, b=4, bp=2), []),  # a tie still leaves Sangat Baik the largest group
    ("ISTIMEWA", counts(sb=8, b=2), [("SANGAT_BAIK", "max")]),
    ("ISTIMEWA", counts(sb=3, b=5, bp=2), [("SANGAT_BAIK", "largest")]),
    ("BAIK", counts(sb=2, b=6, bp=1, k=1), []),
    ("BAIK", counts(b=7, bp=3), []),
    ("BAIK", counts(sb=3, b=7), [("BUTUH_PERBAIKAN,KURANG", "some")]),
    ("BAIK", counts(b=8, k=2), [("BAIK", "max")]),
    ("BAIK", counts(sb=5, b=4, bp=1), [("BAIK", "largest")]),
    ("BUTUH_PERBAIKAN", counts(sb=1, b=3, bp=6), []),
    ("BUTUH_PERBAIKAN", counts(b=6, bp=4), [("BUTUH_PERBAIKAN", "min")]),
    ("BUTUH_PERBAIKAN", counts(sb=2, b=1, bp=7), [("SANGAT_BAIK", "max")]),
    ("KURANG", counts(sb=1, bp=2, k=7), []),
    ("KURANG", counts(b=5, k=5), [("KURANG", "min"), ("BUTUH_PERBAIKAN", "min")]),
    ("KURANG", counts(sb=2, bp=1, k=7), [("SANGAT_BAIK", "max")]),
    ("SANGAT_KURANG", counts(k=1, bp=1, sk=8), []),
    ("SANGAT_KURANG", counts(b=4, sk=6), [("KURANG,BUTUH_PERBAIKAN", "min")]),
    ("SANGAT_KURANG", counts(sb=1, k=4, sk=5), [("SANGAT_KURANG", "min"), ("SANGAT_BAIK", "max")]),
]


@pytest.mark.parametrize(("unit_result", "predikats", "broken"), CASES,
                         ids=[f"{c[0]}-{'ok' if not c[2] else '+'.join(k for _, k in c[2])}-{i}"
                              for i, c in enumerate(CASES)])
def test_the_deployed_table_decides_which_sets_keep_the_pattern(
        deployed: Kinerja, unit_result: str, predikats: dict[str, int], broken: list[tuple[str, str]]) -> None:
    violations = check_distribution(deployed_pattern(deployed, unit_result), predikats)
    assert [(",".join(v.constraint.predikats), v.constraint.kind) for v in violations] == broken


def test_messages_name_the_actual_share_and_the_rule(deployed: Kinerja) -> None:
    [violation] = check_distribution(deployed_pattern(deployed, "BUTUH_PERBAIKAN"), counts(b=6, bp=4))
    assert violation.message == "Butuh Perbaikan 40% (4 dari 10 orang) — paling sedikit 60% (6 orang)"
    [none_allowed] = check_distribution(deployed_pattern(deployed, "SANGAT_KURANG"), counts(sb=1, k=1, sk=8))
    assert none_allowed.message.endswith("— tidak boleh ada")
    assert pattern_words(deployed_pattern(deployed, "BAIK")) == (
        "Baik kelompok terbanyak; Baik paling banyak 70%; harus ada Butuh Perbaikan dan/atau Kurang/Misconduct")


SMALL_UNITS = [
    # 60 % of 3 is 1.8: two people; 10 % of 3 is 0.3: nobody needed, nobody allowed
    ("KURANG", counts(b=1, k=2), []),
    ("KURANG", counts(b=2, k=1), [("KURANG", "min")]),
    ("BUTUH_PERBAIKAN", counts(sb=1, bp=2), [("SANGAT_BAIK", "max")]),
    # 10 % of 5 is 0.5: one Sangat Baik allowed
    ("BUTUH_PERBAIKAN", counts(sb=1, b=1, bp=3), []),
    # one person cannot be both the largest group and "some" other group
    ("BAIK", counts(b=1), []),
    ("BAIK", counts(b=2), [("BAIK", "max"), ("BUTUH_PERBAIKAN,KURANG", "some")]),  # 70 % of 2 is 1.4: one
    ("BAIK", counts(b=1, bp=1), []),
]


@pytest.mark.parametrize(("unit_result", "predikats", "broken"), SMALL_UNITS)
def test_small_units_are_counted_in_whole_people(
        deployed: Kinerja, unit_result: str, predikats: dict[str, int], broken: list[tuple[str, str]]) -> None:
    violations = check_distribution(deployed_pattern(deployed, unit_result), predikats)
    assert [(",".join(v.constraint.predikats), v.constraint.kind) for v in violations] == broken


def test_rounding_is_said_in_the_message(deployed: Kinerja) -> None:
    [violation] = check_distribution(deployed_pattern(deployed, "KURANG"), counts(b=2, k=1))
    assert violation.message == ("Kurang/Misconduct 33,3% (1 dari 3 orang) — paling sedikit 60% "
                                 "(2 orang, dibulatkan dari 1,8)")


def test_hr_changes_the_pattern_by_deploying_a_new_table_version(deployed: Kinerja) -> None:
    source = (BPMN_DIR / "kurva_distribusi.dmn").read_text(encoding="utf-8")
    stricter = source.replace("<text>60</text>", "<text>80</text>")
    deploy(deployed, Operator("hr"), [DefinitionFile.from_upload("kurva_distribusi.dmn", stricter.encode())])
    [violation] = check_distribution(deployed_pattern(deployed, "BUTUH_PERBAIKAN"), counts(b=3, bp=7))
    assert violation.message.endswith("paling sedikit 80% (8 orang)")
    assert Path(BPMN_DIR / "kurva_distribusi.dmn").read_text(encoding="utf-8") == source
