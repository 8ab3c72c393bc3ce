"""The model: trained m and u probabilities per comparison level, the prior, and a version.

The model file (JSON, ``data/model-v<N>.json`` is the one shipped with a release) holds numbers
and level codes only, never a name or any other value of a record: term frequencies are taken
from the data being matched, in memory, at each run (``Model.frequencies``) and never saved.
The same numbers give Splink's settings (batch) and ``score`` (one pair in process), so a pair
has the same probability either way.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..local_files import MAX_KEY_FILE, read_json
from .comparisons import COMPARISONS, DETENTION, FIXED_M, NEUTRAL, TF_COLUMNS, TF_MINIMUM_U, Row

FORMAT = "intake-dedup-model"
BUNDLED = "model-v8.json"
# Term frequencies are shrunk towards the trained u by this many reports' worth of evidence.
TF_PSEUDO_COUNT = 2000
# The prior is scaled to the population at hand, but never as if it held fewer reports than this.
PRIOR_FLOOR_REPORTS = 5000
# Levels training never saw get these (a level that never occurs then says almost nothing).
_UNSEEN = 1e-4


class ModelError(ValueError):
    """A model file that cannot be read (the message names no value)."""


@dataclass(frozen=True)
class PairScore:
    left_id: str
    right_id: str
    probability: float
    levels: dict[str, str]      # comparison -> level code
    weights: dict[str, float]   # comparison -> log2 Bayes factor (term frequencies included)

    def as_row(self) -> dict[str, Any]:
        return {"report_id_l": self.left_id, "report_id_r": self.right_id,
                "match_probability": self.probability, **{f"{k}_level": v for k, v in self.levels.items()}}


@dataclass
class Model:
    version: str
    prior: float                                   # probability two random reports are one person
    parameters: dict[str, dict[str, dict[str, float]]]  # comparison -> level -> {"m", "u"}
    trained: dict[str, Any] = field(default_factory=dict)  # counts and dates only
    frequencies: dict[str, dict[str, float]] | None = field(default=None, repr=False)  # in memory only
    run_prior: float | None = None  # the prior for the population at hand (for_population)

    @property
    def trained_prior(self) -> float:
        return self.prior

    @property
    def effective_prior(self) -> float:
        return self.run_prior if self.run_prior is not None else self.prior

    # --- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": self.version, "prior": self.prior,
                "parameters": self.parameters, "trained": self.trained}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n", "utf-8")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ModelError("not an intake deduplication model file")
        try:
            prior = float(data["prior"])
            given = _without_detention(_near_from_close(_merged_name_levels(data["parameters"])))
            params = {c.name: {lv.code: {"m": float(given[c.name][lv.code]["m"]),
                                         "u": float(given[c.name][lv.code]["u"])}
                               for lv in c.levels if not lv.null}
                      for c in COMPARISONS}
            trained = dict(data.get("trained") or {})
        except (KeyError, TypeError, ValueError):
            raise ModelError("the model file lacks a parameter this version of intake needs") from None
        if not 0 < prior < 1 or any(not (0 < p[k] <= 1) for c in params.values() for p in c.values() for k in "mu"):
            raise ModelError("the model file holds a probability out of range")
        return cls(str(data.get("version", "")), prior, fixed_by_meaning(params), trained)

    # --- the run's own population ----------------------------------------------------------------
    def for_population(self, features: Sequence[Row] | Any) -> Model:
        """This model fitted to the reports being matched, in memory only:

        * term frequencies of the names (Splink's: count of a value over the count of non-null
          values), shrunk towards the level's trained u by TF_PSEUDO_COUNT reports, so that in a
          list of ten, a name that six reports give is not taken for a common name;
        * the prior scaled to the number of reports (down for more than in training, up for fewer,
          but never as if there were fewer than PRIOR_FLOOR_REPORTS): the expected number of other
          reports of one person stays what training saw.
        """
        n = len(features)
        counts = _value_counts(features)
        freqs: dict[str, dict[str, float]] = {}
        for col, c in counts.items():
            total = sum(c.values())
            base = self._tf_base(col)
            freqs[col] = {v: (k + TF_PSEUDO_COUNT * base) / (total + TF_PSEUDO_COUNT) for v, k in c.items()}
        return Model(self.version, self.trained_prior, self.parameters, self.trained, freqs, self.prior_for(n))

    def for_size(self, n: int) -> Model:
        """This model with the prior for ``n`` reports and no term frequencies (scoring a new
        report at take-in, where the store's names are not all decrypted)."""
        return Model(self.version, self.trained_prior, self.parameters, self.trained, None, self.prior_for(n))

    def prior_for(self, n: int) -> float:
        """The prior for a population of ``n`` reports. Each report has as many other reports of its
        person as in training, so the share of matching pairs goes as 1/(n-1). A list shorter than
        PRIOR_FLOOR_REPORTS counts as that long: in a short list of look-alikes a higher prior
        would merge twins."""
        trained_reports = int(self.trained.get("reports") or 0)
        if trained_reports <= 1 or n <= 1:
            return self.prior
        counted = max(n, min(trained_reports, PRIOR_FLOOR_REPORTS))
        return min(0.5, max(1e-12, self.prior * (trained_reports - 1) / (counted - 1)))

    def _tf_base(self, column: str) -> float:
        for comp in COMPARISONS:
            for level in comp.levels:
                if level.tf_column == column and not level.null:
                    return self.parameters[comp.name][level.code]["u"]
        return TF_MINIMUM_U

    # --- Splink settings -----------------------------------------------------------------------
    def settings(self, blocking_rules: Iterable[str] | None = None, *, training: bool = False) -> dict[str, Any]:
        from .blocks import splink_rules

        comparisons = []
        for comp in COMPARISONS:
            levels = []
            for level in comp.levels:
                item: dict[str, Any] = {"sql_condition": level.sql, "label_for_charts": level.code}
                if level.null:
                    item["is_null_level"] = True
                else:
                    p = self.parameters.get(comp.name, {}).get(level.code)
                    if p:
                        item["m_probability"], item["u_probability"] = p["m"], p["u"]
                    if training and (comp.name, level.code) in FIXED_M:
                        item["m_probability"] = FIXED_M[(comp.name, level.code)]
                        item["fix_m_probability"] = True
                if level.tf_column:
                    item.update(tf_adjustment_column=level.tf_column, tf_adjustment_weight=1.0,
                                tf_minimum_u_value=TF_MINIMUM_U, disable_tf_exact_match_detection=True)
                levels.append(item)
            comparisons.append({"output_column_name": comp.name, "comparison_levels": levels,
                                "comparison_description": comp.field})
        return {
            "link_type": "dedupe_only",
            "unique_id_column_name": "unique_id",
            "probability_two_random_records_match": self.effective_prior,
            "comparisons": comparisons,
            "blocking_rules_to_generate_predictions": list(blocking_rules or splink_rules()),
            "retain_matching_columns": False,
            "retain_intermediate_calculation_columns": False,
            "additional_columns_to_retain": [],
        }

    # --- one pair in process -------------------------------------------------------------------
    def score(self, left: Row, right: Row) -> PairScore:
        """The pair's probability by the same arithmetic as Splink's predict(): prior weight plus
        log2(m/u) per comparison, plus the term-frequency adjustment where the level has one."""
        levels: dict[str, str] = {}
        weights: dict[str, float] = {}
        freqs = self.frequencies or {}
        for comp in COMPARISONS:
            level = comp.level_of(left, right)
            levels[comp.name] = level.code
            if level.null:
                weights[comp.name] = 0.0
                continue
            p = self.parameters[comp.name][level.code]
            weight = math.log2(p["m"] / p["u"])
            if level.tf_column:
                table = freqs.get(level.tf_column, {})
                tl, tr = table.get(left.get(level.tf_column)), table.get(right.get(level.tf_column))
                if tl is not None or tr is not None:
                    tf = max(tl if tl is not None else tr, tr if tr is not None else tl, TF_MINIMUM_U)
                    weight += math.log2(p["u"]) - math.log2(tf)
            weights[comp.name] = weight
        prior = self.effective_prior
        total = math.log2(prior / (1 - prior)) + sum(weights.values())
        probability = 1 / (1 + 2 ** -total) if total >= 0 else 2 ** total / (1 + 2 ** total)
        left_id, right_id = str(left["unique_id"]), str(right["unique_id"])
        if right_id < left_id:
            left_id, right_id = right_id, left_id
        return PairScore(left_id, right_id, probability, levels, weights)


# Model 4's name levels, one level (same_name) since model 5.
_OLD_NAME_LEVELS = ("exact", "same_spelling", "same_across_scripts")


def _merged_name_levels(parameters: Mapping[str, Any]) -> Mapping[str, Any]:
    """The parameters with a model-4 file's three name levels read as model 5's one: the levels
    were disjoint, so the merged level's m and u are their sums (a store's trained model keeps
    working after the upgrade; retraining is still better)."""
    out = dict(parameters)
    for name in ("given", "father"):
        levels = parameters.get(name)
        if isinstance(levels, Mapping) and "same_name" not in levels and all(k in levels for k in _OLD_NAME_LEVELS):
            merged = {k: sum(float(levels[old][k]) for old in _OLD_NAME_LEVELS) for k in ("m", "u")}
            out[name] = {**{k: v for k, v in levels.items() if k not in _OLD_NAME_LEVELS}, "same_name": merged}
    return out


def _near_from_close(parameters: Mapping[str, Any]) -> Mapping[str, Any]:
    """The parameters with a file from before model 6 (no ``near`` name level) read as it scored:
    its ``close`` held the pairs one slip apart, so ``near`` takes close's m and u (the same weight
    as before; retraining gives the split its own)."""
    out = dict(parameters)
    for name in ("given", "father"):
        levels = parameters.get(name)
        if isinstance(levels, Mapping) and "near" not in levels and "close" in levels:
            out[name] = {**levels, "near": levels["close"]}
    return out


def fixed_by_meaning(params: dict[str, dict[str, dict[str, float]]]) -> dict[str, dict[str, dict[str, float]]]:
    """The parameters with the m that the data's meaning fixes rather than training
    (comparisons.FIXED_M, NEUTRAL): applied to a file when it loads, so a file trained before a
    value changed scores with the current one, and to a model just trained."""
    for (comp, code), m in FIXED_M.items():
        params[comp][code]["m"] = m
    for comp, code in NEUTRAL:
        params[comp][code]["m"] = params[comp][code]["u"]
    return params


def _without_detention(parameters: Mapping[str, Any]) -> Mapping[str, Any]:
    """The parameters with a file from before model 8 (no detention comparison) read as it scored:
    every detention level m = u, a weight of nothing either way (retraining learns it)."""
    if "detention" in parameters:
        return parameters
    levels = [lv.code for lv in DETENTION.levels if not lv.null]
    return {**parameters, "detention": {code: {"m": 1 / len(levels), "u": 1 / len(levels)} for code in levels}}


def _value_counts(features: Sequence[Row] | Any) -> dict[str, Counter[Any]]:
    """Non-null values of each term-frequency column and their counts, over feature records or
    an Arrow table of them (features.feature_table: counted in Arrow, no row made)."""
    if hasattr(features, "column_names"):
        import pyarrow.compute as pc

        out: dict[str, Counter[Any]] = {}
        for col in TF_COLUMNS:
            counted = pc.value_counts(pc.drop_null(features.column(col)))
            out[col] = Counter(dict(zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist())))
        return out
    counts: dict[str, Counter[Any]] = {col: Counter() for col in TF_COLUMNS}
    for row in features:
        for col in TF_COLUMNS:
            value = row.get(col)
            if value is not None:
                counts[col][value] += 1
    return counts


