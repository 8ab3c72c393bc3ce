"""Authenticated review-side state: computed, verified and written here, and nowhere else.

Whatever the review side decides with later must not be changeable from the public face. It is
either sealed under the record's data key by the family's own submission (their consent choices,
the situation they gave: services/consent.py, `Report.reported_status`), or written only by the
review face and carried with an integrity seal (crypto/integrity.py, HMAC under the review-side integrity key):

  submissions         id, status (shown to the family), in_working_store (taken in), purged_on, state_seq
  reports             id, submission_id, handle, status, verification, person_id, state_seq
  person_link_events  every column
  status_events       id, report_id, submission_id, own_key, sequence, kind, recorded_by_id, recorded_on

Reading goes through `integrity_states.report_states` and `.submission_states` (a page or a batch at a time; bulk
jobs call them per batch, or use `integrity_jobs.verify_store`). A row comes back VERIFIED only if
its seal checks, its submission's does, its person link agrees with its sealed link history, and
its state_seq is not older than the newest state the signed audit log recorded for it (an older,
validly sealed row put back). Anything else is TAMPERED, NOT_SEALED or WITHDRAWN and carries no
values: pages show it as such, and nothing may use it as true.

Writing goes through `write_report`, `write_submission`, `seal_link_event` and `seal_status_event`.
Each write bumps state_seq; an audited change puts the new number in its audit entry
(`details["state"]`, see `anchor`), which is what later exposes a replayed row.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ..crypto import integrity as seals
from ..crypto.integrity import SealCheck
from ..crypto.vault import Vault
from ..models import PersonLinkEvent, Report, StatusEvent, Submission
from ..wording import said
from .errors import Conflict
from .row_locks import hold_for_write

# Audit actions that record a new state_seq of their object in details["state"].
STATE_ACTIONS = frozenset({"report.verification", "report.status_event", "submission.status", "message.reply",
                           "submission.withdrawn", "report.retract",
                           # an export's steps (services/exports.py, `states_of`)
                           "export.proposed", "export.approved", "export.assigned", "export.built",
                           "export.failed",
                           # a candidate pair's decisions (services/duplicates.py, `states_of`)
                           "duplicates.accept", "duplicates.reject", "duplicates.defer", "duplicates.undo",
                           "duplicates.reopen"})
CHUNK = 2000  # ids per IN (...) list
# Per object id: the newest state_seq its signed audit entries record; and the ids of objects
# with an audit entry that failed its signature check.


@dataclass(frozen=True)
class Spec:
    """One kind of sealed row: its seal's domain, the columns the seal covers, the seal's column."""

    domain: str
    model: type
    columns: tuple[str, ...]
    mac: str

    def select_columns(self) -> list[Any]:
        return [getattr(self.model, c) for c in self.columns] + [getattr(self.model, self.mac)]

    def parts(self, row: Any) -> tuple[Any, ...]:
        return tuple(getattr(row, c) for c in self.columns)


SUBMISSION = Spec("submission-state", Submission, ("id", "status", "in_working_store", "purged_on", "state_seq"),
                  "state_mac")
REPORT = Spec("report-state", Report,
              ("id", "submission_id", "handle", "status", "verification", "person_id", "state_seq"), "state_mac")
LINK_EVENT = Spec("link-event", PersonLinkEvent, ("id", "batch_id", "kind", "report_id", "person_id", "actor_id",
                                                  "occurred_at", "score", "undoes_batch_id"), "mac")
STATUS_EVENT = Spec("status-event", StatusEvent, ("id", "report_id", "submission_id", "own_key", "sequence", "kind",
                                                  "recorded_by_id", "recorded_on"), "mac")
SPECS = (SUBMISSION, REPORT, LINK_EVENT, STATUS_EVENT)


def check_row(vault: Vault, spec: Spec, row: Any) -> SealCheck:
    check = seals.check(vault.integrity_keys, getattr(row, spec.mac), spec.domain, *spec.parts(row))
    if check is SealCheck.UNKNOWN_KEY and _reloaded(vault):
        # Another process (`flask keys integrity-key`, then `flask integrity seal`) may have
        # re-sealed under a key this one has not loaded yet.
        check = seals.check(vault.integrity_keys, getattr(row, spec.mac), spec.domain, *spec.parts(row))
    return check


_RELOAD_EVERY = 10.0  # seconds: a seal naming an unknown key re-reads the keystore at most this often
_last_reload: dict[int, float] = {}


def reload_now_and_then(vault: Vault) -> bool:
    """Re-read the keystore if another process may have changed it, at most every few seconds."""
    return _reloaded(vault)


def _reloaded(vault: Vault) -> bool:
    now = time.monotonic()
    if now - _last_reload.get(id(vault), -_RELOAD_EVERY) < _RELOAD_EVERY:
        return False
    _last_reload[id(vault)] = now
    return vault.reload()


def seal_row(vault: Vault, spec: Spec, row: Any) -> bytes:
    blob = seals.seal(vault.current_integrity_key(), spec.domain, *spec.parts(row))
    setattr(row, spec.mac, blob)
    return blob


def chunks(ids: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    # islice: each batch taken in one call, not two per id (a page verifies its 150 ids this way),
    # and still lazily (whole-store jobs pass streams).
    if size < 1:  # never full: everything in one batch, as the id-by-id loop this replaced gave
        batch = list(ids)
        if batch:
            yield batch
        return
    items = iter(ids)
    while batch := list(islice(items, size)):
        yield batch


# ---------- verdicts ----------

class Verdict(StrEnum):
    VERIFIED = "verified"
    NOT_SEALED = "not yet sealed"
    TAMPERED = "failed verification"
    WITHDRAWN = "withdrawn"
    UNVERIFIABLE = "cannot be verified"


# A verdict as a refusal names it, translated where a page shows the refusal (the problem that
# follows it is an operator's detail and stays as it is).
VERDICT_WORDS = {Verdict.VERIFIED: said("verified"), Verdict.NOT_SEALED: said("not yet sealed"),
                 Verdict.TAMPERED: said("failed verification"), Verdict.WITHDRAWN: said("withdrawn"),
                 Verdict.UNVERIFIABLE: said("cannot be verified")}


# The two states are NamedTuples, not frozen dataclasses: a whole-store job makes two per report,
# and a frozen dataclass's __init__ sets each field through object.__setattr__ (about 4x the cost).
class SubmissionState(NamedTuple):
    submission_id: uuid.UUID
    verdict: Verdict
    problem: str | None = None
    status: str | None = None  # set when verified or withdrawn
    taken_in: bool = False

    @property
    def verified(self) -> bool:
        return self.verdict is Verdict.VERIFIED


class ReportState(NamedTuple):
    report_id: uuid.UUID
    verdict: Verdict
    problem: str | None = None
    # Set only when verified: never show or use an unverified row's values as true.
    status: str | None = None
    verification: str | None = None
    person_id: uuid.UUID | None = None
    submission: SubmissionState | None = None

    @property
    def verified(self) -> bool:
        return self.verdict is Verdict.VERIFIED


BACKFILL_ACTION = "integrity.backfill"


def _unverifiable(vault: Vault | None) -> str | None:
    if vault is None or not vault.unlocked:
        return "the review keys are locked"
    if not vault.integrity_keys:
        return "the keystore has no integrity key (run `flask keys integrity-key`)"
    return None


# ---------- writing (the review face only) ----------

_REPORT_FIELDS = frozenset({"status", "verification", "person_id"})
_SUBMISSION_FIELDS = frozenset({"status", "in_working_store", "purged_on"})


def _write(vault: Vault, spec: Spec, row: Any, allowed: frozenset[str], check_current: bool,
           changes: dict[str, Any]) -> int:
    key = vault.current_integrity_key()  # fails before anything changes if there is none
    if check_current and check_row(vault, spec, row) is not SealCheck.OK:
        raise Conflict(said("the current state failed verification; nothing was changed"))
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"not sealed state: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(row, name, value)
    row.state_seq = (row.state_seq or 0) + 1
    setattr(row, spec.mac, seals.seal(key, spec.domain, *spec.parts(row)))
    return int(row.state_seq)


def _held(session: Session, row: Any) -> None:
    """Re-read `row` held until the commit (row_locks). The seal covers every sealed column, and only
    the changed ones are written back: without this, two changes at once to different columns (a
    level and a status) left one's column beside the other's seal, and the row failed verification
    as if tampered with (tests/security/test_probe_round12.py)."""
    if not inspect(row).persistent:
        return
    session.flush()  # nothing pending is lost by the refresh
    hold_for_write(session, type(row).state_seq, row.id)
    session.refresh(row, with_for_update=True)


def write_report(session: Session, vault: Vault, report: Report, *, check_current: bool = True,
                 **changes: Any) -> int:
    """Change a report's sealed state (status, verification, person_id); returns the new state_seq.
    Callers verify first (`require_report`); `check_current=False` only for take-in's first seal."""
    if check_current:
        _held(session, report)
    return _write(vault, REPORT, report, _REPORT_FIELDS, check_current, changes)


