"""The ``kinerja`` command: administration, the demo, and the server.

Composes the layers (engine, workflows, web); refused requests print ``error: ...`` with
their details on stderr and exit with status 1, so scripts can rely on the exit code.
"""
from __future__ import annotations

import json
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Optional

import click

from engine import deployment
from engine.actors import Operator
from engine.audit import Checkpoint
from engine.audit_trail import EXPORT_FORMATS, iter_events
from engine.audit_verification import verify_audit_chain, write_audit_checkpoint
from engine.backup import backup_database, record_restore, restore_database
from engine.database import DEFAULT_DATABASE_URL
from engine.definitions import DefinitionFile
from engine.errors import ValidationFailed
from engine.kinerja import Kinerja
from engine.migration import migrate_instances, plan_migration
from engine.org import organisation_id_of
from engine.periods import PLAN_CHOICES, QUARTERLY
from engine.timers import fire_due_timers
from engine.vocabulary import DEFAULT_PROCESS

from .org_commands import org
from .refusals import fail_on_refusal

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_BPMN_DIR = PROJECT_ROOT / "bpmn"
DATA_DIR = Path("var")


def _prepare_prefect_home() -> None:
    from workflows.launcher import prepare_embedded_prefect

    prepare_embedded_prefect(DATA_DIR)


@click.group()
@click.option("--database-url", envvar="KINERJA_DATABASE_URL", default=DEFAULT_DATABASE_URL, show_default=True,
              help="SQLAlchemy URL; also KINERJA_DATABASE_URL.")
@click.option("--audit-key", envvar="KINERJA_AUDIT_KEY", default=None,
              help="Secret that signs audit checkpoints; also KINERJA_AUDIT_KEY. Keep it out of the database.")
