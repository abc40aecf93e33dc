"""``kinerja org import FILE [--dry-run] [--org CODE]``: import employees and units from a
SIASN/e-Kinerja export (CSV or XLSX) as an operator.

The same use cases as HR's page and the API (:mod:`engine.org_import_runs`): the file is
staged, its dry run printed (counts, then each refused row with its reason), and without
``--dry-run`` imported in batches, one transaction each.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from engine.actors import Operator
from engine.kinerja import Kinerja
from engine.org import only_organisation
from engine.org_import_rows import read_rows
from engine.org_import_runs import BATCH_SIZE, preview_import, run_import, stage_import

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