def load_model(path: str | Path | None = None) -> Model:
    """The model in ``path``, or the one shipped with this release."""
    try:
        if path is None:
            data = json.loads(resources.files("intake.dedup").joinpath("data", BUNDLED).read_text("utf-8"))
        else:
            data = read_json(path, MAX_KEY_FILE, "the model file")  # a model is a few kilobytes
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        raise ModelError("the model file cannot be read as JSON") from None
    return Model.from_dict(data)


def default_model() -> Model:
    """Starting values before training: m and u by what each level usually means."""
    m = {"same_name": 0.85, "other_order_or_name": 0.05, "near": 0.05, "close": 0.05, "different": 0.05}
    u = {"same_name": 0.002, "other_order_or_name": 0.0005, "near": 0.002, "close": 0.008, "different": 0.9845}
    params: dict[str, dict[str, dict[str, float]]] = {"given": {}, "father": {}}
    for name in ("given", "father"):
        params[name] = {k: {"m": m[k], "u": u[k]} for k in m}
    params["birth"] = {k: {"m": mm, "u": uu} for k, mm, uu in (
        ("exact", 0.4, 0.0005), ("same_month", 0.15, 0.002), ("same_year", 0.2, 0.02),
        ("same_year_other_date", 0.05, 0.02), ("one_year_apart", 0.1, 0.05), ("two_years_apart", 0.04, 0.05),
        ("different", 0.06, 0.8575))}
    params["place"] = {k: {"m": mm, "u": uu} for k, mm, uu in (
        ("same_county", 0.7, 0.05), ("same_prefecture", 0.2, 0.1), ("other_county_same_prefecture", 0.05, 0.2),
        ("different", 0.05, 0.65))}
    params["id"] = {k: {"m": mm, "u": uu} for k, mm, uu in (
        ("exact", 0.9, 1e-6), ("near", 0.06, 1e-6), ("region_and_date", 0.01, 1e-5), ("different", 0.001, 0.9),
        ("other", 0.03, 0.09998))}
    params["gender"] = {"same": {"m": 0.98, "u": 0.5}, "different": {"m": 0.02, "u": 0.5}}
    params["detention"] = {k: {"m": mm, "u": uu} for k, mm, uu in (
        ("same_month", 0.3, 0.03), ("same_year", 0.4, 0.3), ("same_year_other_month", 0.1, 0.1),
        ("one_year_apart", 0.15, 0.35), ("different", 0.05, 0.22))}
    return Model("untrained", 1e-4, params)
