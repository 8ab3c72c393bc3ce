"""How Uyghur and Kazakh names are written in Chinese characters: rules checked on real forms.

Each rule is a fact of transcription (one comment says which); its pairs meet in the cross-script
form itself, not through the variant table, and the look-alikes beside it stay apart.
"""

from __future__ import annotations

import pytest

from intake.resolution.names import name_key


def syllables(text: str) -> str:
    key = name_key(text)
    assert key is not None
    return key.syllables


# A w (or u) closing a syllable after a or e is Chinese ao/iao or a syllable of its own (吾).
@pytest.mark.parametrize(("a", "b"), [
    ("Dauren", "道仁"), ("Dawren", "达吾仁"), ("داۋرەن", "道仁"),
    ("Tewpiq", "塔吾非克"), ("Shewket", "肖开提"), ("شەۋكەت", "肖凯提"),
    ("Mewlude", "买吾鲁达"), ("Sawut", "萨吾提"), ("Dawut", "达吾提"),
])
def test_a_closing_w_is_ao_or_a_syllable_of_its_own(a: str, b: str) -> None:
    assert syllables(a) == syllables(b)
