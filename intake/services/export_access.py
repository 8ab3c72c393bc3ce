"""Who sees and downloads which export: the one researcher account it was proposed for.

An export names its researcher account when it is proposed, and the account (with the privacy
model) is sealed with the export's state (export_states.EXPORT), so a database writer cannot hand an
export to another account, nor change what it releases. A
researcher is offered, and may download, only the released exports whose seal verifies and names
their own account; an admin sees every released export (admins approve exports and run the
service). Exports proposed before exports named an account (migration 0020) name none: no
researcher sees them until an admin assigns one (`flask export assign`, once).

Refusals never say whether an export exists: another account's export is "not found", as an
unknown id is. Every download is audited before it is served.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..disclosure import signing
from ..disclosure.standalone_verify import MANIFEST
from ..disclosure.verify import standalone_path
from ..models import Export, ExportStatus, Role, User
from ..models.sealed import current_vault
from ..wording import said
from . import audit
from .errors import Conflict, NotFound
from .export_notices import verify_keys
from .export_states import EXPORT, current, states_of
from .exports import export_root

VERIFIER_NAME = "standalone_verify.py"


def may_see(viewer: User, export: Export) -> bool:
    """Whether `viewer` may be offered `export` once it is released and verified."""
    if viewer.role == Role.ADMIN.value:
        return True
    return viewer.role == Role.RESEARCHER.value and export.recipient_account_id == viewer.id


def researcher_accounts(session: Session) -> list[tuple[uuid.UUID, str]]:
    """Active researcher accounts, by username: who an export may be proposed for."""
    return [(i, name) for i, name in session.execute(
        select(User.id, User.username).where(User.role == Role.RESEARCHER.value, User.is_active.is_(True))
        .order_by(User.username))]


# ---------- listing ----------

@dataclass(frozen=True)
class ExportView:
    export: Export
    verified: bool
    proposer: str | None
    approver: str | None
    account: str | None  # the researcher account's username; None before exports named one
    model_sealed: bool = True  # False: sealed before its privacy model was (an older seal domain)


def list_exports(session: Session, vault: Vault, statuses: Sequence[ExportStatus] | None = None) -> list[ExportView]:
    """Every export (of these statuses), newest first, with its seal checked: for reviewers."""
    query = select(Export).order_by(Export.created_at.desc())
    if statuses:
        query = query.where(Export.status.in_([s.value for s in statuses]))
    exports = list(session.scalars(query))
    ids = {i for e in exports for i in (e.requested_by_id, e.approved_by_id, e.recipient_account_id) if i}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()) if ids else {}
    views, states = [], states_of(session, vault, exports)
    for e in exports:
        sealed = states[e.id]
        views.append(ExportView(e, sealed is not None, names.get(e.requested_by_id), names.get(e.approved_by_id),
                                names.get(e.recipient_account_id), sealed is EXPORT))
    return views


def released_exports(session: Session, viewer: User) -> list[Export]:
    """The released exports `viewer` may see, whose sealed state verifies, newest first."""
    vault = current_vault(session)
    query = select(Export).where(Export.status == ExportStatus.RELEASED.value).order_by(Export.created_at.desc())
    if viewer.role != Role.ADMIN.value:
        query = query.where(Export.recipient_account_id == viewer.id)
    offered = [e for e in session.scalars(query) if may_see(viewer, e)]
    states = states_of(session, vault, offered)
    return [e for e in offered if states[e.id] is not None]


def released(session: Session, export_id: uuid.UUID, viewer: User) -> Export:
    """One released, verified export `viewer` may see; NotFound otherwise (whoever else's it is)."""
    export = session.get(Export, export_id)
    if export is None or export.status != ExportStatus.RELEASED.value or not may_see(viewer, export) \
            or not current(session, current_vault(session), export):
        raise NotFound(said("no such released export"))
    return export


# ---------- files and downloads ----------

def file_names(export: Export) -> list[str]:
    """What a researcher may download: the manifest, the files it lists, and the verifier. The
    files are read from the signed manifest on disk once it is the one the export sealed (its
    SHA-256): the database's copy of the manifest is not sealed, so a name added there is not
    offered. None but the manifest and the verifier while the files do not match."""
    return [MANIFEST, *sorted((sealed_manifest(export) or {}).get("files", {})), VERIFIER_NAME]


class Stated(NamedTuple):
    """What the released manifest says of an export (None where it is not the sealed one)."""
    k: int | None = None
    suppression_rate: float | None = None
    rows: int | None = None
    created: str | None = None


def measured(export: Export) -> Stated:
    """The k, suppression rate, row count and date the released manifest states: the columns
    `measured_k`, `suppression_rate`, `persons` and `built_at` are not sealed, so a database writer
    could have them claim a k the export never had."""
    manifest = sealed_manifest(export) or {}
    found = manifest.get("measured") if isinstance(manifest.get("measured"), dict) else {}
    k, rate, rows, created = found.get("k"), found.get("suppression_rate"), manifest.get("row_count"), manifest.get("created")
    return Stated(k if type(k) is int else None, float(rate) if type(rate) in (int, float) else None,
                  rows if type(rows) is int else None, created if isinstance(created, str) else None)


def sealed_manifest(export: Export) -> dict[str, Any] | None:
    """The signed manifest on disk, if it is the one `export` sealed. What a researcher is told about
    an export comes from here, never from the database's unsealed copy (`Export.manifest`)."""
    path = export_root() / str(export.id) / MANIFEST
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if not export.manifest_sha256 or hashlib.sha256(raw).hexdigest() != export.manifest_sha256:
        return None
    try:
        manifest = json.loads(raw)
    except ValueError:
        return None
    return manifest if isinstance(manifest, dict) else None


def export_file(session: Session, export_id: uuid.UUID, filename: str, viewer: User, *,
                audit_with: Vault | None = None) -> Path:
    """The path of one downloadable file of a released export `viewer` may see; NotFound for any
    other name or export, and Conflict if the signed manifest on disk is not the one the export
    sealed. With `audit_with`, a download: audited and committed before the caller serves the file."""
    export = released(session, export_id, viewer)
    if filename == VERIFIER_NAME:
        path = standalone_path()
    else:
        manifest = sealed_manifest(export)
        if manifest is None:
            raise Conflict(said("export %(export)s: its files are missing or are not the ones released",
                                export=export_id))
        if filename != MANIFEST and filename not in manifest.get("files", {}):
            raise NotFound(said("no such file in this export"))
        path = export_root() / str(export.id) / filename
        if not path.is_file():
            raise Conflict(said("export %(export)s: a file of it is missing", export=export_id))
    if audit_with is not None:
        audit.record(session, audit_with, actor=str(viewer.id), action="export.downloaded", object_type="export",
                     object_id=str(export_id), details={"file": filename})
        session.commit()
    return path


def public_key_text(vault: Vault, export: Export) -> str | None:
    """The hex of the key that signed `export`'s manifest (for the recipient's verifier)."""
    claimed = ((sealed_manifest(export) or {}).get("signature") or {}).get("key_id")
    for key in verify_keys(vault):
        if signing.key_id(key) == claimed:
            return key.public_bytes_raw().hex()
    return None
