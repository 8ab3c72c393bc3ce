"""Generalisation hierarchies: every exported column as a tree of values, from precise to "*".

A hierarchy is a tree whose nodes are the values a column may show. Each node has a level (0 the
most precise, the last level "*"); raw input may sit at any node, not only at a leaf, because
families often know only part of a value: a prefecture without the county, a year without the
month. Generalising a column to level L replaces each value by its ancestor at level L, or leaves
it as it is when it is already that coarse. "unknown" (no value, or one we do not recognise) is a
node of its own that stays "unknown" until the top level; "*" is the root, written for a column
generalised all the way and for suppressed cells.

Arrays, not objects, carry the tree, so a million rows generalise with one `numpy.take` per
column: `up[L, node]` is the node shown at level L. `leaves[node]` counts the domain leaves under
a node, for the loss metric.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa

from ..digits import ascii_digits
from ..services import thesauri
from . import sentences

STAR = 0  # node id of "*" in every hierarchy
UNKNOWN = 1  # node id of "unknown" in every hierarchy
STAR_LABEL = "*"
UNKNOWN_LABEL = "unknown"

BIRTH_YEAR_FIRST = 1900
DETENTION_YEAR_FIRST = 1950


@dataclass(frozen=True, eq=False)
class Hierarchy:
    column: str
    meaning: str
    level_names: tuple[str, ...]  # the last is "*"
    labels: tuple[str, ...]  # per node: what an export writes
    descriptions: tuple[str, ...]  # per node: what the value means, for the data dictionary
    node_level: np.ndarray  # int8 per node: the level the node itself belongs to
    up: np.ndarray  # int16 [levels, nodes]: the node shown at each level
    leaves: np.ndarray  # int32 per node: domain leaves under the node
    domain: int  # number of domain leaves
    max_level: int  # the highest level a recoding may choose
    encode_value: Callable[[Any], int]

    @property
    def top(self) -> int:
        return len(self.level_names) - 1

    @property
    def nodes(self) -> int:
        return len(self.labels)

    def level(self, name: str) -> int:
        return self.level_names.index(name)

    def encode(self, values: Sequence[Any]) -> np.ndarray:
        """Raw values to node ids (int16), each distinct value looked up once."""
        try:
            encoded = pa.array(values).dictionary_encode()
            uniques = encoded.dictionary.to_pylist()
            indices = encoded.indices.fill_null(len(uniques)).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            lookup: dict[Any, int] = {}
            indices = np.fromiter((lookup.setdefault(v, len(lookup)) for v in values), dtype=np.int64,
                                  count=len(values))
            uniques = list(lookup)
        table = np.array([self.encode_value(u) for u in uniques] + [self.encode_value(None)], dtype=np.int16)
        return table[indices]

    def loss(self) -> np.ndarray:
        """Per node: (leaves - 1) / (domain - 1), Iyengar's loss metric; "*" and "unknown" lose all."""
        lm = (self.leaves - 1) / max(self.domain - 1, 1)
        lm[[STAR, UNKNOWN]] = 1.0
        return lm

    def precision_loss(self) -> np.ndarray:
        """Per node: its own level over the height (Sweeney's precision); "*" and "unknown" lose all."""
        pl = self.node_level / self.top
        pl[[STAR, UNKNOWN]] = 1.0
        return pl


