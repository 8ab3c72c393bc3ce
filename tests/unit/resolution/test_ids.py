"""ID numbers: normalised, validated, their region and date read, and near matches recognised."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from intake.resolution.ids import id_relation, normalise, parse

BODY = "65312519810317003"
VALID = BODY + ric.calc_check_digit(BODY + "0")            # a man's number (sequence 003)
WOMAN_BODY = "65312519810317004"
WOMAN = WOMAN_BODY + ric.calc_check_digit(WOMAN_BODY + "0")


@pytest.mark.parametrize("typed", [
    VALID, " ".join([VALID[:6], VALID[6:14], VALID[14:]]), VALID[:6] + "-" + VALID[6:],
    "".join(chr(0xFF10 + int(d)) for d in VALID),                      # full-width digits
    "".join(chr(0x0660 + int(d)) for d in VALID),                      # Arabic-Indic digits
])
def test_normalises_spacing_and_digit_scripts(typed: str) -> None:
    assert normalise(typed) == VALID


@pytest.mark.parametrize("typed", [
    f"ID: {VALID}", f"身份证：{VALID}", f"No. {VALID}", f"{VALID} (old card)",   # a label or a note beside it
    f"\u200f{VALID}\u200e", f"\u202b{VALID}\u202c",                       # direction marks from RTL text
    f"'{VALID}", f'="{VALID}"',                                             # a spreadsheet's marks for text
])
def test_the_one_number_in_a_cell_with_words_around_it(typed: str) -> None:
    parsed = parse(typed)
    assert parsed is not None and parsed.valid and parsed.number == VALID


@pytest.mark.parametrize("typed", [f"{VALID}, {WOMAN}", f"1{VALID}", f"{VALID}X"])
def test_two_numbers_or_a_digit_too_many_stay_as_typed(typed: str) -> None:
    parsed = parse(typed)
    assert parsed is not None and not parsed.valid


def test_lower_case_x_and_validation() -> None:
    body = "65010219900101002"
    check = ric.calc_check_digit(body + "0")
    number = body + check
    assert normalise(number.lower()) == number.upper()
    parsed = parse(number.lower())
    assert parsed is not None and parsed.valid and parsed.number == number


def test_region_birth_and_gender_read_from_the_number() -> None:
    parsed = parse(VALID)
    assert parsed is not None
    assert (parsed.region, parsed.birth, parsed.gender, parsed.valid) == ("653125", "19810317", "m", True)
    assert parse(WOMAN).gender == "f"


def test_invalid_number_is_kept_normalised_but_not_valid() -> None:
    typo = VALID[:10] + ("1" if VALID[10] != "1" else "2") + VALID[11:]
    parsed = parse(typo)
    assert parsed is not None and not parsed.valid and parsed.number is None and parsed.raw == typo


def test_fifteen_digit_card_upgraded_to_eighteen() -> None:
    old = "653125810317003"
    assert normalise(old) == VALID
    assert id_relation(old, VALID) == "exact"


@pytest.mark.parametrize(("a", "b", "relation"), [
    (VALID, VALID.lower(), "exact"),
    (VALID, VALID[:9] + str((int(VALID[9]) + 1) % 10) + VALID[10:], "near"),     # one typed digit
    (VALID, VALID[:7] + VALID[8] + VALID[7] + VALID[9:], "near"),              # one swapped pair
    (VALID, WOMAN, "region_and_date"),                                          # twins, or a wrong sequence
    (VALID, "650102199001010011", "different"),
    (VALID, None, "missing"),
    ("", VALID, "missing"),
    ("no number here", VALID, "missing"),
])
def test_relations(a: str | None, b: str | None, relation: str) -> None:
    assert id_relation(a, b) == relation
    assert id_relation(b, a) == relation


def test_two_valid_numbers_are_never_near() -> None:
    # The check character catches every single typo and adjacent swap.
    for i in range(17):
        for digit in "0123456789":
            if digit == VALID[i]:
                continue
            body = VALID[:i] + digit + VALID[i + 1:17]
            other = body + ric.calc_check_digit(body + "0")
            assert id_relation(VALID, other) != "near"
