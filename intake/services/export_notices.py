"""Export keys, pseudonyms and sealed membership, and what happens to released exports when a
family withdraws.

Light on purpose (no disclosure package): services/withdrawal.py calls `record_withdrawal` before
it deletes a withdrawn submission's reports. For every export that included one of them, it writes
a notice (sealed): the export, how many persons and reports, and the pseudonyms of the rows the
recipients should delete, recomputed with the export's salt and the pseudonym secret. The notice
keeps no identity; the reports are then cut out of the export's membership (export_members.py). The operator sees the
notices (`flask export notices`, /review/exports) and marks each one done once the recipients are told.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto.errors import CryptoError
from ..crypto.integrity import SealCheck
from ..crypto.vault import Vault
from ..models import Export, ExportNotice
from ..models.base import today
from ..models.sealed import current_vault
from ..wording import said
from . import audit, export_members, integrity
from .errors import Conflict, NotFound
from .integrity import Spec
from .row_locks import hold_for_write

NOTICE = Spec("export-notice", ExportNotice, ("id", "export_id", "created_on", "persons", "reports", "pseudonyms",
                                              "notified_on", "notified_by_id"), "mac")
PSEUDONYM_BYTES = 10  # 80 bits, shown as 20 hex digits


# ---------- keys (keystore kinds `export-signing` and `pseudonym`) ----------

def signer(vault: Vault) -> tuple[bytes, Ed25519PrivateKey]:
    """The current export signing key: (key id, private key)."""
    return vault.current_export_signer()


def verify_keys(vault: Vault) -> list[Ed25519PublicKey]:
    """Every export verification key the keystore holds (current and previous, not retired)."""
    return list(vault.export_verify_keys().values())


def pseudonym_secret(vault: Vault) -> tuple[bytes, bytes]:
    return vault.current_pseudonym_secret()


def _secret_for(vault: Vault, key_id: bytes | None) -> bytes | None:
    """The pseudonym secret an export was made with, if this process still holds it."""
    if key_id is None:
        return None
    try:
        return vault.secret("pseudonym", key_id)
    except CryptoError:
        return None


def pseudonyms(secret: bytes, salt: bytes, person_keys: Sequence[uuid.UUID]) -> list[str]:
    """HMAC-SHA256(secret, salt || person key), its first PSEUDONYM_BYTES in hex, for each key."""
    # The HMAC keyed and fed the salt once, then copied per person: a million pseudonyms in about
    # two thirds of the time of one hmac.digest each.
    prepared = hmac.new(secret, salt, hashlib.sha256)
    out = []
    for key in person_keys:
        mac = prepared.copy()
        mac.update(key.int.to_bytes(16, "big"))  # UUID.bytes, without its property call
        out.append(mac.digest()[:PSEUDONYM_BYTES].hex())
    return out


# ---------- the withdrawal hook ----------

def record_withdrawal(session: Session, submission_id: uuid.UUID, report_ids: list[uuid.UUID]) -> int:
    """Write one notice per export that included any of `report_ids` (in the caller's transaction).
    Returns how many notices were written."""
    if not report_ids:
        return 0
    export_members.lock(session, shared=True)  # a build in progress commits its membership first, or fails
    members = export_members.members_of(session, report_ids)
    if not members:
        return 0
    vault = current_vault(session)
    by_export: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]] = defaultdict(list)
    for m in members:  # every row counts, sealed or not: a notice too many is the safe mistake
        by_export[m.export_id].append((m.report_id, m.person_key))
    written = 0
    for export_id, rows in by_export.items():
        export = session.get(Export, export_id)
        persons = sorted({p for _, p in rows}, key=lambda p: p.bytes)
        secret = _secret_for(vault, export.pseudonym_key_id) if export is not None else None
        names = (pseudonyms(secret, export.pseudonym_salt, persons)
                 if secret is not None and export is not None and export.pseudonym_salt else [])
        notice = ExportNotice(export_id=export_id, created_on=today(), persons=len(persons), reports=len(rows),
                              pseudonyms=" ".join(sorted(names)))
        integrity.seal_row(vault, NOTICE, notice)
        session.add(notice)
        session.flush()
        audit.record(session, vault, actor="system", action="export.withdrawal_notice", object_type="export",
                     object_id=str(export_id), details={"persons": len(persons), "reports": len(rows)})
        written += 1
    export_members.forget(session, vault, report_ids)  # the notices keep what the recipients need
    return written


# ---------- the operator's view ----------

@dataclass(frozen=True)
class NoticeView:
    notice: ExportNotice
    verified: bool
    recipient: str | None


def notices(session: Session, vault: Vault, *, open_only: bool = False) -> list[NoticeView]:
    query = select(ExportNotice, Export.recipient).join(Export, Export.id == ExportNotice.export_id)
    if open_only:
        query = query.where(ExportNotice.notified_on.is_(None))
    rows = session.execute(query.order_by(ExportNotice.created_on.desc())).all()
    return [NoticeView(n, integrity.check_row(vault, NOTICE, n) is SealCheck.OK, recipient) for n, recipient in rows]


def mark_notified(session: Session, vault: Vault, notice_id: uuid.UUID, *, actor: uuid.UUID | None,
                  actor_name: str) -> ExportNotice:
    """The operator has told the export's recipients (audited). Commits."""
    hold_for_write(session, ExportNotice.notified_on, notice_id)
    notice = session.get(ExportNotice, notice_id, with_for_update=True, populate_existing=True)
    if notice is None:
        raise NotFound(said("no such notice"))
    if integrity.check_row(vault, NOTICE, notice) is not SealCheck.OK:
        raise Conflict(said("this notice failed verification; nothing was changed"))
    if notice.notified_on is not None:
        raise Conflict(said("this notice was already marked as sent"))
    notice.notified_on, notice.notified_by_id = today(), actor
    integrity.seal_row(vault, NOTICE, notice)
    audit.record(session, vault, actor=actor_name, action="export.notice_sent", object_type="export",
                 object_id=str(notice.export_id), details={"notice": str(notice.id)})
    session.commit()
    return notice
