"""HR's process library: versions, downloads, comparisons, the browser modeler, and moving
running instances to a new version. Reading is open to HR, the PPK and auditors; changing
is HR's alone (:mod:`engine.permissions`). The modeler talks to ``/processes/check`` and ``/processes/deploy`` in JSON
(session + CSRF header), and gets the same validation as ``kinerja deploy`` and the API.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from engine.definitions import DefinitionFile
from engine.deployment import check_definitions, definition_warnings, deploy
from engine.errors import InvalidDefinition
from engine.library import (
    compare_versions,
    definition_library,
    definition_version,
    deployments_with_running_instances,
)
from engine.migration import migrate_instances, plan_migration
from engine.permissions import CHANGE_DEFINITIONS, READ_DEFINITIONS

from ..auth import current_username, permission_required
from ..engine_access import kinerja
from ..limits import MAX_DATABASE_ID
from .common import blueprint

EDITABLE_KINDS = ("bpmn", "dmn")
NEW_DEFINITION_TEMPLATES = {
    "bpmn": """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  id="{name}_definitions" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{name}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="{name}_start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="{name}_diagram">
    <bpmndi:BPMNPlane id="{name}_plane" bpmnElement="{name}">
      <bpmndi:BPMNShape id="{name}_start_di" bpmnElement="{name}_start">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
