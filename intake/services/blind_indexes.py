"""A report's blind indexes: computed, stored, rebuilt and queried (review face only: it alone holds
the index key).

Every index is over values from `resolution.prepare_report` (one normalisation for search,
blocking and deduplication), keyed with HMAC under a per-index key from the index root key:

  id_number             the ID number (digits of any script, 15-digit numbers upgraded; 18 chars)
  name                  each name as given, case, accents and punctuation folded (exact search)
  name_birth_year       consonant frame of the person's own name, cross-script, with the birth year
  county_birth_year     county (or prefecture) code with the birth year ("-" when unknown)
  county_birth_decade   county (or prefecture) code with the birth year's decade ("198"; "-")
  id_region_birth_year  region and birth year read from the ID number
  father_county         frame of the father's name with the county (or prefecture)

No index holds a county or a birth year alone: a database reader who counts equal tokens learns
how many reports share a county AND a birth year (or decade), not at a glance how many come from one
county (SECURITY.md says what rows of one report linked by their report id still give away). The
inbox's county filter asks for the county with every birth decade (14 tokens; rows written before
INDEX_VERSION 15 under the ~130 birth-year tokens, until `flask index rebuild`). Every row carries
its report's arrival (copied from `reports` when written), so a token's rows are in inbox order in
the lookup index and the filter reads a page's worth of each (services/inbox.py).

Each row carries the id of the index key it was made with and INDEX_VERSION; `rebuild` recomputes
rows under another key or version (after a normaliser change, a key rotation or the upgrade that
added these columns). Lookups compare tokens made under every index key held, so rows not yet
rebuilt are still found.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, delete, insert, or_, select
from sqlalchemy.orm import Session

from ..crypto import blind_index
from ..crypto.vault import Vault
from ..models import BlindIndex, Report
from ..resolution import blocking_values, prepare_report
from . import integrity, normalise

INDEX_VERSION = 37  # bump when a normaliser changes: `flask index rebuild` then recomputes every row
DECADES_SINCE = 15  # the version that added county_birth_decade (older rows: the filter's legacy path)
INDEXES = ("id_number", "name", "name_birth_year", "county_birth_year", "county_birth_decade", "id_region_birth_year",
           "father_county")
BLOCKING = ("id_number", "id_region_birth_year", "name_birth_year", "father_county")
# The sealed fields the indexes read (the bulk path decrypts only these).
INDEX_FIELDS = ("names", "birth_date", "home_county", "home_place_text", "id_number")
UNKNOWN_YEAR = "-"
FIRST_YEAR = 1900


def values_for(fields: Mapping[str, Any]) -> dict[str, set[str]]:
    """The normalised value(s) of every index for one report's decrypted fields."""
    record = prepare_report(fields)
    out = {index: set() for index in INDEXES}
    for index, values in blocking_values(record).items():
        out[index] |= values
    for entry in fields.get("names") or []:
        if isinstance(entry, Mapping):
            skeleton = normalise.name_skeleton(str(entry.get("value") or ""))
            if skeleton:
                out["name"].add(skeleton)
    place = record.county or record.prefecture
    if place:
        out["county_birth_year"].add(f"{place}|{record.birth_year or UNKNOWN_YEAR}")
        out["county_birth_decade"].add(f"{place}|{_decade(record.birth_year)}")
    return out


def _decade(year: int | str | None) -> str:
    """A birth year's decade as the first three digits ("1984" -> "198"); "-" when unknown."""
    text = str(year or "")
    return text[:3] if len(text) == 4 and text.isdigit() else UNKNOWN_YEAR


def tokens_for(root: bytes, fields: Mapping[str, Any]) -> set[tuple[str, bytes]]:
    return {(index, blind_index.token(root, index, value))
            for index, values in values_for(fields).items() for value in values}


def report_fields(report: Report) -> dict[str, Any]:
    """The fields the indexes read, from an ORM report (take-in: one report at a time)."""
    return {name: getattr(report, name) for name in INDEX_FIELDS}


def replace(session: Session, tokens: dict[uuid.UUID, set[tuple[str, bytes]]], key_id: bytes,
            arrivals: Mapping[uuid.UUID, int | None]) -> None:
    """Swap these reports' rows for the given tokens, each row with its report's arrival (the
    inbox's order: the county filter reads a token's rows by it). Does not commit."""
    ids = list(tokens)
    if not ids:
        return
    session.execute(delete(BlindIndex).where(BlindIndex.report_id.in_(ids)))
    rows = [{"id": uuid.uuid4(), "report_id": rid, "index_name": index, "token": token, "key_id": key_id,
             "version": INDEX_VERSION, "arrival": arrivals[rid]}
            for rid, pairs in tokens.items() for index, token in sorted(pairs)]
    if rows:
        session.execute(insert(BlindIndex), rows)


# ---------- queries ----------

