"""The deduplication queue's store: candidate pairs recorded, listed and grouped, without decrypting.

Pairs come from the matcher (a whole-store run, or a new report scored at take-in) as scores:
objects with `left_id`, `right_id`, `probability` and `levels`. Only pairs at or above the review
threshold are kept, as ids, probability and levels: no value and no explanation is stored.

Every row is sealed (`PAIR`, services/integrity.py) by the review face, with a state number each
audited decision records; a row whose seal does not verify, or older than its audited state (an
earlier sealed row put back), is shown as failing verification and never acted on. A rejected pair is a cannot-link: a later score of the
same two reports is ignored while both reports' ciphertexts are unchanged (the fingerprint), and
the pair comes back as pending when either report changed. A withdrawal deletes the withdrawn
reports' pairs (the BEFORE_PURGE hook below).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, column, delete, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..config import setting
from ..crypto.integrity import SealCheck
from ..crypto.vault import Vault
from ..models import CandidatePair, PairStatus, Report
from ..models.base import utcnow
from ..models.prebuilt import pg_array
from . import copy_rows, dedup_rows, integrity, integrity_states, users, withdrawal
from .row_locks import hold_for_write

_COLUMNS = ("id", "left_id", "right_id", "probability", "levels", "model_version", "status", "found_at",
            "decided_by_id", "decided_at", "batch_id", "fingerprint")
PAIR = integrity.Spec("candidate-pair-2", CandidatePair, (*_COLUMNS, "state_seq"), "mac")
# Pairs sealed before the seal covered their state number (migration 0021): still verified, as
# state 0, so one put back after a decision that recorded a state is older than it.
LEGACY_PAIR = integrity.Spec("candidate-pair", CandidatePair, _COLUMNS, "mac")
REVIEW_THRESHOLD = 0.5  # defaults; INTAKE_DEDUP_REVIEW_THRESHOLD and INTAKE_DEDUP_CLUSTER_THRESHOLD win
CLUSTER_THRESHOLD = 0.99
PER_PAGE = 50
CLUSTER_PAIRS = 5000  # pending pairs (best first) considered when grouping clusters


class Score(Protocol):
    """What the matcher's PairScore provides (ids as strings or UUIDs)."""

    left_id: Any
    right_id: Any
    probability: float
    levels: Any


def thresholds() -> tuple[float, float]:
    """(review, cluster): pairs at or above the first enter the queue; clusters whose every link is
    at or above the second can be accepted in one action."""
    return (float(setting("INTAKE_DEDUP_REVIEW_THRESHOLD", REVIEW_THRESHOLD)),
            float(setting("INTAKE_DEDUP_CLUSTER_THRESHOLD", CLUSTER_THRESHOLD)))


_CODE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def encode_levels(levels: Any) -> str:
    """Comparison levels as "comparison=level;..." (the model's short codes, such as "birth=same_month"):
    codes only, checked, so no value can ride along. A tuple of (comparison, level) pairs is encoded
    once per distinct tuple (a whole-store run has a few hundred combinations for its many pairs)."""
    if isinstance(levels, tuple):
        return _encoded(levels)
    items = levels.items() if isinstance(levels, Mapping) else levels or ()
    return ";".join(_level_code(str(name), str(level)) for name, level in items)[:400]


@lru_cache(maxsize=4096)
def _encoded(items: tuple[tuple[str, str], ...]) -> str:
    return ";".join(_level_code(str(name), str(level)) for name, level in items)[:400]


@lru_cache(maxsize=1024)
def _level_code(name: str, level: str) -> str:
    # A model has a few dozen (comparison, level) codes; a run encodes them for every queued pair.
    if not _CODE.match(name) or not _CODE.match(level):
        raise ValueError("comparison levels are short codes only")
    return f"{name}={level}"


def decode_levels(code: str) -> list[tuple[str, str]]:
    return [(name, level) for name, _, level in (part.partition("=") for part in (code or "").split(";") if part)]


def ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """The stored order: the smaller id as text first (the same order as the ids' numbers, which
    need no string made per comparison)."""
    return (a, b) if a.int < b.int else (b, a)


def seal(vault: Vault, pair: CandidatePair) -> None:
    """Seal `pair`'s new state, under a state number one higher (what its audit entry records)."""
    pair.state_seq = (pair.state_seq or 0) + 1
    integrity.seal_row(vault, PAIR, pair)


