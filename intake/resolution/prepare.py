"""Records in, comparable records out: the API the matcher and the blind indexes build on.

``prepare`` reads a plain row (the CSV columns of ``flask dedup csv``), ``prepare_report`` the
decrypted fields of a stored Report; both give a ``PreparedRecord`` of normalised values in which
a name is a ``NameKey`` (names.py), a place a GB/T 2260 code (places.py) and an ID number its
normalised form (ids.py). Nothing here logs or raises with a value in it: a field that cannot be
read is left empty, never echoed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import dates, ids, name_match, names, places, scripts
from .names import NameKey

RAW_FIELDS = ("report_id", "given_name", "father_name", "full_name_alt", "gender", "birth_date",
              "home_place", "chinese_id", "detention_year", "facility", "reporter_relationship")

_MALE = {"m", "male", "man", "boy", "son", "father", "erkek", "er", "ər", "ئەر", "ئەرکەک", "ئەركەك", "ئەر كىشى",
         "男", "男性", "мужской", "мужчина", "муж", "м", "ер", "еркек", "ер адам", "erkak", "эркек", "er kishi",
         "bay"}
_FEMALE = {"f", "female", "woman", "girl", "daughter", "mother", "kadın", "kadin", "ayal", "qiz",
           "ئايال", "قىز", "女", "女性", "женский", "женщина", "жен", "ж", "әйел", "əyel", "ayel", "kiz",
           "ayol", "kız", "аял", "кыз", "ayal kishi", "bayan"}


@dataclass(frozen=True)
class PreparedRecord:
    record_id: str
    given: NameKey | None        # the person's own name
    father: NameKey | None       # father's name (serves as surname)
    other_names: tuple[NameKey, ...]  # every other full name given, each as [given, father, ...]
    gender: str | None           # "m" / "f" (also from a patronymic or the ID's 17th digit)
    birth_year: int | None
    birth_month: int | None
    birth_day: int | None
    county: str | None           # GB/T 2260 county-level code
    prefecture: str | None       # GB/T 2260 prefecture-level code
    id_number: str | None        # valid, normalised
    id_raw: str | None           # normalised even if invalid
    id_region: str | None        # first six digits of the ID
    id_birth: str | None         # "YYYYMMDD" from the ID
    detention_year: int | None
    detention_month: int | None = None
    facility: str | None = None  # folded free text, for an exact comparison
    place_confidence: float | None = None
    scripts_seen: tuple[str, ...] = field(default=())

    def all_names(self) -> tuple[NameKey, ...]:
        full = _join(self.given, self.father)
        return tuple(k for k in (full, *self.other_names) if k is not None)

    def compared_birth(self) -> tuple[int | None, int | None, int | None]:
        """The birth date the matcher compares: a valid ID number's where the report's own
        disagrees with it (an official record, where a family's memory of a year is often one off),
        else the report's, as completed from an agreeing number. Search and the blind indexes keep
        the date the report gives, so a reviewer finds a report by the year its family wrote."""
        if self.id_number and self.id_birth:
            return _ymd(self.id_birth)
        return self.birth_year, self.birth_month, self.birth_day

    def as_row(self) -> dict[str, Any]:
        """Flat columns for a DataFrame or DuckDB table: strings, ints, lists of strings, None."""
        row: dict[str, Any] = {"record_id": self.record_id}
        for prefix, key in (("given", self.given), ("father", self.father)):
            row[f"{prefix}_latin"] = key.latin if key else None
            row[f"{prefix}_skeleton"] = key.skeleton if key else None
            row[f"{prefix}_syllables"] = key.syllables if key else None
            row[f"{prefix}_script"] = key.script if key else None
        row["other_latin"] = [k.latin for k in self.other_names]
        row["other_skeleton"] = [k.skeleton for k in self.other_names]
        row["other_syllables"] = [k.syllables for k in self.other_names]
        row["name_tokens"] = sorted({tok for k in self.all_names() for tok in k.syllables.split(" ")})
        row.update(gender=self.gender, birth_year=self.birth_year, birth_month=self.birth_month,
                   birth_day=self.birth_day, county=self.county, prefecture=self.prefecture,
                   id_number=self.id_number, id_raw=self.id_raw, id_region=self.id_region,
                   id_birth=self.id_birth, detention_year=self.detention_year,
                   detention_month=self.detention_month, facility=self.facility)
        return row


def _join(given: NameKey | None, father: NameKey | None) -> NameKey | None:
    if given is None or father is None:
        return given or father
    script = given.script if given.script == father.script else given.script
    second = f"{' '.join(given.seconds)} {' '.join(father.seconds)}" if given.second or father.second else ""
    habit = f"{' '.join(given.habits)} {' '.join(father.habits)}" if given.habit or father.habit else ""
    bare = " ".join(b or "-" for b in (*given.bares, *father.bares)) if given.bare or father.bare else ""
    return NameKey(f"{given.latin} {father.latin}", f"{given.skeleton} {father.skeleton}",
                   f"{given.syllables} {father.syllables}", script, second, habit, bare)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def normalise_gender(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else _gender(text)


@lru_cache(maxsize=4096)
def _gender(text: str) -> str | None:
    folded = unicodedata.normalize("NFKC", text).casefold().strip(" .")
    if folded in _MALE or folded.startswith("male"):
        return "m"
    if folded in _FEMALE or folded.startswith("female"):
        return "f"
    # "M (erkek)", "女 / female": every part that says a gender says the same one ("M/F" says none).
    if not _GENDER_PARTS.search(folded):
        return None
    said = {_gender(part) for part in _GENDER_PARTS.split(folded) if part.strip(" .")} - {None}
    return said.pop() if len(said) == 1 else None


_GENDER_PARTS = re.compile(r"[/()（）\[\],;|]+")


def parse_date(value: Any) -> tuple[int | None, int | None, int | None]:
    """What a date as lists write it says (`dates.approximate`): 1978, 1978-12, 1978-12-24 (/ and .
    also), 24.12.1978, 12/24/1978, 1978年12月24日, 24 December 1978, 19781224."""
    text = _text(value)
    return (None, None, None) if text is None else dates.approximate(text)


def _fold_text(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else _folded(text)


@lru_cache(maxsize=65536)
def _folded(text: str) -> str | None:
    folded = "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum() or ch == " ")
    return " ".join(folded.split()) or None


def _names(given_text: str | None, father_text: str | None, alt_texts: list[tuple[str, str | None]]
           ) -> tuple[NameKey | None, NameKey | None, tuple[NameKey, ...], str | None, tuple[str, ...]]:
    given = father = None
    gender = None
    seen: list[str] = []
    own = None
    if given_text:
        own = names.analyse(given_text)
        seen.append(own.script)
        gender = own.gender
        if father_text or len(own.tokens) == 1:
            given = own.key()
        else:  # a full name typed into the given-name field
            given, father = own.given_and_father()
    if father_text:
        analysis = names.analyse(father_text)
        seen.append(analysis.script)
        gender = gender or analysis.gender
        father = analysis.first_key()
        if own is not None and father is not None:
            given = _without_father(own, father) or given
    others: list[NameKey] = []
    for text, script in alt_texts:
        analysis = names.analyse(text, script)
        if not analysis.tokens:
            continue
        seen.append(analysis.script)
        gender = gender or analysis.gender
        g, f = analysis.given_and_father()
        if given is None and father is None:
            given, father = g, f
            continue
        full = _join(g, f)
        if full is not None:
            others.append(full)
    if father is None:  # "Ablimit" here, "阿布力米提·吐尔逊" there: the father from the fuller name
        for other in others:
            first, second = _first(other), _second(other)
            if second is not None and (given is None or name_match.same_name_level(given, first) >= name_match.CLOSE):
                father = second
                break
    return given, father, tuple(others), gender, tuple(dict.fromkeys(seen))


def _without_father(analysis: names.Analysis, father: NameKey) -> NameKey | None:
    """The own name of a given-name field that holds the full name when the father's name is given
    as well ("Ablimit Tursun" and "Tursun", "TURSUN ABLIMIT" and "Tursun", "Erlan Nurlanuly" and
    "Nurlan"): the words that name the father are left out, a patronymic or the father's name at
    either end. None when nothing is left out (a compound name, Abdu Rehim, stays whole)."""
    tokens = analysis.tokens
    if len(tokens) < 2:
        return None
    own = tuple(t for t in tokens if not t.patronymic) or tokens
    if len(own) > 1:
        for end in (-1, 0):
            if names.same_word(own[end].forms, father.tokens[0]):
                own = own[:-1] if end == -1 else own[1:]
                break
    return analysis.key(own) if len(own) < len(tokens) else None


def _assemble(record_id: str, given_text: str | None, father_text: str | None,
              alt_texts: list[tuple[str, str | None]], gender_value: Any, birth_value: Any,
              place: places.PlaceMatch | None, id_value: Any, detention_value: Any,
              facility_value: Any) -> PreparedRecord:
    given, father, others, name_gender, seen = _names(given_text, father_text, alt_texts)
    number = ids.parse(_text(id_value))
    year, month, day = _date_with_id(parse_date(birth_value), number)
    place = _place_with_id(place, number)
    gender = normalise_gender(gender_value) or (number.gender if number else None) or name_gender
    detained_year, detained_month, _ = parse_date(detention_value)
    return PreparedRecord(
        record_id=record_id, given=given, father=father, other_names=others, gender=gender,
        birth_year=year, birth_month=month, birth_day=day,
        county=place.county if place else None, prefecture=place.prefecture if place else None,
        id_number=number.number if number else None, id_raw=number.raw if number else None,
        id_region=number.region if number else None, id_birth=number.birth if number else None,
        detention_year=detained_year, detention_month=detained_month, facility=_fold_text(facility_value),
        place_confidence=place.confidence if place else None, scripts_seen=seen)


def _date_with_id(date: tuple[int | None, int | None, int | None], number: ids.IdNumber | None
                  ) -> tuple[int | None, int | None, int | None]:
    """The birth date, completed from the ID number: the ID's date stands in for a missing one (any
    number that holds a real date: a typo elsewhere leaves it), and fills in the month and day of a
    date the report gives only in part when a valid number agrees with what it gives (1981 and
    19810317: 1981-03-17). A date that disagrees with the number is left as the report gives it."""
    year, month, day = date
    if number is None or not number.birth:
        return date
    by_id = _ymd(number.birth)
    if year is None:
        return by_id
    if number.valid and (year, month or by_id[1], day or by_id[2]) == by_id:
        return by_id
    return date


def _ymd(digits: str) -> tuple[int, int, int]:
    """A date's digits ("19810317") as (1981, 3, 17)."""
    return int(digits[:4]), int(digits[4:6]), int(digits[6:])