@click.pass_context
def cli(context: click.Context, database_url: str, audit_key: Optional[str]) -> None:
    """kinerja: the ASN performance cycle on SpiffWorkflow."""
    context.obj = Kinerja(database_url, audit_key=audit_key)


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
    definitions = fail_on_refusal(lambda: [DefinitionFile.from_path(p) for p in _expand(files)])
    result = fail_on_refusal(lambda: deployment.deploy(kinerja, Operator(actor), definitions))
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
    organisation_id = fail_on_refusal(lambda: organisation_id_of(kinerja, organisation)) if organisation else None
    if dry_run:
        plan = fail_on_refusal(lambda: plan_migration(kinerja, Operator(actor), from_deployment, to_deployment,
                                                       organisation_id))
    else:
        plan = fail_on_refusal(lambda: migrate_instances(kinerja, Operator(actor), from_deployment, to_deployment,
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
@click.option("--year", type=int, default=lambda: datetime.now().year, show_default="this year")
@click.pass_context
def seed_demo(context: click.Context, year: int) -> None:
    """Create the demo organisation (Kabupaten Bungo), open its cycle with the goals and the SKP
    cascade, add citizens' ratings, and print its accounts (deploy the bundled processes first)."""
    from engine.demo import DEMO_ACCOUNTS

    _seed_demo(context, year)
    _print_accounts(DEMO_ACCOUNTS)


def _seed_demo(context: click.Context, year: int) -> None:
    """The demo organisation, its cycle of ``year`` through the open-cycle flow, the SKP agreed
    down the cascade (some left waiting) and citizens' ratings."""
    from engine.demo import ORG_CODE, seed_demo_feedback, seed_demo_organisation, seed_demo_skp
    from engine.demo_skp import GOALS

    kinerja: Kinerja = context.obj
    fail_on_refusal(lambda: seed_demo_organisation(kinerja))
    cycle_id = _open_demo_cycle(context, year)
    skps = fail_on_refusal(lambda: seed_demo_skp(kinerja, cycle_id))
    click.echo(f"BKPSDM entered {len(GOALS)} organisation goals; {skps.agreed} SKP agreed down the cascade "
               f"(Sekda, unit heads, staff); {skps.awaiting_approval} wait for approval by atasan and sekda; "
               "pegawai has her SKP to draft")
    click.echo(f"{seed_demo_feedback(kinerja)} citizen ratings: /public/{ORG_CODE}/transparency, "
               f"/public/{ORG_CODE}/pkm-muara-bungo/feedback")


def _open_demo_cycle(context: click.Context, year: int) -> int:
    """The demo organisation's cycle of ``year``, opened for everyone by the open-cycle flow, and
    its unit-result step started, so the PPK finds "Tetapkan capaian kinerja unit" in the inbox
    (both idempotent)."""
    from engine.cycles import organisation_cycles
    from engine.demo import ORG_CODE
    from engine.unit_results import start_unit_results

    context.invoke(cycle_open, organisation=ORG_CODE, year=year, process_key=DEFAULT_PROCESS,
                   batch_size=200, actor="demo")
    [cycle_id] = [c["id"] for c in organisation_cycles(context.obj, Operator("demo"), ORG_CODE) if c["year"] == year]
    started = fail_on_refusal(lambda: start_unit_results(context.obj, Operator("demo"), cycle_id))
    if started:
        click.echo(f"unit-result step started for {len(started)} units: the PPK sets each unit's capaian kinerja")
    return cycle_id


@cli.command("seed-org")
@click.option("--name", "code", required=True, help="Organisation code, e.g. bungo.")
@click.option("--employees", type=click.IntRange(min=1), required=True, help="How many employees, the PPK included.")
@click.option("--title", help="Display name; default 'Organisasi <code>'.")
@click.option("--password", default="demo12345", show_default=True, help="Shared by every generated account.")
@click.pass_obj
def seed_org(kinerja: Kinerja, code: str, employees: int, title: str | None, password: str) -> None:
    """Generate an organisation of any size (units of 50, one shared password) for scale runs."""
    from engine.demo import generate_organisation

    generated = fail_on_refusal(lambda: generate_organisation(kinerja, code, title or f"Organisasi {code}",
                                                               employees, password))
    click.echo(f"organisation '{code}': {generated.employees} employees in {generated.units} units; "
               f"accounts: every NIP, HR '{generated.hr_username}', PPK '{generated.ppk_username}' "
               f"(password '{password}')")


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
@click.option("--process", "process_key", default=DEFAULT_PROCESS, show_default=True)
@click.option("--batch-size", type=int, default=200, show_default=True)
@click.option("--actor", default="cli", show_default=True)
@click.option("--periods", type=click.Choice(PLAN_CHOICES), default=QUARTERLY, show_default=True,
              help="The period plan of a new cycle: the four quarters or the twelve months of the year.")
@click.pass_obj
def cycle_open(kinerja: Kinerja, organisation: str, year: int, process_key: str, batch_size: int, actor: str,
               periods: str) -> None:
    """Start the year's cycle for every active employee (idempotent) with the open-cycle flow."""
    _prepare_prefect_home()
    from workflows.cycles import open_cycle

    summary = fail_on_refusal(lambda: open_cycle(kinerja.database_url, organisation, year, process_key,
                                                  actor, batch_size, {"periods": periods}))
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
    sweep = fail_on_refusal(lambda: fire_due_timers(kinerja))
    click.echo(f"fired {sweep.fired} timer(s); {sweep.conflicts} instance(s) busy, retried next sweep; "
               f"{sweep.failed} failed (see the incidents)")


@cli.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option("--checkpoint-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also check the checkpoints kept in this file (written by `audit checkpoint --file`).")
@click.pass_obj
def audit_verify(kinerja: Kinerja, checkpoint_file: Optional[Path]) -> None:
    """Check the hash chain and its checkpoints; exit 1 and name the first bad event if it was altered."""
    extra = fail_on_refusal(lambda: _read_checkpoints(checkpoint_file)) if checkpoint_file else []
    result = verify_audit_chain(kinerja, Operator("cli"), extra)
    if result.ok:
        signed = "signatures checked" if kinerja.audit_key else "signatures NOT checked: no KINERJA_AUDIT_KEY"
        click.echo(f"audit chain intact: {result.events_checked} events verified, "
                   f"{result.checkpoints_checked} checkpoint(s) matched ({signed})")
        if result.restores:
            click.echo(f"{result.restores} restore(s) from backup recorded; {result.checkpoints_superseded} "
                       "checkpoint(s) of the discarded timeline superseded")
        return
    click.echo(f"audit chain BROKEN at event {result.first_bad_seq}: {result.problem}", err=True)
    sys.exit(1)


@cli.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup(kinerja: Kinerja, target: Path) -> None:
    """Write a consistent snapshot of the database to TARGET (and TARGET.json, its manifest)."""
    manifest = fail_on_refusal(lambda: backup_database(kinerja, Operator("cli"), target))
    click.echo(f"backup written: {target} ({manifest.database}, audit head at event {manifest.head_seq}, "
               f"sha256 {manifest.sha256[:12]})")


@cli.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="Why the database is restored (recorded in the audit trail).")
@click.option("--checkpoint-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Append the checkpoint signed after the restore to this file (the one `audit verify` reads).")
@click.pass_obj
def restore(kinerja: Kinerja, source: Path, reason: str, checkpoint_file: Optional[Path]) -> None:
    """Replace the database with the backup SOURCE, then record the restore in the audit chain.

    Stop every server and worker first. With KINERJA_AUDIT_KEY the restore is signed, so
    checkpoints kept since the backup are reported as superseded, not as a cut chain."""
    manifest = fail_on_refusal(lambda: restore_database(kinerja.database_url, source))
    checkpoint = fail_on_refusal(lambda: record_restore(kinerja, Operator("cli"), manifest, reason))
    if checkpoint is not None and checkpoint_file is not None:
        with checkpoint_file.open("a", encoding="utf-8") as out:
            out.write(json.dumps(checkpoint.as_dict()) + "\n")
    signed = f"checkpoint at event {checkpoint.seq}" if checkpoint else "NOT signed: no KINERJA_AUDIT_KEY"
    click.echo(f"restored {source} (audit head at event {manifest.head_seq}); restore recorded, {signed}")


def _read_checkpoints(path: Path) -> list[Checkpoint]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    try:
        return [Checkpoint.from_dict(json.loads(line)) for line in lines]
    except json.JSONDecodeError as error:
        raise ValidationFailed(f"{path}: not a checkpoint file ({error})") from None


@audit.command("checkpoint")
@click.option("--file", "checkpoint_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also append the checkpoint to this file (JSON lines), kept away from the database.")
@click.option("--actor", default="cli", show_default=True)
@click.pass_obj
def audit_checkpoint(kinerja: Kinerja, checkpoint_file: Optional[Path], actor: str) -> None:
    """Sign the chain head with KINERJA_AUDIT_KEY and store it, so a cut tail is detected."""
    checkpoint = fail_on_refusal(lambda: write_audit_checkpoint(kinerja, Operator(actor)))
    if checkpoint_file is not None:
        with checkpoint_file.open("a", encoding="utf-8") as out:
            out.write(json.dumps(checkpoint.as_dict()) + "\n")
    click.echo(f"checkpoint at event {checkpoint.seq} ({checkpoint.hash[:12]})")


@audit.command("export")
@click.option("--instance", "instance_id", type=int, help="One instance's events.")
@click.option("--cycle", "cycle_id", type=int, help="Every event of a cycle's instances (streamed).")
@click.option("--format", "output_format", type=click.Choice(sorted(EXPORT_FORMATS)), default="json",
              show_default=True)
@click.pass_obj
def audit_export(kinerja: Kinerja, instance_id: Optional[int], cycle_id: Optional[int], output_format: str) -> None:
    """Write an instance's or a cycle's audit events to stdout, in chain order."""
    if (instance_id is None) == (cycle_id is None):
        raise click.UsageError("give exactly one of --instance and --cycle")
    events = fail_on_refusal(lambda: iter_events(kinerja, instance_id=instance_id, cycle_id=cycle_id))
    render, _mimetype = EXPORT_FORMATS[output_format]
    for chunk in render(events):
        sys.stdout.write(chunk)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--sweep-every", default=60, show_default=True, type=click.IntRange(min=0),
              help="Seconds between embedded timer and notification sweeps; 0: none "
                   "(e.g. when Prefect deployments sweep).")
