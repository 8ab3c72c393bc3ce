"""Statistics from the store: counts for reviewers and researchers, and the public snapshot.

`refresh` (a CLI job: it reads the whole store) counts the persons an export could use (the same
scope: consented, verified, not withdrawn) by prefecture, detention year, status, gender, age band
and verification level, and stores the counts sealed; pages show them with cells under 5 as "<5"
(disclosure.statistics). `publish` draws differentially private counts (OpenDP), charges their
epsilon to the privacy ledger, signs the snapshot with the export signing key and writes it where
the public face reads it. The ledger is the signed audit log itself: every publication's epsilon
is in its audit entry, so removing one breaks the chain, and the total can only be counted up.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..crypto import audit_chain
from ..crypto.integrity import SealCheck
from ..crypto.vault import Vault
from ..disclosure import privacy, signing, standalone_verify
from ..disclosure.statistics import SMALL, CountTable, categorise, count_tables
from ..models import AuditEvent, StatisticsRun
from ..models.base import utcnow
from ..wording import said
from . import audit, export_source, integrity
from .errors import Conflict, InvalidInput
from .export_notices import signer
from .integrity import Spec

RUN = Spec("statistics-run", StatisticsRun, ("id", "computed_at", "reference_year", "persons", "tables_text",
                                            "excluded_text"), "mac")
PUBLISHED = "statistics.published"


class _Sealable:
    """A run's columns as the seal sees them (JSON columns as canonical text)."""

    def __init__(self, run: StatisticsRun) -> None:
        self.run = run

    def __getattr__(self, name: str) -> Any:
        if name == "tables_text":
            return _canonical(self.run.tables)
        if name == "excluded_text":
            return _canonical(self.run.excluded)
        return getattr(self.run, name)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# ---------- counts for reviewers and researchers ----------

class TooFewChanged(Exception):
    """The new counts differ from the shown ones by fewer than SMALL persons in some table: shown
    side by side, the two would single those persons out. The shown counts stay."""

    def __init__(self, shown: StatisticsRun) -> None:
        super().__init__(f"fewer than {SMALL} persons changed in some table since the last count: "
                         "comparing the two would single them out, so the counts stay as they were")
        self.shown = shown


def _fewest_changed(shown: Counts, tables: list[CountTable]) -> int:
    """The smallest nonzero change between two counts, over every table: the sum of the cells'
    differences (a person added or withdrawn moves one cell by one, a corrected one two cells)."""
    before = {t.dimension: dict(zip(t.labels, t.counts)) for t in shown.tables}
    changes = []
    for table in tables:
        old, new = before.get(table.dimension, {}), dict(zip(table.labels, table.counts))
        changes.append(sum(abs(new.get(label, 0) - old.get(label, 0)) for label in old.keys() | new.keys()))
    return min((c for c in changes if c), default=0)


def refresh(session: Session, vault: Vault, *, reference_year: int | None = None, actor: str = "system",
            batch: int = 2000, workers: int = 1, progress: Callable[[int], None] | None = None) -> StatisticsRun:
    """Count the store afresh and keep the counts (sealed, audited). Commits.

    Raises TooFewChanged when the counts moved, but by fewer than SMALL persons in some table:
    researchers who kept both pages would otherwise read, from which cells went up by one, the
    prefecture, detention year, status, gender and age band of the one family who just reported
    (or withdrew), the combination an export's k-anonymity exists to hide."""
    vault.current_integrity_key()
    scope = export_source.collect(session, vault, batch=batch, workers=workers, progress=progress)
    year = reference_year or utcnow().year
    tables = count_tables(scope.columns, year)
    shown = latest(session, vault)
    if shown is not None and 0 < _fewest_changed(shown, tables) < SMALL:
        raise TooFewChanged(shown.run)
    run = StatisticsRun(computed_at=_after_the_newest(session), reference_year=year, persons=scope.persons,
                        tables=[{"dimension": t.dimension, "title": t.title, "labels": list(t.labels),
                                 "counts": list(t.counts)} for t in tables],
                        excluded=dict(scope.excluded))
    run.mac = integrity.seal_row(vault, RUN, _Sealable(run))  # type: ignore[arg-type]
    session.add(run)
    session.flush()
    audit.record(session, vault, actor=actor, action="statistics.computed", object_type="statistics",
                 object_id=str(run.id), details={"persons": scope.persons})
    session.commit()
    return run


def _after_the_newest(session: Session) -> datetime:
    """Now, to the second, but later than every run before: the newest run is the one shown and
    the one the next refresh compares with, and two runs dated the same second tied."""
    now = utcnow().replace(microsecond=0)
    newest = session.scalar(select(func.max(StatisticsRun.computed_at)))
    return max(now, newest + timedelta(seconds=1)) if newest is not None else now


@dataclass(frozen=True)
class Counts:
    run: StatisticsRun
    tables: list[CountTable]


def latest(session: Session, vault: Vault) -> Counts | None:
    """The newest run whose seal verifies (an altered run is skipped, never shown)."""
    for run in session.scalars(select(StatisticsRun).order_by(StatisticsRun.computed_at.desc()).limit(10)):
        if integrity.check_row(vault, RUN, _Sealable(run)) is SealCheck.OK:  # type: ignore[arg-type]
            return Counts(run, [CountTable(t["dimension"], t["title"], tuple(t["labels"]), tuple(t["counts"]))
                                for t in run.tables])
    return None


