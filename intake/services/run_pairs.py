"""A whole-store deduplication run's pairs into the review queue (services/duplicates.py).

Storing the pairs was more than half of a run over the store: each pair became a PairScore (two
dicts, weights the queue never keeps), each report id a UUID several times over, and each pair's
levels were encoded and checked anew. Here the pairs go from the matcher's columns (a PairTable)
to `duplicates.record_scores` as small tuples: a report id is made a UUID once per run, the levels
of each distinct combination of comparison levels are made and checked once (359 combinations
for the 85,394 queued pairs of a run over 93,509 synthetic reports), and the pairs this run no longer suggests are found by
comparing the ids' numbers. What is recorded, and how a decision is honoured, is
`record_scores`'s, unchanged.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ..crypto.vault import Vault
from ..models import CandidatePair, PairStatus
from . import dedup_rows, duplicates, integrity

CHUNK = 5000  # pairs per transaction: a run stopped midway keeps what it committed, and reruns
Progress = Callable[[str, int, int | None], None]


class Scored(NamedTuple):
    """One pair as `duplicates.record_scores` reads it (ids, probability, levels as code pairs)."""

    left_id: uuid.UUID
    right_id: uuid.UUID
    probability: float
    levels: tuple[tuple[str, str], ...]


def queued(pairs: Sequence[Any], threshold: float) -> list[Scored]:
    """The pairs at or above `threshold`, from a PairTable's columns (or any PairScores)."""
    from ..dedup.pairs import PairTable, level_code

    ids: dict[str, uuid.UUID] = {}

    def as_uuid(value: Any) -> uuid.UUID:
        found = ids.get(value)
        if found is None:
            found = ids[value] = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        return found

    if not isinstance(pairs, PairTable):
        return [Scored(as_uuid(p.left_id), as_uuid(p.right_id), float(p.probability), tuple(p.levels.items()))
                for p in pairs if p.probability >= threshold]
    table = pairs.at_least(threshold).table
    names = [name[len("gamma_"):] for name in table.column_names if name.startswith("gamma_")]
    gammas = zip(*(table.column(f"gamma_{name}").to_pylist() for name in names), strict=True)
    combinations: dict[tuple[int, ...], tuple[tuple[str, str], ...]] = {}
    out = []
    for left, right, probability, levels in zip(table.column("left").to_pylist(), table.column("right").to_pylist(),
                                               table.column("probability").to_pylist(), gammas, strict=True):
        codes = combinations.get(levels)
        if codes is None:
            codes = combinations[levels] = tuple((n, level_code(n, g)) for n, g in zip(names, levels, strict=True))
        out.append(Scored(as_uuid(left), as_uuid(right), probability, codes))
    return out


def store(session: Session, vault: Vault, pairs: list[Scored], *, model_version: str, threshold: float,
          recorded: duplicates.Recorded, timings: dict[str, float], reports: int,
          progress: Progress | None = None) -> int:
    """Record `pairs` (committing every CHUNK), then drop the undecided pairs the run did not
    suggest; returns how many were dropped. `reports`: how many the run read. Adds to `recorded`
    and to `timings` ("store.*")."""
    started = time.perf_counter()
    # Each report's fingerprint read once for the run (not once per chunk it has pairs in); in one
    # pass over the store when half of its reports or more are in pairs (at 93,509 reports, all
    # wanted, the pass took about half the time of looking each up by id).
    ids = {i for p in pairs for i in (p.left_id, p.right_id)}
    prints = dedup_rows.fingerprints(session, ids, scan=2 * len(ids) >= reports)
    timings["store.fingerprints"] = time.perf_counter() - started
    started = time.perf_counter()
    chunks = [pairs[first:first + CHUNK] for first in range(0, len(pairs), CHUNK)]
    session.commit()  # the fingerprints' read ends here: each chunk is its own transaction
    for chunk, found in _recorded(session, vault, chunks, model_version=model_version, threshold=threshold,
                                  prints=prints):
        for name in ("new", "updated", "remembered", "reopened", "below"):
            setattr(recorded, name, getattr(recorded, name) + getattr(found, name))
        if progress:
            progress("storing pairs", len(chunk), len(pairs))
    timings["store.record"] = time.perf_counter() - started
    started = time.perf_counter()
    retired = retire_unsuggested(session, {(p.left_id.int, p.right_id.int) if p.left_id.int < p.right_id.int
                                           else (p.right_id.int, p.left_id.int) for p in pairs})
    session.commit()
    timings["store.retire"] = time.perf_counter() - started
    return retired


STORING_THREADS = 2


def _recorded(session: Session, vault: Vault, chunks: list[list[Scored]], *, model_version: str, threshold: float,
              prints: dict[uuid.UUID, bytes]) -> Iterator[tuple[list[Scored], duplicates.Recorded]]:
    """Each chunk recorded and committed, with what `record_scores` found, in any order. On
    PostgreSQL two threads, each on a session of its own: while one waits for the server's COPY (its
    foreign-key checks and index entries, half of storing's CPU, in the server's process) the other
    seals its pairs, so the two cores both work. The chunks' pairs are distinct, so their rows never
    meet; the foreign-key checks' KEY SHARE locks on the reports do not conflict. Elsewhere (SQLite
    has one writer) one chunk after another on `session`."""
    def one(chunk: list[Scored], own: Session) -> duplicates.Recorded:
        found = duplicates.record_scores(own, vault, chunk, model_version=model_version, threshold=threshold,
                                         prints=prints)
        own.commit()
        return found

    if session.get_bind().dialect.name != "postgresql" or len(chunks) < 2:
        for chunk in chunks:
            yield chunk, one(chunk, session)
        return
    vault.current_integrity_key()  # loaded here, before the threads read it
    factory = sessionmaker(bind=session.get_bind())
    local = threading.local()
    opened: list[Session] = []  # each thread's session, closed when all are done

    def in_thread(chunk: list[Scored]) -> duplicates.Recorded:
        own = getattr(local, "session", None)
        if own is None:
            own = local.session = factory()
            opened.append(own)
        try:
            return one(chunk, own)
        except BaseException:
            own.rollback()
            raise

    try:
        with ThreadPoolExecutor(max_workers=STORING_THREADS, thread_name_prefix="store-pairs") as pool:
            futures = {pool.submit(in_thread, chunk): chunk for chunk in chunks}
            try:
                for future in as_completed(futures):
                    yield futures[future], future.result()
            except BaseException:
                for future in futures:
                    future.cancel()  # what has not started does not start; committed chunks stay
                raise
    finally:
        for own in opened:
            own.close()


def retire_unsuggested(session: Session, suggested: set[tuple[int, int]]) -> int:
    """Drop the undecided pairs that this whole-store run did not suggest at or above the review
    threshold (`suggested`: its pairs there as the numbers of their ids, in stored order): take-in
    scoring (no term frequencies) or an older model put them there, and the queue shows what the
    current model thinks. Decided and deferred pairs stay as they are."""
    pending = session.connection().execute(select(CandidatePair.id, CandidatePair.left_id, CandidatePair.right_id)
                                           .where(CandidatePair.status == PairStatus.PENDING.value))
    stale = [pid for pid, left, right in pending if (left.int, right.int) not in suggested]
    for chunk in integrity.chunks(stale, 1000):
        session.execute(delete(CandidatePair).where(CandidatePair.id.in_(chunk)))
    return len(stale)