def birth_from_id(birth_value: Any, id_value: Any) -> bool:
    """Whether the birth date the matcher compares (PreparedRecord.compared_birth) for these two
    fields of a report is, in whole or part, the ID number's rather than the date the report gives."""
    number = ids.parse(_text(id_value))
    own = parse_date(birth_value)
    compared = _ymd(number.birth) if number and number.valid and number.birth else _date_with_id(own, number)
    return compared != own


def _place_with_id(place: places.PlaceMatch | None, number: ids.IdNumber | None) -> places.PlaceMatch | None:
    """The home place, completed from a valid ID number's region (where it was issued): taken when
    the report names no place, and narrows a prefecture to the county when the county lies in it.
    A place that disagrees with the number is left as the report gives it."""
    if number is None or not number.valid:
        return place
    issued = places.place_of_id_region(number.region)
    if issued is None or place is None:
        return place or issued
    if place.county is None and issued.county is not None and issued.prefecture == place.prefecture:
        return issued
    return place


def prepare(raw: Mapping[str, str | None]) -> PreparedRecord:
    """A record from the plain CSV columns (RAW_FIELDS; any may be missing or blank)."""
    if not isinstance(raw, Mapping):
        raise TypeError("prepare() takes a mapping of column names to values")
    alt = _text(raw.get("full_name_alt"))
    return _assemble(
        record_id=_text(raw.get("report_id")) or "", given_text=_text(raw.get("given_name")),
        father_text=_text(raw.get("father_name")), alt_texts=[(alt, None)] if alt else [],
        gender_value=raw.get("gender"), birth_value=raw.get("birth_date"),
        place=places.resolve_place(_text(raw.get("home_place"))), id_value=raw.get("chinese_id"),
        detention_value=raw.get("detention_year"), facility_value=raw.get("facility"))