def sealed_state(vault: Vault, pair: Any) -> int | None:
    """The state number `pair`'s seal vouches for (0 under the legacy domain), or None if it fails."""
    if integrity.check_row(vault, PAIR, pair) is SealCheck.OK:
        return pair.state_seq or 0
    return 0 if integrity.check_row(vault, LEGACY_PAIR, pair) is SealCheck.OK else None


def verified(vault: Vault, pair: Any) -> bool:
    """The seal alone; `states_of` also compares the row with the audit log."""
    return sealed_state(vault, pair) is not None


def states_of(session: Session, vault: Vault, rows: Sequence[Any]) -> dict[uuid.UUID, bool]:
    """Per pair: its seal verifies and it is not older than the newest state its signed audit
    entries record. A validly sealed copy of an earlier state put back (pending again after a
    rejection, accepted again after an undo), or a pair an audit entry about which fails its
    signature, is False. One query for the rows (`audited_states`); decisions audited before they
    recorded a state give nothing to compare."""
    return _states(vault, rows, integrity_states.audited_states(session, vault, [p.id for p in rows]))


def _states(vault: Vault, rows: Iterable[Any], found: integrity_states.Anchors) -> dict[uuid.UUID, bool]:
    return integrity_states.not_older(rows, lambda pair: sealed_state(vault, pair), found)


def current(session: Session, vault: Vault, pair: CandidatePair) -> bool:
    """Whether `pair` verifies and is not older than its audited state (`states_of`)."""
    return states_of(session, vault, [pair])[pair.id]


@dataclass
class Recorded:
    new: int = 0
    updated: int = 0
    remembered: int = 0  # rejected before, reports unchanged: not suggested again
    reopened: int = 0  # rejected before, but a report changed: back in the queue
    below: int = 0  # under the review threshold


def record_scores(session: Session, vault: Vault, scores: Iterable[Score], *, model_version: str,
                  threshold: float | None = None, prints: Mapping[uuid.UUID, bytes] | None = None) -> Recorded:
    """Store the scores at or above the threshold (does not commit). Decided pairs stay decided,
    but a rejection whose reports changed since (or whose seal fails) is pending again.
    ``prints``: the reports' fingerprints (dedup_rows.fingerprints), when the caller read them
    once for many calls; otherwise each chunk reads its own."""
    threshold = thresholds()[0] if threshold is None else threshold
    vault.current_integrity_key()
    counts = Recorded()
    best: dict[tuple[uuid.UUID, uuid.UUID], Score] = {}
    for score in scores:
        if score.probability < threshold:
            counts.below += 1
            continue
        key = ordered(_uuid(score.left_id), _uuid(score.right_id))
        if key[0] != key[1] and (key not in best or best[key].probability < score.probability):
            best[key] = score
    for chunk in integrity.chunks(list(best), 1000):
        _record_chunk(session, vault, {k: best[k] for k in chunk}, model_version, counts, prints)
    return counts


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _existing(dialect: str) -> Any:
    """The stored rows of a chunk's pairs. On PostgreSQL the exact pairs, as two arrays unnested
    side by side and joined on the (left, right) index: two expanded lists of a thousand ids each
    cost the client more (parsing the statement, adapting each id) than the server's answer, and
    both sides as arrays (`= ANY`) made a bitmap scan of twice the time. Elsewhere both sides
    narrow it (not every pair of the left reports: one in a large cluster has many); a row-value IN
    of the exact pairs measured twice as slow for a run's chunks.

    Held until the chunk commits (FOR UPDATE; on SQLite `_record_chunk` takes the write lock first):
    each changed pair is written back sealed as read, so a decision committed in between had its
    status kept under the run's seal of the old one, failing verification
    (tests/security/test_probe_round12.py)."""
    if dialect != "postgresql":
        return (select(CandidatePair).where(CandidatePair.left_id.in_(bindparam("lefts", expanding=True)),
                                            CandidatePair.right_id.in_(bindparam("rights", expanding=True)))
                .execution_options(populate_existing=True))
    lefts, rights = pg_array("lefts", CandidatePair.left_id.type), pg_array("rights", CandidatePair.right_id.type)
    keys = func.unnest(lefts, rights).table_valued(
        column("l", CandidatePair.left_id.type), column("r", CandidatePair.right_id.type)).render_derived()
    return (select(CandidatePair).join(keys, and_(CandidatePair.left_id == keys.c.l, CandidatePair.right_id == keys.c.r))
            .order_by(CandidatePair.id)  # locked in one order, as a cluster's accept locks them: no deadlock
            .with_for_update(of=CandidatePair).execution_options(populate_existing=True))


