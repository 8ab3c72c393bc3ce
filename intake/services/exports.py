"""Researcher exports: propose, approve, build. Who sees and downloads them: export_access.py.
Withdrawal notices: export_notices.py.

A reviewer proposes (recipient, the one researcher account that receives it, purpose, privacy
policy); a second reviewer or an admin approves; the build job (`flask export build`, or the
queue) reads the store through export_source, writes the files with the disclosure package, seals
which reports it used, and releases. Every step is audited, every state an export passes through
is sealed (export_states.py) and verified before the next step or a download relies on it. A
build that cannot meet the privacy model stores nothing but the failure's reason (counts and rules
only); its files never exist.

Pseudonyms: HMAC-SHA256(pseudonym secret, fresh salt | person key), 80 bits. A fresh salt per
export makes them unlinkable across exports; the keystore's pseudonym secret lets the operator,
and nobody else, recompute the row of a person whose family withdraws.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto.errors import KeystoreError
from ..crypto.vault import Vault
from ..disclosure import NotAnonymisable, Policy, build_release, signing
from ..disclosure.release import DATA_NAME, ReleaseCheckFailed
from ..disclosure.standalone_verify import MANIFEST
from ..disclosure.verify import Verification, verify_export
from ..models import Export, ExportStatus, Role, User
from ..models.base import utcnow
from ..wording import code_word, said
from . import audit, bulk, export_members, export_source, integrity
from .export_states import EXPORT, MODEL_PENDING, seal, states_of
from .export_notices import pseudonym_secret, pseudonyms, signer, verify_keys
from .errors import Conflict, InvalidInput, NotFound
from .row_locks import hold_for_write


class ExportFailed(Conflict):
    """The build could not meet the privacy model: nothing was written."""


def _require(session: Session, vault: Vault, export_id: uuid.UUID, status: ExportStatus | None) -> Export:
    """The export, locked for a change, its seal verified and (unless None) in `status`."""
    hold_for_write(session, Export.status, export_id)  # two approvals at once on SQLite: one after the other
    export = session.get(Export, export_id, with_for_update=True, populate_existing=True)
    if export is None:
        raise NotFound(said("no such export"))
    sealed = states_of(session, vault, [export])[export.id]
    if sealed is None:
        raise Conflict(said("export %(export)s: its sealed state failed verification; nothing was changed",
                             export=export_id))
    if status is not None and export.status != status.value:
        raise Conflict(said("export %(export)s is %(status)s, not %(expected)s; nothing was changed",
                             export=export_id, status=code_word(export.status), expected=code_word(status.value)))
    if export.status in MODEL_PENDING and sealed is not EXPORT:
        # Sealed before the seal covered the privacy model: a database writer may have lowered it
        # since, and approving, assigning or building would seal or use it as if it had not been.
        raise Conflict(said("export %(export)s was proposed before its privacy model was sealed with it: "
                            "propose a new export; nothing was changed", export=export_id))
    return export


# ---------- propose and approve ----------

def _receives(account: User | None) -> bool:
    return account is not None and account.is_active and account.role == Role.RESEARCHER.value


def receiving_account(session: Session, account_id: uuid.UUID | str | None) -> User:
    """The active researcher account an export may be released to; InvalidInput for anything else."""
    try:
        account = session.get(User, uuid.UUID(str(account_id))) if account_id else None
    except ValueError:
        account = None
    if account is None or not _receives(account):
        raise InvalidInput(said("choose the active researcher account that receives the export"))
    return account


def propose(session: Session, vault: Vault, *, actor: uuid.UUID, recipient: str, purpose: str,
            recipient_account: uuid.UUID | str | None, policy: Policy | None = None) -> Export:
    """A reviewer proposes an export for one researcher account (audited). Commits."""
    recipient, purpose = (recipient or "").strip(), (purpose or "").strip()
    if not recipient or len(recipient) > 200:
        raise InvalidInput(said("name the recipient (at most 200 characters)"))
    account = receiving_account(session, recipient_account)
    if not purpose or len(purpose) > 500:
        raise InvalidInput(said("say what the export is for (at most 500 characters)"))
    policy = policy or Policy()
    if not within_floor(policy):
        raise InvalidInput(said("the privacy model may only be stricter than k %(k)s, l %(l)s, %(suppression)s "
                                "suppression, %(risk)s average risk", k=5, l=2, suppression="5 %", risk="3 %"))
    export = Export(status=ExportStatus.REQUESTED.value, requested_by_id=actor, recipient=recipient, purpose=purpose,
                    recipient_account_id=account.id, parameters={"k": policy.k, "l": policy.l, "max_suppression": policy.max_suppression,
                                "max_average_risk": policy.max_average_risk})
    session.add(export)
    seal(vault, export)
    session.flush()
    audit.record(session, vault, actor=str(actor), action="export.proposed", object_type="export",
                 object_id=str(export.id), details={"k": policy.k, "l": policy.l, "account": str(account.id),
                                                    **integrity.anchor(export.state_seq)})
    session.commit()
    return export


def approve(session: Session, vault: Vault, export_id: uuid.UUID, *, actor: uuid.UUID) -> Export:
    """A second reviewer or an admin approves (audited); the proposer may not. Commits."""
    export = _require(session, vault, export_id, ExportStatus.REQUESTED)
    if export.requested_by_id == actor:
        session.rollback()
        raise Conflict(said("an export must be approved by someone other than the reviewer who proposed it; "
                            "nothing was changed"))
    if export.recipient_account_id is not None and not _receives(session.get(User, export.recipient_account_id)):
        session.rollback()  # disabled, or no longer a researcher's, since the proposal
        raise Conflict(said("export %(export)s is for an account that is no longer an active researcher "
                            "account: propose a new export; nothing was changed", export=export_id))
    export.status = ExportStatus.APPROVED.value
    export.approved_by_id = actor
    export.approved_at = utcnow()
    seal(vault, export)
    audit.record(session, vault, actor=str(actor), action="export.approved", object_type="export",
                 object_id=str(export.id), details=integrity.anchor(export.state_seq))
    session.commit()
    return export


def assign(session: Session, vault: Vault, export_id: uuid.UUID, account_id: uuid.UUID | str, *,
           actor: uuid.UUID) -> Export:
    """Name the researcher account of an export proposed before exports named one (audited).
    Once only: an export's account never changes (propose a new export for another). Commits."""
    export = _require(session, vault, export_id, None)
    if export.recipient_account_id is not None:
        session.rollback()
        raise Conflict(said("export %(export)s already names its researcher account, which cannot change; "
                            "nothing was changed", export=export_id))
    account = receiving_account(session, account_id)
    export.recipient_account_id = account.id
    seal(vault, export)
    audit.record(session, vault, actor=str(actor), action="export.assigned", object_type="export",
                 object_id=str(export.id), details={"account": str(account.id), **integrity.anchor(export.state_seq)})
    session.commit()
    return export


