"""Why two reports were scored as they were, field by field, in words for a reviewer.

The sentences quote the reports' own values, so they are made when a page is shown and never
stored or logged; what may be stored is the PairScore (level codes and weights).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..resolution.name_match import CLOSE, CROSS_SCRIPT, DIFFERENT, EXACT
from ..resolution.name_match import explain_said as name_words
from ..resolution.names import name_key
from ..resolution.prepare import birth_from_id
from ..resolution.scripts import detect
from ..wording import Said, said
from .comparisons import BY_NAME
from .model import PairScore

# The levels the two dates (birth, detention) share.
_DATE_WORDS = {"same_month": said("same month"), "same_year": said("same year"),
               "one_year_apart": said("one year apart"), "different": said("different years"),
               "missing": said("not given on both")}
_WORDS = {
    "birth": {**_DATE_WORDS, "exact": said("same date"), "same_year_other_date": said("same year, other month or day"),
              "two_years_apart": said("two years apart")},
    "place": {"same_county": said("same county"), "same_prefecture": said("same prefecture (county given once)"),
              "other_county_same_prefecture": said("other county in the same prefecture"),
              "different": said("different prefectures"), "missing": said("not given on both")},
    "id": {"exact": said("same ID number"), "near": said("one character apart (a typo)"),
           "region_and_date": said("same region and birth date, other sequence"),
           "different": said("two different valid ID numbers"), "other": said("different ID numbers"),
           "missing": said("not given on both")},
    "gender": {"same": said("same gender"), "different": said("different genders"),
               "missing": said("not given on both")},
    "detention": {**_DATE_WORDS, "same_year_other_month": said("same year, other month")},
}
# What each comparison is called at the start of its sentence ("Gender: not given on both"): the
# review face's labels of the same fields (review/labels.py, COMPARISON_NAMES).
_FIELD_WORDS = {"name": said("Name"), "father's name": said("Father's name"), "birth date": said("Birth date"),
                "home place": said("Home place"), "ID number": said("ID number"), "gender": said("Gender"),
                "detention date": said("Detained on")}
# Name levels as resolution.names' strengths; exact, same_spelling and same_across_scripts are
# model 4's codes, still stored in older pairs (model 5 says same_name for all three).
_NAME_LEVEL = {"exact": EXACT, "same_spelling": CROSS_SCRIPT, "same_across_scripts": CROSS_SCRIPT, "near": CLOSE,
               "close": CLOSE, "different": DIFFERENT}
# A father's name given in no field of its own was read from a full name (prepare.py splits one):
# that full name is what the sentence quotes, not an empty value beside a level that matched.
_SOURCES = {"given": ("given_name", "full_name_alt"), "father": ("father_name", "full_name_alt", "given_name"),
            "birth": ("birth_date",), "place": ("home_place",), "id": ("chinese_id",), "gender": ("gender",),
            "detention": ("detention_year",)}


@dataclass(frozen=True)
class FieldExplanation:
    field: str          # what a reviewer sees it as ("name", "birth date"...)
    left_value: str     # as the report gave it (plaintext: shown, never stored)
    right_value: str
    level: str          # the level code
    sentence: Said      # "%(left)s and %(right)s: %(words)s", translated where it is shown
    weight: float       # log2 Bayes factor: positive for, negative against


def _value(row: Mapping[str, Any], comparison: str) -> str:
    for column in _SOURCES[comparison]:
        value = row.get(column)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def _from_id(comparison: str, level: str, row: Mapping[str, Any], value: str) -> bool:
    """Whether the report's ID number gave what this level compared (the matcher compares a valid
    number's birth date, or the number's date where the report gives none; prepare completes a
    missing place from it): the reviewer is told, since the report's own field says otherwise."""
    if level == "missing" or not str(row.get("chinese_id") or "").strip():
        return False
    if comparison == "birth":
        return birth_from_id(row.get("birth_date"), row.get("chinese_id"))
    return comparison == "place" and not value


def _same_latin(left: str, right: str) -> bool:
    a, b = name_key(left), name_key(right)
    return a is not None and b is not None and a.latin == b.latin


def _words(comparison: str, level: str, left: str, right: str) -> Said:
    if comparison in ("given", "father"):
        if level == "missing":
            return said("not given on both")
        if level == "other_order_or_name":
            return said("same two names, in the other order or in the other full name")
        if level == "same_across_scripts" and detect(left) == detect(right):
            return said("same name, spelled differently")
        if level == "same_name":  # which form agreed is read from the values, as the page shows them
            return name_words(left, right, EXACT if _same_latin(left, right) else CROSS_SCRIPT)
        return name_words(left, right, _NAME_LEVEL.get(level, DIFFERENT))
    return _WORDS[comparison].get(level) or Said(level.replace("_", " "))


def explain_pair(left_row: Mapping[str, Any], right_row: Mapping[str, Any], pair: PairScore
                 ) -> list[FieldExplanation]:
    """One line per comparison: "ئابلىمىت and 阿布力米提: same name across scripts"."""
    out = []
    for name, level in pair.levels.items():
        comp = BY_NAME[name]
        left, right = _value(left_row, name), _value(right_row, name)
        words = _words(name, level, left, right)
        if _from_id(name, level, left_row, left) or _from_id(name, level, right_row, right):
            words = said("%(words)s (with what an ID number says)", words=words)
        field_words = _FIELD_WORDS.get(comp.field) or Said(comp.field)
        if left and right:
            sentence = said("%(left)s and %(right)s: %(words)s", left=left, right=right, words=words)
        elif (left or right) and level != "missing":
            sentence = said("%(value)s: %(words)s", value=left or right, words=words)
        else:
            sentence = said("%(field)s: %(words)s", field=field_words, words=words)
        out.append(FieldExplanation(comp.field, left, right, level, sentence, pair.weights.get(name, 0.0)))
    return out
