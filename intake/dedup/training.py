"""Training: u by random sampling, m by expectation maximisation (Splink), on unlabelled rows.

Two EM sessions, each blocked on what the other one trains, so every comparison is estimated
on pairs that were not chosen for agreeing on it: one on both names (trains birth date, place,
ID and gender), one on birth year and county (trains the names).

A set larger than TRAIN_SAMPLE is trained on a random sample of that many reports (seeded): the
pairs of a name block grow with the square of the reports (a million synthetic reports' block on
both names outgrew DuckDB's 6 GB), while EM's parameters and the share of pairs that match, which
a random sample of reports estimates as well as the whole, settle long before.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Iterable, Mapping
from typing import Any

from .comparisons import COMPARISONS
from .engine import DedupError, engine_errors, linker_for, quiet_splink
from .features import feature_rows
from .model import Model, default_model, fixed_by_meaning
from .pipeline import KEEP_PROBABILITY, _predict_with

MODEL_VERSION = "8"
_FLOOR = 1e-6
TRAIN_SAMPLE = 100_000

# Rules that admit (almost) no false positives, for the prior; their recall is a guess.
_DETERMINISTIC = ['l."id_raw" = r."id_raw" AND l."id_valid"',
                  'l."given_syl" = r."given_syl" AND l."father_syl" = r."father_syl" '
                  'AND l."birth_year" = r."birth_year" AND l."birth_month" = r."birth_month" '
                  'AND l."county" = r."county"']
_EM_BLOCKS = ('l."given_syl" = r."given_syl" AND l."father_syl" = r."father_syl"',
              'l."birth_year" = r."birth_year" AND l."county" = r."county"')


def _parameters(settings: Mapping[str, Any], start: Model) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {}
    by_name = {c["output_column_name"]: c for c in settings["comparisons"]}
    for comp in COMPARISONS:
        levels = {lv.get("label_for_charts"): lv for lv in by_name[comp.name]["comparison_levels"]}
        out[comp.name] = {}
        for level in comp.levels:
            if level.null:
                continue
            trained = levels.get(level.code, {})
            fallback = start.parameters[comp.name][level.code]
            m, u = trained.get("m_probability"), trained.get("u_probability")
            m = float(m) if isinstance(m, (int, float)) and m > 0 else fallback["m"] * 0.01
            u = float(u) if isinstance(u, (int, float)) and u > 0 else _FLOOR
            out[comp.name][level.code] = {"m": max(m, _FLOOR), "u": max(u, _FLOOR)}
    return out


def train(rows: Iterable[Mapping[str, Any]], *, version: str = MODEL_VERSION, seed: int = 42,
          max_pairs: float = 2e6, sample: int = TRAIN_SAMPLE) -> Model:
    """A model trained on plain rows (no labels needed), or on a random `sample` of them. The
    result holds numbers only."""
    rows = list(rows)
    total = len(rows)
    if total > sample:
        rows = random.Random(seed).sample(rows, sample)
    features = _distinct(feature_rows(rows))
    if len(features) < 50:
        raise DedupError("training needs at least 50 reports")
    start = default_model()
    with quiet_splink(), engine_errors("training"):
        linker = linker_for(features, start.settings(training=True))
        try:
            linker.training.estimate_probability_two_random_records_match(_DETERMINISTIC, recall=0.6)
        except Exception:  # noqa: BLE001 - no deterministic match at all: keep the starting prior
            pass
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        for block in _EM_BLOCKS:
            linker.training.estimate_parameters_using_expectation_maximisation(block)
        settings = linker.misc.save_model_to_json()
    prior = float(settings.get("probability_two_random_records_match") or start.prior)
    if not 0 < prior < 1 or math.isnan(prior):
        prior = start.prior
    params = fixed_by_meaning(_parameters(settings, start))
    # "reports": the population whose share of matching pairs the prior is (Model.prior_for scales
    # it by that number), which a sample's share estimates: the usable reports of the whole set.
    trained = {"reports": round(len(features) * total / len(rows)), "sample": len(features),
               "date": dt.date.today().isoformat(), "splink": _splink_version(), "em_blocks": list(_EM_BLOCKS),
               "prior": "self-consistent"}
    model = Model(version, prior, params, trained)
    model.prior = _self_consistent_prior(model, features)
    return model


def _distinct(features: list[dict[str, Any]], most: int = 2) -> list[dict[str, Any]]:
    """At most ``most`` reports of one content. Copies of one report (a store flooded through the
    public form) would otherwise teach the model what the flood wants: thousands of pairs agreeing on
    every field among the EM's pairs, and the random pairs that estimate u mostly pairs of copies.
    Two keep what a family reporting twice in the same words teaches (one pair agreeing on all)."""
    seen: dict[str, int] = {}
    out = []
    for row in features:  # (the keys in memory only, as the features themselves)
        key = json.dumps({k: v for k, v in row.items() if k != "unique_id"}, sort_keys=True, default=str)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= most:
            out.append(row)
    return out


def _self_consistent_prior(model: Model, features: list[dict[str, Any]], rounds: int = 50) -> float:
    """The prior the trained model itself implies: the share of all pairs that match equals the
    mean match probability over them (pairs that no blocking rule meets count as none).

    The deterministic rules' estimate needs a guess of their recall; on sparse reports (an ID
    number in a third of them, a full date in fewer) the guess runs high and the prior low, and
    every probability comes out too small (reports that agree on both names and a year were
    almost all one person, yet scored about 0.7). Iterated to its fixed point from that start."""
    fitted = model.for_population(features)
    model.frequencies = fitted.frequencies
    settings = model.settings()
    settings.update(retain_intermediate_calculation_columns=True, retain_matching_columns=True)
    # Every candidate pair, however unlikely: the sum below needs them all.
    settings["probability_two_random_records_match"] = 0.5
    with quiet_splink(), engine_errors("training"):
        pairs = _predict_with(features, model, settings, keep=KEEP_PROBABILITY * 1e-6, spark=None)
    model.frequencies = None
    weights = [sum(p.weights.values()) for p in pairs]  # log2 Bayes factor of each pair
    total = len(features) * (len(features) - 1) / 2
    prior = model.prior
    for _ in range(rounds):
        odds = prior / (1 - prior)
        expected = sum(1 / (1 + 1 / (odds * 2.0 ** w)) for w in weights)
        prior = min(0.5, max(1e-9, expected / total))
    return prior


def _splink_version() -> str:
    import splink

    return str(splink.__version__)
