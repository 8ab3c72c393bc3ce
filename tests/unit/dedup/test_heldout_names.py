"""The held-out list reader the accuracy benches use, and the generator drawing from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dedup_population import population
from tests.heldout_names import load

LIST = """# a comment
A\tm\tuy\tBilal\tBilal Bilol\tBilal\tبىلال بلال\tБилал\t比拉力 毕拉力
A\tm\tuy\tQahar\tKahar\tKahhar\tقاھار\tҚаһар\t卡哈尔 喀哈尔
A\tm\tuy\tNuri\tNuri\tNuri\tنۇرى\tНури\t努日 努力
A\tm\tkz\tAlmas\tAlmas\tAlmas\tئالماس\tАлмас\t阿力马斯 阿勒玛斯
A\tf\tkz\tAyman\tAiman\tAyman\tئايمان\tАйман\t阿依曼 艾曼
A\tf\tuy\tDilara\tDilara\tDilara\tدىلارا\tДилара\t迪拉拉 地拉拉
B\tm\tuy\tSabit\tSabit\tSabit\tسابىت\tСабит\t沙比提 萨比提
neg\tA\tBilal\tQahar
"""


def test_a_half_keeps_its_names_forms_and_negatives(tmp_path: Path) -> None:
    path = tmp_path / "list.tsv"
    path.write_text(LIST, encoding="utf-8")
    pool = load(path, "A")
    assert [n for n, _ in pool.male] == ["Bilal", "Qahar", "Nuri", "Almas"] and [n for n, _ in pool.female] == ["Ayman", "Dilara"]
    assert pool.forms["Bilal"]["arabic"] == ["بىلال", "بلال"] and pool.origin["Ayman"] == "kz"
    assert pool.negatives == [("Bilal", "Qahar")]
    assert [n for n, _ in load(path, "B").male] == ["Sabit"] and len(load(path).male) == 5


def test_a_negative_outside_the_half_or_a_short_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.tsv"
    path.write_text(LIST + "neg\tA\tBilal\tSabit\n", encoding="utf-8")
    with pytest.raises(ValueError, match="hard-negative"):
        load(path, "A")
    path.write_text("A\tm\tuy\tBilal\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        load(path)


def test_the_generator_draws_only_the_lists_names(tmp_path: Path) -> None:
    path = tmp_path / "list.tsv"
    path.write_text(LIST, encoding="utf-8")
    pool = load(path, "A")
    rows, _ = population(60, 3, names=pool)
    listed = {x for uly, zh in pool.names() for x in [uly, *zh.split()]} | {
        x for forms in pool.forms.values() for spellings in forms.values() for x in spellings}
    assert any(r["given_name"] in listed for r in rows)
    assert not any("Tursun" in " ".join(r.values()) or "吐尔逊" in " ".join(r.values()) for r in rows)


def test_a_key_in_kazakhstans_latin_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.tsv"
    path.write_text("A\tm\tkz\tNūrlan\tNurlan\tNurlan\tنۇرلان\tНұрлан\t努尔兰 努尔朗\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: the ULY column"):
        load(path)
