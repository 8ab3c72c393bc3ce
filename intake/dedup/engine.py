"""Splink on an in-memory DuckDB that never writes to disk (or on a Spark session).

DuckDB runs with no temporary directory and a memory limit, so nothing it holds can be
offloaded to a file: a run that does not fit fails with an out-of-memory error instead of
spilling plaintext forms of names to disk. Errors from the engine are re-raised without their
text, which could quote a value.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from .features import COLUMNS, SCHEMA


class DedupError(RuntimeError):
    """A matching run failed; the message names the stage, never a value."""


def memory_limit() -> str:
    return os.environ.get("INTAKE_DEDUP_MEMORY_LIMIT", "6GB")


def duckdb_connection(threads: int | None = None) -> Any:
    import duckdb

    con = duckdb.connect(":memory:", config={
        "temp_directory": "",            # nowhere to spill: nothing leaves memory
        "max_temp_directory_size": "0B",
        "memory_limit": memory_limit(),
        "threads": threads or os.cpu_count() or 1,
        "preserve_insertion_order": False,
        "autoinstall_known_extensions": False,
    })
    return con


def arrow_table(features: Sequence[dict[str, Any]]) -> pa.Table:
    columns = {name: [f[name] for f in features] for name, _ in COLUMNS}
    return pa.table(columns, schema=SCHEMA)


@contextmanager
def quiet_splink() -> Iterator[None]:
    logger = logging.getLogger("splink")
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


@contextmanager
def engine_errors(stage: str) -> Iterator[None]:
    """Engine and Splink errors become a DedupError naming the stage and the error's type only."""
    try:
        yield
    except DedupError:
        raise
    except MemoryError:
        raise DedupError(f"{stage}: out of memory (raise INTAKE_DEDUP_MEMORY_LIMIT)") from None
    except Exception as exc:  # noqa: BLE001 - the text of an engine error may quote a value
        kind = type(exc).__name__
        # Splink wraps DuckDB's errors in its own: the kind alone does not say memory ran out.
        if "OutOfMemory" in kind or "Out of Memory Error" in str(exc):
            raise DedupError(f"{stage}: out of memory (raise INTAKE_DEDUP_MEMORY_LIMIT)") from None
        raise DedupError(f"{stage} failed ({kind})") from None


def linker_for(features: Sequence[dict[str, Any]] | pa.Table, settings: dict[str, Any], *,
               spark: Any = None, threads: int | None = None) -> Any:
    """A Splink Linker over the feature records (dicts, or features.feature_table's Arrow table,
    which DuckDB reads in place), on DuckDB (default) or the given Spark session."""
    from splink import Linker

    table_in = features if isinstance(features, pa.Table) else arrow_table(features)

    if spark is not None:
        from splink import SparkAPI

        # persist (memory first) rather than checkpoint files; see docs/deduplication.md, "Spark", on local dirs
        db_api = SparkAPI(spark_session=spark, break_lineage_method="persist")
        frame = spark.createDataFrame(table_in.to_pandas())
        table = db_api.register(frame)
    else:
        from splink import DuckDBAPI

        db_api = DuckDBAPI(connection=duckdb_connection(threads))
        table = db_api.register(table_in)
    return Linker(table, settings, log_level=None)


def register_frequencies(linker: Any, frequencies: dict[str, dict[str, float]], *, spark: Any = None) -> None:
    """Hand Splink the run's term frequencies (model.Model.for_population) instead of letting it
    count them, so batch and in-process scoring use the very same numbers."""
    db_api = linker._db_api  # noqa: SLF001 - Splink's documented way to register needs the db_api
    for column, table in frequencies.items():
        values = list(table)
        frame = pa.table({column: pa.array(values, pa.string()),
                          f"tf_{column}": pa.array([table[v] for v in values], pa.float64())})
        if spark is not None:
            frame = spark.createDataFrame(frame.to_pandas())
        linker.table_management.register_term_frequency_lookup(db_api.register(frame), column)


def spark_session(master: str = "local[2]", *, local_dir: str | None = None) -> Any:
    """A local Spark session with Splink's similarity functions (damerau_levenshtein...) on the
    class path. On a cluster, build the session there instead (docs/deduplication.md, "Spark") and pass it in."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = (SparkSession.builder.master(master).appName("intake-dedup")
               .config("spark.jars", similarity_jar_location())
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "2")
               .config("spark.ui.enabled", "false")
               .config("spark.driver.memory", "1g")
               # Splink's blocking rules each join the table to itself; broadcast, the joins of
               # one stage built several copies in the driver at once and ran out of its heap.
               .config("spark.sql.autoBroadcastJoinThreshold", "-1"))
    if local_dir:
        builder = builder.config("spark.local.dir", local_dir)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
