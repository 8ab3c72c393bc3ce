"""Normalised forms of values for blind indexes: equal meaning, equal bytes."""

from __future__ import annotations

import re
import unicodedata

from stdnum.cn import ric
from stdnum.exceptions import ValidationError


def id_number(value: str | None) -> str | None:
    """A Chinese resident ID number, compacted and upper-cased; None if it is not one."""
    if not value:
        return None
    try:
        return ric.validate(value).upper()
    except (ValidationError, KeyError):  # KeyError: stdnum's place table lacks a part of some codes
        compact = re.sub(r"[\s-]", "", value).upper()
        return compact if re.fullmatch(r"\d{17}[\dX]|\d{15}", compact) else None


def name_skeleton(value: str | None) -> str | None:
    """Case, accents, spaces and punctuation removed; letters of every script kept.

    Cross-script matching (Arabic, Cyrillic and Chinese to Latin) is the deduplication issue's;
    this form already makes "Abdurehim", "ABDUREHIM" and "Abdu-rehim" one token.
    """
    if not value:
        return None
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    letters = "".join(ch for ch in decomposed if unicodedata.category(ch)[0] in "LN")
    return unicodedata.normalize("NFC", letters) or None


def birth_year(value: str | None) -> str | None:
    match = re.match(r"\s*(\d{4})", value or "")
    return match.group(1) if match else None


def county(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if re.fullmatch(r"\d{6}", value) else None
