"""JSON-Schema forms ↔ HTML: field models for the templates, submitted form data → typed
JSON, validation messages → the fields they belong to, and submitted data → readable text.

The engine validates; this module only translates between the form's JSON Schema and the
browser. Field naming in HTML (stable, used by browser tests):

==========================  ==================================  ==========================
schema shape                HTML name                           example
==========================  ==================================  ==========================
top-level property          ``<key>``                           ``skp_decision``
nested object               ``<key>-<child>``                   ``peer_behaviour-kompeten``
array of objects (rows)     ``<key>-<row index>-<column>``      ``rhk-0-target_value``
array of strings            ``<key>`` (textarea, one a line)    ``achievements``
==========================  ==================================  ==========================

Errors use the engine's dotted paths (``rhk.0.target_value``). Rows are renumbered from 0
when parsed (blank rows are dropped), so error paths match the rows as re-rendered.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Callable, Iterable, Mapping, Optional

from babel.numbers import NumberFormatError
from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import parse_decimal
from flask_babel import format_decimal, gettext

from engine import json_limits
from engine.json_limits import MAX_NUMBER_LENGTH

from .limits import NUMBER_LIKE, TooLargeNumber, row_index
from .texts import N_

SEP = "-"
ROW_PLACEHOLDER = "__index__"
MISSING: Any = object()
TRUE_WORDS = {"ya", "true", "on", "1", "yes"}
FALSE_WORDS = {"tidak", "false", "off", "0", "no"}
RADIO_ENUM_LIMIT = 4  # top-level enums with at most this many options are radio buttons
SCALE_LIMIT = 10  # integers with a small min..max range are a row of radio buttons


# Titles of the bundled forms' fields (also used for history, where no schema is at hand)
# and of the outcome fields of an instance summary. Schema titles are translated at runtime
# by looking them up in the catalog, so these strings must equal the schema titles.
FIELD_LABELS: dict[str, str] = {
    "rhk": N_("Rencana Hasil Kerja (RHK)"),
    "description": N_("Uraian rencana hasil kerja"),
    "indicator": N_("Indikator kinerja individu"),
    "indicator_type": N_("Aspek indikator"),
    "target_value": N_("Target"),
    "unit": N_("Satuan target"),
    "parent_rhk": N_("RHK atasan yang diintervensi"),
    "skp_decision": N_("Keputusan atas SKP"),
    "skp_comment": N_("Catatan atasan"),
    "realisations": N_("Realisasi per indikator"),
    "indikator": N_("Indikator"),
    "value": N_("Realisasi"),
    "evidence": N_("Bukti dukung (berkas)"),
    "links": N_("Bukti dukung (tautan)"),
    "realisation_count": N_("Jumlah indikator dilaporkan"),
    "feedback": N_("Umpan balik atasan"),
    "rhk_feedback": N_("Umpan balik per RHK"),
    "perilaku_feedback": N_("Umpan balik per nilai BerAKHLAK"),
    "coaching_type": N_("Jenis pembinaan"),
    "sessions": N_("Jadwal sesi pembinaan"),
    "date": N_("Tanggal"),
    "topic": N_("Topik"),
    "coaching_outcome": N_("Hasil pembinaan"),
    "training_recommendation": N_("Rekomendasi pelatihan/pengembangan"),
    "coaching_response": N_("Tanggapan pegawai"),
    "followup_result": N_("Hasil tindak lanjut"),
    "followup_notes": N_("Catatan tindak lanjut"),
    "self_assessment": N_("Penilaian diri atas capaian kinerja"),
    "achievements": N_("Capaian utama"),
    "peer_behaviour": N_("Penilaian perilaku kerja (1 = sangat kurang, 5 = sangat baik)"),
    "peer_comment": N_("Komentar rekan kerja"),
    "rating_hasil_kerja": N_("Rating hasil kerja"),
    "rating_perilaku_kerja": N_("Rating perilaku kerja"),
    "behaviour_items": N_("Rating per aspek perilaku BerAKHLAK"),
    "rating_notes": N_("Catatan penilaian"),
    "berorientasi_pelayanan": N_("Berorientasi Pelayanan"),
    "akuntabel": N_("Akuntabel"),
    "kompeten": N_("Kompeten"),
    "harmonis": N_("Harmonis"),
    "loyal": N_("Loyal"),
    "adaptif": N_("Adaptif"),
    "kolaboratif": N_("Kolaboratif"),
    "file_objection": N_("Ajukan keberatan"),
    "objection_reason": N_("Alasan keberatan"),
    "objection_upheld": N_("Keberatan diterima"),
    "sign": N_("Saya telah memeriksa dokumen evaluasi dan menandatanganinya secara elektronik"),
    "revised_rating_hasil_kerja": N_("Rating hasil kerja (revisi)"),
    "revised_rating_perilaku_kerja": N_("Rating perilaku kerja (revisi)"),
    "objection_notes": N_("Catatan keputusan"),
    "follow_up_approved": N_("Usulan tindak lanjut disetujui"),
    "follow_up_notes": N_("Catatan keputusan"),
    "follow_up_decision": N_("Keputusan PPK"),
    "follow_up_chosen": N_("Tindak lanjut pengganti"),
    "follow_up_reason": N_("Alasan keputusan"),
    "coaching_feedback": N_("Pernyataan (1 = sangat tidak setuju, 4 = sangat setuju)"),
    "tujuan_jelas": N_("Pembina menjelaskan tujuan pembinaan dengan jelas"),
    "penjelasan_jelas": N_("Pembina memberikan penjelasan yang jelas dan mudah dipahami"),
    "mendengarkan": N_("Pembina mendengarkan pendapat dan kesulitan saya dengan sungguh-sungguh"),
    "mengenali_potensi": N_("Pembina membantu saya mengenali kekuatan dan hal yang perlu saya kembangkan"),
    "umpan_balik_spesifik": N_("Pembina memberikan umpan balik yang spesifik atas kinerja saya"),
    "langkah_perbaikan": N_("Pembina bersama saya menyusun langkah perbaikan yang dapat saya laksanakan"),
    "waktu_cukup": N_("Pembina menyediakan waktu yang cukup untuk pembinaan"),
    "bermanfaat": N_("Pembinaan membantu saya meningkatkan kinerja"),
    "puas": N_("Secara keseluruhan saya puas dengan pembinaan yang diberikan"),
    "coaching_feedback_notes": N_("Saran untuk pembina"),
    "competencies": N_("Kompetensi yang dievaluasi"),
    "competency_name": N_("Kompetensi"),
    "competency_score": N_("Nilai (1 = sangat kurang, 5 = sangat baik)"),
    "competency_reason": N_("Alasan penilaian"),
    "training_recommendations": N_("Rekomendasi pelatihan (satu per baris)"),
    "improvement_result": N_("Hasil masa perbaikan"),
    "improvement_notes": N_("Dasar penilaian"),
    "competency_test_date": N_("Tanggal uji kompetensi"),
    "competency_test_result": N_("Hasil uji kompetensi"),
    "competency_test_notes": N_("Catatan hasil uji kompetensi"),
    "transfer_kind": N_("Jenis pemindahan"),
    "proposed_position": N_("Jabatan yang diusulkan"),
    "transfer_reason": N_("Alasan usulan"),
    "perilaku": N_("Ekspektasi khusus pimpinan per nilai BerAKHLAK"),
    # instance summary
    "predikat": N_("Predikat kinerja"),
    "predikat_label": N_("Predikat kinerja"),
    "follow_up": N_("Usulan tindak lanjut"),
    "follow_up_detail": N_("Rincian tindak lanjut"),
    "follow_up_in_force": N_("Tindak lanjut yang ditetapkan"),
    "tunjangan_kinerja_persen": N_("Persentase tunjangan kinerja"),
    "transfer_in_force": N_("Pemindahan jabatan yang ditetapkan"),
    # the unit's result (unit_result.json)
    "unit_result": N_("Capaian kinerja organisasi bagi unit"),
    "unit_result_basis": N_("Dasar penetapan (hasil evaluasi kinerja unit)"),
}

# Other texts of the bundled forms (form titles, descriptions, row titles).
FORM_TEXTS = (
    N_("Penyusunan Sasaran Kinerja Pegawai (SKP)"),
    N_("Pegawai menyusun rencana hasil kerja beserta indikator dan targetnya."),
    N_("Rencana hasil kerja"), N_("Persetujuan SKP"), N_("Laporan Realisasi Kinerja Periodik"), N_("Realisasi"),
    N_("Umpan Balik dan Penilaian Periodik"), N_("Rencana Pembinaan Kinerja"), N_("Sesi"),
    N_("Umpan balik berkelanjutan per RHK dan per nilai BerAKHLAK, serta rating periode ini."),
    N_("Umpan balik RHK"), N_("Umpan balik"), N_("Rating hasil kerja periode ini"),
    N_("Rating perilaku kerja periode ini"),
    N_("Hasil Pembinaan Kinerja"), N_("Tanggapan Pegawai atas Hasil Pembinaan"), N_("Tindak Lanjut Pembinaan"),
    N_("Penilaian Diri"), N_("Capaian"), N_("Masukan Rekan Kerja (Perilaku BerAKHLAK)"),
    N_("Penilaian Kinerja oleh Atasan"), N_("Tanggapan atas Predikat Kinerja"), N_("Keputusan atas Keberatan"),
    N_("Keputusan Tindak Lanjut Hasil Kinerja"),
    N_("Wajib dipilih bila PPK memilih tindak lanjut lain."), N_("Wajib diisi bila usulan ditolak atau diganti."),
    N_("Umpan Balik Pegawai atas Pembinaan (B.1.8)"),
    N_("Dengan menyelesaikan tugas ini, pegawai menandatangani umpan balik ini."),
    N_("Evaluasi Kompetensi setelah Pembinaan (B.1.9)"), N_("Penilaian Hasil Masa Perbaikan Kinerja"),
    N_("Hasil Uji Kompetensi"), N_("Usulan Pemindahan Jabatan"),
    N_("Tanda Tangan Elektronik Dokumen Evaluasi Kinerja"),
    N_("Predikat tahunan pegawai sudah final. Periksa Dokumen Evaluasi Kinerja Pegawai (unduh PDF-nya dari halaman ini), lalu tandatangani secara elektronik: kinerja mencatat hash isi dokumen bersama nama Anda dan waktunya di jejak audit, dan dokumen mencetak persetujuan itu."),
    # the SKP editor's form (skp_draft.json) and the approval's comments (skp_approval.json)
    N_("Pegawai menyusun SKP: hasil kerja utama dan tambahan yang mengintervensi RHK atasan, indikator dan target, "
       "rencana aksi per periode, perilaku kerja dengan ekspektasi khusus pimpinan, dan lampiran."),
    N_("Jenis"), N_("Nomor baris tersimpan"), N_("Penugasan dari (JPT)"), N_("Indikator kinerja individu (IKI)"),
    N_("Target (uraian, model kualitatif)"), N_("Perspektif (JPT)"),
    N_("Catatan per RHK"), N_("Catatan untuk satu RHK"),
    N_("Catatan"), N_("Wajib diisi bila SKP dikembalikan: apa yang perlu diperbaiki."),
    N_("Capaian Kinerja Unit"),
)

# Texts of the annual appraisal's forms and tasks (360 input, rating, calibration, objection).
APPRAISAL_TEXTS = (
    N_("Alasan kalibrasi"),
    N_("Alasan keputusan"),
    N_("Alasan rating hasil kerja"),
    N_("Alasan rating perilaku kerja"),
    N_("Dikalibrasi"),
    N_("Kalibrasi Predikat Unit"),
    N_("Kalibrasi predikat unit"),
    N_("Kalibrasi predikat unit (eskalasi)"),
    N_("Keputusan atas Keberatan (final)"),
    N_("Klarifikasi Keberatan"),
    N_("Klarifikasi keberatan"),
    N_("Komentar (opsional; ditampilkan tanpa nama)"),
    N_("Kosongkan untuk memakai usulan kinerja dari rating per nilai"),
    N_("Label predikat"),
    N_("Masukan Perilaku Kerja (360, anonim)"),
    N_("Masukan perilaku kerja (360)"),
    N_("Penilaian Kinerja Tahunan oleh Atasan"),
    N_("Penilaian kinerja (eskalasi)"),
    N_("Penjelasan"),
    N_("Penjelasan atas Keberatan"),
    N_("Penjelasan pegawai"),
    N_("Penjelasan pejabat penilai"),
    N_("Perilaku kerja per nilai BerAKHLAK (di atas / sesuai / di bawah ekspektasi)"),
    N_("Pertanyaan kepada pegawai"),
    N_("Pertanyaan kepada pejabat penilai"),
    N_("Predikat setelah kalibrasi"),
    N_("Putuskan keberatan (eskalasi)"),
    N_("Rating per nilai BerAKHLAK (masukan 360 ditampilkan sebagai ringkasan)"),
    N_("Setujui SKP (eskalasi PPK)"),
    N_("Tanggapi pengaduan (eskalasi PPK)"),
    N_("Wajib diisi bila mengajukan keberatan: apa yang tidak sesuai dan mengapa"),
    N_("Wajib diisi bila rating hasil kerja berbeda dari usulan kinerja"),
    N_("Wajib diisi bila rating perilaku kerja berbeda dari usulan kinerja"),
)

# Human labels of enumerated values (the schemas' own descriptions are the fallback).
ENUM_LABELS: dict[str, str] = {
    "DIATAS_EKSPEKTASI": N_("Di atas ekspektasi"),
    "SESUAI_EKSPEKTASI": N_("Sesuai ekspektasi"),
    "DIBAWAH_EKSPEKTASI": N_("Di bawah ekspektasi"),
    "approve": N_("Setujui"),
    "return": N_("Kembalikan untuk perbaikan"),
    "kuantitas": N_("Kuantitas"),
    "kualitas": N_("Kualitas"),
    "waktu": N_("Waktu"),
    "bimbingan": N_("Bimbingan"),
    "mentoring": N_("Mentoring"),
    "konseling": N_("Konseling"),
    "improved": N_("Kinerja membaik"),
    "not_improved": N_("Kinerja belum membaik"),
    "SANGAT_BAIK": N_("Sangat Baik"),
    "BAIK": N_("Baik"),
    "BUTUH_PERBAIKAN": N_("Butuh Perbaikan"),
    "KURANG": N_("Kurang/Misconduct"),
    "SANGAT_KURANG": N_("Sangat Kurang"),
    "PENGHARGAAN": N_("Penghargaan"),
    "PEMBINAAN": N_("Pembinaan"),
    "TEGURAN": N_("Teguran"),
    "SANKSI": N_("Sanksi"),
    "TIDAK_ADA": N_("Tidak ada"),
    "reject": N_("Tolak usulan"),
    "other": N_("Pilih tindak lanjut lain"),
    "PENGEMBANGAN_KOMPETENSI": N_("Pengembangan kompetensi"),
    "PERBAIKAN_KINERJA": N_("Perbaikan kinerja (PP 30/2019)"),
    "PEMINDAHAN_JABATAN_LAIN": N_("Pemindahan ke jabatan lain"),
    "PEMINDAHAN_JABATAN_LEBIH_RENDAH": N_("Pemindahan ke jabatan lebih rendah"),
    "memenuhi": N_("Memenuhi standar kompetensi"),
    "tidak_memenuhi": N_("Tidak memenuhi standar kompetensi"),
}

# Lane names of the bundled processes (who does a task).
LANES = (N_("Pegawai"), N_("Atasan"), N_("Atasan Atasan"), N_("PPK"), N_("HR"), N_("Rekan Kerja"))

# Texts the engine produces from the bundled DMN tables (shown in summaries).
DECISION_TEXTS = (
    N_("Sertifikat penghargaan, tambahan tunjangan kinerja, masuk talent pool, prioritas pelatihan"),
    N_("Pembinaan oleh atasan langsung (bimbingan, mentoring, atau konseling)"),
    N_("Teguran tertulis disertai pembinaan oleh atasan langsung"),
    N_("Usulan sanksi disiplin atau mutasi sesuai ketentuan"),
    N_("Tidak ada tindak lanjut khusus; pengembangan kompetensi berjalan seperti biasa"),
    N_("Usulan penghargaan: sertifikat/penghargaan, masuk talent pool, prioritas pengembangan kompetensi dan "
       "pelatihan"),
    N_("Tidak ada tindak lanjut khusus; catatan pengembangan kompetensi oleh atasan"),
    N_("Masa perbaikan kinerja 6 bulan dengan pembinaan (PP 30/2019); bila tidak membaik: uji kompetensi dan "
       "usulan pemindahan ke jabatan lain atau jabatan lebih rendah"),
)

# The user tasks of the bundled processes, in cycle order (names as in the BPMN files).
TASK_NAMES: dict[str, str] = {
    "draft_skp": N_("Susun SKP"),
    "approve_skp": N_("Setujui SKP"),
    "approve_skp_escalated": N_("Setujui SKP (eskalasi)"),
    "report_realisation": N_("Laporkan realisasi"),
    "give_feedback": N_("Umpan balik dan penilaian periodik"),
    "give_feedback_escalated": N_("Umpan balik dan penilaian periodik (eskalasi)"),
    "plan_coaching": N_("Rencanakan pembinaan"),
    "record_coaching": N_("Catat hasil pembinaan"),
    "acknowledge_coaching": N_("Beri umpan balik atas pembinaan (B.1.8)"),
    "evaluate_competency": N_("Evaluasi kompetensi setelah pembinaan (B.1.9)"),
    "coaching_followup": N_("Tindak lanjut pembinaan"),
    "self_assessment": N_("Penilaian diri"),
    "peer_input": N_("Masukan rekan kerja"),
    "rate_performance": N_("Penilaian kinerja oleh atasan"),
    "review_predikat": N_("Tanggapi predikat"),
    "sign_evaluation": N_("Tandatangani dokumen evaluasi kinerja"),
    "decide_objection": N_("Putuskan keberatan"),
    "approve_follow_up": N_("Putuskan usulan tindak lanjut"),
    "assess_improvement": N_("Nilai hasil masa perbaikan kinerja"),
    "assess_improvement_escalated": N_("Nilai hasil masa perbaikan kinerja (eskalasi)"),
    "record_competency_test": N_("Catat hasil uji kompetensi"),
    "propose_transfer": N_("Usulkan pemindahan jabatan"),
    "decide_transfer": N_("Putuskan usulan pemindahan jabatan"),
    "respond_complaint": N_("Tanggapi pengaduan"),
    "respond_complaint_escalated": N_("Tanggapi pengaduan (eskalasi)"),
    "set_unit_result": N_("Tetapkan capaian kinerja unit"),
    "set_unit_result_escalated": N_("Tetapkan capaian kinerja unit (eskalasi)"),
}


def tr(text: Optional[str]) -> str:
    """Translate a text that may come from a definition (a schema title, a task name)."""
    return gettext(text) if text else ""


def humanise(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def label_for(key: str, schema: Optional[Mapping[str, Any]] = None) -> str:
    title = (schema or {}).get("title") or FIELD_LABELS.get(key)
    return tr(title) if title else humanise(key)


def task_name(task_key: str, name: Optional[str] = None) -> str:
    return tr(name or TASK_NAMES.get(task_key) or humanise(task_key))


def _description_labels(schema: Mapping[str, Any]) -> dict[str, str]:
    """``"a = satu, b = dua"`` in a schema description names its enum values."""
    labels = {}
    for part in (schema.get("description") or "").split(","):
        value, sep, label = part.partition("=")
        if sep and value.strip() and label.strip():
            labels[value.strip()] = label.strip()
    return labels


def enum_label(value: Any, schema: Optional[Mapping[str, Any]] = None) -> str:
    if isinstance(value, str) and value in ENUM_LABELS:
        return gettext(ENUM_LABELS[value])
    described = _description_labels(schema or {}).get(str(value))
    if described:
        return tr(described[:1].upper() + described[1:])
    return str(value)


def yes_no(value: bool) -> str:
    return gettext("Ya") if value else gettext("Tidak")


# -- schema shapes ---------------------------------------------------------------------------

def schema_type(schema: Mapping[str, Any]) -> Optional[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and "enum" in schema:
        return "string"
    if kind is None and "properties" in schema:
        return "object"
    return kind


def properties(schema: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return list((schema.get("properties") or {}).items())


def widget_kind(schema: Mapping[str, Any], top_level: bool = True) -> str:
    """How a property is edited: text, textarea, date, number, integer, scale, select, radio,
    boolean, object, rows, lines, or json (anything else, as JSON text)."""
    kind = schema_type(schema)
    if "enum" in schema:
        return "radio" if top_level and len(schema["enum"]) <= RADIO_ENUM_LIMIT else "select"
    if kind == "boolean":
        return "boolean"
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None and 0 < high - low + 1 <= SCALE_LIMIT:
            return "scale"
        return "integer"
    if kind == "number":
        return "number"
    if kind == "object" and schema.get("properties"):
        return "object"
    if kind == "array":
        items = schema.get("items") or {}
        if schema_type(items) == "object" and items.get("properties"):
            if all(widget_kind(sub, top_level=False) not in {"object", "rows", "lines", "json"}
                   for _key, sub in properties(items)):
                return "rows"
        elif schema_type(items) == "string" and "enum" not in items:
            return "lines"
        return "json"
    if kind == "string":
        if schema.get("format") == "date":
            return "date"
        return "textarea" if top_level else "text"
    return "json"


def subschema_at(schema: Mapping[str, Any], path: Iterable[str]) -> Optional[dict[str, Any]]:
    """The schema of the value at a dotted path's parts (``["rhk", "0", "unit"]``)."""
    current: Optional[Mapping[str, Any]] = schema
    for part in path:
        if current is None:
            return None
        if schema_type(current) == "array" and part.isdigit():
            current = current.get("items")
        else:
            current = (current.get("properties") or {}).get(part)
    return dict(current) if current is not None else None


