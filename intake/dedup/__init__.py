"""Deduplication: which reports describe the same detained person (issue 8).

Plain rows (the columns of ``flask dedup csv``) in; pairs with their probability and per-field
levels, and clusters out. A probabilistic model (Splink, DuckDB in memory or Spark) on the
cross-script forms of resolution/, trained by EM and shipped as a versioned file; clusters
repaired so that one never joins two ID numbers, two genders or far-apart birth years.
No Flask, no database: the store side feeds rows from the bulk decryption path.
"""

from .clustering import DEFAULT_THRESHOLD, repair_clusters
from .engine import DedupError
from .explain import FieldExplanation, explain_pair
from .model import Model, ModelError, PairScore, load_model
from .pipeline import Result, run_pipeline, score_candidates
from .training import train

__all__ = ["DEFAULT_THRESHOLD", "DedupError", "FieldExplanation", "Model", "ModelError", "PairScore",
           "Result", "explain_pair", "load_model", "repair_clusters", "run_pipeline", "score_candidates",
           "train"]
