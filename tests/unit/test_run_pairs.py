"""A whole-store run's pairs taken from the matcher's columns (services/run_pairs.py) are the pairs,
probabilities and levels the PairScores say, as the queue stores them."""

from __future__ import annotations

import uuid

from intake.dedup import load_model, run_pipeline
from intake.dedup.pairs import PairTable
from intake.services import duplicates, run_pairs
from tests.dedup_population import population


def test_queued_pairs_from_columns_are_the_pair_scores_above_the_threshold():
    rows, _ = population(120, seed=3)
    for row in rows:  # stored reports are named by UUIDs
        row["report_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, row["report_id"]))
    result = run_pipeline(rows, load_model())
    assert isinstance(result.pairs, PairTable)
    # a threshold that some pairs fall below, whatever the population draws
    threshold = sorted(p.probability for p in result.pairs)[len(result.pairs) // 2]
    scores = [p for p in result.pairs if p.probability >= threshold]
    assert 20 < len(scores) < len(result.pairs)

    for pairs in (result.pairs, list(result.pairs)):  # columns, and PairScores as Spark's path gives them
        queued = run_pairs.queued(pairs, threshold)
        assert [(str(p.left_id), str(p.right_id), p.probability, duplicates.encode_levels(p.levels))
                for p in queued] == [(s.left_id, s.right_id, s.probability, duplicates.encode_levels(s.levels))
                                     for s in scores]
        # One UUID per report, however many pairs it is in.
        assert len({id(i) for p in queued for i in (p.left_id, p.right_id)}) == len(
            {i for p in queued for i in (p.left_id, p.right_id)})