def within_floor(policy: Policy) -> bool:
    """Whether `policy` is at least as strict as every export must be (k 5, l 2, 5 % suppression,
    3 % average risk)."""
    return (policy.k >= 5 and policy.l >= 2 and 0 <= policy.max_suppression <= 0.05
            and 0 < policy.max_average_risk <= 0.03)


def policy_of(export: Export) -> Policy:
    """The privacy model an export is built under (`parameters`). The build reads it only from an
    export whose seal covers it (EXPORT, checked by `_require`); one weaker than the floor, or
    unreadable, is refused all the same rather than built (before the seal covered it, a database
    writer who set k = 1 and l = 1 on an approved export had it released with classes of two)."""
    p = export.parameters if isinstance(export.parameters, dict) else {}
    try:
        policy = Policy(k=int(p.get("k", 5)), l=int(p.get("l", 2)),
                        max_suppression=float(p.get("max_suppression", 0.05)),
                        max_average_risk=float(p.get("max_average_risk", 0.03)))
    except (TypeError, ValueError, OverflowError):
        policy = None
    if policy is None or not within_floor(policy):
        raise Conflict(said("export %(export)s: its stored privacy model is weaker than any export may be, or "
                            "cannot be read; nothing was built", export=export.id))
    return policy


# ---------- build ----------

def export_root() -> Path:
    """INTAKE_EXPORT_DIR, or `exports` under the instance folder."""
    if not has_app_context():
        raise RuntimeError("the export directory is configured on the application")
    configured = current_app.config.get("INTAKE_EXPORT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "exports"


def approved_ids(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Export.id).where(Export.status == ExportStatus.APPROVED.value)
                                .order_by(Export.approved_at)))


