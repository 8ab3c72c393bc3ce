"""The batch: plain rows in, scored pairs and repaired clusters out, with stage timings.

    rows -> features (resolution.prepare, in worker processes for large inputs)
         -> candidate pairs by the blocking rules and their probabilities (Splink, in-memory DuckDB)
         -> clusters with repair (clustering.py)

``score_candidates`` scores one new report against a few candidates in process by the same
arithmetic (model.Model.score), for the store's incremental path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .clustering import DEFAULT_THRESHOLD, repair_clusters
from .comparisons import BY_NAME, COMPARISONS
from .engine import engine_errors, linker_for, quiet_splink, register_frequencies
from .features import feature_row, feature_rows
from .model import Model, PairScore

Progress = Callable[[str, int, int | None], None]  # (stage, done increment, total or None)

# Pairs below this are not reported at all: they say "different people" and nobody reviews them.
KEEP_PROBABILITY = 0.01


@dataclass
class Result:
    pairs: list[PairScore]
    clusters: dict[str, str]               # report_id -> cluster_id (the smallest report_id in it)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    counts: dict[str, int] = field(default_factory=dict)      # reports, pairs, clusters


def _levels_from_gamma(comp_name: str, gamma: int) -> str:
    levels = BY_NAME[comp_name].levels
    if gamma == -1:
        return levels[0].code
    return levels[len(levels) - 1 - gamma].code  # Splink numbers the else level 0, upwards


def _pairs_from(table: Any, model: Model, features: Sequence[dict[str, Any]]) -> list[PairScore]:
    import pyarrow as pa

    if not isinstance(table, pa.Table):
        table = pa.Table.from_pandas(table, preserve_index=False)
    cols = {name: table.column(name).to_pylist() for name in table.column_names}
    names = [c.name for c in COMPARISONS]
    out = []
    for i in range(table.num_rows):
        levels = {n: _levels_from_gamma(n, cols[f"gamma_{n}"][i]) for n in names}
        left, right = str(cols["unique_id_l"][i]), str(cols["unique_id_r"][i])
        if right < left:
            left, right = right, left
        weights = {n: _weight(n, cols, i) for n in names}
        out.append(PairScore(left, right, float(cols["match_probability"][i]), levels, weights))
    return out


def _weight(name: str, cols: dict[str, list[Any]], i: int) -> float:
    weight = float(cols[f"mw_{name}"][i] or 0.0)
    tf = cols.get(f"mw_tf_adj_{name}")
    return weight + float(tf[i] or 0.0) if tf is not None else weight


def run_pipeline(rows: Iterable[Mapping[str, Any]], model: Model, *, progress: Progress | None = None,
                 threshold: float = DEFAULT_THRESHOLD, keep: float = KEEP_PROBABILITY,
                 spark: Any = None) -> Result:
    """Score and cluster plain rows (the CSV columns; ``report_id`` unique and non-empty)."""
    timings: dict[str, float] = {}
    rows = list(rows)
    start = time.perf_counter()
    report = (lambda n: progress("prepare", n, len(rows))) if progress else None
    features = feature_rows(rows, progress=report)
    ids = [f["unique_id"] for f in features]
    if any(not i for i in ids) or len(set(ids)) != len(ids):
        raise ValueError("every row needs a report_id, and no two the same")
    timings["prepare"] = time.perf_counter() - start
    fitted = model.for_population(features)  # the run's term frequencies and prior, in memory
    model.frequencies, model.run_prior = fitted.frequencies, fitted.run_prior

    start = time.perf_counter()
    settings = model.settings()
    settings.update(retain_intermediate_calculation_columns=True, retain_matching_columns=True)
    pairs = _predict_with(features, model, settings, keep=keep, spark=spark)
    timings["score"] = time.perf_counter() - start
    if progress:
        progress("score", len(pairs), None)

    start = time.perf_counter()
    clusters = repair_clusters(pairs, features, threshold=threshold)
    timings["cluster"] = time.perf_counter() - start
    if progress:
        progress("cluster", len(clusters), None)
    return Result(pairs, clusters, timings,
                  {"reports": len(features), "pairs": len(pairs), "clusters": len(set(clusters.values()))})


def _predict_with(features: Sequence[dict[str, Any]], model: Model, settings: dict[str, Any], *,
                  keep: float, spark: Any) -> list[PairScore]:
    if len(features) < 2:
        return []
    with quiet_splink(), engine_errors("scoring"):
        linker = linker_for(features, settings, spark=spark)
        register_frequencies(linker, model.frequencies or {}, spark=spark)
        frame = linker.inference.predict(threshold_match_probability=keep)
        wanted = ["unique_id_l", "unique_id_r", "match_probability"]
        for comp in COMPARISONS:
            wanted += [f"gamma_{comp.name}", f"mw_{comp.name}"]
            if any(lv.tf_column for lv in comp.levels):
                wanted.append(f"mw_tf_adj_{comp.name}")
        if spark is not None:
            table = frame.as_spark_dataframe().select(*wanted).toPandas()
        else:
            table = frame.as_duckdbpyrelation().select(*wanted).to_arrow_table()
    return _pairs_from(table, model, features)


def score_candidates(model: Model, new_row: Mapping[str, Any], candidate_rows: Iterable[Mapping[str, Any]]
                     ) -> list[PairScore]:
    """One new report against its candidates, in process: the same probability as the batch
    gives the same pair, under the same term frequencies and prior (``model.frequencies`` and
    ``model.run_prior``: set by run_pipeline, or by ``model.for_population(features)`` over the
    store; without them no name counts as common or rare and the trained prior holds)."""
    new = feature_row(new_row)
    return [model.score(new, feature_row(c)) for c in candidate_rows]
