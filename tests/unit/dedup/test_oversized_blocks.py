"""A list flooded with copies of one report (the outside probe: 3,000 identical rows made 4.5
million candidate pairs): a blocking rule's block over the cap is paired within bounds, so the
pairs stay linear in the rows, the copies still form one cluster, the run says how many blocks it
cut (a count, no value), and a normal list's pairs are untouched."""

from __future__ import annotations

import random

import pytest

from intake.dedup import blocks, run_pipeline
from tests.dedup_population import population, write_csv

from .test_cli import flask, read

COPY = {"given_name": "Abdurehim", "father_name": "Tursun", "full_name_alt": "Tursun Abdurehim",
        "gender": "male", "birth_date": "1975-03-04", "home_place": "Kashgar", "chinese_id": "",
        "detention_year": "2017", "facility": "", "reporter_relationship": "brother"}


def _flood(n: int, prefix: str = "f", **changes: str) -> list[dict[str, str]]:
    return [{"report_id": f"{prefix}{i:05d}", **COPY, **changes} for i in range(n)]


def test_a_flood_of_identical_rows_through_the_cli_gives_linear_pairs_and_one_cluster(tmp_path):
    rows, _ = population(150, seed=13)
    flood = _flood(2_000)  # the whole block's pairs would be 1,999,000
    write_csv(str(tmp_path / "list.csv"), rows + flood)
    result = flask("csv", "list.csv", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pairs, clusters = read(tmp_path / "out" / "pairs.csv"), read(tmp_path / "out" / "clusters.csv")
    copies = {r["report_id"] for r in flood}
    flooded = [p for p in pairs if p["report_id_l"] in copies or p["report_id_r"] in copies]
    assert len(flooded) < 3 * len(flood)
    assert len({c["cluster_id"] for c in clusters if c["report_id"] in copies}) == 1
    assert "oversized block(s)" in result.stderr
    for value in ("Abdurehim", "Tursun", "Kashgar", "1975"):
        assert value not in result.stderr + result.stdout


def test_the_rest_of_a_flooded_list_keeps_its_pairs(bundled, monkeypatch):
    rows, _ = population(300, seed=7)
    mixed = rows + _flood(700) + _flood(650, prefix="g", given_name="Tursun", father_name="Abdurehim")
    monkeypatch.setenv("INTAKE_DEDUP_BLOCK_CAP", str(10**6))
    whole = run_pipeline(mixed, bundled)
    monkeypatch.delenv("INTAKE_DEDUP_BLOCK_CAP")
    cut = run_pipeline(mixed, bundled)
    assert whole.counts["blocks_cut"] == 0 < cut.counts["blocks_cut"]
    assert len(cut.pairs) < 3 * 1_350 + len(whole.pairs) - 700 * 699 // 2 - 650 * 649 // 2
    own = {r["report_id"] for r in rows}
    assert {k: v for k, v in _pairs(cut).items() if own.issuperset(k)} == \
        {k: v for k, v in _pairs(whole).items() if own.issuperset(k)}
    assert {rid: cut.clusters[rid] for rid in own} == {rid: whole.clusters[rid] for rid in own}
    for prefix in ("f", "g"):
        assert len({cid for rid, cid in cut.clusters.items() if rid[0] == prefix}) == 1


def _pairs(result) -> dict[tuple[str, str], float]:
    return {(p.left_id, p.right_id): p.probability for p in result.pairs}


def test_a_normal_population_is_not_cut(bundled):
    rows, _ = population(400, seed=5)
    result = run_pipeline(rows, bundled)
    assert result.counts["blocks_cut"] == 0
    assert blocks.block_cap(10**6) > 1_708  # the largest block of a million synthetic reports


def test_a_tiny_cap_keeps_a_subset_of_the_pairs_and_copies_together(bundled, monkeypatch):
    """With a cap every common block exceeds, the pairs kept are the rules' own (the conditions
    still hold) and copies of a report, even thin ones beside a full one, share one cluster."""
    rows, _ = population(150, seed=21)
    thin = _flood(30, prefix="t", given_name="Memet", father_name="Ablet", full_name_alt="", home_place="",
                  gender="", detention_year="", reporter_relationship="")
    full = _flood(1, prefix="full", given_name="Memet", father_name="Ablet", full_name_alt="")
    random.Random(4).shuffle(mixed := rows + thin + full + _flood(40))
    uncut = run_pipeline(mixed, bundled)
    whole = _pairs(uncut)
    for group in ([r["report_id"] for r in thin + full], [f"f{i:05d}" for i in range(40)]):
        assert len({uncut.clusters[rid] for rid in group}) == 1
    monkeypatch.setenv("INTAKE_DEDUP_BLOCK_CAP", "3")
    cut = run_pipeline(mixed, bundled)
    assert cut.counts["blocks_cut"] > 0
    kept = _pairs(cut)
    assert set(kept) <= set(whole)
    assert all(kept[k] == pytest.approx(whole[k]) for k in kept)
    for group in ([r["report_id"] for r in thin + full], [f"f{i:05d}" for i in range(40)]):
        assert len({cut.clusters[rid] for rid in group}) == 1


def test_cap_setting(monkeypatch):
    monkeypatch.delenv("INTAKE_DEDUP_BLOCK_CAP", raising=False)
    assert blocks.block_cap(1_000) == blocks.BLOCK_CAP
    assert blocks.block_cap(3_000_000) == 10_000
    monkeypatch.setenv("INTAKE_DEDUP_BLOCK_CAP", "50")
    assert blocks.block_cap(1_000) == 50
    monkeypatch.setenv("INTAKE_DEDUP_BLOCK_CAP", "lots")
    assert blocks.block_cap(1_000) == blocks.BLOCK_CAP


def test_every_rule_has_a_key():
    assert len(blocks.RULE_KEYS) == len(blocks.BLOCKING_RULES)



def flooded_list() -> list[dict[str, str]]:
    """A small population and floods of two reports, for a cap of 20 (so that blocks are cut)."""
    rows, _ = population(60, seed=23)
    return rows + _flood(70) + _flood(45, prefix="g", given_name="Tursun", father_name="Abdurehim")


def test_splinks_own_predict_cuts_the_same_blocks(bundled, monkeypatch):
    """Splink's predict (the reference scoring.py is held to; the Spark path goes the same way)
    leaves the oversized blocks to the same bounded pairing: the same pairs, levels and
    probabilities as the DuckDB scorer, not every pair of each block."""
    monkeypatch.setenv("INTAKE_DEDUP_BLOCK_CAP", "20")
    mixed = flooded_list()
    ours, splinks = run_pipeline(mixed, bundled), run_pipeline(mixed, bundled, splink=True)
    assert ours.counts["blocks_cut"] > 0 and splinks.counts["blocks_cut"] == ours.counts["blocks_cut"]
    assert len(splinks.pairs) < 70 * 69 // 2
    same_pairs(ours, splinks)


def same_pairs(a, b) -> None:
    left = {(p.left_id, p.right_id): p for p in a.pairs}
    right = {(p.left_id, p.right_id): p for p in b.pairs}
    assert left.keys() == right.keys()
    for key, pair in left.items():
        assert right[key].levels == pair.levels
        assert right[key].probability == pytest.approx(pair.probability, rel=1e-9, abs=1e-12)
    assert a.clusters == b.clusters
