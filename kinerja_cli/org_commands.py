"""``kinerja org import FILE [--dry-run] [--org CODE]``: import employees and units from a
SIASN/e-Kinerja export (CSV or XLSX) as an operator. ``kinerja org move``, ``org leave`` and
``org acting`` record a transfer, a leaving and an acting official (Plt/Plh) through
:mod:`engine.org_moves` and :mod:`engine.acting`.

The same use cases as HR's page and the API (:mod:`engine.org_import_runs`): the file is
staged, its dry run printed (counts, then each refused row with its reason), and without
``--dry-run`` imported in batches, one transaction each.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Optional

import click

from engine.acting import appoint_acting
from engine.actors import Operator
from engine.kinerja import Kinerja
from engine.org import only_organisation
from engine.org_import_rows import read_rows
from engine.org_import_runs import BATCH_SIZE, preview_import, run_import, stage_import
from engine.org_moves import move_employee, record_leaving
from engine.org_moves_tables import ACTING_KINDS, LEAVING_KINDS

from .refusals import fail_on_refusal


@click.group()
def org() -> None:
    """The organisation's employees and units."""


@org.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "organisation", help="Organisation code (default: the only one in the database).")
@click.option("--dry-run", is_flag=True, help="Only report what each row would do.")
@click.option("--batch-size", type=click.IntRange(min=1), default=BATCH_SIZE, show_default=True)
@click.option("--actor", default="cli", show_default=True, help="Who imports (recorded in the audit log).")
@click.pass_obj
def org_import(kinerja: Kinerja, file: Path, organisation: Optional[str], dry_run: bool, batch_size: int,
               actor: str) -> None:
    """Import employees (NIP, nama, pangkat/golongan, jabatan, jenis jabatan, unit kerja, NIP atasan, email)."""
    operator = Operator(actor)
    code = organisation or fail_on_refusal(lambda: only_organisation(kinerja))
    rows = fail_on_refusal(lambda: read_rows(file.name, file.read_bytes()))
    run_id = fail_on_refusal(lambda: stage_import(kinerja, operator, code, file.name, rows))
    plan = preview_import(kinerja, operator, run_id).plan
    click.echo(f"{file.name}: {len(rows)} rows; " + ", ".join(f"{k} {v}" for k, v in plan.counts.items()))
    for unit_code, name in plan.new_units.items():
        click.echo(f"  new unit {unit_code}: {name}")
    for outcome in plan.outcomes:
        if outcome.refusal is not None:
            click.echo(f"  line {outcome.line} {outcome.nip or '-'}: refused, {outcome.refusal.code} "
                       f"({outcome.refusal.detail})")
        elif outcome.action == "change":
            click.echo(f"  line {outcome.line} {outcome.nip}: change {', '.join(outcome.fields)}")
    if dry_run:
        click.echo("dry run: nothing was written")
        return
    done = fail_on_refusal(lambda: run_import(kinerja, operator, run_id, batch_size))
    click.echo(f"imported (run {done['id']}): " + ", ".join(f"{k} {v}" for k, v in sorted(done["counts"].items())))


DATE = click.DateTime(formats=["%Y-%m-%d"])
ACTOR = click.option("--actor", default="cli", show_default=True, help="Who records it (in the audit log).")


def _day(value: datetime) -> date:
    return value.date()


@org.command("move")
@click.argument("nip")
@click.option("--unit", required=True, help="Code of the new unit.")
@click.option("--supervisor", help="NIP of the new supervisor (none: nobody above).")
@click.option("--date", "effective", type=DATE, required=True, help="Effective date (YYYY-MM-DD).")
@click.option("--reason", required=True, help="Why (the SK).")
@ACTOR
@click.pass_obj
def org_move(kinerja: Kinerja, nip: str, unit: str, supervisor: Optional[str], effective: datetime, reason: str,
             actor: str) -> None:
    """Record a transfer (mutasi): open tasks go to the new supervisor, an agreed SKP is revised."""
    move_id = fail_on_refusal(lambda: move_employee(kinerja, Operator(actor), nip, unit, supervisor,
                                                    _day(effective), reason))
    click.echo(f"moved {nip} to {unit} (move {move_id})")


@org.command("leave")
@click.argument("nip")
@click.option("--kind", type=click.Choice(LEAVING_KINDS), required=True)
@click.option("--date", "effective", type=DATE, required=True, help="Effective date (YYYY-MM-DD).")
@click.option("--reason", required=True)
@ACTOR
@click.pass_obj
def org_leave(kinerja: Kinerja, nip: str, kind: str, effective: datetime, reason: str, actor: str) -> None:
    """Record that an employee leaves: inactive, their running instances cancelled with the reason."""
    leaving_id = fail_on_refusal(lambda: record_leaving(kinerja, Operator(actor), nip, _day(effective), kind, reason))
    click.echo(f"{nip} left ({kind}, record {leaving_id})")


@org.command("acting")
@click.argument("nip")
@click.option("--for", "for_nip", required=True, help="NIP of the employee they act for.")
@click.option("--kind", type=click.Choice(ACTING_KINDS), required=True)
@click.option("--from", "starts", type=DATE, required=True, help="First day (YYYY-MM-DD).")
@click.option("--until", "ends", type=DATE, required=True, help="Last day (YYYY-MM-DD).")
@click.option("--reason", required=True)
@ACTOR
@click.pass_obj
def org_acting(kinerja: Kinerja, nip: str, for_nip: str, kind: str, starts: datetime, ends: datetime, reason: str,
               actor: str) -> None:
    """Appoint NIP acting official (Plt/Plh) for another employee's tasks in a date range."""
    appointment = fail_on_refusal(lambda: appoint_acting(kinerja, Operator(actor), nip, for_nip, kind, _day(starts),
                                                         _day(ends), reason))
    click.echo(f"{nip} is {kind} for {for_nip} from {_day(starts)} to {_day(ends)} (appointment {appointment})")
