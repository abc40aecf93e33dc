"""The SKP as tables: the document people list, link, cascade and print.

PermenPANRB 6/2022 shapes them (docs/ARCHITECTURE.md's glossary explains the terms):
an SKP version of one employee in one cycle holds its RHK (utama and tambahan, each
intervening one RHK of the supervisor's agreed SKP, or an organisation goal at the top of
the tree), one or more indicators per RHK with their aspek and target, the Rencana Aksi per
period, the seven BerAKHLAK values with the Pejabat Penilai's optional special
expectations, and the lampiran. The step that completes an SKP task writes these rows in
its own transaction (:mod:`engine.skp_step`); the workflow keeps only the SKP's id and
version. An agreed version is never edited again: a revision is a new version, and the
tasks of the evaluation point at the version they were created under.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, UtcDateTime

SKP_STATUSES = ("draft", "submitted", "returned", "agreed", "revised")  # revised: superseded by a newer version
LAYOUTS = ("ja_jf", "jpt")
APPROACHES = ("kuantitatif", "kualitatif")
RHK_KINDS = ("utama", "tambahan")
ASPECTS = ("kuantitas", "kualitas", "waktu", "biaya")
BERAKHLAK = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")
LAMPIRAN_KINDS = ("dukungan_sumber_daya", "skema_pertanggungjawaban", "konsekuensi")
MAX_TEXT = 2000  # characters of one cell of the document


class OrganisationGoal(Base):
    """A goal of the organisation for one cycle (sasaran strategis), entered by HR: what the
    top of the cascade (the head of the organisation) intervenes."""

    __tablename__ = "organisation_goals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(MAX_TEXT))


class Skp(Base):
    """One version of an employee's SKP in a cycle."""

    __tablename__ = "skp"
    __table_args__ = (
        UniqueConstraint("employee_id", "cycle_id", "version"),
        Index("ix_skp_cycle_status", "cycle_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # one of SKP_STATUSES
    layout: Mapped[str] = mapped_column(String(8), default="ja_jf")
    approach: Mapped[str] = mapped_column(String(16), default="kuantitatif")
    # The process instance whose tasks draft and approve this version.
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instances.id"), index=True)
    evaluator_employee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employees.id"))  # Pejabat Penilai
    revision_reason: Mapped[Optional[str]] = mapped_column(String(MAX_TEXT))
    return_comment: Mapped[Optional[str]] = mapped_column(String(MAX_TEXT))  # the latest return's reason
    content_hash: Mapped[Optional[str]] = mapped_column(String(64))  # of the content as signed and set
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    signed_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)  # by the employee, on submitting
    signed_by_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)  # ditetapkan by the Pejabat Penilai
    set_by_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    superseded_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)

    rhk: Mapped[list["Rhk"]] = relationship(order_by="Rhk.position", cascade="all, delete-orphan")
    perilaku: Mapped[list["PerilakuExpectation"]] = relationship(order_by="PerilakuExpectation.position",
                                                                  cascade="all, delete-orphan")
    lampiran: Mapped[list["Lampiran"]] = relationship(order_by="Lampiran.position", cascade="all, delete-orphan")


class Rhk(Base):
    """A Rencana Hasil Kerja of an SKP version."""

    __tablename__ = "rhk"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # utama | tambahan
    text: Mapped[str] = mapped_column(String(MAX_TEXT))
    # What it intervenes: an RHK of the supervisor's agreed SKP, or an organisation goal.
    parent_rhk_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rhk.id"), index=True)
    goal_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation_goals.id"))
    penugasan_dari: Mapped[Optional[str]] = mapped_column(String(MAX_TEXT))  # JPT layout
    review_comment: Mapped[Optional[str]] = mapped_column(String(MAX_TEXT))  # the Pejabat Penilai's, on return

    indicators: Mapped[list["Indikator"]] = relationship(order_by="Indikator.position", cascade="all, delete-orphan")
    actions: Mapped[list["RencanaAksi"]] = relationship(order_by="RencanaAksi.position",
                                                         cascade="all, delete-orphan")


class Indikator(Base):
    """An Indikator Kinerja Individu of an RHK: aspek, text and target (a number with its unit,
    or a described target)."""

    __tablename__ = "indikator"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rhk_id: Mapped[int] = mapped_column(ForeignKey("rhk.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    aspek: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(MAX_TEXT))
    target_value: Mapped[Optional[Decimal]] = mapped_column(Numeric(18, 4))
    target_unit: Mapped[Optional[str]] = mapped_column(String(100))
    target_description: Mapped[Optional[str]] = mapped_column(String(MAX_TEXT))
    perspektif: Mapped[Optional[str]] = mapped_column(String(200))  # JPT layout


class RencanaAksi(Base):
    """A planned action of an RHK in one period of the cycle (1 = the first)."""

    __tablename__ = "rencana_aksi"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rhk_id: Mapped[int] = mapped_column(ForeignKey("rhk.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    period: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(MAX_TEXT))


class PerilakuExpectation(Base):
    """The Pejabat Penilai's special expectation (Ekspektasi Khusus Pimpinan) of one BerAKHLAK
    value in an SKP; a value without one has no row (the seven values and their guide
    behaviours are the regulation's, in engine.skp_views)."""

    __tablename__ = "perilaku_expectations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    value_key: Mapped[str] = mapped_column(String(32))  # one of BERAKHLAK
    ekspektasi_khusus: Mapped[Optional[str]] = mapped_column(String(MAX_TEXT))


class Lampiran(Base):
    """A line of the SKP's lampiran: dukungan sumber daya, skema pertanggungjawaban or konsekuensi."""

    __tablename__ = "lampiran"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(MAX_TEXT))
