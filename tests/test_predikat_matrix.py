"""The predikat matrix of PermenPANRB 6/2022, evaluated through the deployed DMN file."""
from __future__ import annotations

import pytest

from engine.actors import Operator
from engine.deployment import evaluate_decision
from engine.kinerja import Kinerja

ATAS, SESUAI, BAWAH = "DIATAS_EKSPEKTASI", "SESUAI_EKSPEKTASI", "DIBAWAH_EKSPEKTASI"

# rows = rating hasil kerja, columns = rating perilaku kerja (DESIGN.md §1)
MATRIX = [
    (ATAS, BAWAH, "KURANG", "Kurang/Misconduct"),
    (ATAS, SESUAI, "BAIK", "Baik"),
    (ATAS, ATAS, "SANGAT_BAIK", "Sangat Baik"),
    (SESUAI, BAWAH, "KURANG", "Kurang/Misconduct"),
    (SESUAI, SESUAI, "BAIK", "Baik"),
    (SESUAI, ATAS, "BAIK", "Baik"),
    (BAWAH, BAWAH, "SANGAT_KURANG", "Sangat Kurang"),
    (BAWAH, SESUAI, "BUTUH_PERBAIKAN", "Butuh Perbaikan"),
    (BAWAH, ATAS, "BUTUH_PERBAIKAN", "Butuh Perbaikan"),
]


@pytest.mark.parametrize("hasil, perilaku, predikat, label", MATRIX)
def test_each_cell_of_the_matrix(deployed: Kinerja, hasil: str, perilaku: str, predikat: str, label: str) -> None:
    record = evaluate_decision(deployed, Operator('test'), "predikat_kinerja", {"rating_hasil_kerja": hasil, "rating_perilaku_kerja": perilaku})
    assert record.outputs == {"predikat": predikat, "predikat_label": label}
    assert len(record.matched_rules) == 1, "exactly one row of the table matches each cell"


def test_an_unknown_rating_matches_no_rule(deployed: Kinerja) -> None:
    record = evaluate_decision(deployed, Operator('test'), "predikat_kinerja", {"rating_hasil_kerja": "LUAR_BIASA", "rating_perilaku_kerja": SESUAI})
    assert record.matched_rules == [] and record.outputs == {}