_FORM_GENDER = {"male": "m", "female": "f"}


def prepare_report(fields: Mapping[str, Any]) -> PreparedRecord:
    """A record from a decrypted Report's sealed fields (as intake/models/report.py stores them):
    ``names`` is a list of {"value", "script", "kind"?} in any script and order; the first name
    that reads gives the person's own and father's name, the rest are other names."""
    if not isinstance(fields, Mapping):
        raise TypeError("prepare_report() takes a mapping of field names to values")
    entries = []
    given_text = father_text = None
    for entry in fields.get("names") or []:
        if not isinstance(entry, Mapping):
            continue
        value = _text(entry.get("value"))
        if value is None:
            continue
        kind = entry.get("kind")
        if kind == "given" and given_text is None:
            given_text = value
        elif kind == "father" and father_text is None:
            father_text = value
        else:
            entries.append((value, _text(entry.get("script"))))
    place = places.place_of_code(_text(fields.get("home_county"))) or \
        places.resolve_place(_text(fields.get("home_county"))) or \
        places.resolve_place(_text(fields.get("home_place_text")))
    gender = fields.get("gender")
    return _assemble(
        record_id=str(fields.get("id") or fields.get("report_id") or ""), given_text=given_text,
        father_text=father_text, alt_texts=entries,
        gender_value=_FORM_GENDER.get(str(gender), gender), birth_value=fields.get("birth_date"),
        place=place, id_value=fields.get("id_number"), detention_value=fields.get("detention_date"),
        facility_value=fields.get("facility"))


