"""The batch: plain rows in, scored pairs and repaired clusters out, with stage timings.

    rows -> features (resolution.prepare, a chunk at a time, in worker processes for large
            inputs, as an Arrow table of normalised forms: no dict per report is kept)
         -> candidate pairs by the blocking rules and their probabilities (in-memory DuckDB, by
            scoring.py with Splink's arithmetic; Splink itself on Spark)
         -> clusters with repair (clustering.py)

``score_candidates`` scores one new report against a few candidates in process by the same
arithmetic (model.Model.score), for the store's incremental path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .clustering import DEFAULT_THRESHOLD, repair_clusters
from .engine import arrow_table, duckdb_connection, engine_errors, linker_for, quiet_splink, register_frequencies
from .features import feature_row, feature_table
from .model import Model, PairScore
from .pairs import PairTable, wanted_columns
from .blocks import SPLINK_KEPT, splink_rules
from .scoring import cut_apart, predict

Progress = Callable[[str, int, int | None], None]  # (stage, done increment, total or None)

# Pairs below this are not reported at all: they say "different people" and nobody reviews them.
KEEP_PROBABILITY = 0.01


@dataclass
class Result:
    pairs: Sequence[PairScore]             # a pairs.PairTable: columns, a PairScore when asked for
    clusters: dict[str, str]               # report_id -> cluster_id (the smallest report_id in it)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    counts: dict[str, int] = field(default_factory=dict)      # reports, pairs, clusters, blocks_cut


def run_pipeline(rows: Iterable[Mapping[str, Any]] | pa.Table, model: Model, *, progress: Progress | None = None,
                 threshold: float = DEFAULT_THRESHOLD, keep: float = KEEP_PROBABILITY,
                 spark: Any = None, total: int | None = None, splink: bool = False,
                 on_scored: Callable[[PairTable], None] | None = None) -> Result:
    """Score and cluster plain rows (the CSV columns; ``report_id`` unique and non-empty).

    ``rows`` may be an iterator (csv_io.iter_rows): it is read a chunk at a time and each chunk
    dropped once its features exist; ``total`` (the number of rows, if known) is for progress.
    ``rows`` may also be feature records already made (features.feature_table's Arrow table, or
    batches of features.feature_batch made where the rows were decrypted).
    Pairs are scored by scoring.py on DuckDB; on ``spark``, or with ``splink`` (the reference
    scoring.py is held to, on DuckDB), by Splink's ``predict()``. ``on_scored`` gets the pairs
    before clustering starts (csv_out.RunOutput writes pairs.csv meanwhile)."""
    timings: dict[str, float] = {}
    if total is None and isinstance(rows, Sized):
        total = len(rows)
    start = time.perf_counter()
    report = (lambda n: progress("prepare", n, total)) if progress else None
    features = rows if isinstance(rows, pa.Table) else feature_table(rows, progress=report)
    del rows
    ids = features.column("unique_id")
    if pc.any(pc.equal(pc.fill_null(ids, ""), "")).as_py() or pc.count_distinct(ids).as_py() != len(ids):
        raise ValueError("every row needs a report_id, and no two the same")
    timings["prepare"] = time.perf_counter() - start
    fitted = model.for_population(features)  # the run's term frequencies and prior, in memory
    model.frequencies, model.run_prior = fitted.frequencies, fitted.run_prior

    if progress:
        progress("score", 0, None)  # a stage starts (a count of 0 prints nothing)
    start = time.perf_counter()
    scored: dict[str, int] = {}
    if spark is None and not splink:
        pairs = _score_in_duckdb(features, model, keep=keep, counts=scored)
    else:
        settings = model.settings()
        settings.update(retain_intermediate_calculation_columns=True, retain_matching_columns=True)
        pairs = _predict_with(features, model, settings, keep=keep, spark=spark, counts=scored)
    timings["score"] = time.perf_counter() - start
    if on_scored is not None:
        on_scored(pairs)
    if progress:
        progress("score", len(pairs), None)
        progress("cluster", 0, None)
    start = time.perf_counter()
    clusters = repair_clusters(pairs, features, threshold=threshold)
    timings["cluster"] = time.perf_counter() - start
    if progress:
        progress("cluster", len(clusters), None)
    return Result(pairs, clusters, timings,
                  {"reports": features.num_rows, "pairs": len(pairs), "clusters": len(set(clusters.values())),
                   "blocks_cut": scored.get("blocks_cut", 0)})


def _score_in_duckdb(features: pa.Table, model: Model, *, keep: float,
                     counts: dict[str, int] | None = None) -> PairTable:
    """The batch's pairs scored by scoring.predict on an in-memory DuckDB (Splink's arithmetic
    in one statement of our own: see scoring.py), reports seen by row number."""
    if features.num_rows < 2:
        return PairTable.empty()
    report_ids, numbered = _numbered(features)
    with engine_errors("scoring"):
        con = duckdb_connection()
        try:
            table = predict(con, numbered, model, keep, counts)
        finally:
            con.close()
    return PairTable.from_predictions(table, report_ids)


def _numbered(features: pa.Table) -> tuple[pa.Array, pa.Table]:
    """The report ids, and the table with each report's row number as ``unique_id``: a join key of
    four bytes instead of a string makes the candidate pairs (tens of millions at a million
    reports) far smaller and faster to join. Every comparison is symmetric, so which report is
    "l" changes no level."""
    where = features.schema.get_field_index("unique_id")
    report_ids = features.column(where).combine_chunks()
    return report_ids, features.set_column(where, "unique_id", pa.array(range(features.num_rows), pa.int32()))


def _predict_with(features: pa.Table | Sequence[Mapping[str, Any]], model: Model, settings: dict[str, Any], *,
                  keep: float, spark: Any, counts: dict[str, int] | None = None) -> PairTable:
    """Splink's own predict: on ``spark``, or on DuckDB (the reference scoring.py is held to, and
    training). Oversized blocks are cut as scoring.py cuts them: measured on an in-memory DuckDB
    first, their reports left out of the rules Splink runs and paired within bounds there."""
    if not isinstance(features, pa.Table):  # feature records (training)
        features = arrow_table(features)
    if features.num_rows < 2:
        return PairTable.empty()
    report_ids, numbered = _numbered(features)  # Splink sees each report by its row number
    with engine_errors("scoring"):
        con = duckdb_connection()
        try:
            cut, marks, cut_pairs = cut_apart(con, numbered, model, keep)
        finally:
            con.close()
    if counts is not None:
        counts["blocks_cut"] = sum(cut)
    if marks is not None:
        for name in marks.column_names:
            numbered = numbered.append_column(name, marks.column(name))
        settings = {**settings, "blocking_rules_to_generate_predictions": splink_rules(cut)}
    with quiet_splink(), engine_errors("scoring"):
        linker = linker_for(numbered, settings, spark=spark)
        register_frequencies(linker, model.frequencies or {}, spark=spark)
        frame = linker.inference.predict(threshold_match_probability=keep)
        wanted = wanted_columns()
        if spark is not None:
            table = frame.as_spark_dataframe().filter(SPLINK_KEPT).select(*wanted).toPandas()
        else:
            table = frame.as_duckdbpyrelation().filter(SPLINK_KEPT).select(*wanted).to_arrow_table()
        frame.drop_table_from_database_and_remove_from_cache()
    pairs = PairTable.from_predictions(table, report_ids)
    return pairs if cut_pairs is None else pairs.plus(PairTable.from_predictions(cut_pairs, report_ids))


def score_candidates(model: Model, new_row: Mapping[str, Any], candidate_rows: Iterable[Mapping[str, Any]]
                     ) -> list[PairScore]:
    """One new report against its candidates, in process: the same probability as the batch
    gives the same pair, under the same term frequencies and prior (``model.frequencies`` and
    ``model.run_prior``: set by run_pipeline, or by ``model.for_population(features)`` over the
    store; without them no name counts as common or rare and the trained prior holds)."""
    new = feature_row(new_row)
    return [model.score(new, feature_row(c)) for c in candidate_rows]