@click.pass_obj
def serve(kinerja: Kinerja, host: str, port: int, threads: int, sweep_every: int) -> None:
    """Serve the web app with waitress; run flows in-process unless KINERJA_FLOWS=deployments.

    SIGTERM (systemd, ``docker stop``) stops it like Ctrl-C does: waitress closes and the
    process exits normally, so Prefect's exit hook stops the embedded server it started.
    SIGTERM's default would end this process alone and leave that server running."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    _prepare_prefect_home()
    from waitress import serve as waitress_serve

    from web import create_app
    from workflows.launcher import EmbeddedLauncher, launcher_from_environment, start_sweeps

    launcher = launcher_from_environment(kinerja)
    if isinstance(launcher, EmbeddedLauncher) and sweep_every:
        start_sweeps(kinerja, sweep_every)
        click.echo(f"sweeps every {sweep_every} s (fire-due-timers and deliver-notifications flows, "
                   "embedded Prefect)")
    click.echo(f"serving kinerja on http://{host}:{port} (database {kinerja.database_url})")
    waitress_serve(create_app(kinerja, {"FLOW_LAUNCHER": launcher}), host=host, port=port, threads=threads)


@cli.group()
def flows() -> None:
    """Prefect deployments for the scale-out recipe (docs/DEPLOYMENT.md)."""


@flows.command("deploy")
@click.option("--pool", "work_pool", default="kinerja", show_default=True, help="A process work pool.")
@click.option("--timer-interval", default=60, show_default=True, type=click.IntRange(min=1),
              help="Seconds between scheduled timer and notification sweeps.")
def flows_deploy(work_pool: str, timer_interval: int) -> None:
    """Deploy open-cycle, predikat-report, retry-incidents, org-import, document-bundle and the
    scheduled fire-due-timers and deliver-notifications to PREFECT_API_URL's server."""
    from datetime import timedelta

    from workflows.deployments import deploy_flows

    deployed = deploy_flows(work_pool, timedelta(seconds=timer_interval))
    click.echo(f"deployed open-cycle ({deployed.open_cycle}), predikat-report ({deployed.report}), "
               f"retry-incidents ({deployed.retry_incidents}), org-import ({deployed.org_import}), "
               f"document-bundle ({deployed.document_bundle}) and "
               f"fire-due-timers every {timer_interval} s ({deployed.fire_due_timers}), deliver-notifications "
               f"every {timer_interval} s ({deployed.deliver_notifications}) on work pool '{work_pool}'")