# --- blocking keys ----------------------------------------------------------------------------

def name_frame(key: NameKey | None) -> str | None:
    """The consonants of a name's first token in the cross-script form: Abdurehim, ئابدۇرېھىم,
    阿不都热依木 and Abudureyimu all give "btlm". Vowels go because Chinese transcription adds and
    changes them; what is left still separates most names."""
    return None if key is None else _frame(key.syllables.split(" ")[0])


def second_frame(key: NameKey | None) -> str | None:
    """The frame of the first token's second reading (Kazakh q, Uyghur gh read as k: 哈依拉提
    "klt" as Qayrat's), or None when it has none."""
    if key is None or not key.second:
        return None
    frame = _frame(key.seconds[0])
    return frame if frame != name_frame(key) else None


@lru_cache(maxsize=65536)
def _frame(syllables: str) -> str | None:
    frame = re.sub(r"(.)\1+", r"\1", syllables.translate(_VOWELS_OUT))
    return frame or syllables or None


_VOWELS_OUT = str.maketrans("", "", "aeu-")


def blocking_values(rec: PreparedRecord) -> dict[str, set[str]]:
    """Normalised values for the blocking indexes (item 3 of the deduplication issue).

    * ``id_number``: the normalised number (also when it fails validation: the same typo twice
      still meets);
    * ``id_region_birth_year``: region and birth year read from the ID;
    * ``name_birth_year``: the frame of the person's own name (from every name given) and the
      birth year;
    * ``father_county``: the frame of the father's name and the county, or the prefecture when
      no county is known.

    A name with a second reading (chinese.py) gives its frame too, so that 哈依拉提 meets Qayrat.
    """
    out: dict[str, set[str]] = {"id_number": set(), "id_region_birth_year": set(),
                                "name_birth_year": set(), "father_county": set()}
    if rec.id_raw and len(rec.id_raw) == 18:
        out["id_number"].add(rec.id_raw)
    if rec.id_region and rec.id_birth:
        out["id_region_birth_year"].add(f"{rec.id_region}|{rec.id_birth[:4]}")
    if rec.birth_year is not None:
        givens = [rec.given] + [_first(k) for k in rec.other_names]
        for key in givens:
            for frame in (name_frame(key), second_frame(key)):
                if frame:
                    out["name_birth_year"].add(f"{frame}|{rec.birth_year}")
    place = rec.county or rec.prefecture
    if place:
        fathers = [rec.father] + [_second(k) for k in rec.other_names]
        for key in fathers:
            for frame in (name_frame(key), second_frame(key)):
                if frame:
                    out["father_county"].add(f"{frame}|{place}")
    return out


def _token_key(key: NameKey, i: int) -> NameKey:
    second, habit = key.seconds[i], key.habits[i]
    return NameKey(*key.tokens[i], key.script, second if key.second and second != key.tokens[i][2] else "",
                   habit if key.habit and habit != key.tokens[i][1] else "", key.bares[i])


def _first(key: NameKey) -> NameKey:
    return _token_key(key, 0) if key.tokens else key


def _second(key: NameKey) -> NameKey | None:
    return _token_key(key, 1) if len(key.tokens) > 1 else None


__all__ = ["RAW_FIELDS", "NameKey", "PreparedRecord", "blocking_values", "prepare", "prepare_report",
           "normalise_gender", "parse_date", "scripts"]
