"""Small-cell suppression for published tables: no shown figure describes fewer than
:data:`MIN_PEOPLE` people, and no hidden one can be worked out from the others.

A table is a set of cells (each figure, keyed by the caller) and the equations a reader
knows between them: the cells of a row add up to the row's headcount (public), the units'
cells of a column add up to the organisation's cell. Each cell says how many people it
describes, in one or more dimensions (a count: the people counted; an average of citizens'
ratings of a unit: the ratings and the unit's staff); the smallest dimension is what counts.

Hiding only the small cells is not enough: in a row of two cells over a known total, the
hidden one is the total minus the other. So :func:`suppress` hides, besides the small
cells (primary suppression), further cells (complementary suppression) until, for every
equation, what a reader can work out about the hidden cells in it (their sum) describes
no one or at least :data:`MIN_PEOPLE` people, and no hidden cell is the only unknown of an
equation unless it describes at least that many. Zero is not small: a figure about nobody
describes no one, and a reader learns from it only what the other figures already say.

This is the usual greedy heuristic of statistical offices (hide the smallest cell that
helps), not an optimal solution; it errs on hiding more.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable, Iterator, Optional

MIN_PEOPLE = 5

People = tuple[int, ...]


@dataclass(frozen=True)
class Equation:
    """``parts`` add up to ``total``: a cell, or None for a figure every reader knows (a headcount)."""

    parts: tuple[Hashable, ...]
    total: Optional[Hashable] = None


def is_small(people: Iterable[int]) -> bool:
    smallest = min(people)
    return 0 < smallest < MIN_PEOPLE


def suppress(cells: dict[Hashable, People], equations: list[Equation],
             primary: Iterable[Hashable] = ()) -> set[Hashable]:
    """The cells to hide: ``primary`` ones, every small one, and enough others (see the module)."""
    hidden = set(primary) | {key for key, people in cells.items() if is_small(people)}
    while True:
        derived: dict[Hashable, Equation] = {}
        extra = next((cell for equation in _disclosures(cells, equations, hidden, derived)
                      if (cell := _complement(cells, equation, hidden, derived, set())) is not None), None)
        if extra is None:  # nothing gives a small figure away, or nothing left to hide where it does
            return hidden
        hidden.add(extra)


def _disclosures(cells: dict[Hashable, People], equations: list[Equation], hidden: set[Hashable],
                 derived: dict[Hashable, Equation]) -> Iterator[Equation]:
    """Equations that give a small figure away. A hidden cell that is the only unknown of an
    equation is worked out (``derived`` records from which), and may give away the next."""
    progress = True
    while progress:
        progress = False
        for equation in equations:
            unknown = [part for part in equation.parts if part in hidden and part not in derived]
            total_known = equation.total is None or equation.total not in hidden or equation.total in derived
            if total_known:
                whole_row = equation.total is None and len(unknown) == len(equation.parts)  # = the headcount
                if unknown and not whole_row and is_small(_summed(cells, unknown)):
                    yield equation
                elif len(unknown) == 1:
                    derived[unknown[0]] = equation
                    progress = True
            elif not unknown:
                if is_small(cells[equation.total]):
                    yield equation
                else:
                    derived[equation.total] = equation
                    progress = True


def _complement(cells: dict[Hashable, People], equation: Equation, hidden: set[Hashable],
                derived: dict[Hashable, Equation], seen: set[Equation]) -> Optional[Hashable]:
    """A shown cell to hide so that ``equation`` keeps its secret: its known cell describing
    the fewest people (but someone); when that one is hidden already but worked out from
    another equation, a shown cell of that equation, so it can no longer be worked out."""
    seen.add(equation)
    known = [cell for cell in (*equation.parts, equation.total)
             if cell is not None and (cell not in hidden or cell in derived) and min(cells[cell]) > 0]
    for cell in sorted(known, key=lambda cell: (cell == equation.total, min(cells[cell]), str(cell))):
        if cell not in hidden:
            return cell
        if derived[cell] not in seen and (found := _complement(cells, derived[cell], hidden, derived, seen)):
            return found
    return None


def _summed(cells: dict[Hashable, People], keys: list[Hashable]) -> People:
    return tuple(sum(values) for values in zip(*(cells[key] for key in keys)))