_EXISTING: dict[str, Any] = {}


def _record_chunk(session: Session, vault: Vault, scores: dict[tuple[uuid.UUID, uuid.UUID], Score],
                  model_version: str, counts: Recorded, prints: Mapping[uuid.UUID, bytes] | None) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":  # its one write lock, before the pairs are read (no row of this id exists)
        hold_for_write(session, CandidatePair.status, uuid.UUID(int=0))
    statement = _EXISTING.get(dialect)
    if statement is None:
        statement = _EXISTING[dialect] = _existing(dialect)
    if dialect == "postgresql":
        lefts, rights = [left for left, _ in scores], [right for _, right in scores]
    else:
        lefts, rights = list({left for left, _ in scores}), list({right for _, right in scores})
    existing = {(p.left_id, p.right_id): p for p in session.scalars(statement, {"lefts": lefts, "rights": rights})
                if (p.left_id, p.right_id) in scores}
    found = integrity_states.audited_states(session, vault, [p.id for p in existing.values()]) if existing else ({}, set())
    anchors, ok_of = found[0], _states(vault, existing.values(), found)
    if prints is None:
        prints = dedup_rows.fingerprints(session, {i for key in scores for i in key})
    now, version, fresh = utcnow(), model_version[:32], []
    for (left, right), score in scores.items():
        if left not in prints or right not in prints:
            continue  # a report withdrawn meanwhile
        values = {"probability": float(score.probability), "levels": encode_levels(score.levels),
                  "model_version": version, "fingerprint": dedup_rows.pair_fingerprint(prints, left, right)}
        pair = existing.get((left, right))
        if pair is None:  # most pairs of a first run: inserted in bulk below, sealed the same way
            row = SimpleNamespace(id=uuid.uuid4(), left_id=left, right_id=right, status=PairStatus.PENDING.value,
                                  found_at=now, decided_by_id=None, decided_at=None, batch_id=None, state_seq=1,
                                  **values)
            integrity.seal_row(vault, PAIR, row)
            fresh.append(vars(row))
            counts.new += 1
            continue
        ok = ok_of[pair.id]  # an older state put back is no decision either
        if not ok:  # resealed above its audited state: it is pending again, and current
            pair.state_seq = max(pair.state_seq or 0, anchors.get(pair.id, 0))
        if ok and pair.status == PairStatus.ACCEPTED.value:
            continue
        if ok and pair.status == PairStatus.REJECTED.value:
            if pair.fingerprint == values["fingerprint"]:
                counts.remembered += 1
                continue
            _reopen(pair)
            counts.reopened += 1
        elif not ok:
            _reopen(pair)  # fail safe: a forged decision is never honoured, only suggested again
            counts.updated += 1
        elif all(getattr(pair, k) == v for k, v in values.items()):
            continue  # pending or deferred, nothing new
        else:
            counts.updated += 1
        for name, value in values.items():
            setattr(pair, name, value)
        seal(vault, pair)
    # Not the ORM's bulk insert: the rows are complete and sealed already. In (left, right) order,
    # so the pair index is filled page after page rather than at random.
    fresh.sort(key=lambda row: (row["left_id"].int, row["right_id"].int))
    copy_rows.insert_rows(session, CandidatePair.__table__, fresh)


def _reopen(pair: CandidatePair) -> None:
    pair.status = PairStatus.PENDING.value
    pair.decided_by_id = pair.decided_at = pair.batch_id = None


# ---------- the queue (no decryption) ----------

@dataclass(frozen=True)
class PairRow:
    id: uuid.UUID
    left: str  # report handles
    right: str
    probability: float
    levels: list[tuple[str, str]]
    status: str
    decided_by: str | None
    decided_at: datetime | None
    batch_id: uuid.UUID | None
    verified: bool  # its seal checks and it is its audited state; if not, shown as such and never acted on


