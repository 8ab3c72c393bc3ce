"""The same model and settings on Apache Spark (Splink's Spark backend, local mode) give the same
pairs and probabilities as DuckDB. One Spark session for the module: a JVM start is slow."""

from __future__ import annotations

import shutil

import pytest

from intake.dedup import run_pipeline
from tests.conftest import service_missing
from tests.dedup_population import population

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    if shutil.which("java") is None:
        service_missing("Java (for Spark)", "no java on PATH")
    pyspark = pytest.importorskip("pyspark")
    from intake.dedup.engine import spark_session

    session = spark_session(local_dir=str(tmp_path_factory.mktemp("spark")))
    yield session
    session.stop()
    assert pyspark


def test_spark_and_duckdb_give_the_same_pairs(spark, bundled):
    rows, _ = population(40, seed=21)
    on_duckdb = run_pipeline(rows, bundled)
    on_spark = run_pipeline(rows, bundled, spark=spark)
    duck = {(p.left_id, p.right_id): p for p in on_duckdb.pairs}
    sparks = {(p.left_id, p.right_id): p for p in on_spark.pairs}
    assert len(duck) > 20
    assert duck.keys() == sparks.keys()
    for key, pair in duck.items():
        assert sparks[key].levels == pair.levels
        assert sparks[key].probability == pytest.approx(pair.probability, rel=1e-9, abs=1e-12)
    assert on_spark.clusters == on_duckdb.clusters


def test_spark_cuts_oversized_blocks_as_duckdb_does(spark, bundled, monkeypatch):
    """A flooded list on Spark: the same bounded pairs as DuckDB, not every pair of the flood."""
    from .test_oversized_blocks import flooded_list, same_pairs

    monkeypatch.setenv("INTAKE_DEDUP_BLOCK_CAP", "20")
    rows = flooded_list()
    on_duckdb, on_spark = run_pipeline(rows, bundled), run_pipeline(rows, bundled, spark=spark)
    assert on_spark.counts["blocks_cut"] == on_duckdb.counts["blocks_cut"] > 0
    assert len(on_spark.pairs) < 70 * 69 // 2
    same_pairs(on_duckdb, on_spark)
