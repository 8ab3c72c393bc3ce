"""A stable fingerprint of an imported row, so that importing the same list twice adds nothing.

Two rows are the same row when they describe the same report: the same names (in any order, any
letter case, any spacing), the same values in every field after normalisation (dates as ISO
prefixes, ID numbers compacted, places and vocabularies as codes) and the same text. Where the
row came from (file name, row number, column order, encoding, CSV or XLSX) does not count, so a
list saved again, re-sorted or converted still matches; a corrected value makes a new row.

The fingerprint is an HMAC under a review-side key: stored beside the report, it must not let
anyone who reads the database test guesses of a name or an ID number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from dataclasses import fields

from ..services.intake import ReportInput

VERSION = b"intake-import-row/1"


def _norm(value: object) -> object:
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFKC", value).casefold().split())
    return value


def canonical(report: ReportInput) -> bytes:
    values = {f.name: _norm(getattr(report, f.name)) for f in fields(report) if f.name != "names"}
    values["names"] = sorted(_norm(n["value"]) for n in report.names)
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def fingerprint(report: ReportInput, key: bytes) -> str:
    if len(key) < 32:
        raise ValueError("the fingerprint key must be at least 32 bytes")
    return hmac.new(key, VERSION + b"\x00" + canonical(report), hashlib.sha256).hexdigest()