def charts_of(counts: Counts) -> list[str]:
    """The charts of a run's tables, drawn once per run (about 0.1 s each with matplotlib), never
    per visit: the review face's statistics pages are open to researchers, outside people."""
    from ..disclosure import charts

    tables = counts.tables
    key = (counts.run.id, *tables)
    with _DRAWN_LOCK:
        if key in _RUN_CHARTS:
            return _RUN_CHARTS[key]
    drawn = [charts.bar_chart(t) for t in tables]
    with _DRAWN_LOCK:
        _RUN_CHARTS.clear()  # only the newest run is shown: the one before is not asked again
        _RUN_CHARTS[key] = drawn
    return drawn


_RUN_CHARTS: dict[tuple[Any, ...], list[str]] = {}


# ---------- the privacy ledger and the public snapshot ----------

def ledger(session: Session, vault: Vault, budget: float | str) -> privacy.PrivacyLedger:
    """Every publication's epsilon, from the audit entries whose signature verifies. An entry that
    fails counts anyway, at its stated epsilon: spending is never forgotten."""
    book = privacy.PrivacyLedger.with_budget(budget)
    for entry in session.scalars(select(AuditEvent).where(AuditEvent.action == PUBLISHED).order_by(AuditEvent.seq)):
        epsilon = (entry.details or {}).get("epsilon")
        if epsilon is None:
            continue
        problem = audit_chain.check_entry(entry.prev_hash, entry.fields(), entry.prev_hash, entry.entry_hash,
                                          entry.signature, vault.audit_public.get(entry.key_id))
        book.entries.append(privacy.LedgerEntry(entry.occurred_at.date(), privacy._fraction(str(epsilon)),
                                                "unverified" if problem else str(entry.object_id)))
    return book


def publish(session: Session, vault: Vault, *, epsilon: str, budget: float | str, path: Path,
            actor: str = "cli", batch: int = 2000, workers: int = 1, reference_year: int | None = None,
            progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Draw noisy counts, charge the ledger (committed first: a failure later wastes epsilon, never
    hides it), sign and write the snapshot atomically. BudgetExceeded leaves everything as it was."""
    try:
        amount = float(epsilon)
    except ValueError:
        raise InvalidInput(said("epsilon must be a number")) from None
    if not 0 < amount <= 10:
        raise InvalidInput(said("epsilon must be above 0 and at most 10"))
    _, key = signer(vault)
    book = ledger(session, vault, budget)
    release_id = str(uuid.uuid4())
    try:
        entry = book.charge(epsilon, release_id, utcnow().date())
    except privacy.BudgetExceeded as exc:
        raise Conflict(f"{exc}; nothing was published") from None
    scope = export_source.collect(session, vault, batch=batch, workers=workers, progress=progress)
    year = reference_year or utcnow().year
    tables = count_tables(scope.columns, year)
    noisy = privacy.noisy_tables(tables, categorise(scope.columns, year), amount)
    document = signing.sign(privacy.snapshot(noisy, entry, book), key)
    audit.record(session, vault, actor=actor, action=PUBLISHED, object_type="statistics", object_id=release_id,
                 details={"epsilon": str(epsilon), "tables": len(noisy)})
    session.commit()
    _write_atomically(path, json.dumps(document, ensure_ascii=False, indent=1) + "\n")
    return document


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".snapshot-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def verified_snapshot(raw: bytes, public_key: bytes) -> dict[str, Any] | None:
    """The public face: the snapshot if its signature verifies with the configured key, else None.
    Reads no database and no testimony."""
    try:
        document = json.loads(raw.decode("utf-8"))
        key = standalone_verify.load_public_key(public_key)
        standalone_verify.verify_signature(document, key)
    except Exception:  # noqa: BLE001 - missing, unreadable, malformed or forged: nothing is shown
        return None
    if document.get("kind") != privacy.SNAPSHOT_KIND or not isinstance(document.get("tables"), list):
        return None
    return document


def snapshot_tables(document: dict[str, Any]) -> list[CountTable]:
    """The snapshot's noisy counts as tables (shown, like every count, with small cells hidden)."""
    return [CountTable(t["dimension"], t["title"], tuple(t["labels"]), tuple(int(c) for c in t["counts"]))
            for t in document["tables"]]


def read_snapshot_configured(config: Any, instance_path: str) -> tuple[dict[str, Any] | None, list[CountTable], list[str]]:
    """The public face's page: the verified snapshot (or None), its tables and their charts."""
    from ..disclosure import charts

    configured = config.get("INTAKE_STATISTICS_SNAPSHOT")
    path = Path(configured) if configured else Path(instance_path) / "public-statistics.json"
    key = config.get("INTAKE_STATISTICS_PUBLIC_KEY")
    try:
        raw, public_key = path.read_bytes(), Path(key).read_bytes() if key else None
    except OSError:
        return None, [], []
    if public_key is None:
        return None, [], []
    # Drawing the charts costs about 0.1 s each: once per snapshot (by content), never per visit.
    found = (hashlib.sha256(raw).digest(), hashlib.sha256(public_key).digest())
    with _DRAWN_LOCK:
        if found in _DRAWN:
            return _DRAWN[found]
    document = verified_snapshot(raw, public_key)
    if document is None:
        return None, [], []
    tables = snapshot_tables(document)
    page = (document, tables, [charts.bar_chart(t) for t in tables])
    with _DRAWN_LOCK:
        _DRAWN.clear()  # only the snapshot now published is ever shown again
        _DRAWN[found] = page
    return page


_DRAWN: dict[tuple[bytes, bytes], tuple[dict[str, Any], list[CountTable], list[str]]] = {}
_DRAWN_LOCK = threading.Lock()
