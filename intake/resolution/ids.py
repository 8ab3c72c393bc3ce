"""Chinese resident ID numbers as evidence: normalised, validated, and compared.

An 18-character number is region (6 digits, GB/T 2260 code of where it was issued), birth date
(8), sequence (3; odd for men, even for women) and an ISO 7064 MOD 11-2 check character.
First-generation 15-digit numbers (before 2004) are upgraded to 18 characters (19YY and the
check character), so an old card and a new one of the same person compare equal.
The check character catches any one mistyped digit and any swapped adjacent pair, so two valid
numbers never differ in that way: a "near" pair always has a typo on at least one side.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

_NOISE = re.compile(r"[\s\-‐‑–—._/·]+")
_NUMBER = re.compile(r"\d{17}[\dX]|\d{15}")
_NUMBER_IN = re.compile(r"(?<!\d)(?:\d{17}[\dX]|\d{15})(?![\dX])")


@dataclass(frozen=True, slots=True)
class IdNumber:
    raw: str             # digits (and X) only, upper-case, 15-digit numbers upgraded
    valid: bool          # right length, check character, a real birth date and a known region
    region: str | None   # the first six digits, when they are digits
    birth: str | None    # "YYYYMMDD" when those digits are a real, past date
    gender: str | None   # "m"/"f" from the sequence digit (17th), when the number is valid

    @property
    def number(self) -> str | None:
        return self.raw if self.valid else None


def normalise(value: str | None) -> str | None:
    """Digits of any script as ASCII, spaces, dashes, dots and direction marks removed, x
    upper-cased, a label or note around one number dropped; None if no digit at all. Not
    validated: a mistyped number is still evidence."""
    if not value:
        return None
    out = []
    for ch in unicodedata.normalize("NFKC", value):
        digit = unicodedata.decimal(ch, None)
        if digit is not None:
            out.append(str(digit))
        elif unicodedata.category(ch) != "Cf":  # direction marks and joiners copied from RTL text
            out.append(ch)
    compact = _NOISE.sub("", "".join(out)).upper()
    if not any(ch.isdigit() for ch in compact):
        return None
    if not _NUMBER.fullmatch(compact):
        # A label, a note or a spreadsheet's text marks around the number ("ID: ...", "身份证：...",
        # "... (old card)", '="..."', a leading apostrophe): the one number in it, if one.
        found = _NUMBER_IN.findall(compact)
        if len(found) == 1:
            compact = found[0]
    if len(compact) == 15 and compact.isdigit():
        compact = _upgrade(compact)
    return compact


def _upgrade(old: str) -> str:
    body = old[:6] + "19" + old[6:]
    return body + ric.calc_check_digit(body + "0")


def _birth(digits: str) -> str | None:
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    return digits if dt.date(1880, 1, 1) <= born <= dt.date.today() else None


@lru_cache(maxsize=16384)
def _region_known(region: str, year: int) -> bool:
    """python-stdnum's check that a region code existed in a year (its GB/T 2260 history)."""
    try:
        ric.get_birth_place(f"{region}{year:04d}0101000")
        return True
    except (ValidationError, KeyError):  # stdnum raises KeyError for a few region codes
        return False


def _valid(raw: str, birth: str | None) -> bool:
    """python-stdnum's validation (length, digits, check character, date, region), with the
    region lookup cached: the same as ``ric.validate`` without its cost per number."""
    return (len(raw) == 18 and raw[:17].isdigit() and birth is not None
            and ric.calc_check_digit(raw) == raw[17] and _region_known(raw[:6], int(birth[:4])))


@lru_cache(maxsize=65536)
def parse(value: str | None) -> IdNumber | None:
    raw = normalise(value)
    if raw is None:
        return None
    region = raw[:6] if len(raw) >= 6 and raw[:6].isdigit() else None
    birth = _birth(raw[6:14]) if len(raw) >= 14 and raw[6:14].isdigit() else None
    valid = _valid(raw, birth)
    gender = ("m" if int(raw[16]) % 2 else "f") if valid else None
    return IdNumber(raw, valid, region, birth, gender)


def id_relation(a: str | None, b: str | None) -> str:
    """How two ID numbers relate: "exact" (same after normalising), "near" (same length, one
    character mistyped or one adjacent pair swapped), "region_and_date" (region and birth date
    agree: perhaps the same person with a wrong sequence, perhaps a twin), "different", or
    "missing" when either side has no number."""
    pa, pb = parse(a), parse(b)
    if pa is None or pb is None:
        return "missing"
    if pa.raw == pb.raw:
        return "exact"
    if len(pa.raw) == len(pb.raw) and OSA.distance(pa.raw, pb.raw, score_cutoff=1) <= 1:
        return "near"
    if pa.region and pa.birth and pa.region == pb.region and pa.birth == pb.birth:
        return "region_and_date"
    return "different"