def write_submission(session: Session, vault: Vault, submission: Submission, *, check_current: bool = True,
                     **changes: Any) -> int:
    """Change a submission's sealed state (status, in_working_store, purged_on); returns the new state_seq."""
    if check_current:
        _held(session, submission)
    return _write(vault, SUBMISSION, submission, _SUBMISSION_FIELDS, check_current, changes)


def seal_link_event(vault: Vault, event: PersonLinkEvent) -> None:
    seal_row(vault, LINK_EVENT, event)


def seal_status_event(vault: Vault, event: StatusEvent) -> None:
    seal_row(vault, STATUS_EVENT, event)


def status_event_verdicts(vault: Vault | None, events: Iterable[StatusEvent]) -> dict[uuid.UUID, Verdict]:
    if _unverifiable(vault):
        return {e.id: Verdict.UNVERIFIABLE for e in events}
    assert vault is not None
    verdict = {SealCheck.OK: Verdict.VERIFIED, SealCheck.MISSING: Verdict.NOT_SEALED}
    return {e.id: verdict.get(check_row(vault, STATUS_EVENT, e), Verdict.TAMPERED) for e in events}


def anchor(state_seq: int) -> dict[str, int]:
    """What an audited state change adds to its audit entry's details (its action must be in STATE_ACTIONS)."""
    return {"state": state_seq}


# ---------- which wraps may open a row ----------

def inbox_wrap_allowed(session: Session, owner_table: str, owner_id: uuid.UUID) -> bool:
    """May an inbox (HPKE) wrap open this row? Only while it awaits take-in: once the review face has
    sealed it, only working-store wraps count, so a data key planted with the PUBLIC review key
    (after deleting the real wrap) cannot be used to pass off new ciphertext as the row's."""
    if owner_table == "submissions":
        row = session.execute(select(Submission.in_working_store, Submission.state_mac)
                              .where(Submission.id == owner_id)).first()
        return row is None or (not row.in_working_store and row.state_mac is None)
    if owner_table == "status_events":
        return session.scalar(select(StatusEvent.mac).where(StatusEvent.id == owner_id)) is None
    return True