# -- request.form → JSON ---------------------------------------------------------------------

def to_number(text: str, integer: bool = False, locale: Optional[str] = None) -> Any:
    """Typed text → a number, read the way the user's ``locale`` writes numbers when it fits
    (Indonesian: ``"1.500"`` → 1500, ``"95,5"`` → 95.5), else with a decimal point or one
    decimal comma (``"12.5"``, ``"12,5"``). Text that is no number comes back unchanged, so
    the form's validation names the field; a number of more than ``MAX_NUMBER_LENGTH``
    characters or digits comes back as :class:`TooLargeNumber`, before any conversion (an
    ``int`` of ``Decimal("1E999999")`` takes minutes)."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if len(cleaned) > MAX_NUMBER_LENGTH:
        return TooLargeNumber(text.strip()) if NUMBER_LIKE.fullmatch(cleaned) else text.strip()
    if re.fullmatch(r"[+-]?\d+", cleaned):
        return int(cleaned)
    number: Optional[float] = None
    if locale:
        try:
            parsed = parse_decimal(cleaned, locale=locale, strict=True)
            if parsed.is_finite() and parsed.adjusted() >= MAX_NUMBER_LENGTH:
                return TooLargeNumber(text.strip())
            number = int(parsed) if parsed == parsed.to_integral_value() else float(parsed)
        except (NumberFormatError, ValueError, ArithmeticError):
            number = None
    if number is None:
        if cleaned.count(",") == 1 and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")
        try:
            number = float(cleaned)
        except ValueError:
            return text.strip()
    if isinstance(number, float) and not math.isfinite(number):
        return TooLargeNumber(text.strip()) if NUMBER_LIKE.fullmatch(cleaned) else text.strip()
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def to_boolean(text: str) -> Any:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return text.strip()


def row_indices(form: Mapping[str, Any], name: str) -> list[int]:
    pattern = re.compile(rf"^{re.escape(name + SEP)}(\d+){re.escape(SEP)}", re.ASCII)
    return sorted({row_index(match.group(1)) for key in form.keys() if (match := pattern.match(key))})


def parse_form(schema: Mapping[str, Any], form: Mapping[str, Any], keep_empty_rows: bool = False,
               locale: Optional[str] = None) -> dict[str, Any]:
    """Submitted form fields → the JSON the form's schema describes.

    Blank optional fields are left out, blank rows are dropped (unless ``keep_empty_rows``,
    used while the user adds or removes rows), numbers are read as ``locale`` writes them,
    and values that cannot be converted are kept as text for the validation to report.
    """
    return _parse_object(schema, form, "", keep_empty_rows, locale)


def _parse_object(schema: Mapping[str, Any], form: Mapping[str, Any], prefix: str, keep: bool,
                  locale: Optional[str]) -> dict[str, Any]:
    required = set(schema.get("required") or ())
    result = {}
    for key, sub in properties(schema):
        value = _parse_value(sub, form, prefix + key, key in required, keep, not prefix, locale)
        if value is not MISSING:
            result[key] = value
    return result


def _parse_value(schema: Mapping[str, Any], form: Mapping[str, Any], name: str, required: bool, keep: bool,
                 top_level: bool, locale: Optional[str]) -> Any:
    kind = widget_kind(schema, top_level)
    if kind == "object":
        value = _parse_object(schema, form, name + SEP, keep, locale)
        return value if value or required else MISSING
    if kind == "rows":
        rows = [_parse_object(schema["items"], form, f"{name}{SEP}{index}{SEP}", keep, locale)
                for index in row_indices(form, name)]
        rows = rows if keep else [row for row in rows if row]
        return rows if rows or required else MISSING
    raw = form.get(name)
    if raw is None or not str(raw).strip():
        return [] if kind == "lines" and required else MISSING
    raw = str(raw).replace("\r\n", "\n")
    if kind == "lines":
        return [line.strip() for line in raw.split("\n") if line.strip()]
    value_type = schema_type(schema)
    if kind in ("number", "integer", "scale") or value_type in ("number", "integer"):
        return to_number(raw, integer=value_type != "number", locale=locale)
    if kind == "boolean" or value_type == "boolean":
        return to_boolean(raw)
    if kind == "json":
        try:
            value, findings = json_limits.load(raw)
        except ValueError:
            return raw.strip()
        return value if findings.ok else raw.strip()  # too deep or unreadable numbers: the validation names it
    return raw.strip()


def row_action(form: Mapping[str, Any]) -> Optional[tuple[str, str, int]]:
    """The add/remove-row button pressed without JavaScript: ``("add", "rhk", -1)`` or
    ``("remove", "rhk", 2)``; None for a real submission."""
    if form.get("_add_row"):
        return "add", str(form["_add_row"]), -1
    match = re.fullmatch(rf"(.+){re.escape(SEP)}(\d+)", str(form.get("_remove_row") or ""), re.ASCII)
    return ("remove", match.group(1), row_index(match.group(2))) if match else None


def apply_row_action(schema: Mapping[str, Any], data: dict[str, Any], action: tuple[str, str, int]) -> dict[str, Any]:
    verb, name, index = action
    if widget_kind((schema.get("properties") or {}).get(name) or {}) != "rows":
        return data
    rows = list(data.get(name) or [])
    if verb == "add":
        rows.append({})
    elif 0 <= index < len(rows):
        del rows[index]
    return {**data, name: rows}


# -- validation details → fields -------------------------------------------------------------

_REQUIRED = re.compile(r"^'(.+)' is a required property$")


def map_errors(schema: Mapping[str, Any], details: Any) -> dict[str, list[str]]:
    """The engine's ``details`` (``[{"field": "rhk.0.target_value", "message": ...}]``) as
    friendly messages by dotted path (``""`` for the form as a whole)."""
    errors: dict[str, list[str]] = {}
    for detail in details if isinstance(details, list) else []:
        if not isinstance(detail, Mapping):
            continue
        path = str(detail.get("field") or "")
        message = str(detail.get("message") or "")
        missing = _REQUIRED.match(message)
        if missing:
            path = f"{path}.{missing.group(1)}" if path else missing.group(1)
        sub = subschema_at(schema, path.split(".")) if path else None
        errors.setdefault(path, []).append(friendly_message(message, sub))
    return errors


def _number(value: Any) -> str:
    return format_decimal(value) if isinstance(value, (int, float)) else str(value)


def friendly_message(message: str, schema: Optional[Mapping[str, Any]]) -> str:
    """A JSON Schema validation message in the user's words, using the field's constraints."""
    schema = schema or {}
    kind = schema_type(schema)
    if _REQUIRED.match(message):
        return gettext("Wajib diisi.")
    if " is not of type " in message:
        if kind == "integer":
            return gettext("Isi dengan bilangan bulat.")
        if kind == "number":
            return gettext("Isi dengan angka.")
        if kind == "boolean":
            return gettext("Pilih Ya atau Tidak.")
        return gettext("Isian ini tidak sesuai formulir.")
    if "is less than or equal to the minimum of" in message:
        return gettext("Harus lebih besar dari %(limit)s.", limit=_number(schema.get("exclusiveMinimum", 0)))
    if "is less than the minimum of" in message:
        return gettext("Paling kecil %(limit)s.", limit=_number(schema.get("minimum", 0)))
    if "is greater than or equal to the maximum of" in message:
        return gettext("Harus lebih kecil dari %(limit)s.", limit=_number(schema.get("exclusiveMaximum", 0)))
    if "is greater than the maximum of" in message:
        return gettext("Paling besar %(limit)s.", limit=_number(schema.get("maximum", 0)))
    if message.endswith("should be non-empty") or message.endswith("is too short"):
        if kind == "array":
            return gettext("Isi paling sedikit %(count)s baris.", count=schema.get("minItems", 1))
        minimum = schema.get("minLength", 1)
        return gettext("Wajib diisi.") if minimum <= 1 else gettext(
            "Paling sedikit %(count)s karakter.", count=minimum)
    if message.endswith("is too long") or "is expected to be empty" in message:
        if kind == "array":
            return gettext("Paling banyak %(count)s baris.", count=schema.get("maxItems", 0))
        return gettext("Paling banyak %(count)s karakter.", count=schema.get("maxLength", 0))
    if " is not one of " in message:
        return gettext("Pilih salah satu pilihan yang tersedia.")
    if message.endswith("is not a 'date'"):
        return gettext("Isi tanggal yang benar.")
    if message.startswith("Additional properties are not allowed"):
        return gettext("Formulir berisi isian yang tidak dikenal.")
    return message


def path_label(schema: Mapping[str, Any], path: str) -> str:
    """``rhk.1`` → ``Rencana Hasil Kerja (RHK), baris 2`` (for errors without a field)."""
    parts, labels, current = path.split("."), [], schema
    for part in parts:
        if current is not None and schema_type(current) == "array" and part.isdigit():
            labels.append(gettext("baris %(number)s", number=int(part) + 1))
            current = current.get("items")
        else:
            sub = (current or {}).get("properties", {}).get(part) if current else None
            labels.append(label_for(part, sub))
            current = sub
    return ", ".join(labels)


# -- field models for templates --------------------------------------------------------------

@dataclass
class Field:
    name: str  # HTML name, e.g. "rhk-0-target_value"
    path: str  # dotted path of validation details, e.g. "rhk.0.target_value"
    key: str
    label: str
    kind: str
    required: bool = False
    help: str = ""
    value: str = ""  # the value as the input shows it
    choices: list[tuple[str, str]] = dataclass_field(default_factory=list)
    errors: list[str] = dataclass_field(default_factory=list)
    attrs: dict[str, Any] = dataclass_field(default_factory=dict)
    children: list["Field"] = dataclass_field(default_factory=list)  # object
    columns: list["Field"] = dataclass_field(default_factory=list)  # rows: the blank template row
    rows: list[list["Field"]] = dataclass_field(default_factory=list)  # rows: one list of cells a row

    @property
    def id(self) -> str:
        return "f-" + self.name

    @property
    def described_by(self) -> str:
        """Ids of the help text and error messages, for ``aria-describedby``."""
        ids = [self.id + "-help"] if self.help or self.kind == "lines" else []
        return " ".join(ids + ([self.id + "-error"] if self.errors else []))


@dataclass
class HtmlForm:
    fields: list[Field]
    errors: list[str]  # errors that belong to no field of the form
    title: str = ""
    description: str = ""

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(_has_errors(f) for f in self.fields)


def _has_errors(field: Field) -> bool:
    return bool(field.errors) or any(_has_errors(f) for f in field.children) or any(
        _has_errors(cell) for row in field.rows for cell in row)


Choices = Mapping[str, list[tuple[Any, str]]]


@dataclass
class _Build:
    pending: dict[str, list[str]]  # errors by path, removed as fields take them
    choices: Mapping[str, list[tuple[Any, str]]]
    locale: Optional[str]


def build_form(schema: Optional[Mapping[str, Any]], values: Optional[Mapping[str, Any]] = None,
               errors: Optional[Mapping[str, list[str]]] = None, choices: Optional[Choices] = None,
               labels: Optional[Mapping[str, str]] = None, locale: Optional[str] = None) -> HtmlForm:
    """The fields of ``schema`` filled with ``values``, each carrying its own errors.

    ``choices`` turns fields into selects by key (e.g. ``rhk`` → the RHK of the SKP),
    ``labels`` replaces the labels of fields by key, ``locale`` writes numbers the way
    :func:`parse_form` reads them back. Errors whose path matches no field are returned as
    form-level errors, with a label.
    """
    schema = schema or {"type": "object", "properties": {}}
    build = _Build({path: list(messages) for path, messages in (errors or {}).items()}, choices or {}, locale)
    fields = _object_fields(schema, values or {}, "", "", build, top_level=True)
    if labels:
        _relabel(fields, labels)
    _conditional_help(schema, fields)
    leftovers = []
    for path, messages in build.pending.items():
        for message in messages:
            leftovers.append(f"{path_label(schema, path)}: {message}" if path else message)
    return HtmlForm(fields, leftovers, tr(schema.get("title")), tr(schema.get("description")))


def _relabel(fields: list[Field], labels: Mapping[str, str]) -> None:
    for field in fields:
        field.label = labels.get(field.key, field.label)
        _relabel(field.children, labels)
        _relabel(field.columns, labels)
        for row in field.rows:
            _relabel(row, labels)


def _object_fields(schema: Mapping[str, Any], values: Any, name_prefix: str, path_prefix: str, build: _Build,
                   top_level: bool) -> list[Field]:
    required = set(schema.get("required") or ())
    values = values if isinstance(values, Mapping) else {}
    return [_field(key, sub, values.get(key, MISSING), name_prefix + key, path_prefix + key, key in required,
                   build, top_level) for key, sub in properties(schema)]


def _field(key: str, schema: Mapping[str, Any], value: Any, name: str, path: str, required: bool, build: _Build,
           top_level: bool) -> Field:
    kind = widget_kind(schema, top_level)
    if key in build.choices and kind not in ("object", "rows", "lines", "json"):
        kind = "select"
    field = Field(name=name, path=path, key=key, label=label_for(key, schema), kind=kind, required=required,
                  help=_help_text(schema), errors=build.pending.pop(path, []))
    if kind == "object":
        field.children = _object_fields(schema, value, name + SEP, path + ".", build, top_level=False)
        return field
    if kind == "rows":
        rows = value if isinstance(value, list) and value else [{}]  # one blank row works without JavaScript
        items = schema["items"]
        field.rows = [_object_fields(items, row, f"{name}{SEP}{index}{SEP}", f"{path}.{index}.", build,
                                     top_level=False) for index, row in enumerate(rows)]
        template = _Build({}, build.choices, build.locale)
        field.columns = _object_fields(items, {}, f"{name}{SEP}{ROW_PLACEHOLDER}{SEP}", f"{path}.{ROW_PLACEHOLDER}.",
                                       template, top_level=False)
        field.attrs["row_label"] = tr(items.get("title")) or gettext("Baris")
        return field
    field.value = display_input(value, kind, build.locale)
    if kind in ("select", "radio"):
        options = build.choices.get(key)
        if options is not None:
            field.choices = [(str(v), label) for v, label in options]
        else:
            field.choices = [(display_input(v, kind, build.locale), enum_label(v, schema))
                             for v in schema.get("enum", [])]
        if field.value and field.value not in {v for v, _label in field.choices}:
            field.choices.append((field.value, field.value))  # keep what was submitted visible
    elif kind == "boolean":
        field.choices = [("ya", gettext("Ya")), ("tidak", gettext("Tidak"))]
    elif kind == "scale":
        field.choices = [(str(n), str(n)) for n in range(int(schema["minimum"]), int(schema["maximum"]) + 1)]
    if "maxLength" in schema:
        field.attrs["maxlength"] = schema["maxLength"]
    return field


def _help_text(schema: Mapping[str, Any]) -> str:
    description = schema.get("description") or ""
    if "enum" in schema and _description_labels(schema):
        return ""  # the description only names the options, which the labels already show
    return tr(description)


def _conditional_help(schema: Mapping[str, Any], fields: list[Field]) -> None:
    """``if {X: {const: v}} then {required: [...]}``: say when the fields become required."""
    condition, then = schema.get("if") or {}, schema.get("then") or {}
    conditions = [(key, sub["const"]) for key, sub in (condition.get("properties") or {}).items()
                  if isinstance(sub, Mapping) and "const" in sub]
    if len(conditions) != 1 or not then.get("required"):
        return
    key, expected = conditions[0]
    by_key = {f.key: f for f in fields}
    if key not in by_key:
        return
    shown = yes_no(expected) if isinstance(expected, bool) else enum_label(expected)
    for name in then["required"]:
        if name in by_key:
            by_key[name].help = gettext("Wajib diisi jika \u201c%(field)s\u201d = %(value)s.",
                                        field=by_key[key].label, value=shown)


def display_input(value: Any, kind: str, locale: Optional[str] = None) -> str:
    """A JSON value as an input shows it (numbers as ``locale`` writes them, without grouping)."""
    if value is MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if kind == "lines" and isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if kind == "json" and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, indent=2)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float) and locale:
        return babel_format_decimal(value, locale=locale, decimal_quantization=False, group_separator=False)
    return str(value)


# -- submitted data → readable entries (history, summaries) ----------------------------------

@dataclass
class Entry:
    label: str
    kind: str  # text | table | list | group
    text: str = ""
    columns: list[str] = dataclass_field(default_factory=list)
    rows: list[list[str]] = dataclass_field(default_factory=list)
    items: list[str] = dataclass_field(default_factory=list)
    children: list["Entry"] = dataclass_field(default_factory=list)
    key: str = ""


Formatters = Mapping[str, Callable[[Any], str]]
_FIELD_ORDER = {key: index for index, key in enumerate(FIELD_LABELS)}


def _known_order(keys: list[str]) -> list[str]:
    """Keys without a schema (audit data is stored sorted) in the bundled forms' order."""
    return sorted(keys, key=lambda key: (_FIELD_ORDER.get(key, len(_FIELD_ORDER)), keys.index(key)))


