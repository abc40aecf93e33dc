"""The distribution curve (kurva distribusi, SE MenPANRB 3/2023): which predikat shares a
unit's employees may have, given the organisation's result for the unit.

The rules are not here: they are the deployed DMN table ``kurva_distribusi``
(bpmn/kurva_distribusi.dmn, hit policy COLLECT), versioned and replaceable by HR like any
process. Each matching row is one :class:`Constraint`: a group of predikat (one, or several
counted together such as "Kurang and/or Butuh Perbaikan"), a kind and a percentage:

- ``min``: the group holds at least that share of the unit's rated employees;
- ``max``: at most that share (``max`` 0: nobody);
- ``largest``: no single other predikat has more employees than the group (a tie is allowed);
- ``some``: at least one employee in the group.

**Small units.** Shares are counted in whole people: a share of ``n`` employees is rounded
half up to a number of people (60 % of 3 = 1.8 → 2 people; 10 % of 3 = 0.3 → 0 people, so a
unit of three needs no one for a 10 % minimum, and may give no one a predikat capped at
10 %). "Must be some" needs at least :data:`MIN_EMPLOYEES_FOR_SOME` rated employees: a unit
of one cannot hold both the largest group and another one. The messages say when rounding
decided the number ("dibulatkan").
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping, Optional

from .definitions import DefinitionSet
from .errors import NotFound, ProcessError
from .evaluation_tables import PREDIKATS
from .instance_run import guarded
from .runtime import evaluate_decision

DISTRIBUTION_DECISION = "kurva_distribusi"
CONSTRAINT_KINDS = ("min", "max", "largest", "some")
MIN_EMPLOYEES_FOR_SOME = 2

PREDIKAT_LABELS = {"SANGAT_BAIK": "Sangat Baik", "BAIK": "Baik", "BUTUH_PERBAIKAN": "Butuh Perbaikan",
                   "KURANG": "Kurang/Misconduct", "SANGAT_KURANG": "Sangat Kurang"}
UNIT_RESULT_LABELS = {"ISTIMEWA": "Istimewa", "BAIK": "Baik", "BUTUH_PERBAIKAN": "Butuh Perbaikan/Cukup",
                      "KURANG": "Kurang", "SANGAT_KURANG": "Sangat Kurang"}


@dataclass(frozen=True)
class Constraint:
    """One row of the distribution table that applies to a unit."""

    predikats: tuple[str, ...]
    kind: str  # one of CONSTRAINT_KINDS
    percent: Optional[float]  # for min and max
    rule_id: str

    @property
    def group_label(self) -> str:
        return " dan/atau ".join(PREDIKAT_LABELS[p] for p in self.predikats)

    def words(self) -> str:
        """The rule as HR reads it: "Butuh Perbaikan paling sedikit 60%"."""
        if self.kind == "largest":
            return f"{self.group_label} kelompok terbanyak"
        if self.kind == "some":
            return f"harus ada {self.group_label}"
        if self.kind == "max" and not self.percent:
            return f"tidak ada {self.group_label}"
        bound = "paling sedikit" if self.kind == "min" else "paling banyak"
        return f"{self.group_label} {bound} {_percent(self.percent or 0)}"

    def as_dict(self) -> dict[str, Any]:
        return {"predikats": list(self.predikats), "kind": self.kind, "percent": self.percent,
                "rule_id": self.rule_id, "words": self.words()}


@dataclass(frozen=True)
class Violation:
    """A constraint the unit's predikat set breaks, with the message HR sees."""

    constraint: Constraint
    people: int  # employees in the group
    rated: int  # employees with a predikat
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"constraint": self.constraint.as_dict(), "people": self.people, "rated": self.rated,
                "message": self.message}


def pattern_of(definitions: DefinitionSet, unit_result: str) -> list[Constraint]:
    """The constraints the deployed table gives for ``unit_result``, in the table's order
    (404 when no deployment holds the table)."""
    try:
        engine = definitions.decision_engine(DISTRIBUTION_DECISION)
    except KeyError:
        raise NotFound(f"decision '{DISTRIBUTION_DECISION}' is not deployed") from None
    record = guarded(lambda: evaluate_decision(engine, DISTRIBUTION_DECISION, {"unit_result": unit_result}))
    outputs = record.outputs
    constraints = []
    for index, matched in enumerate(record.matched_rules):
        groups, kind, percent = outputs["predikat_group"][index], outputs["kind"][index], outputs["percent"][index]
        predikats = tuple(part.strip() for part in str(groups).split(",") if part.strip())
        if kind not in CONSTRAINT_KINDS or not predikats or not set(predikats) <= set(PREDIKATS):
            raise ProcessError(f"row {matched['row']} of '{DISTRIBUTION_DECISION}' is not a constraint: "
                           f"group {groups!r}, kind {kind!r}")
        constraints.append(Constraint(predikats, kind, float(percent) if percent not in ("", None) else None,
                                      matched["rule_id"]))
    return constraints


def pattern_words(constraints: list[Constraint]) -> str:
    """The whole pattern in one sentence."""
    return "; ".join(c.words() for c in constraints) or "tidak ada pola distribusi"


def shares(counts: Mapping[str, int]) -> dict[str, float]:
    """Each predikat's share (0..1, four decimals) of the employees with a predikat."""
    rated = sum(counts.get(p, 0) for p in PREDIKATS)
    return {p: round(counts.get(p, 0) / rated, 4) if rated else 0.0 for p in PREDIKATS}


def check_distribution(constraints: list[Constraint], counts: Mapping[str, int]) -> list[Violation]:
    """The constraints ``counts`` (predikat → employees) breaks, counted in whole people."""
    rated = sum(counts.get(p, 0) for p in PREDIKATS)
    if rated == 0:
        return []
    violations = []
    for constraint in constraints:
        people = sum(counts.get(p, 0) for p in constraint.predikats)
        message = _broken(constraint, people, rated, counts)
        if message is not None:
            violations.append(Violation(constraint, people, rated, message))
    return violations


def _broken(constraint: Constraint, people: int, rated: int, counts: Mapping[str, int]) -> Optional[str]:
    actual = f"{constraint.group_label} {_percent(100 * people / rated)} ({people} dari {rated} orang)"
    if constraint.kind == "largest":
        bigger = [p for p in PREDIKATS if p not in constraint.predikats and counts.get(p, 0) > people]
        if bigger:
            other = max(bigger, key=lambda p: counts.get(p, 0))
            return (f"{actual} — harus kelompok terbanyak, tetapi {PREDIKAT_LABELS[other]} "
                    f"{counts.get(other, 0)} orang")
        return None
    if constraint.kind == "some":
        if rated < MIN_EMPLOYEES_FOR_SOME or people > 0:
            return None
        return f"{actual} — harus ada paling sedikit 1 orang"
    exact = rated * (constraint.percent or 0) / 100
    whole = int(Decimal(str(exact)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    rounded = "" if exact == whole else f", dibulatkan dari {exact:.1f}".replace(".", ",")
    if constraint.kind == "min" and people < whole:
        return f"{actual} — paling sedikit {_percent(constraint.percent or 0)} ({whole} orang{rounded})"
    if constraint.kind == "max" and people > whole:
        if not constraint.percent:
            return f"{actual} — tidak boleh ada"
        return f"{actual} — paling banyak {_percent(constraint.percent)} ({whole} orang{rounded})"
    return None


def _percent(value: float) -> str:
    """40 → "40%", 33.333 → "33,3%" (Indonesian decimal comma)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')}%"
