"""Chinese characters to pinyin, and pinyin written as Latin text (TUERXUN, Abudureyimu).

* ``hanzi_to_pinyin``: characters to toneless pinyin, one syllable per character, with the
  readings used in names (阿不都 is a-bu-du, not a-bu-dou) from ``data/name_readings.txt`` before
  pypinyin's everyday reading;
* ``split_pinyin`` / ``looks_like_pinyin``: a Latin word cut into pinyin syllables, and whether a
  text is pinyin rather than a Turkic Latin spelling that happens to cut into syllables.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from pypinyin import Style, lazy_pinyin

_SYLLABLES = frozenset("""
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang cao
ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui
chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di dia dian diao die
ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fo fou fu ga gai gan
gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen
heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju
juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai
lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lue lun luo lv
lve ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao
ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nue nuo nv nve o ou pa pai pan
pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong
qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao
se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui
shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong
tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong
xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao
ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan
zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
""".split())
_LONGEST = max(len(s) for s in _SYLLABLES)


@lru_cache(maxsize=1)
def _readings() -> dict[str, str]:
    text = resources.files("intake.resolution").joinpath("data/name_readings.txt").read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            char, reading = line.split()
            out[char] = reading
    return out


HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


def is_han(ch: str) -> bool:
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF \
        or 0x20000 <= code <= 0x2FA1F


@lru_cache(maxsize=65536)
def hanzi_to_pinyin(text: str) -> tuple[str, ...]:
    """Toneless pinyin, one syllable per Chinese character; other characters are dropped."""
    readings = _readings()
    out = []
    for ch in text:
        if not is_han(ch):
            continue
        reading = readings.get(ch)
        if reading is None:
            reading = lazy_pinyin(ch, style=Style.NORMAL, v_to_u=False)[0]
            if not reading.isascii():  # pypinyin returns the character itself when it has no reading
                continue
        out.append(reading)
    return tuple(out)


@lru_cache(maxsize=65536)
def split_pinyin(word: str) -> tuple[str, ...] | None:
    """A pinyin word as syllables (longest first, backtracking), or None if it is not pinyin.

    Apostrophes are syllable boundaries (Xi'an); ü may be written ü, v or u.
    """
    word = word.lower().replace("ü", "v")
    out: list[str] = []
    for part in re.split(r"['’]", word):
        syllables = _split(part)
        if syllables is None:
            return None
        out.extend(syllables)
    return tuple(out) if out else None


def _split(part: str) -> list[str] | None:
    """The syllables of a word as pinyin spelling reads it: a letter that can open the next syllable
    opens it, since pinyin writes an apostrophe before a syllable that opens on a vowel after one
    that ends in a consonant, and passports leave the apostrophe out only where none is needed
    (HANATI is ha-na-ti 哈那提, not han-a-ti; JIAHANGEER jia-han-ge-er). Among splits that break that
    rule equally often, the longest syllable first. Settled from the end backwards, each position
    once, so a long word costs time in proportion to its length (backtracking took seconds on
    "ana" twenty times and a q, and a thousand letters ran out of stack)."""
    n = len(part)
    # best[i]: (apostrophes the split of part[i:] would need, the first syllable's length), or None
    best: list[tuple[int, int] | None] = [None] * n + [(0, 0)]
    for i in range(n - 1, -1, -1):
        for size in range(min(_LONGEST, n - i), 0, -1):
            rest = best[i + size]
            if rest is None or part[i:i + size] not in _SYLLABLES:
                continue
            needed = rest[0] + (i + size < n and part[i + size - 1] in "nrg" and part[i + size] in "aeiouv")
            if best[i] is None or needed < best[i][0]:
                best[i] = (needed, size)
    if best[0] is None:
        return None
    out, i = [], 0
    while i < n:
        size = best[i][1]
        out.append(part[i:i + size])
        i += size
    return out


# Pinyin that Turkic Latin spellings hardly ever produce (xun, qi, yi, wu, er after a vowel, ao, uo,
# jiang...).
_STRONG = re.compile(r"^(?:x|q|zh|c[^h]|.*(?:ao|uo|iu|ui|ei|ie|ue|ou)$|yi|wu|yu.|you|ye|jiang)")
_VOWEL_END = re.compile(r"[aeiouv]$|n$|ng$")


def looks_like_pinyin(text: str) -> bool:
    """True when every word of ``text`` is pinyin and something marks it as pinyin rather than a
    Turkic Latin spelling that happens to split into syllables (Musa, Hesen, Eli stay Latin)."""
    words = [w for w in re.split(r"[\s\-·•・.,]+", text) if w]
    if not words or not all(w.isascii() and w.replace("'", "").isalpha() for w in words):
        return False
    # The Turkic feminine ending -iye (Ruqiye, Aliye, Rabiye) is 亚 or 娅 in Chinese: pinyin -iya;
    # after q it is the informal Latin of that name (Ruqiya), which Chinese writes 克亚 keya.
    if any(w.lower().endswith(("iye", "qiya")) for w in words):
        return False
    # Nor is Turkish -can, the -jan of Uyghur (Emincan, Ömercan, Ercan): pinyin's can hardly ends a
    # name.
    if any(w.lower().endswith("can") and len(w) > 4 for w in words):
        return False
    # v is ü only when pinyin is typed on a keyboard, and the Chinese forms of Uyghur and Kazakh
    # names hold no nü or lü; in a Latin name v is w (Enver, e-nv-er, is Enwer 艾尼瓦尔). A word
    # that is that one syllable (the surname Lü 吕 typed LV) stays pinyin.
    if any("v" in w.lower() and w.lower() not in _V_WORDS for w in words):
        return False
    split = [split_pinyin(w) for w in words]
    cut = [s for s in split if s is not None]
    if len(cut) != len(split):
        return False
    # The syllable me is 么, a particle no transcription writes a name with (Memet is 买买提, mai):
    # a word that cuts into it is a Turkic spelling (Memeteli, me-me-te-li, is Memet Eli).
    if any("me" in syllables for syllables in cut):
        return False
    # Nor does one write 额 e after a syllable closing on e (勒额): a word that cuts so is English
    # ee for a long i (Aleeya, Saleema, a-le-e-ya), where KADEER, ka-de-er, may be pinyin.
    if any(s == "e" and i and syllables[i - 1].endswith("e") for syllables in cut for i, s in enumerate(syllables)):
        return False
    # A word's last zhan after another syllable is Kazakh -zhan, -jan (Erzhan, Aizhan, Musazhan),
    # which Chinese writes 江 jiang (叶尔江, 阿依江, 穆萨江): it says nothing of pinyin.
    cut = [s[:-1] if len(s) > 1 and s[-1] == "zhan" else s for s in cut]
    evidence = sum(_signs(syllables) for syllables in cut)
    upper = text.isupper() and sum(map(len, cut)) >= 3
    # Turkic spellings rarely cut into four pinyin syllables, or into three ending in a vowel
    # Chinese adds to a final consonant (Alimu, Adili, Abulikemu).
    long_ = any(len(s) >= 4 or (len(s) == 3 and s[-1] in _ADDED_ENDINGS) for s in cut)
    return evidence > 0 or upper or long_


def _signs(syllables: tuple[str, ...] | list[str]) -> int:
    """How many of a word's syllables are pinyin that Turkic spellings hardly ever make."""
    evidence = 0
    for i, syllable in enumerate(syllables):
        if _STRONG.match(syllable):
            evidence += 1
        elif _er_after_vowel(syllables, i):
            evidence += 1
        elif syllable in ("ai", "mai", "bai", "kai", "sai", "tai", "lai", "hai", "wai") and len(syllables) >= 3:
            evidence += 1
    return evidence


def pinyin_beside_latin(word: str) -> bool:
    """Whether one word of a field otherwise in Latin is a passport's pinyin (Abudukapaer Dulat,
    Memet Abulikemu, Tuerxun Ablimit): pinyin by ``looks_like_pinyin`` that also closes on a vowel
    Chinese adds to a final consonant or on 尔 er, or shows two signs of pinyin. One sign alone is
    what a slip or an informal Latin spelling makes of a Turkic name in a field that says Latin
    (Queban, Ruqieya: Qurban, Ruqiye)."""
    if not looks_like_pinyin(word):
        return False
    syllables = split_pinyin(word) or ()
    last = syllables[-1] if syllables else ""
    closing = len(syllables) >= 3 and (last in _ADDED_ENDINGS or _er_after_vowel(syllables, len(syllables) - 1))
    return closing or _signs(syllables) >= 2


def _er_after_vowel(syllables: tuple[str, ...] | list[str], i: int) -> bool:
    """Syllable ``i`` is er after a syllable that ends in a vowel or nasal (Tuerxun, Abudukapaer): 尔
    as Chinese writes a Turkic r."""
    return syllables[i] == "er" and i > 0 and bool(_VOWEL_END.search(syllables[i - 1]))


_V_WORDS = frozenset({"lv", "nv", "lve", "nve"})
_ADDED_ENDINGS = frozenset({"ti", "mu", "ke", "si", "zi", "fu", "jiang", "shi"})
