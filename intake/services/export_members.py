"""An export's membership: which reports a built export contains, and the person each row stands for.

Written once per build, inside its transaction, as sealed chunks (`ExportMemberChunk`): up to
CHUNK members sorted by report id, 32 bytes each (report id, then person key), with the first and
last report id of the chunk for lookups. A million-person export writes about 250 rows, not a
million (one row per member cost a million-person build over 30 s of database work, most of the
time after decryption). The seal covers the chunk's export, range, count and every member, so a
member taken out or added in the database no longer verifies.

Read when a family withdraws (`members_of`, for the notices) and cut out of their chunks when the
withdrawal is finished (`forget`). Exports built before chunks (one `ExportMember` row per report)
are still read; their rows go with the reports, through the foreign key.

A withdrawal finished while an export is being built must not slip between the two: the build
reads the store, writes its files, and only then writes its membership. Both sides take one lock
(`lock`: exclusive for a build, shared for withdrawals) before they touch the membership, and the
build, holding it, checks that no family in it withdrew since it began to read
(`withdrawn_during`); if one did, the build fails and nothing is released (a rerun reads the store
again). A withdrawal finished after the build's commit finds the membership and writes its
notice.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, insert, or_, select, text
from sqlalchemy.orm import Session

from ..crypto import integrity as seals
from ..crypto.integrity import SealCheck
from ..crypto.vault import Vault
from ..models import ExportMember, ExportMemberChunk, Report, Submission, SubmissionStatus
from . import integrity
from .integrity import Spec

CHUNK = 4096  # members per chunk: 128 KiB, rewritten whole when one of its reports is withdrawn
_WIDTH = 32   # bytes per member: report id, person key

_LOCK = 7311003  # the PostgreSQL advisory lock between export builds and finishing withdrawals

CHUNKS = Spec("export-members", ExportMemberChunk,
              ("id", "export_id", "first_report", "last_report", "count", "members"), "mac")


@dataclass(frozen=True, slots=True)
class Member:
    export_id: uuid.UUID
    report_id: uuid.UUID
    person_key: uuid.UUID


def lock(session: Session, *, shared: bool) -> None:
    """Until this transaction ends: exclusive for a build writing its membership, shared for a
    withdrawal reading and cutting memberships (PostgreSQL: an advisory lock; SQLite has one writer
    at a time, and the build checks after its first write, under the write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_advisory_xact_lock{'_shared' if shared else ''}({_LOCK})"))


def withdrawn_submissions(session: Session) -> frozenset[uuid.UUID]:
    """Every submission withdrawn so far (tombstones included): taken before a build reads the store."""
    return frozenset(session.scalars(select(Submission.id).where(
        Submission.status == SubmissionStatus.WITHDRAWN.value)))


def withdrawn_during(session: Session, before: frozenset[uuid.UUID],
                     members: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> bool:
    """Whether a family that withdrew after `before` was taken may be in `members`: yes if one of
    their reports is there, and yes if their withdrawal was already finished (the reports are gone,
    so whether they were read can no longer be told)."""
    new = list(withdrawn_submissions(session) - before)
    if not new:
        return False
    reports: dict[uuid.UUID, uuid.UUID] = {}
    for part in integrity.chunks(new):
        reports.update(session.execute(select(Report.id, Report.submission_id)
                                       .where(Report.submission_id.in_(part))).all())
    if set(new) - set(reports.values()):
        return True
    return any(report in reports for report, _ in members)


def insert_members(session: Session, vault: Vault, export_id: uuid.UUID,
                   members: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> int:
    """The export's (report id, person key) pairs as sealed chunks, in the session's transaction.
    Returns the number of chunks written."""
    key = vault.current_integrity_key()
    packed = sorted(report.bytes + person.bytes for report, person in members)
    rows = []
    for first in range(0, len(packed), CHUNK):
        part = packed[first:first + CHUNK]
        row = {"id": uuid.uuid4(), "export_id": export_id, "first_report": uuid.UUID(bytes=part[0][:16]),
               "last_report": uuid.UUID(bytes=part[-1][:16]), "count": len(part), "members": b"".join(part)}
        row["mac"] = seals.seal(key, CHUNKS.domain, *(row[c] for c in CHUNKS.columns))
        rows.append(row)
    if rows:
        session.execute(insert(ExportMemberChunk), rows)
    return len(rows)


def _unpack(blob: bytes) -> list[bytes]:
    return [blob[i:i + _WIDTH] for i in range(0, len(blob), _WIDTH)]


def _chunks_holding(session: Session, report_ids: Sequence[uuid.UUID], *, lock: bool = False) -> list[ExportMemberChunk]:
    found: dict[uuid.UUID, ExportMemberChunk] = {}
    for part in integrity.chunks(report_ids, 200):
        query = select(ExportMemberChunk).where(or_(*(
            and_(ExportMemberChunk.first_report <= rid, ExportMemberChunk.last_report >= rid) for rid in part)))
        if lock:
            query = query.with_for_update()
        for chunk in session.scalars(query):
            found[chunk.id] = chunk
    return list(found.values())


def members_of(session: Session, report_ids: Iterable[uuid.UUID]) -> list[Member]:
    """Every export membership of these reports: chunks and rows of older exports alike, sealed or
    not (for a withdrawal notice, one too many is the safe mistake)."""
    ids = list(dict.fromkeys(report_ids))
    out: list[Member] = []
    for chunk in _chunks_holding(session, ids):
        keys = _unpack(chunk.members)
        for rid in ids:
            i = bisect_left(keys, rid.bytes)
            if i < len(keys) and keys[i][:16] == rid.bytes:
                out.append(Member(chunk.export_id, rid, uuid.UUID(bytes=keys[i][16:])))
    for part in integrity.chunks(ids):
        out += [Member(*row) for row in session.execute(
            select(ExportMember.export_id, ExportMember.report_id, ExportMember.person_key)
            .where(ExportMember.report_id.in_(part)))]
    return out


def forget(session: Session, vault: Vault, report_ids: Iterable[uuid.UUID]) -> int:
    """Cut these reports out of every export's chunks (a finished withdrawal), re-sealing what is
    left; a chunk left empty is deleted. Rows of older exports go with the reports (foreign key).
    Returns how many memberships were removed from chunks."""
    wanted = {rid.bytes for rid in report_ids}
    if not wanted:
        return 0
    removed = 0
    for chunk in _chunks_holding(session, [uuid.UUID(bytes=b) for b in wanted], lock=True):
        kept = [m for m in _unpack(chunk.members) if m[:16] not in wanted]
        gone = chunk.count - len(kept)
        if gone == 0:
            continue
        removed += gone
        if not kept:
            session.execute(delete(ExportMemberChunk).where(ExportMemberChunk.id == chunk.id))
            continue
        chunk.members, chunk.count = b"".join(kept), len(kept)
        chunk.first_report, chunk.last_report = uuid.UUID(bytes=kept[0][:16]), uuid.UUID(bytes=kept[-1][:16])
        integrity.seal_row(vault, CHUNKS, chunk)
    session.flush()
    return removed


def count(session: Session, export_id: uuid.UUID | None = None) -> int:
    """How many memberships are kept (of one export, or of all)."""
    packed = select(func.coalesce(func.sum(ExportMemberChunk.count), 0))
    rows = select(func.count()).select_from(ExportMember)
    if export_id is not None:
        packed = packed.where(ExportMemberChunk.export_id == export_id)
        rows = rows.where(ExportMember.export_id == export_id)
    return int(session.scalar(packed) or 0) + int(session.scalar(rows) or 0)


def verify(session: Session, vault: Vault, export_id: uuid.UUID) -> tuple[int, int]:
    """(chunks whose seal verifies, chunks whose seal does not) of one export."""
    good = bad = 0
    for chunk in session.scalars(select(ExportMemberChunk).where(ExportMemberChunk.export_id == export_id)):
        ok = (integrity.check_row(vault, CHUNKS, chunk) is SealCheck.OK
              and len(chunk.members) == chunk.count * _WIDTH)
        good, bad = (good + 1, bad) if ok else (good, bad + 1)
    return good, bad


__all__ = ["CHUNK", "CHUNKS", "Member", "count", "forget", "insert_members", "lock", "members_of", "verify",
           "withdrawn_during", "withdrawn_submissions"]
