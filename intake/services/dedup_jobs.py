"""Deduplication jobs over the working store: train the model, run it over every report, and score
each new report at take-in against the candidates its blind indexes find.

The matcher (intake/dedup: Splink on DuckDB) is pure: rows in, scores out. Here is what feeds it
from the store and keeps its results: plaintext rows exist only in this process's memory, for the
length of a job; what is stored is candidate pairs (ids, probabilities, levels: services/duplicates.py)
and the trained model's parameters (no values: the file is scanned in the plaintext-at-rest test).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session, sessionmaker

from ..config import setting
from ..crypto.vault import Vault
from ..models import Report
from . import audit, bulk, dedup_rows, duplicates, run_pairs

log = logging.getLogger(__name__)
MODEL_FILE = "dedup-model.json"


class NoModel(Exception):
    """No trained model is available: run `flask dedup train`."""


def model_path() -> Path:
    configured = setting("INTAKE_DEDUP_MODEL", None)
    if configured:
        return Path(configured)
    return Path(current_app.instance_path) / MODEL_FILE


@dataclass
class LoadedModel:
    model: Any
    version: str  # the model's version and a digest of its parameters: which model scored a pair


_cache: dict[str, tuple[float, LoadedModel]] = {}


def current_model() -> LoadedModel:
    """The trained model (INTAKE_DEDUP_MODEL, or instance/dedup-model.json), else the one shipped
    with the release; loaded once per process and again when its file changes."""
    from ..dedup import ModelError, load_model

    path = model_path()
    try:
        stamp: float | None = path.stat().st_mtime
    except OSError:
        stamp = None
    key = str(path) if stamp is not None else "<bundled>"
    hit = _cache.get(key)
    if hit is None or hit[0] != stamp:
        try:
            model = load_model(path if stamp is not None else None)
        except ModelError:
            raise NoModel("no usable deduplication model: run `flask dedup train`") from None
        digest = hashlib.sha256(json.dumps(model.to_dict(), sort_keys=True).encode()).hexdigest()[:12]
        hit = (stamp or 0.0, LoadedModel(model, f"{model.version}-{digest}"[:32]))
        _cache[key] = hit
    return hit[1]


def _save_model(model: Any, path: Path) -> None:
    """Write the model beside its final name, then move it there (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    model.save(partial)
    os.replace(partial, path)


# ---------- whole-store jobs ----------

@dataclass
class RunReport:
    reports: int = 0
    pairs: int = 0
    clusters: int = 0
    recorded: duplicates.Recorded = field(default_factory=duplicates.Recorded)
    retired: int = 0  # undecided pairs this run no longer suggests (scored under an older model or data)
    blocks_cut: int = 0  # oversized blocks paired within bounds (blocks.BLOCK_CAP)
    timings: dict[str, float] = field(default_factory=dict)


Progress = Callable[[str, int, int | None], None]  # (stage, items done now, total if known)


def _read_rows(session: Session, vault: Vault, progress: Progress | None, timings: dict[str, float],
               workers: int = 1) -> list[dict[str, Any]]:
    """Every usable report of the working store as a row, through the bulk path (`workers` > 1:
    decrypted in forked processes, each with its own connection; rows come back through pipes).
    A job reads before it matches; in a process where DuckDB's threads already run (a second job
    in one process) the bulk path reads in this process instead of forking."""
    started = time.perf_counter()
    total = dedup_rows.store_size(session)
    rows: list[dict[str, Any]] = []
    factory = sessionmaker(bind=session.get_bind())
    for batch in bulk.map_reports(factory, vault, dedup_rows.rows_of, workers=workers, fields=dedup_rows.COMPARED):
        rows.extend(batch.values())
        if progress:
            progress("decrypt", len(batch), total)
    timings["decrypt"] = time.perf_counter() - started
    return rows


def _read_features(session: Session, vault: Vault, progress: Progress | None, timings: dict[str, float],
                   workers: int) -> Any:
    """The matcher's feature records of every usable report, made in the decrypting workers: a
    worker turns its batch into rows and the rows into normalised forms, and only those come back
    (as columns, through pipes), instead of the rows going back and out again to other workers."""
    import pyarrow as pa

    from ..dedup.features import SCHEMA, batch_of_columns

    started = time.perf_counter()
    total = dedup_rows.store_size(session)
    batches = []
    factory = sessionmaker(bind=session.get_bind())
    for columns in bulk.map_reports(factory, vault, dedup_rows.feature_columns_of, workers=workers,
                                    fields=dedup_rows.COMPARED):
        batches.append(batch_of_columns(columns))
        if progress:
            progress("decrypt", len(columns[0]), total)
    timings["decrypt and prepare"] = time.perf_counter() - started
    return pa.Table.from_batches(batches, schema=SCHEMA)


def train(session: Session, vault: Vault, *, actor: str = "cli", progress: Progress | None = None,
          version: str = "1", workers: int = 1) -> RunReport:
    """Train the model on the working store and save it (replacing the previous one). Audited."""
    from ..dedup import train as train_model

    vault.require_readable()
    report = RunReport()
    rows = _read_rows(session, vault, progress, report.timings, workers)
    report.reports = len(rows)
    started = time.perf_counter()
    model = train_model(rows, version=version)
    del rows
    report.timings["train"] = time.perf_counter() - started
    path = model_path()
    _save_model(model, path)
    _cache.pop(str(path), None)
    audit.record(session, vault, actor=actor, action="dedup.train",
                 details={"reports": report.reports, "model": current_model().version})
    session.commit()
    return report


def run(session: Session, vault: Vault, *, actor: str = "cli", progress: Progress | None = None,
        workers: int = 1) -> RunReport:
    """Score the whole working store and record the pairs at or above the review threshold. Audited."""
    from ..dedup import run_pipeline

    vault.require_readable()
    loaded = current_model()
    report = RunReport()
    if workers > 1 and bulk.forking_is_safe():
        rows: Any = _read_features(session, vault, progress, report.timings, workers)
    else:  # decrypted here, and prepared by the matcher's own workers
        rows = _read_rows(session, vault, progress, report.timings, workers)
    report.reports = len(rows)
    started = time.perf_counter()
    result = run_pipeline(rows, loaded.model, progress=progress, threshold=duplicates.thresholds()[1])
    del rows
    loaded.model.frequencies = None  # the run's term frequencies hold values: not kept past the run
    report.timings["pipeline"] = time.perf_counter() - started
    for stage, seconds in result.timings.items():
        report.timings[f"pipeline.{stage}"] = float(seconds)
    review = duplicates.thresholds()[0]
    report.pairs, report.clusters = len(result.pairs), len(set(result.clusters.values()))
    report.blocks_cut = result.counts.get("blocks_cut", 0)
    started = time.perf_counter()
    # Only the pairs that can enter the queue are taken from the matcher's columns; the rest are counted.
    pairs = run_pairs.queued(result.pairs, review)
    report.recorded.below = report.pairs - len(pairs)
    del result
    report.retired = run_pairs.store(session, vault, pairs, model_version=loaded.version, threshold=review,
                                     recorded=report.recorded, timings=report.timings, reports=report.reports,
                                     progress=progress)
    report.timings["store"] = time.perf_counter() - started
    audit.record(session, vault, actor=actor, action="dedup.run",
                 details={"reports": report.reports, "pairs": report.pairs, "new": report.recorded.new,
                          "remembered": report.recorded.remembered, "retired": report.retired,
                          "blocks_cut": report.blocks_cut,
                          "model": loaded.version})
    session.commit()
    return report


# ---------- incremental: a new report at take-in ----------

def score_new_report(session: Session, vault: Vault, report: Report, loaded: LoadedModel) -> duplicates.Recorded:
    """Score one report against the candidates its blind indexes find (decrypting only those) and
    record the pairs at or above the review threshold (does not commit)."""
    from ..dedup import score_candidates

    fields = {name: getattr(report, name) for name in dedup_rows.COMPARED}
    candidates = dedup_rows.candidate_ids(session, vault, report.id, fields)
    if not candidates:
        return duplicates.Recorded()
    rows = dedup_rows.rows_for(session, vault, candidates)
    if not rows:
        return duplicates.Recorded()
    mine = dedup_rows.row_of(report.id, fields)
    # The prior for the store's size, as `dedup run` uses for the whole store (term frequencies
    # would need every name decrypted: common names count as ordinary until the next run).
    model = loaded.model.for_size(_store_size_cached(session))
    scores = score_candidates(model, mine, list(rows.values()))
    return duplicates.record_scores(session, vault, scores, model_version=loaded.version)


_SIZE_TTL = 300.0  # seconds a store's size is reused (a take-in must not count a million rows)
_sizes: dict[tuple[int, str], tuple[float, int]] = {}


def _store_size_cached(session: Session) -> int:
    """dedup_rows.store_size, counted at most once per _SIZE_TTL per database."""
    bind = session.get_bind()
    key = (id(bind), str(bind.url))
    now = time.monotonic()
    hit = _sizes.get(key)
    if hit is None or now - hit[0] > _SIZE_TTL:
        hit = (now, dedup_rows.store_size(session))
        _sizes[key] = hit
    return hit[1]


def score_at_take_in(session: Session, vault: Vault, reports: list[Report]) -> None:
    """Take-in hook (services/take_in.py AFTER_TAKE_IN). Without a trained model nothing is scored
    (the next `flask dedup run` finds the pairs). A failure is logged by id and type only and never
    stops a take-in: the testimony matters more than its duplicate check."""
    try:
        loaded = current_model()
    except NoModel:
        return
    for report in reports:
        try:
            with session.begin_nested():
                score_new_report(session, vault, report, loaded)
        except Exception as exc:  # noqa: BLE001 - see the docstring
            log.error("duplicate scoring failed for report %s: %s", report.id, type(exc).__name__)



def _register() -> None:
    from . import take_in

    if score_at_take_in not in take_in.AFTER_TAKE_IN:
        take_in.AFTER_TAKE_IN.append(score_at_take_in)


_register()