class _Tree:
    """Collects nodes (key, label, level, parent key) and turns them into a Hierarchy's arrays."""

    def __init__(self, column: str, level_names: Sequence[str], unknown_label: str = UNKNOWN_LABEL) -> None:
        self.column = column
        self.level_names = tuple(level_names)
        self.keys: dict[Hashable, int] = {}
        self.labels: list[str] = []
        self.descriptions: list[str] = []
        self.levels: list[int] = []
        self.parents: list[Hashable | None] = []
        self.add("*", STAR_LABEL, len(self.level_names) - 1, None,
                 "generalised away, or suppressed (in every column but status) to protect a small group")
        self.add(None, unknown_label, len(self.level_names) - 1, "*", "not given, or not recognised")

    def add(self, key: Hashable, label: str, level: int, parent: Hashable | None,
            description: str | None = None) -> int:
        if key in self.keys:
            raise ValueError(f"{self.column}: node {key!r} defined twice")
        self.keys[key] = len(self.labels)
        self.labels.append(label)
        self.descriptions.append(description or label)
        self.levels.append(level)
        self.parents.append(parent)
        return self.keys[key]

    def build(self, meaning: str, encode: Callable[[Any], Hashable], max_level: int | None = None) -> Hierarchy:
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"{self.column}: two nodes share a label")
        count, top = len(self.labels), len(self.level_names) - 1
        parent = np.array([self.keys[p] if p is not None else STAR for p in self.parents], dtype=np.int64)
        level = np.array(self.levels, dtype=np.int8)
        up = np.empty((top + 1, count), dtype=np.int16)
        for target in range(top + 1):
            for node in range(count):
                n = node
                # Climb while the parent is still at or below the target level.
                while level[n] < target and n != STAR and level[parent[n]] <= target:
                    n = parent[n]
                up[target, node] = n
        up[top, :] = STAR
        up[:top, UNKNOWN] = UNKNOWN
        is_leaf = level == 0
        is_leaf[[STAR, UNKNOWN]] = False
        leaves = np.zeros(count, dtype=np.int32)
        for node in np.flatnonzero(is_leaf):
            leaves[np.unique(up[:, node])] += 1
        domain = int(is_leaf.sum())
        # "unknown", and nodes that stand for "somewhere, not known where" (no leaf of their own),
        # tell nothing: they lose as much as "*".
        leaves[leaves == 0] = domain
        leaves[[STAR, UNKNOWN]] = domain
        keys = self.keys

        def encode_value(raw: Any) -> int:
            return keys.get(encode(raw), UNKNOWN)

        return Hierarchy(column=self.column, meaning=meaning, level_names=self.level_names,
                         labels=tuple(self.labels), descriptions=tuple(self.descriptions), node_level=level, up=up, leaves=leaves, domain=domain,
                         max_level=top if max_level is None else max_level, encode_value=encode_value)


def _text(raw: Any) -> str | None:
    return raw.strip().casefold() if isinstance(raw, str) and raw.strip() else None


@cache
def _groups() -> dict[str, Any]:
    return tomllib.loads(resources.files("intake.data").joinpath("disclosure_groups.toml").read_text("utf-8"))


def _vocabulary(column: str, vocabulary: str, meaning: str, *, unknown_is_value: bool = False,
                max_level: int | None = None) -> Hierarchy:
    """A thesaurus vocabulary (codes at level 0), its groups from disclosure_groups.toml, then "*".

    The vocabulary's own "unknown" is the hierarchy's unknown node, unless `unknown_is_value`
    (status, where "unknown" is an answer researchers count): then it is an ordinary value, and a
    missing or unrecognised code counts as that value."""
    groups: dict[str, dict[str, Any]] = _groups()[column]
    tree = _Tree(column, (column, "group", "*"), unknown_label="not given" if unknown_is_value else UNKNOWN_LABEL)
    rest = next(key for key, group in groups.items() if group.get("rest"))
    group_of = {code: key for key, group in groups.items() for code in group["members"]}
    terms = {t.code: t.label("en") for t in thesauri.vocabulary(vocabulary) if unknown_is_value or t.code != "unknown"}
    members = {key: [c for c in terms if group_of.get(c, rest) == key] for key in groups}
    for key, inside in members.items():
        if len(inside) > 1:
            tree.add(("group", key), key, 1, "*", groups[key]["label"])
    for code, english in terms.items():
        group = group_of.get(code, rest)
        tree.add(code, code, 0, ("group", group) if len(members[group]) > 1 else "*", english)

    def key(raw: Any) -> str | None:
        code = _text(raw)
        return code if code in tree.keys or not unknown_is_value else "unknown"

    return tree.build(meaning, key, max_level)