def display_value(value: Any, key: str = "", schema: Optional[Mapping[str, Any]] = None,
                  formatters: Optional[Formatters] = None) -> str:
    if formatters and key in formatters:
        return formatters[key](value)
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, (int, float)):
        return format_decimal(value)
    if isinstance(value, str):
        return enum_label(value, schema) if (value in ENUM_LABELS or (schema and "enum" in schema)) else value
    return json.dumps(value, ensure_ascii=False)


def describe(data: Mapping[str, Any], schema: Optional[Mapping[str, Any]] = None,
             formatters: Optional[Formatters] = None, labels: Optional[Mapping[str, str]] = None) -> list[Entry]:
    """Submitted data as labelled entries: rows of objects become a table, lists of text a
    list, objects a group; enum codes and booleans are shown in words. ``formatters`` and
    ``labels`` (by key) replace the default value display and label."""
    entries = []
    props = dict(properties(schema or {}))
    labels = labels or {}
    ordered = [key for key in props if key in data] + _known_order([key for key in data if key not in props])
    for key in ordered:
        value, sub = data[key], props.get(key)
        label = labels.get(key) or label_for(key, sub)
        if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
            item_props = dict(properties((sub or {}).get("items") or {}))
            columns = [k for k in item_props if any(k in item for item in value)]
            columns += _known_order(list(dict.fromkeys(k for item in value for k in item if k not in columns)))
            entries.append(Entry(label, "table", key=key,
                                 columns=[labels.get(k) or label_for(k, item_props.get(k)) for k in columns],
                                 rows=[[display_value(item.get(k), k, item_props.get(k), formatters)
                                        for k in columns] for item in value]))
        elif isinstance(value, list):
            item_schema = (sub or {}).get("items")
            entries.append(Entry(label, "list", key=key,
                                 items=[display_value(item, key, item_schema, formatters) for item in value]))
        elif isinstance(value, Mapping):
            entries.append(Entry(label, "group", key=key, children=describe(value, sub, formatters, labels)))
        else:
            entries.append(Entry(label, "text", key=key, text=display_value(value, key, sub, formatters)))
    return entries
