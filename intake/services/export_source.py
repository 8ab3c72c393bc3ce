"""What exports and statistics read from the store: one row per person, from authenticated state only.

Scope: reports whose review state verifies (services/integrity.py) and whose family's sealed
consent (services/consent.py) says "share anonymised with researchers". A person with any withdrawn
report is left out entirely (withdrawal is honoured from anyone: it only ever hides data). A report
not linked to a person counts as its own person. Everything left out is counted by reason, never
named. Plaintext lives in local variables for one batch; nothing is written, logged or kept on ORM
objects, and each batch's data keys are forgotten when it is done.

Each person's row takes its values from the person's own reports: the most verified (then newest)
report first, a field missing there filled from the next. Verification is the highest level any
report reached; the number of reports counts the reports in scope.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto import fields
from ..crypto.errors import CryptoError
from ..crypto.vault import Vault
from ..models import Report, VerificationLevel
from ..models.sealed import data_keys
from . import integrity
from .consent import consents

# Sealed report field -> export input column (disclosure.columns.INPUT_COLUMNS). Nothing else is read.
READ_FIELDS = {"gender": "gender", "birth_date": "birth_year", "ethnicity": "ethnicity", "home_county": "county",
               "detention_date": "detention_date", "facility_type": "facility_type", "sentence": "sentence"}
_LEVEL = {level.value: rank for rank, level in enumerate(VerificationLevel)}

NO_CONSENT = "no consent to share with researchers"
WITHDRAWN = "withdrawn by the family"
PERSON_WITHDRAWN = "another report of the same person was withdrawn"
UNREADABLE = "does not decrypt"


@dataclass(frozen=True)
class PlainReport:
    report_id: uuid.UUID
    person_key: uuid.UUID
    created_on: date
    status: str
    verification: str
    values: dict[str, str | None]  # READ_FIELDS' export columns, decrypted


@dataclass
class Scope:
    """The persons an export or statistic may use, as the disclosure package's input columns."""

    columns: dict[str, list[Any]]
    person_keys: list[uuid.UUID]  # columns[c][i] belongs to person_keys[i]
    members: list[tuple[uuid.UUID, uuid.UUID]]  # (report id, person key) of every report used
    excluded: Counter[str] = field(default_factory=Counter)  # reports left out, by reason

    @property
    def persons(self) -> int:
        return len(self.person_keys)

    @property
    def reports(self) -> int:
        return len(self.members)


def collect(session: Session, vault: Vault, *, batch: int = 1000,
            progress: Callable[[int], None] | None = None) -> Scope:
    """Read the whole store into a Scope (the caller runs it as a CLI or queued job)."""
    vault.require_readable()
    by_person: dict[uuid.UUID, list[PlainReport]] = {}
    withdrawn_persons: set[uuid.UUID] = set()
    excluded: Counter[str] = Counter()
    ids = list(session.scalars(select(Report.id).order_by(Report.id)))
    for chunk in integrity.chunks(ids, batch):
        for item in _read_batch(session, vault, chunk, excluded, withdrawn_persons):
            by_person.setdefault(item.person_key, []).append(item)
        if progress:
            progress(len(chunk))
    columns: dict[str, list[Any]] = {c: [] for c in (*READ_FIELDS.values(), "status", "verification", "report_count")}
    keys: list[uuid.UUID] = []
    members: list[tuple[uuid.UUID, uuid.UUID]] = []
    for person_key, reports in by_person.items():
        if person_key in withdrawn_persons:
            excluded[PERSON_WITHDRAWN] += len(reports)
            continue
        for name, value in combine(reports).items():
            columns[name].append(value)
        keys.append(person_key)
        members.extend((r.report_id, person_key) for r in reports)
    return Scope(columns, keys, members, excluded)


def combine(reports: list[PlainReport]) -> dict[str, Any]:
    """One person's row from their reports (see the module's docstring for the rule)."""
    ranked = sorted(reports, key=lambda r: (_LEVEL.get(r.verification, -1), r.created_on, r.report_id.bytes),
                    reverse=True)
    row: dict[str, Any] = {name: next((r.values[name] for r in ranked if r.values.get(name)), None)
                           for name in READ_FIELDS.values()}
    row["status"] = ranked[0].status
    row["verification"] = ranked[0].verification
    row["report_count"] = len(reports)
    return row


def _read_batch(session: Session, vault: Vault, ids: list[uuid.UUID], excluded: Counter[str],
                withdrawn_persons: set[uuid.UUID]) -> Iterable[PlainReport]:
    states = integrity.report_states(session, vault, ids)
    usable: dict[uuid.UUID, integrity.ReportState] = {}
    for rid, state in states.items():
        if state.verified:
            usable[rid] = state
        elif state.verdict is integrity.Verdict.WITHDRAWN:
            excluded[WITHDRAWN] += 1
        else:
            excluded[str(state.verdict)] += 1
    withdrawn = [rid for rid, s in states.items() if s.verdict is integrity.Verdict.WITHDRAWN]
    if withdrawn:
        # The unverified column is good enough to hide a person, never to show one.
        withdrawn_persons.update(p for p in session.scalars(select(Report.person_id).where(Report.id.in_(withdrawn)))
                                 if p is not None)
    submission_of = {rid: s.submission.submission_id for rid, s in usable.items() if s.submission is not None}
    consent = consents(session, submission_of.values())
    keep = [rid for rid in usable if consent.get(submission_of.get(rid)) is not None  # type: ignore[arg-type]
            and consent[submission_of[rid]].share_research]
    if len(usable) > len(keep):
        excluded[NO_CONSENT] += len(usable) - len(keep)
    keys = data_keys(session)
    owners = {submission_of[rid] for rid in keep}
    keys.prefetch("submissions", owners)
    columns = [Report.id, Report.submission_id, Report.created_on,
               *(getattr(Report, f"{name}_sealed") for name in READ_FIELDS)]
    out: list[PlainReport] = []
    for row in session.execute(select(*columns).where(Report.id.in_(keep))).all() if keep else []:
        state = usable[row.id]
        try:
            dek_id, dek = keys.get("submissions", row.submission_id)
            values = {column: _open(dek, dek_id, row.id, name, getattr(row, f"{name}_sealed"))
                      for name, column in READ_FIELDS.items()}
        except (CryptoError, UnicodeDecodeError):
            excluded[UNREADABLE] += 1
            continue
        out.append(PlainReport(row.id, state.person_id or row.id, row.created_on, state.status or "unknown",
                               state.verification or VerificationLevel.REPORTED.value, values))
    for owner in owners:
        keys.forget("submissions", owner)
    for owner in set(consent):
        keys.forget("submissions", owner)
    session.expunge_all()  # consent() loaded submissions with their decrypted choices: drop them
    return out


def _open(dek: bytes, dek_id: bytes, row_id: uuid.UUID, name: str, blob: bytes | None) -> str | None:
    if blob is None:
        return None
    return fields.decrypt_field(dek, dek_id, "reports", name, row_id, blob).decode("utf-8")