def _gender() -> Hierarchy:
    tree = _Tree("gender", ("gender", "*"))
    for term in thesauri.vocabulary("genders"):
        if term.code != "unknown":
            tree.add(term.code, term.code, 0, "*", term.label("en"))
    return tree.build("Gender as the family gave it.", _text)


def _year_of(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    match = re.match(r"\s*(\d{4})(?!\d)", raw) if isinstance(raw, str) else None
    return int(match.group(1)) if match else None


def _birth_year(last_year: int) -> Hierarchy:
    tree = _Tree("birth_year", ("year", "5 years", "10 years", "*"))
    for decade in range(BIRTH_YEAR_FIRST // 10 * 10, last_year + 1, 10):
        tree.add(("10", decade), f"{decade}-{decade + 9}", 2, "*", f"born {decade} to {decade + 9}")
        for five in (decade, decade + 5):
            if five <= last_year:
                tree.add(("5", five), f"{five}-{five + 4}", 1, ("10", decade), f"born {five} to {five + 4}")
    for year in range(BIRTH_YEAR_FIRST, last_year + 1):
        tree.add(year, str(year), 0, ("5", year // 5 * 5))
    return tree.build("Year of birth.", _year_of)


_ISO_PREFIX = re.compile(r"\s*(\d{4})(?:-(\d{2}))?(?:-\d{2})?\s*$")


def _month_key(raw: Any) -> Hashable:
    """"2017" -> the year node, "2017-05" and "2017-05-12" -> the month node (the day is dropped)."""
    if isinstance(raw, dt.date):
        return (raw.year, raw.month)
    match = _ISO_PREFIX.match(raw) if isinstance(raw, str) else None
    if not match:
        return _year_of(raw) if isinstance(raw, int) else None
    year, month = int(match.group(1)), match.group(2)
    return (year, int(month)) if month and 1 <= int(month) <= 12 else year


def _detention_date(last_year: int) -> Hierarchy:
    tree = _Tree("detention_date", ("month", "quarter", "year", "*"))
    for year in range(DETENTION_YEAR_FIRST, last_year + 1):
        tree.add(year, str(year), 2, "*", f"detained in {year} (month not given, or generalised)")
        for quarter in range(1, 5):
            tree.add((year, "Q", quarter), f"{year}-Q{quarter}", 1, year,
                     f"detained in months {3 * quarter - 2}-{3 * quarter} of {year}")
        for month in range(1, 13):
            tree.add((year, month), f"{year}-{month:02d}", 0, (year, "Q", (month - 1) // 3 + 1))
    return tree.build("Month the person was detained (the day is never exported).", _month_key)


@cache
def _place_data() -> dict[str, Any]:
    return tomllib.loads(resources.files("intake.data").joinpath("disclosure_places.toml").read_text("utf-8"))


def _home_place() -> Hierarchy:
    data = _place_data()
    successors: dict[str, str] = data["successors"]
    tree = _Tree("home_place", ("county", "prefecture", "region", "*"))
    region_of: dict[str, str] = {}
    for key, region in data["regions"].items():
        tree.add(("region", key), region["label"], 2, "*")
        region_of.update({code: key for code in region["prefectures"]})
    tree.add(("region", "unplaced"), data["unplaced"]["label"], 2, "*")
    region_of.update({code: "unplaced" for code in data["unplaced"]["codes"]})
    current = [p for p in thesauri.places() if not p.historical and p.code not in successors]
    def described(p: thesauri.Place) -> str:
        return f"{p.latin}; {p.zh}; {p.ug} (GB/T 2260 {p.code})"

    for p in current:
        if p.level == "prefecture" and region_of.get(p.code, "unplaced") != "unplaced":
            tree.add(p.code, p.latin, 1, ("region", region_of[p.code]), described(p))
    for code, label in data["unplaced"]["codes"].items():  # after the real ones, for tables' sake
        tree.add(code, label, 1, ("region", "unplaced"), f"{label} (GB/T 2260 {code})")
    for p in current:
        if p.level != "county" or p.zh.endswith("市辖区"):  # "City Districts" is no place: its prefecture
            continue
        if p.code in region_of:  # an XPCC city: a county that is its own prefecture-level unit
            tree.add(p.code, p.latin, 0, ("region", region_of[p.code]), described(p))
        else:
            tree.add(p.code, p.latin, 0, p.parent, described(p))

    def key(raw: Any) -> str | None:
        code = raw.strip() if isinstance(raw, str) else None
        if not code or not ascii_digits(code) or len(code) != 6:
            return None
        code = successors.get(code, code)
        if code in tree.keys:
            return code
        place = thesauri.place(code)
        if place is not None and place.parent is not None:  # "City Districts" and the like
            return successors.get(place.parent, place.parent)
        prefecture = code[:4] + "00"  # an unlisted county of a known prefecture
        return successors.get(prefecture, prefecture)

    return tree.build("Home county, or the prefecture or region when that is all the family knew "
                      "(GB/T 2260 divisions of Xinjiang, English names).", key)


def _sentence() -> Hierarchy:
    tree = _Tree("sentence", ("band", "coarse band", "*"))
    for key, label in sentences.coarse_labels().items():
        tree.add(("coarse", key), label, 1, "*", f"{label} (coarse band)")
    for band in sentences.bands():
        tree.add(band.key, band.label, 0, ("coarse", band.coarse))
    return tree.build("Length of the sentence, in bands (the family's own words are never exported).",
                      lambda raw: sentences.band_of(raw) if isinstance(raw, str) else None)


_REPORT_BANDS = (("1", 1, 1), ("2", 2, 2), ("3-4", 3, 4), ("5+", 5, None))


def _report_count() -> Hierarchy:
    tree = _Tree("report_count", ("band", "coarse band", "*"))
    tree.add("2+", "2+", 1, "*", "two or more reports")
    for label, low, _ in _REPORT_BANDS:
        tree.add(label, label, 0, "2+" if low > 1 else "*")

    def key(raw: Any) -> str | None:
        if isinstance(raw, bool) or not isinstance(raw, int | str) or not ascii_digits(str(raw).strip()):
            return None
        count = int(raw)
        return next((label for label, low, high in _REPORT_BANDS
                     if count >= low and (high is None or count <= high)), None)

    return tree.build("How many reports describe this person (several families may report one person).", key)


COLUMNS: tuple[str, ...] = ("gender", "birth_year", "ethnicity", "home_place", "detention_date", "facility_type",
                            "status", "sentence", "verification", "report_count")
SENSITIVE = "status"


@cache
def hierarchies(last_year: int | None = None) -> tuple[Hierarchy, ...]:
    """Every exported column's hierarchy, in release column order. Years run up to `last_year`
    (this year by default); a later year counts as unknown."""
    year = last_year or dt.date.today().year
    built = (
        _gender(),
        _birth_year(year),
        _vocabulary("ethnicity", "ethnicities", "Ethnicity as the family gave it."),
        _home_place(),
        _detention_date(year),
        _vocabulary("facility_type", "facility_types", "Kind of place where the person is or was held."),
        # Status is what an export is about: "*" would leave nothing to study and no l-diversity.
        _vocabulary("status", "statuses", "The person's situation as last reported.", unknown_is_value=True,
                    max_level=1),
        _sentence(),
        _vocabulary("verification", "verification_levels",
                    "How far reviewers have verified the reports about this person."),
        _report_count(),
    )
    assert tuple(h.column for h in built) == COLUMNS
    return built
