"""Chinese characters and pinyin, and the Chinese syllables a Turkic name would be written with.

Uyghur and Kazakh names reach Chinese documents through official transcription: each syllable is
written with a conventional character (吐尔逊 Tursun, 买买提 Memet, 阿不都 Abdu-, 古丽 Gul, 江 -jan), a
consonant that ends a syllable gets a vowel of its own (Tursun -> tu er xun, Abdurehim ->
a bu du re yi mu), and several Uyghur sounds fall on one Chinese one. Two things live here:

* ``fold_pinyin`` / ``transcribe``: both sides folded into one coarse sound alphabet (see
  ``syllables``), so that the Chinese form and the Latin, Arabic or Cyrillic one meet;
* ``tidy``: what transcription adds or drops at will, taken out of that form.

Characters to pinyin and pinyin written as Latin text are in pinyin.py (named here too); the sounds
Chinese writes two ways, which the common form cannot hold both of, in second_reading.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .pinyin import HAN, hanzi_to_pinyin, is_han, looks_like_pinyin, pinyin_beside_latin, split_pinyin

__all__ = ["HAN", "fold_pinyin", "fold_syllables", "hanzi_to_pinyin", "is_han", "looks_like_pinyin",
           "pinyin_beside_latin", "pinyin_to_phonemes", "split_pinyin", "tidy", "transcribe"]


# --- the common sound alphabet ----------------------------------------------------------------
#
# A syllable folds to: an onset class, a vowel class and "n" for a nasal ending. Onsets: b (b p f:
# Chinese writes Uyghur p and b with 巴 帕 波 坡 甫 alike, Polat 波拉提 and 坡拉提, Ghalip 哈力甫),
# t (t d), k (g k q gh), j (j q ch zh z c: 扎 zha is Uyghur za, Mirzat 米尔扎提, and 朱 zhu is ju),
# s (s x sh), l (l r: Chinese writes Uyghur ra as 拉 la, Barat 巴拉提), m, n; h, y and w are dropped, since Chinese writes Uyghur h as often without it (Hesen 艾山, Rehim 热依木) and y, w
# before a vowel are the vowel's. Vowels: a, e (e ai ei i ie é), u (o u ö ü ou uo ao iu), and none
# for pinyin's empty vowel (zi si shi ri) and for er. Syllable boundaries vanish in the result,
# because transcribers cut names by morpheme (Tursunay 吐尔逊阿依) as often as by syllable.

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x",
             "r", "z", "c", "s", "y", "w")
_ONSET = {"b": "b", "p": "b", "f": "b", "d": "t", "t": "t", "g": "k", "k": "k", "h": "", "j": "j",
          "q": "j", "zh": "j", "ch": "j", "x": "s", "s": "s", "sh": "s", "z": "j", "c": "j", "r": "l",
          "l": "l", "m": "m", "n": "n", "y": "", "w": "", "": ""}
_Y_FINALS = {"i": "i", "in": "in", "ing": "ing", "u": "v", "ue": "ve", "uan": "van", "un": "vn",
             "ou": "iu", "o": "io", "ong": "iong"}


def _vowel_class(final: str) -> str:
    if final in ("ao", "iao"):
        return "u"
    if final in ("ian", "van", "ve"):
        return "e"
    if "a" in final and "ai" not in final:
        return "a"
    if any(v in final for v in "ouv"):
        return "u"
    return "e"


@lru_cache(maxsize=4096)
def fold_pinyin(syllable: str) -> str:
    """One pinyin syllable in the common sound alphabet (``xun`` -> ``sun``, ``yi`` -> ``e``)."""
    syllable = syllable.lower().replace("ü", "v")
    if syllable == "er":
        return "l"
    initial = next((i for i in _INITIALS if syllable.startswith(i) and len(syllable) > len(i)), "")
    final = syllable[len(initial):]
    if initial == "y":
        final = _Y_FINALS.get(final, "i" + final if not final.startswith("i") else final)
    elif initial in ("j", "q", "x") and final.startswith("u"):
        final = "v" + final[1:]
    onset = _ONSET[initial]  # w is dropped with its glide: wai writes Uyghur we (Abduweli 阿不都外力)
    glide = ""
    if initial in ("g", "k", "h") and final.startswith("ua"):
        # After a velar the glide is Turkic u before a: 夸 kua, 宽 kuan write qua, quwa (Quwanish
        # 夸尼西, Quandyq 宽德克), as a Latin or Cyrillic qu- before a vowel reads.
        glide, final = "u", final[1:]
    if final == "i" and initial in ("z", "c", "s", "zh", "ch", "sh"):
        return onset  # the empty vowel of zi, si, shi (ri keeps one: 日 writes Uyghur ri, Mihrigul 米日古丽)
    nasal = "n" if final.endswith("n") or final.endswith("ng") else ""
    core = final[:-2] if final.endswith("ng") else final[:-1] if nasal else final
    vowel = "e" if final in ("ian", "van") else _vowel_class(core or final)
    return onset + glide + vowel + nasal


def fold_syllables(syllables: tuple[str, ...] | list[str], closing_m: int | None = None) -> str:
    """The common form of a Chinese form's syllables; ``closing_m``: the syllable whose closing n is
    read as m (second_reading_pinyin)."""
    folded = [fold_pinyin(s) for s in syllables]
    if closing_m is not None:
        folded[closing_m] = folded[closing_m][:-1] + "mu"
    # A closing x or h gets a vowel of its own, 合 he, or after a rounded vowel one that echoes it,
    # 乎 hu (Toxti 托合提 and 托乎提, Toxtaxun 托乎塔洪): hu between a syllable ending in u and a
    # consonant is that closing x, as 合 is.
    for i in range(1, len(folded) - 1):
        if syllables[i].lower() == "hu" and folded[i - 1].endswith("u") and folded[i + 1][:1] not in ("", "a", "e", "u"):
            folded[i] = "e"
    # A word's last 西 xi is a closing sh (Küresh 库来西, Quanish 夸尼西, Tash 塔西): inside a word
    # Chinese writes it 什 shi as often as 西, but at the end 西, whose vowel the other side lacks.
    if len(syllables) > 1 and syllables[-1].lower() == "xi":
        folded[-1] = "s"
    # 恩 en after a syllable that ends in a vowel, and not before one, is a closing n that Chinese
    # gives a syllable of its own as it gives one to a closing m (木) or l (力): Zunun 祖努恩
    # beside 祖农; Uyghur and Kazakh words have no e after another vowel there.
    for i in range(1, len(folded)):
        if syllables[i].lower() == "en" and folded[i - 1][-1:] in ("a", "e", "u") \
                and (i + 1 == len(folded) or folded[i + 1][:1] not in ("", "a", "e", "u")):
            folded[i] = "n"
    return tidy("".join(folded))


# What transcription adds or leaves out at will, taken out of both sides of the common form:
# * a vowel written twice is one: Chinese gives an h or y between two vowels a syllable of its own
#   or none (Ehmet 艾合买提 and 艾买提, Rehim 热依木, Tajigul 塔吉古丽 and Tajiygul);
# * the vowel Uyghur puts before s and a consonant at the start of a word (Ismayil, Islam,
#   Iskender) is written or not (司马义, 斯马依力 beside 伊斯马伊力), and Arabic script typed without
#   a hamza writes it with a bare alef, as Arabic and Persian do (اسماییل Ismayil, اسلام Islam);
# * n before m is the m of the syllable before (Rustem 如斯坦木, Rahman 拉赫曼 and 热合曼);
# * a before e is one vowel: Uyghur ay and ey before a consonant are both one Chinese syllable
#   (Süleyman and Sulayman 苏来曼, Qeyser and Kaiser 凯赛尔) or a-yi (Aygul 阿依古丽, Mahinur 玛依努尔
#   and 麦合努尔), and informal Latin writes either; so is e before a, where the h of Uyghur he after
#   a closing consonant is 哈 ha as often as 艾 ai (Ubulhesen 乌布力哈散 and 吾布力艾散);
# * a or e before u is one vowel: a w (or u) that closes a syllable after a or e is written as
#   Chinese ao/iao (Dauren 道仁, Bauyrzhan 包尔江, Shewket 肖开提) or as a syllable of its own
#   (达吾仁, 塔吾非克 Tewpiq);
# * a after a sibilant or affricate is e: Mandarin has no e there (ze, se, she are another vowel),
#   so Uyghur e is written 扎 萨 沙 夏 加 恰 as often as 再 赛 谢 杰 (Shemshidin 夏木西丁,
#   Abdujelil 阿不都加里力, Shehide 夏依旦), and informal Latin writes a too (Sharip, Jamila);
# * e after an affricate (j, z, ch) and before a consonant is written or not: Mandarin's ze 则 泽
#   is as near as it has to Uyghur zi, and Chinese writes it for zi inside a word (Ezimet 艾则麦提,
#   Ezizgül 艾则孜古丽) as often as the empty vowel of 孜;
# * a nasal ending before an n is that n: Chinese writes the n of both syllables (Qurbannisa
#   库尔班尼萨, Jennet 坚乃提) as often as once (加乃提), and Uyghur's nn is read as one;
# * a word's last vowel a is e: Uyghur's feminine -e is written -a in Chinese (Gülmire 古丽米拉,
#   Nazire 娜孜拉) and in informal and Russian-style Latin (Gulmira, Nazira, Shahida);
# * a word's last -ede or -ude is -edan or -udan: Chinese writes the feminine -ide/-ida, -ude/-uda
#   旦 dan as often as 达 da (Shahide 夏依旦, Sajide 萨吉旦, Xurshide 呼尔西旦, Mewlude 买吾鲁旦);
# * a closing r before a consonant (尔 er, l here) is written or not: Chinese leaves it out as
#   often (Bahargül 巴哈尔古丽 and 巴哈古丽, Turnisa 吐尔尼沙 and 吐尼沙, Mettursun 买吐送). Taken out
#   first, so the folds after it see what is left (Nurmemet: n before m); not before t, where
#   Chinese keeps it (Turdi 吐尔地, Merdan 买尔旦, which is not Met-jan 买提江);
# * a word's last -tun is -ten: Arabic -al-din is -din and -dun in Uyghur (Ziyawudun, Bahawudun,
#   Nizamidin), and Chinese writes both 丁 ding as often as 东 or 敦 (孜亚吾丁, 巴哈吾丁); the vowel
#   that joins it is Arabic's case ending, a as often as i or u (Jalaladdin, Jalalidin, 加拉力丁,
#   Salahuddin, Salahidin; a u only after a syllable's closing consonant: Ziyawudun's u is the
#   name's own).
_VOWEL_RUN = re.compile(r"([aeu])\1+")
_A_BEFORE_E = re.compile(r"a+(?=e)|e+(?=a)")
_BEFORE_U = re.compile(r"[ae]+(?=u)")
_SIBILANT_A = re.compile(r"(?<=[js])a")
_FINAL_A = re.compile(r"a+$")
_PROTHETIC = re.compile(r"^[ae](?=s[^aeu])")
_N_BEFORE_NASAL = re.compile(r"n+(?=[mn])")
_FINAL_DAN = re.compile(r"(?<=[eu]t)an$")
_J_E_CLOSED = re.compile(r"(?<=j)e(?=[^aeu])")
_CODA_R = re.compile(r"l+(?=[bkjsmn])")
_FINAL_TUN = re.compile(r"(?<=t)u(?=n$)")
_DIN_VOWEL = re.compile(r"a(?=ten$)|(?<=[aeu][^aeu])u(?=ten$)")


def tidy(form: str) -> str:
    """The common form with the letters transcription adds, drops or changes at will taken out
    (see above); idempotent, and applied again to names written as several words once joined.
    The folds run until none applies: one can make what another takes out (a vowel run folded
    leaves -tun: ateun, atun, eten). Each only shortens or turns a into e, so this ends."""
    for _ in range(8):
        again = _tidy_once(form)
        if again == form:
            break
        form = again
    return form


def _tidy_once(form: str) -> str:
    form = _DIN_VOWEL.sub("e", _FINAL_TUN.sub("e", _VOWEL_RUN.sub(r"\1", _CODA_R.sub("", form))))
    form = _FINAL_A.sub("e", _BEFORE_U.sub("", _A_BEFORE_E.sub("", form)))
    form = _N_BEFORE_NASAL.sub("", _PROTHETIC.sub("", _VOWEL_RUN.sub(r"\1", _SIBILANT_A.sub("e", form))))
    # -edan last: the folds above may make it (satan: a after s is e, then -etan).
    return _J_E_CLOSED.sub("", _FINAL_DAN.sub("e", form))


# Phonemes (umsc's CTS letters) in the common alphabet, as an onset, and as a consonant that ends a
# syllable (gh is dropped like h: Chinese writes Abdugheni 阿不都艾尼, Turghun 吐尔洪, Ghalip 阿力甫): Chinese gives it a vowel of its own (b -> bu, t -> ti, m -> mu, l -> li, r -> er,
# s/z/sh -> si/zi/shi with the empty vowel, x/h -> he, y -> yi, w -> wu) or makes it nasal (n, ng).
_PHONEME_ONSET = {
    "b": "b", "p": "b", "f": "b", "t": "t", "d": "t", "k": "k", "q": "k", "g": "k", "ğ": "",
    "x": "", "h": "", "c": "j", "ç": "j", "j": "j", "s": "s", "ş": "s", "z": "j", "r": "l",
    "l": "l", "m": "m", "n": "n", "ñ": "n", "v": "", "y": "",
}
_PHONEME_CODA = {
    "b": "bu", "p": "bu", "f": "bu", "t": "te", "d": "te", "k": "ke", "q": "ke", "g": "ke",
    "ğ": "", "x": "e", "h": "e", "c": "je", "ç": "je", "j": "je", "s": "s", "ş": "s", "z": "j",
    "r": "l", "l": "le", "m": "mu", "n": "n", "ñ": "n", "v": "u", "y": "e",
}
_PHONEME_VOWEL = {"a": "a", "e": "e", "é": "e", "i": "e", "o": "u", "u": "u", "ö": "u", "ü": "u"}


@lru_cache(maxsize=65536)
def transcribe(phonemes: str) -> str:
    """A word in phonemes as Chinese transcription would write it, in the common sound alphabet.

    Syllables are cut the Uyghur way: one consonant between vowels opens the next syllable, of
    two or more the first closes the previous one. Doubled consonants are written once, as in
    Chinese (Abdulla 阿不都拉). An e with a closing y is one Chinese syllable (Qeyser 凯赛尔,
    Eysa 艾沙; ay is not: Sayragul 萨依拉古丽); the feminine ending -iye is written -ya (Rukiye
    茹克亚, Rabiye 热比亚).
    """
    letters = [ch for ch in phonemes if ch in _PHONEME_VOWEL or ch in _PHONEME_ONSET]
    if len(letters) > 3 and letters[-3:] == ["i", "y", "e"]:
        letters[-1] = "a"
    collapsed: list[str] = []
    for ch in letters:
        if not (collapsed and ch == collapsed[-1] and ch not in _PHONEME_VOWEL):
            collapsed.append(ch)
    out: list[str] = []
    i, n = 0, len(collapsed)
    while i < n:
        ch = collapsed[i]
        if ch in _PHONEME_VOWEL:
            out.append(_PHONEME_VOWEL[ch])
            closing_y = i + 1 < n and collapsed[i + 1] == "y" and (i + 2 == n or collapsed[i + 2] not in _PHONEME_VOWEL)
            if closing_y and ch in "eé":
                out[-1] = "e"
                i += 1  # the y is part of the Chinese syllable (kai, hai, ai)
            i += 1
            continue
        # A consonant: onset if a vowel follows, otherwise it ends a syllable.
        if i + 1 < n and collapsed[i + 1] in _PHONEME_VOWEL:
            # ng before a vowel is n+g: Latin ng reads as one sound, but -ngül names are -n + gül
            # (Rizwangül 热孜宛古丽, Tursungul 吐尔逊古丽), as is ng in Chinese (Tengri 腾格里).
            out.append("nk" if ch == "ñ" else _PHONEME_ONSET[ch])
            # si, zi: pinyin's empty vowel (Rozi 肉孜, Qasim 喀斯木), but a nasal that closes the
            # syllable stays in it with the vowel (Yasin 亚森 and 亚生, Nesrin: 森 生 新 辛).
            nasal = i + 2 < n and collapsed[i + 2] in "nñ" and (i + 3 == n or collapsed[i + 3] not in _PHONEME_VOWEL)
            if ch in "sz" and collapsed[i + 1] == "i" and not nasal:
                i += 1
                if i + 1 < n and collapsed[i + 1] in "eé" and (i + 2 == n or collapsed[i + 2] not in _PHONEME_VOWEL):
                    i += 1  # informal Latin writes i as ie (Abliemit, Arziegul 阿尔孜古丽): one vowel
        else:
            out.append(_PHONEME_CODA[ch])
        i += 1
    return tidy("".join(out))


# --- pinyin back to a Uyghur-like spelling ---------------------------------------------------
#
# Only a best guess, for the readable ``latin`` and ``skeleton`` forms of a Chinese name that the
# variant table does not know: the cross-script comparison uses the folded syllables. A vowel is
# taken for an added one (and dropped) after a consonant that ends a word or stands before
# another consonant, when the syllable before ended in a vowel: a bu du re yi mu -> abdureyim.

_BACK_INITIAL = {"b": "b", "p": "p", "m": "m", "f": "p", "d": "d", "t": "t", "n": "n", "l": "l",
                 "g": "g", "k": "k", "h": "h", "j": "c", "q": "ç", "x": "s", "zh": "c", "ch": "ç",
                 "sh": "ş", "r": "r", "z": "z", "c": "z", "s": "s", "y": "y", "w": "v", "": ""}
_BACK_FINAL = {"ai": "e", "ei": "e", "ao": "o", "ou": "o", "uo": "o", "ie": "e", "ian": "en",
               "iang": "an", "ang": "an", "eng": "en", "ing": "in", "ong": "un", "iong": "un",
               "iu": "u", "ui": "uy", "uai": "uay", "uan": "uan", "v": "ü", "ve": "üe", "van": "üen",
               "vn": "ün", "ia": "ya", "iao": "yo", "ua": "ua"}
_ADDED_VOWELS = ("i", "u", "e")


@lru_cache(maxsize=1024)
def _parts(syllable: str) -> tuple[str, str]:
    initial = next((i for i in _INITIALS if syllable.startswith(i) and len(syllable) > len(i)), "")
    return initial, syllable[len(initial):]


@lru_cache(maxsize=65536)
def pinyin_to_phonemes(syllables: tuple[str, ...]) -> str:
    out: list[str] = []
    for i, syllable in enumerate(syllables):
        syllable = syllable.replace("ü", "v")
        if syllable == "er":
            out.append("r")
            continue
        initial, final = _parts(syllable)
        if initial == "y":
            out.append("i" if final == "i" else "y" + _BACK_FINAL.get(final, final).lstrip("y"))
            continue
        if initial == "w":
            out.append("u" if final == "u" else "v" + _BACK_FINAL.get(final, final))
            continue
        consonant = _BACK_INITIAL[initial]
        following = syllables[i + 1] if i + 1 < len(syllables) else None
        ends_word_or_cluster = following is None or _parts(following)[0] not in ("", "y", "w")
        after_vowel = bool(out) and out[-1][-1:] in "aeiouüy"
        if consonant and final in _ADDED_VOWELS and ends_word_or_cluster and after_vowel:
            out.append(consonant)
        else:
            out.append(consonant + _BACK_FINAL.get(final, final))
    return "".join(out)
