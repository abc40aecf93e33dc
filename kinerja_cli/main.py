"""The ``kinerja`` command: administration, the demo, and the server.

Composes the layers (engine, workflows, web); refused requests print ``error: ...`` with
their details on stderr and exit with status 1, so scripts can rely on the exit code.
"""
from __future__ import annotations

import csv
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import click

from engine.database import DEFAULT_DATABASE_URL
from engine.definitions import DefinitionFile
from engine.errors import KinerjaError
from engine.org import organisation_id_of
from engine.services import Kinerja

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_BPMN_DIR = PROJECT_ROOT / "bpmn"
DATA_DIR = Path("var")


def _prepare_prefect_home() -> None:
    """Run Prefect embedded: its home inside the data folder, no telemetry, no server to start."""
    os.environ.setdefault("PREFECT_HOME", str((DATA_DIR / "prefect").resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The embedded server needs more than Prefect's default 20 s on a busy two-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _fail_on_refusal(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except KinerjaError as error:
        click.echo(f"error: {error.message}", err=True)
        for item in error.details if isinstance(error.details, list) else []:
            click.echo(f"  - {_format_detail(item)}", err=True)
        sys.exit(1)


def _format_detail(item: Any) -> str:
    if isinstance(item, dict) and "file" in item:
        where = f" element {item['element_id']}" if item.get("element_id") else ""
        return f"{item['file']}{where}: {item['message']}"
    return json.dumps(item, ensure_ascii=False, default=str)


@click.group()
@click.option("--database-url", envvar="KINERJA_DATABASE_URL", default=DEFAULT_DATABASE_URL, show_default=True,
              help="SQLAlchemy URL; also KINERJA_DATABASE_URL.")
@click.pass_context
def cli(context: click.Context, database_url: str) -> None:
    """kinerja: the ASN performance cycle on SpiffWorkflow."""
    context.obj = Kinerja(database_url)


@cli.command("init-db")
@click.pass_obj
def init_db(kinerja: Kinerja) -> None:
    """Create or upgrade the database schema."""
    kinerja.init_db()
    click.echo(f"database ready: {kinerja.database_url}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True, path_type=Path))
@click.option("--actor", default="cli", show_default=True, help="Who deploys (recorded in the audit log).")
@click.pass_obj
def deploy(kinerja: Kinerja, files: tuple[Path, ...], actor: str) -> None:
    """Deploy BPMN, DMN and form (.json) files, or directories of them, as a new version."""
    definitions = _fail_on_refusal(lambda: [DefinitionFile.from_path(p) for p in _expand(files)])
    result = _fail_on_refusal(lambda: kinerja.deploy(definitions, actor=actor))
    if not result.created:
        click.echo(f"nothing changed; deployment {result.deployment_id} is current")
        return
    click.echo(f"deployment {result.deployment_id}:")
    for file in result.changed_files:
        click.echo(f"  {file['kind']:5} {file['name']} v{file['version']} {file['content_hash'][:12]}")


@cli.command()
@click.argument("from_deployment", type=int)
@click.option("--to", "to_deployment", type=int, help="Target deployment (default: the newest).")
@click.option("--org", "organisation", help="Only this organisation's instances (code, e.g. bungo).")
@click.option("--dry-run", is_flag=True, help="Only list which instances could move, and why not.")
@click.option("--actor", default="cli", show_default=True, help="Who migrates (recorded in the audit log).")
@click.pass_obj
def migrate(kinerja: Kinerja, from_deployment: int, to_deployment: Optional[int], organisation: Optional[str],
            dry_run: bool, actor: str) -> None:
    """Move the running instances of a deployment to another one where their waiting task still exists."""
    organisation_id = _fail_on_refusal(lambda: organisation_id_of(kinerja, organisation)) if organisation else None
    if dry_run:
        plan = _fail_on_refusal(lambda: kinerja.plan_migration(from_deployment, to_deployment, organisation_id))
    else:
        plan = _fail_on_refusal(lambda: kinerja.migrate_instances(from_deployment, to_deployment, actor,
                                                                  organisation_id=organisation_id))
    for candidate in plan.candidates:
        outcome = "moved" if candidate.migrated else ("can move" if candidate.movable else "stays")
        waiting = ", ".join(candidate.waiting_on) or "nothing"
        click.echo(f"instance {candidate.instance_id} ({candidate.subject_nip or '-'}, waiting on {waiting}): {outcome}")
        for reason in candidate.blockers:
            click.echo(f"    {reason}")
    moved = sum(1 for candidate in plan.candidates if candidate.migrated or (dry_run and candidate.movable))
    click.echo(f"{moved} of {len(plan.candidates)} {'can move' if dry_run else 'moved'} "
               f"from deployment {plan.from_deployment_id} to {plan.to_deployment_id}")


def _expand(paths: Iterable[Path]) -> list[Path]:
    expanded: list[Path] = []
    for path in paths:
        if path.is_dir():
            expanded += sorted(p for p in path.rglob("*") if p.suffix in {".bpmn", ".dmn", ".json"})
        else:
            expanded.append(path)
    return expanded


@cli.command("seed-demo")
@click.pass_obj
def seed_demo(kinerja: Kinerja) -> None:
    """Create the demo organisation (Kabupaten Bungo) and print its accounts."""
    from engine.demo import seed_demo_organisation

    accounts = _fail_on_refusal(lambda: seed_demo_organisation(kinerja))
    _print_accounts(accounts)


def _print_accounts(accounts: Iterable[Any]) -> None:
    click.echo("demo accounts (username / password):")
    for account in accounts:
        click.echo(f"  {account.role:24} {account.username:10} / {account.password}   {account.who}")


@cli.group()
def cycle() -> None:
    """Evaluation cycles."""


@cycle.command("open")
@click.option("--org", "organisation", required=True, help="Organisation code, e.g. bungo.")
@click.option("--year", type=int, required=True)
@click.option("--process", "process_key", default="evaluation_cycle", show_default=True)
@click.option("--batch-size", type=int, default=200, show_default=True)
@click.option("--actor", default="cli", show_default=True)
@click.pass_obj
def cycle_open(kinerja: Kinerja, organisation: str, year: int, process_key: str, batch_size: int, actor: str) -> None:
    """Start the year's cycle for every active employee (idempotent) with the open-cycle flow."""
    _prepare_prefect_home()
    from workflows.cycles import open_cycle

    summary = _fail_on_refusal(lambda: open_cycle(kinerja.database_url, organisation, year, process_key,
                                                  actor, batch_size))
    click.echo(json.dumps(summary, ensure_ascii=False))
    if summary["failed"]:
        sys.exit(1)


@cli.group()
def timers() -> None:
    """Timers and escalations."""


@timers.command("fire")
@click.pass_obj
def timers_fire(kinerja: Kinerja) -> None:
    """Fire every timer that is due now (escalations, deadlines)."""
    sweep = _fail_on_refusal(kinerja.fire_due_timers)
    click.echo(f"fired {sweep.fired} timer(s); {sweep.conflicts} instance(s) busy, retried next sweep")


@cli.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.pass_obj
def audit_verify(kinerja: Kinerja) -> None:
    """Check the hash chain; exit 1 and name the first bad event if it was altered."""
    result = kinerja.verify_audit_chain()
    if result.ok:
        click.echo(f"audit chain intact: {result.events_checked} events verified")
        return
    click.echo(f"audit chain BROKEN at event {result.first_bad_seq}: {result.problem}", err=True)
    sys.exit(1)


@audit.command("export")
@click.option("--instance", "instance_id", type=int, required=True)
@click.option("--format", "output_format", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.pass_obj
def audit_export(kinerja: Kinerja, instance_id: int, output_format: str) -> None:
    """Write one instance's audit events to stdout."""
    events = _fail_on_refusal(lambda: kinerja.instance_history(instance_id))
    if output_format == "json":
        click.echo(json.dumps(events, ensure_ascii=False, indent=2))
        return
    writer = csv.writer(sys.stdout)
    columns = ["seq", "occurred_at", "actor", "action", "instance_id", "task_id", "data", "prev_hash", "hash"]
    writer.writerow(columns)
    for event in events:
        writer.writerow([json.dumps(event[c], ensure_ascii=False) if c == "data" else event[c] for c in columns])


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.pass_obj
def serve(kinerja: Kinerja, host: str, port: int, threads: int) -> None:
    """Serve the web app with waitress (a production WSGI server)."""
    from waitress import serve as waitress_serve

    from web import create_app

    click.echo(f"serving kinerja on http://{host}:{port} (database {kinerja.database_url})")
    waitress_serve(create_app(kinerja), host=host, port=port, threads=threads)


@cli.command()
@click.option("--year", type=int, default=lambda: datetime.now().year, show_default="this year")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_context
def demo(context: click.Context, year: int, host: str, port: int) -> None:
    """Set up the demo (schema, bundled processes, Kabupaten Bungo, this year's cycle) and serve it."""
    from engine.demo import DEMO_ACCOUNTS, ORG_CODE, seed_demo_organisation, submit_demo_drafts
    from engine.org import organisation_exists

    kinerja: Kinerja = context.obj
    kinerja.init_db()
    context.invoke(deploy, files=(BUNDLED_BPMN_DIR,), actor="demo")
    first_run = not organisation_exists(kinerja, ORG_CODE)
    if first_run:
        _fail_on_refusal(lambda: seed_demo_organisation(kinerja))
    context.invoke(cycle_open, organisation=ORG_CODE, year=year, process_key="evaluation_cycle",
                   batch_size=200, actor="demo")
    if first_run:
        submitted = _fail_on_refusal(lambda: submit_demo_drafts(kinerja))
        click.echo(f"{submitted} Puskesmas staff submitted their SKP: the supervisor has approvals waiting")
    _print_accounts(DEMO_ACCOUNTS)
    context.invoke(serve, host=host, port=port, threads=8)


@cli.group()
def notifications() -> None:
    """Notification outbox."""


@notifications.command("send")
@click.pass_obj
def notifications_send(kinerja: Kinerja) -> None:
    """Email the messages whose attempt is due (SMTP from KINERJA_SMTP_HOST/PORT/FROM)."""
    from engine.notifications import SmtpSettings, send_due

    smtp = SmtpSettings.from_env()
    if smtp is None:
        raise click.ClickException("set KINERJA_SMTP_HOST to send email")
    click.echo(f"sent {send_due(kinerja, smtp)}")
