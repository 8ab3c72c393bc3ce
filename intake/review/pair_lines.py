"""A candidate pair's field-by-field lines as a reviewer reads them.

The matcher quotes each report's values as it compared them (dedup/explain.py): a gender as its
code ("male") and a county as its Chinese name. On the review face these become what every other
review page shows: the gender's label and the county's name in the page's language in the
sentence, the county in Latin, Uyghur and Chinese in its cell."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..services import thesauri
from ..services.duplicate_decisions import FieldLine, PairView
from ..wording import Said
from .labels import county, field_markup, page_language, term_label

# explain.py's field words -> the report field its value came from.
_CODED = {"gender": "gender", "home place": "home_county"}


def shown_lines(view: PairView) -> list[FieldLine]:
    return [_shown(line, view.left.fields, view.right.fields) if line.field in _CODED else line
            for line in view.lines]


def _shown(line: FieldLine, left: Mapping[str, Any], right: Mapping[str, Any]) -> FieldLine:
    key = _CODED[line.field]
    words = {side: _words(key, fields.get(key)) for side, fields in (("left", left), ("right", right))}
    if words["left"] is None and words["right"] is None:  # free text, as the family typed it
        return line
    said_left = words["left"] if words["left"] is not None else line.left
    said_right = words["right"] if words["right"] is not None else line.right
    params = dict(line.sentence.params)
    if "left" in params:
        params.update(left=said_left, right=said_right)
    elif "value" in params:
        params["value"] = said_left if line.left else said_right
    sentence = Said(line.sentence.msgid, params, line.sentence.plural, line.sentence.num)
    # A recognised value's cell as every review page draws that field (a county in its three scripts).
    return dataclasses.replace(
        line, sentence=sentence,
        left=line.left if words["left"] is None else field_markup(key, left.get(key)),
        right=line.right if words["right"] is None else field_markup(key, right.get(key)))


def _words(key: str, code: Any) -> str | None:
    """The label of a coded value in the page's language; None for none or free text."""
    if not code:
        return None
    if key == "home_county":
        place = county(code)
        return thesauri.label(place, page_language()) if place else None
    label = term_label(code, key)
    return label if label != str(code) else None

