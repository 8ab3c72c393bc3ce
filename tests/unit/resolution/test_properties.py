"""Properties over generated names: idempotence, script round trips, no failure on any text."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from umsc import UgMultiScriptConverter

from intake.resolution.chinese import tidy
from intake.resolution.name_match import same_name_level
from intake.resolution.names import name_key
from intake.resolution.places import resolve_place
from intake.resolution.prepare import RAW_FIELDS, prepare

TO_ARABIC = UgMultiScriptConverter("ULS", "UAS")
ARABIC_TO_CYRILLIC = UgMultiScriptConverter("UAS", "UCS")

# Generated names are read as ULY (the script the family would have chosen on the form): short
# made-up words such as "xiaxi" are also valid pinyin, which detection alone would prefer.
# Uyghur syllables in ULY: (consonant) vowel (consonant), the shapes Uyghur names are made of.
ONSETS = ["", "b", "p", "t", "j", "ch", "x", "d", "r", "z", "s", "sh", "gh", "q", "k", "g", "l", "m", "n", "h",
          "w", "y"]
VOWELS = ["a", "e", "é", "i", "o", "u", "ö", "ü"]
CODAS = ["", "", "", "n", "r", "l", "m", "t", "k", "q", "s", "z", "sh", "b", "p", "ng", "y"]
syllable = st.builds(lambda o, v, c: o + v + c, st.sampled_from(ONSETS), st.sampled_from(VOWELS),
                     st.sampled_from(CODAS))
# Where two letters would read as one (k+h as kh, n+g as ng, vowels in hiatus), ULY writes an
# apostrophe between them; so does this generator.
DIGRAPHS = {"kh", "gh", "sh", "zh", "ch", "ng", "dj", "ck", "ou", "oo", "ee"}


def join(parts: list[str]) -> str:
    word = parts[0]
    for part in parts[1:]:
        word += ("'" if (word[-1] + part[0]).replace("é", "e") in DIGRAPHS or part[:2] == "zh" and word[-1] == "d"
                 else "") + part
    return word


# A word of one letter is an initial, not a name (names.Analysis.key).
uly_word = st.lists(syllable, min_size=1, max_size=4).map(join).filter(lambda w: len(w) > 1)
uly_name = st.lists(uly_word, min_size=1, max_size=3).map(" ".join)
# No example database: it would be a folder in the working tree that pytest then trips over. The
# same examples on every run (derandomize), so that a run fails on a change, not on a draw: a wider
# search (max_examples in the hundreds of thousands, derandomize off) finds rare cases, which then
# stay here as @example lines.
SETTINGS = settings(max_examples=300, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(uly_name)
@example("bauét sauö").via("u between a vowel and an accented one, which the canonical form writes plain")
@example("aa aajanjan").via("-jan twice: the canonical form keeps none, not the first")
@example("angyo'o").via("o after yo, which ULY would read as yu without the apostrophe")
def test_normalising_a_normalised_form_changes_nothing(name: str) -> None:
    key = name_key(name, "ug-Latn")
    assert key is not None
    again = name_key(key.latin, "ug-Latn")
    assert again is not None
    assert (again.latin, again.skeleton, again.syllables) == (key.latin, key.skeleton, key.syllables)


@SETTINGS
@given(uly_name)
@example("géuyhontop").via("ULY u between two vowels stays u (y is no vowel in ULY), as Arabic ئۇ does")
@example("bin bin sheqing").via("bin between two words joins them in Arabic script as in Latin")
def test_latin_to_arabic_and_back_lands_on_the_same_key(name: str) -> None:
    latin, arabic = name_key(name, "ug-Latn"), name_key(TO_ARABIC(name))
    assert latin is not None and arabic is not None
    assert (arabic.skeleton, arabic.syllables) == (latin.skeleton, latin.syllables)
    assert same_name_level(latin, arabic) >= 2


@SETTINGS
@given(uly_name)
def test_arabic_to_cyrillic_gives_the_same_key_as_arabic(name: str) -> None:
    arabic = TO_ARABIC(name)
    cyrillic = ARABIC_TO_CYRILLIC(arabic)
    a, c = name_key(arabic), name_key(cyrillic, "ug-Cyrl")
    assert a is not None and c is not None
    assert (c.skeleton, c.syllables) == (a.skeleton, a.syllables)


@SETTINGS
@given(st.text(max_size=60))
def test_any_text_is_read_without_failing(text: str) -> None:
    key = name_key(text)
    if key is not None:
        assert key.latin.isascii() and key.latin == key.latin.lower()
        assert len(key.latin.split(" ")) == len(key.skeleton.split(" ")) == len(key.syllables.split(" "))
    resolve_place(text)


@SETTINGS
@given(st.fixed_dictionaries({f: st.one_of(st.none(), st.text(max_size=30)) for f in RAW_FIELDS}))
def test_any_row_prepares(row: dict[str, str | None]) -> None:
    record = prepare(row)
    flat = record.as_row()
    assert all(isinstance(v, (str, int, list, type(None))) for v in flat.values())


@SETTINGS
@given(st.text(alphabet="aeubtkjslmn", max_size=12))
@example("satan").via("a fold that makes -etan")
@example("jeaeb").via("a vowel run that leaves e after j")
@example("etann").via("nn before -edan")
@example("ateun").via("a vowel run folded that leaves -tun")
def test_tidying_the_common_form_twice_changes_nothing(form: str) -> None:
    once = tidy(form)
    assert tidy(once) == once and len(once) <= len(form)


@SETTINGS
@given(uly_name)
def test_every_word_of_a_name_comes_out_tidy(name: str) -> None:
    key = name_key(name, "ug-Latn")
    assert key is not None
    assert all(tidy(word) == word for word in key.syllables.split(" ") if word != "-")