def build(session: Session, vault: Vault, export_id: uuid.UUID, *, root: Path | None = None, actor: str = "system",
          batch: int = 2000, workers: int = 1, progress: Callable[[int], None] | None = None) -> Export:
    """Read the store, write and sign the files, seal the membership, release. Commits.

    ExportFailed (with the export marked failed, audited, and no file) when the privacy model
    cannot be met."""
    root = root or export_root()
    directory = root / str(export_id)
    with _building(root, export_id) as work:
        _require(session, vault, export_id, ExportStatus.APPROVED)
        _clear(work, directory)  # approved, not released: anything there is a killed build's
        try:
            policy = policy_of(session.get(Export, export_id))  # type: ignore[arg-type]
        except Conflict:
            session.rollback()
            raise
        signing_id, signing_key = signer(vault)
        pseudonym_id, secret = pseudonym_secret(vault)
        session.rollback()  # no row lock held while the store is read
        withdrawn = export_members.withdrawn_submissions(session)  # before the read: checked again at the end
        session.rollback()
        scope = export_source.collect(session, vault, batch=batch, workers=workers, progress=progress)
        if scope.persons < policy.k:
            _fail(session, vault, export_id, scope, actor,
                  f"only {scope.persons} persons are in scope (consented, verified, not withdrawn); an export "
                  f"needs at least {policy.k}, and in practice many more")
        salt = os.urandom(16)
        try:
            # A million pseudonyms and rows of flat values, no reference cycles: the cyclic collector's
            # passes over them (and over the scope) would cost seconds and find nothing.
            with bulk.collector_paused():
                release = build_release(scope.columns, work / "files", signing_key=signing_key, policy=policy,
                                        export_id=str(export_id),
                                        pseudonyms=pseudonyms(secret, salt, scope.person_keys))
        except (NotAnonymisable, ReleaseCheckFailed) as exc:
            _fail(session, vault, export_id, scope, actor, f"no recoding meets the privacy model: {exc}")
        placed = False
        try:
            export = _require(session, vault, export_id, ExportStatus.APPROVED)  # locked until the commit
            export_members.lock(session, shared=False)
            with bulk.collector_paused():
                export_members.insert_members(session, vault, export_id, scope.members)
            if export_members.withdrawn_during(session, withdrawn, scope.members):
                raise WithdrawnDuringBuild(said("a family withdrew while export %(export)s was being built; "
                                                "nothing was released: build it again", export=export_id))
            manifest = release.manifest
            export.status = ExportStatus.RELEASED.value
            export.built_at = utcnow()
            export.manifest = manifest
            export.manifest_signature = _signature(manifest)
            export.manifest_sha256 = hashlib.sha256((work / "files" / MANIFEST).read_bytes()).hexdigest()
            export.measured_k = int(manifest["measured"]["k"])
            export.suppression_rate = float(manifest["measured"].get("suppression_rate", 0.0))
            export.persons, export.reports, export.excluded = scope.persons, scope.reports, dict(scope.excluded)
            export.pseudonym_key_id, export.pseudonym_salt, export.failure = pseudonym_id, salt, None
            seal(vault, export)
            audit.record(session, vault, actor=actor, action="export.built", object_type="export",
                         object_id=str(export_id), details={"persons": scope.persons, "reports": scope.reports,
                                                            "k": export.measured_k,
                                                            "signing_key": signing_id.hex()[:32],
                                                            **integrity.anchor(export.state_seq)})
            os.rename(work / "files", directory)  # the files appear whole, just before their record
            placed = True
            session.commit()
        except BaseException:
            session.rollback()
            if placed:
                shutil.rmtree(directory, ignore_errors=True)  # nothing partial: no files without their record
            raise
    return export


class WithdrawnDuringBuild(Conflict):
    """A family withdrew after the build began reading the store: nothing released; build again."""


@contextmanager
def _building(root: Path, export_id: uuid.UUID) -> Iterator[Path]:
    """A work directory for one build, inside the export directory, under a lock on the export.

    A build killed at any point leaves at most this work directory (or, killed between renaming
    the files into place and committing, the export's own directory while the export is still
    approved): the next build of the export, holding the lock and finding the export still
    approved, removes both and starts clean (`_clear`)."""
    root.mkdir(parents=True, exist_ok=True)
    work = root / f".build-{export_id}"
    with (root / f".build-{export_id}.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(said("export %(export)s is being built by another process; nothing was changed",
                                 export=export_id)) from None
        try:
            yield work
        finally:
            shutil.rmtree(work, ignore_errors=True)
            (root / f".build-{export_id}.lock").unlink(missing_ok=True)


def _clear(work: Path, directory: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(directory, ignore_errors=True)
    work.mkdir()


def _signature(manifest: dict[str, Any]) -> bytes:
    import base64

    return base64.b64decode(manifest["signature"]["value"])


def _fail(session: Session, vault: Vault, export_id: uuid.UUID, scope: export_source.Scope, actor: str,
          why: str) -> None:
    session.rollback()
    export = _require(session, vault, export_id, ExportStatus.APPROVED)
    export.status = ExportStatus.FAILED.value
    export.failure = why[:500]
    export.persons, export.reports, export.excluded = scope.persons, scope.reports, dict(scope.excluded)
    seal(vault, export)
    audit.record(session, vault, actor=actor, action="export.failed", object_type="export", object_id=str(export_id),
                 details={"persons": scope.persons, **integrity.anchor(export.state_seq)})
    session.commit()
    raise ExportFailed(f"export {export_id} was not built: {why.rstrip('.')}. No file was written.")


def verify_directory(vault: Vault, directory: Path) -> Verification:
    """`flask export verify DIR`: check a directory against every export key the keystore holds."""
    keys = verify_keys(vault)
    if not keys:
        raise KeystoreError("this keystore holds no export verification key")
    from ..disclosure.standalone_verify import MAX_MANIFEST
    from ..local_files import read_json

    try:  # only to choose the key: the verifier reads the manifest again, with its own checks
        claimed = read_json(directory / MANIFEST, MAX_MANIFEST, MANIFEST)["signature"]["key_id"]  # type: ignore[index]
    except (ValueError, KeyError, TypeError):
        claimed = None
    key = next((k for k in keys if signing.key_id(k) == claimed), keys[0])
    return verify_export(directory, key)


__all__ = ["DATA_NAME", "ExportFailed", "WithdrawnDuringBuild", "approve", "assign", "build", "propose",
           "receiving_account"]
