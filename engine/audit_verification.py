"""Checking the audit log's hash chain and signing its head (auditors, or an operator).

The chain itself (how events are hashed and appended) is :mod:`engine.audit`; what
auditors read from it is :mod:`engine.audit_trail`.
"""
from __future__ import annotations

from typing import Iterable

from .access import authorise
from .actors import Actor, actor_name
from .audit import Checkpoint, VerificationResult, verify_chain, write_checkpoint
from .errors import Forbidden
from .kinerja import Kinerja
from .permissions import AUDIT


def verify_audit_chain(kinerja: Kinerja, actor: Actor,
                       extra_checkpoints: Iterable[Checkpoint] = ()) -> VerificationResult:
    """Check the chain, its head and every checkpoint (signatures too when the key is configured)."""
    with kinerja.reading() as uow:
        authorise(uow.session, actor, AUDIT)
        return verify_chain(uow.session, key=kinerja.audit_key, extra_checkpoints=extra_checkpoints)


def write_audit_checkpoint(kinerja: Kinerja, actor: Actor) -> Checkpoint:
    """Sign the current chain head with the audit key and store the checkpoint."""
    if not kinerja.audit_key:
        raise Forbidden("no audit key is configured (set KINERJA_AUDIT_KEY); checkpoints must be signed")
    with kinerja.unit_of_work() as uow:
        authorise(uow.session, actor, AUDIT)
        checkpoint = write_checkpoint(uow.session, kinerja.audit_key, actor_name(actor), uow.clock.now())
        uow.commit()
        return checkpoint