@dataclass(frozen=True)
class QueuePage:
    rows: list[PairRow]
    status: str
    page: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _pair_rows(session: Session, vault: Vault, query: Any) -> list[PairRow]:
    left, right = aliased(Report), aliased(Report)
    found = session.execute(query.add_columns(left.handle.label("left_handle"), right.handle.label("right_handle"))
                            .join(left, left.id == CandidatePair.left_id)
                            .join(right, right.id == CandidatePair.right_id)).all()
    names = users.usernames(session, (r[0].decided_by_id for r in found if r[0].decided_by_id))
    ok = states_of(session, vault, [r[0] for r in found])
    return [PairRow(id=p.id, left=lh, right=rh, probability=p.probability, levels=decode_levels(p.levels),
                    status=p.status, decided_by=names.get(p.decided_by_id) if p.decided_by_id else None,
                    decided_at=p.decided_at, batch_id=p.batch_id, verified=ok[p.id])
            for p, lh, rh in found]


def queue(session: Session, vault: Vault, *, status: str = PairStatus.PENDING.value, page: int = 1) -> QueuePage:
    """One page of pairs with this status, most probable first (handles, levels, decisions)."""
    if status not in set(PairStatus):
        status = PairStatus.PENDING.value
    total = session.scalar(select(func.count()).select_from(CandidatePair).where(CandidatePair.status == status)) or 0
    query = (select(CandidatePair).where(CandidatePair.status == status)
             .order_by(CandidatePair.probability.desc(), CandidatePair.id)
             .offset((max(page, 1) - 1) * PER_PAGE).limit(PER_PAGE))
    return QueuePage(rows=_pair_rows(session, vault, query), status=status, page=max(page, 1), total=total)


def counts(session: Session) -> dict[str, int]:
    found = dict(session.execute(select(CandidatePair.status, func.count()).group_by(CandidatePair.status)).all())
    return {s.value: int(found.get(s.value, 0)) for s in PairStatus}


def pairs_by_id(session: Session, vault: Vault, pair_ids: Sequence[uuid.UUID]) -> list[PairRow]:
    return _pair_rows(session, vault, select(CandidatePair).where(CandidatePair.id.in_(list(pair_ids))))


@dataclass
class Cluster:
    """Three or more reports joined by pending pairs (each verified) at or above the review threshold."""

    pairs: list[PairRow] = field(default_factory=list)

    @property
    def handles(self) -> list[str]:
        return sorted({h for p in self.pairs for h in (p.left, p.right)})

    @property
    def weakest(self) -> float:
        return min(p.probability for p in self.pairs)

    def acceptable(self, cluster_threshold: float) -> bool:
        return self.weakest >= cluster_threshold


def clusters(session: Session, vault: Vault, *, limit: int = CLUSTER_PAIRS) -> list[Cluster]:
    """Connected groups of pending pairs, the most certain first (by their weakest link)."""
    query = (select(CandidatePair).where(CandidatePair.status == PairStatus.PENDING.value)
             .order_by(CandidatePair.probability.desc(), CandidatePair.id).limit(limit))
    rows = [r for r in _pair_rows(session, vault, query) if r.verified]
    return group(rows)


def group(rows: list[PairRow]) -> list[Cluster]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in rows:
        parent[find(row.left)] = find(row.right)
    grouped: dict[str, Cluster] = {}
    for row in rows:
        grouped.setdefault(find(row.left), Cluster()).pairs.append(row)
    out = [c for c in grouped.values() if len(c.handles) >= 3]
    return sorted(out, key=lambda c: (-c.weakest, c.handles))


# ---------- withdrawal ----------

def _purge_pairs(session: Session, submission_id: uuid.UUID, report_ids: list[uuid.UUID]) -> None:
    """BEFORE_PURGE hook: a withdrawn report's pairs go with it (decided ones too: the person links
    they made are removed by the withdrawal itself)."""
    for chunk in integrity.chunks(report_ids):
        session.execute(delete(CandidatePair).where(or_(CandidatePair.left_id.in_(chunk),
                                                        CandidatePair.right_id.in_(chunk))))


if _purge_pairs not in withdrawal.BEFORE_PURGE:
    withdrawal.BEFORE_PURGE.append(_purge_pairs)