@cli.command()
@click.option("--year", type=int, default=lambda: datetime.now().year, show_default="this year")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_context
def demo(context: click.Context, year: int, host: str, port: int) -> None:
    """Set up the demo (schema, bundled processes, Kabupaten Bungo, this year's cycle) and serve it."""
    from engine.demo import DEMO_ACCOUNTS, ORG_CODE
    from engine.org import organisation_exists

    kinerja: Kinerja = context.obj
    kinerja.init_db()
    context.invoke(deploy, files=(BUNDLED_BPMN_DIR,), actor="demo")
    if organisation_exists(kinerja, ORG_CODE):
        _open_demo_cycle(context, year)
    else:
        _seed_demo(context, year)
    _print_accounts(DEMO_ACCOUNTS)
    context.invoke(serve, host=host, port=port, threads=8, sweep_every=60)


@cli.group()
def notifications() -> None:
    """Notification outbox."""


@notifications.command("send")
@click.pass_obj
def notifications_send(kinerja: Kinerja) -> None:
    """Queue due-soon/overdue reminders and email what is due, digests included (SMTP from
    KINERJA_SMTP_HOST/PORT/FROM); what `kinerja serve` does every sweep."""
    from engine.mail import SmtpSettings, notification_sweep

    smtp = SmtpSettings.from_env()
    if smtp is None:
        raise click.ClickException("set KINERJA_SMTP_HOST to send email")
    counts = notification_sweep(kinerja, smtp)
    click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))


cli.add_command(org)