""",
}


@blueprint.get("/processes")
@permission_required(READ_DEFINITIONS)
def library():  # type: ignore[no-untyped-def]
    return render_template("processes.html", entries=definition_library(kinerja(), current_username()),
                           older_deployments=deployments_with_running_instances(kinerja(), current_username()))


@blueprint.get("/processes/<kind>/<name>/v<int:version>")
@permission_required(READ_DEFINITIONS)
def download(kind: str, name: str, version: int) -> Response:
    content = definition_version(kinerja(), current_username(), kind, name, version)
    return Response(content.content, mimetype=content.media_type, headers={
        "Content-Disposition": f'attachment; filename="{content.name}.v{content.version}.{content.filename.split(".")[-1]}"'})


@blueprint.get("/processes/<kind>/<name>/compare")
@permission_required(READ_DEFINITIONS)
def compare(kind: str, name: str):  # type: ignore[no-untyped-def]
    old, new = _number(request.args.get("from")), _number(request.args.get("to"))
    if old is None or new is None:
        flash(_("Pilih dua versi untuk dibandingkan."), "error")
        return redirect(url_for("pages.library"), code=303)
    return render_template("process_compare.html", kind=kind, name=name, old=old, new=new,
                           lines=compare_versions(kinerja(), current_username(), kind, name, old, new))


@blueprint.get("/processes/<kind>/<name>/edit")
@permission_required(CHANGE_DEFINITIONS)
def edit(kind: str, name: str):  # type: ignore[no-untyped-def]
    if kind not in EDITABLE_KINDS:
        raise InvalidDefinition(_("Hanya berkas BPMN dan DMN yang disunting di modeler."))
    current = definition_version(kinerja(), current_username(), kind, name)
    return _editor(kind, current.filename, current.content, current.version)


@blueprint.post("/processes/new")
@permission_required(CHANGE_DEFINITIONS)
def new_process():  # type: ignore[no-untyped-def]
    name = (request.form.get("name") or "").strip()
    if not name.isidentifier() or len(name) > 100:
        flash(_("Nama proses hanya boleh berisi huruf, angka dan garis bawah, diawali huruf."), "error")
        return redirect(url_for("pages.library"), code=303)
    return _editor("bpmn", f"{name}.bpmn", NEW_DEFINITION_TEMPLATES["bpmn"].format(name=name), None)


def _editor(kind: str, filename: str, content: str, version: Any):  # type: ignore[no-untyped-def]
    config = {
        "filename": filename,
        "kind": kind,
        "source": content,
        "check_url": url_for("pages.check_definition"),
        "deploy_url": url_for("pages.deploy_definition"),
        "csrf_token": generate_csrf(),
        "texts": {
            "checking": _("Memeriksa…"), "valid": _("Tidak ada masalah. Siap diterapkan."),
            "has_problems": _("Ditemukan %(count)s masalah; perbaiki sebelum menerapkan."),
            "has_warnings": _("Dapat diterapkan, dengan %(count)s peringatan:"),
            "failed": _("Pemeriksaan gagal."), "deploying": _("Menerapkan…"),
            "refused": _("Penerapan ditolak; perbaiki masalah di bawah."),
            "deployed": _("Diterapkan sebagai deployment %(deployment)s. Instans baru memakai versi ini."),
            "unchanged": _("Tidak ada perubahan; versi yang berlaku tetap sama."),
            "loaded": _("Berkas dimuat."), "import_warnings": _("Dimuat dengan peringatan:"),
            "import_failed": _("Berkas tidak dapat dibuka:"),
            "properties": {
                "group": _("Kinerja"), "kinerja-form": _("Formulir (formKey)"),
                "kinerja-due": _("Batas waktu tugas (dueIn, mis. P7D)"),
                "kinerja-decision": _("Tabel keputusan (calledDecisionId)"),
                "kinerja-called": _("Proses yang dipanggil (calledElement)"),
                "kinerja-condition": _("Kondisi (ekspresi Python atas data tugas)"),
                "kinerja-script": _("Skrip (Python, tanpa import)"),
            },
        },
    }
    return render_template("process_editor.html", kind=kind, filename=filename, version=version, config=config)


@blueprint.post("/processes/check")
@permission_required(CHANGE_DEFINITIONS)
def check_definition():  # type: ignore[no-untyped-def]
    try:
        file = _uploaded_file()
    except InvalidDefinition as error:
        if not error.details:  # not a definition file problem: the request itself is wrong
            raise
        return {"problems": error.details, "warnings": []}  # too large, not UTF-8, unknown kind: findings
    warnings = definition_warnings(kinerja(), current_username(), [file])
    return {"problems": check_definitions(kinerja(), current_username(), [file]),
            "warnings": [{**warning, "message": _(warning["message"])} for warning in warnings]}


@blueprint.post("/processes/deploy")
@permission_required(CHANGE_DEFINITIONS)
def deploy_definition():  # type: ignore[no-untyped-def]
    result = deploy(kinerja(), current_username(), [_uploaded_file()])
    return {"deployment_id": result.deployment_id, "created": result.created,
            "changed_files": result.changed_files}, 201 if result.created else 200


def _number(text: Optional[str]) -> Optional[int]:
    """An id or version number sent as text; None unless it is ASCII digits within the databases'
    integers (a 5,000-digit number must reach neither ``int`` nor a query)."""
    if text and text.isascii() and text.isdigit() and len(text) <= len(str(MAX_DATABASE_ID)):
        number = int(text)
        return number if number <= MAX_DATABASE_ID else None
    return None


def _uploaded_file() -> DefinitionFile:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("filename"), str) \
            or not isinstance(body.get("content"), str):
        raise InvalidDefinition(_('Kirim JSON dengan "filename" dan "content" (teks).'))
    return DefinitionFile.from_upload(body["filename"], body["content"].encode("utf-8"))


@blueprint.get("/processes/migrations/<int:deployment_id>")
@permission_required(CHANGE_DEFINITIONS)
def migration_plan(deployment_id: int):  # type: ignore[no-untyped-def]
    plan = plan_migration(kinerja(), current_username(), deployment_id)
    return render_template("process_migration.html", plan=plan, result=False)


@blueprint.post("/processes/migrations/<int:deployment_id>")
@permission_required(CHANGE_DEFINITIONS)
def migrate(deployment_id: int):  # type: ignore[no-untyped-def]
    chosen = [number for value in request.form.getlist("instance_id") if (number := _number(value)) is not None]
    if not chosen:
        flash(_("Pilih instans yang akan dipindahkan."), "error")
        return redirect(url_for("pages.migration_plan", deployment_id=deployment_id), code=303)
    to_deployment = _number(request.form.get("to_deployment"))
    result = migrate_instances(kinerja(), current_username(), deployment_id, to_deployment, chosen)
    moved = sum(1 for candidate in result.candidates if candidate.migrated)
    flash(_("%(moved)d instans dipindahkan ke deployment %(target)d; %(stayed)d tetap.", moved=moved,
            target=result.to_deployment_id, stayed=len(result.candidates) - moved),
          "success" if moved else "error")
    return render_template("process_migration.html", plan=result, result=True)