def query_values(index: str, value: str, birth_year: str | int | None = None) -> set[str]:
    """The normalised values a search for `value` (and a birth year, for the compound indexes)
    looks up, through the same normalisation as the stored rows. Empty: nothing can match."""
    if index not in INDEXES:
        raise ValueError(f"unknown blind index {index!r}")
    value = (value or "").strip()
    if not value:
        return set()
    year = str(birth_year).strip() if birth_year not in (None, "") else None
    if index == "name":
        skeleton = normalise.name_skeleton(value)
        return {skeleton} if skeleton else set()
    if index in ("county_birth_year", "county_birth_decade"):
        found = values_for({"home_county": value, "birth_date": year})[index]
        # A county alone: every birth year (decade), and none known (tokens unlinkable without the key).
        if year is None:
            places = {v.split("|")[0] for v in found}
            years = [str(y) for y in range(FIRST_YEAR, date.today().year + 1)]
            if index == "county_birth_decade":
                years = sorted({_decade(y) for y in years})
            return {f"{place}|{y}" for place in places for y in [*years, UNKNOWN_YEAR]}
        return found
    fields: dict[str, Any] = {"birth_date": year}
    if index == "id_number":
        fields["id_number"] = value
    elif index == "id_region_birth_year":
        fields["id_number"] = value
    elif index == "name_birth_year":
        if year is None:
            return set()
        fields["names"] = [{"value": value}]
    else:  # father_county: the value is the father's name, birth_year unused, county required
        return set()
    return values_for(fields)[index]


def tokens_held(vault: Vault, index: str, values: Iterable[str]) -> list[bytes]:
    """Tokens of these values under every index key held (the current one and any not yet rebuilt)."""
    vault.require_readable()
    integrity.reload_now_and_then(vault)  # another process may have rotated the index key
    roots = list(vault.index_keys.values()) or [vault.require_index_root()]
    return sorted({blind_index.token(root, index, v) for root in roots for v in values})


@dataclass(frozen=True)
class CountyTokens:
    """What the inbox's county filter looks up: the county with every birth decade (`decades`), and
    with every birth year (`years`: rows written before DECADES_SINCE, which have no decade row)."""
    decades: list[bytes]
    years: list[bytes]


def county_tokens(vault: Vault, code: str) -> CountyTokens:
    """`tokens_held` of a county with every birth decade and every birth year (`query_values`). Kept
    per process: ~140 normalised values and HMACs on every county page otherwise. A kept list is
    used only while the vault holds the very key set it was made with (unlocking, a rotation or a
    reload swaps the dict: Vault.load_secrets) and in the year it was made."""
    vault.require_readable()
    integrity.reload_now_and_then(vault)  # as tokens_held: another process may have rotated the index key
    key = (code, date.today().year)
    kept = _COUNTY_TOKENS.get(key)
    if kept is not None and kept[0] is vault.index_keys and kept[1] is vault.index_root:
        return kept[2]
    found = {index: (tokens_held(vault, index, values) if (values := query_values(index, code)) else [])
             for index in ("county_birth_decade", "county_birth_year")}
    tokens = CountyTokens(found["county_birth_decade"], found["county_birth_year"])
    if len(_COUNTY_TOKENS) >= 512:  # any six digits are a code: bounded
        _COUNTY_TOKENS.clear()
    # The key set itself is kept (not its id): a later dict can then never pass for it.
    _COUNTY_TOKENS[key] = (vault.index_keys, vault.index_root, tokens)
    return tokens


_COUNTY_TOKENS: dict[tuple[str, int], tuple[dict[bytes, bytes], bytes | None, CountyTokens]] = {}


def matching_ids(vault: Vault, index: str, value: str,
                 birth_year: str | int | None = None) -> Select[tuple[uuid.UUID]] | None:
    """A query for the ids of reports whose `index` matches `value` after normalisation (usable as a
    subquery); None when `value` normalises to nothing. No decryption involved."""
    values = query_values(index, value, birth_year)
    if not values:
        return None
    return select(BlindIndex.report_id).where(BlindIndex.index_name == index,
                                              BlindIndex.token.in_(tokens_held(vault, index, values)))


def blocking_lookup(fields: Mapping[str, Any]) -> dict[str, set[str]]:
    """The values a report's candidates are looked up by (BLOCKING): its own, and its own name with
    the birth years either side of its own, as the batch's blocking meets a misspelt father's name
    with a year misremembered (docs/deduplication.md, "Blocking")."""
    values = values_for(fields)
    out = {index: set(values[index]) for index in BLOCKING}
    for value in values["name_birth_year"]:
        frame, _, year = value.rpartition("|")
        if year.isdigit():
            out["name_birth_year"] |= {f"{frame}|{int(year) + step}" for step in (-1, 1)}
    return out


def blocking_clauses(vault: Vault, fields: Mapping[str, Any]) -> list[Any]:
    """One condition on blind-index rows per blocking index these decrypted fields have values
    for (blocking_lookup's); a row meeting any of them shares a blocking key."""
    values = blocking_lookup(fields)
    return [and_(BlindIndex.index_name == index, BlindIndex.token.in_(tokens_held(vault, index, values[index])))
            for index in BLOCKING if values[index]]


def blocking_candidates(session: Session, vault: Vault, fields: Mapping[str, Any],
                        exclude: uuid.UUID | None = None) -> set[uuid.UUID]:
    """Ids of reports sharing at least one blocking key with these decrypted fields (deduplication
    at take-in: decrypt only these)."""
    clauses = blocking_clauses(vault, fields)
    if not clauses:
        return set()
    found = set(session.scalars(select(BlindIndex.report_id).where(or_(*clauses)).distinct()))
    found.discard(exclude)  # type: ignore[arg-type]
    return found
