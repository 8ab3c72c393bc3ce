"""An export's sealed state: what its seal covers (under each domain it was ever sealed with),
sealing a new state, and checking that a row is the sealed, newest audited state of that export.
The steps that change an export (exports.py) and the faces that show or serve one
(export_access.py) rely on these checks before anything else.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from ..crypto.integrity import SealCheck
from ..crypto.vault import Vault
from ..models import Export, ExportStatus
from . import integrity, integrity_states
from .integrity import Spec


def canonical_parameters(parameters: Any) -> str:
    """The privacy model (`exports.parameters`) as the export's seal covers it: its JSON with sorted
    keys and no spaces, so that what was sealed and what the database gives back compare equal
    whatever order or spacing the JSON column keeps, and any other value, type or key does not."""
    return json.dumps(parameters, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True)


class _StateSpec(Spec):
    """A Spec whose `parameters` column is sealed in its canonical form (a JSON value, not a seal part)."""

    def parts(self, row: Any) -> tuple[Any, ...]:
        return tuple(canonical_parameters(row.parameters) if c == "parameters" else getattr(row, c)
                     for c in self.columns)


# Every state an export passes through, with its privacy model: a database writer who lowers an
# approved model (even to one still above the floor) fails this check, as one who changes the status does.
EXPORT = _StateSpec("export-state-3", Export, ("id", "status", "requested_by_id", "approved_by_id",
                                               "recipient_account_id", "manifest_sha256", "pseudonym_key_id",
                                               "pseudonym_salt", "state_seq", "parameters"), "state_mac")
# Exports sealed before the seal covered the privacy model (before this version): still verified,
# under their old domain, but their parameters are not trusted: one still requested or approved is
# neither approved nor built (propose a new export); one released or failed was built already.
UNSEALED_MODEL_EXPORT = Spec("export-state-2", Export, ("id", "status", "requested_by_id", "approved_by_id",
                                                        "recipient_account_id", "manifest_sha256",
                                                        "pseudonym_key_id", "pseudonym_salt", "state_seq"),
                             "state_mac")
# Exports sealed before they named a recipient account (migration 0020): still verified, under the
# old domain, while they name none; no researcher sees them until an admin assigns one.
LEGACY_EXPORT = Spec("export-state", Export, ("id", "status", "requested_by_id", "approved_by_id", "manifest_sha256",
                                              "pseudonym_key_id", "pseudonym_salt", "state_seq"), "state_mac")
# Statuses in which an export's privacy model is still to be used: its parameters must be sealed.
MODEL_PENDING = frozenset({ExportStatus.REQUESTED.value, ExportStatus.APPROVED.value})


def seal(vault: Vault, export: Export) -> None:
    export.state_seq = (export.state_seq or 0) + 1
    if export.parameters is None:  # the column's default, set here so that the seal covers what is stored
        export.parameters = {}
    integrity.seal_row(vault, EXPORT, export)


def sealed_under(vault: Vault, export: Export) -> Spec | None:
    """The Spec whose seal `export` verifies under (EXPORT, or an older domain), or None."""
    if integrity.check_row(vault, EXPORT, export) is SealCheck.OK:
        return EXPORT
    if integrity.check_row(vault, UNSEALED_MODEL_EXPORT, export) is SealCheck.OK:
        return UNSEALED_MODEL_EXPORT
    # Clearing the account of a sealed export fails every check: the oldest domain never covered it.
    if export.recipient_account_id is None and integrity.check_row(vault, LEGACY_EXPORT, export) is SealCheck.OK:
        return LEGACY_EXPORT
    return None


def verified(vault: Vault, export: Export) -> bool:
    return sealed_under(vault, export) is not None


def states_of(session: Session, vault: Vault, rows: Sequence[Export]) -> dict[uuid.UUID, Spec | None]:
    """`sealed_under` of each export, and None also for one older than the newest state its signed
    audit entries record: a validly sealed copy of an earlier state put back (say, approved after
    it was released or failed, which the build job would build again), or one an audit entry about
    it fails its signature. Every audited step of an export records its new state_seq (`anchor`)."""
    specs = {e.id: sealed_under(vault, e) for e in rows}
    found = integrity_states.audited_states(session, vault, specs)
    ok = integrity_states.not_older(rows, lambda e: None if specs[e.id] is None else e.state_seq or 0, found)
    return {e.id: specs[e.id] if ok[e.id] else None for e in rows}


def current(session: Session, vault: Vault, export: Export) -> bool:
    """Whether `export` verifies and is not older than its audited state (`states_of`)."""
    return states_of(session, vault, [export])[export.id] is not None


def model_sealed(vault: Vault, export: Export) -> bool:
    """Whether `export`'s privacy model is covered by its seal (sealed under EXPORT)."""
    return sealed_under(vault, export) is EXPORT


__all__ = ["EXPORT", "LEGACY_EXPORT", "MODEL_PENDING", "UNSEALED_MODEL_EXPORT", "canonical_parameters", "current",
           "model_sealed", "seal", "sealed_under", "states_of", "verified"]
