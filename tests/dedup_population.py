"""A synthetic population of reports about detained people, for training and measuring the
matcher: persons in families, 1-6 reports each, names in every script, approximate dates, place
spellings, typos, ID numbers, one detention date a person (a family's members often taken
together), and hard negatives (brothers, twins, father and son, namesakes).

    rows, truth = population(persons=2000, seed=1)
    rows, truth = population(3000, 5, names=heldout_names.load(path, "A"))  # a list kept outside


``rows`` are plain rows (the columns of ``flask dedup csv``); ``truth.person[report_id]`` is the
person, ``truth.hard[frozenset({person_a, person_b})]`` the kind of a hard-negative pair of
persons. Chinese forms are real transcriptions written here by hand (not derived from the
matcher's own rules or tables), so matching them is a fair test. A held-out list
(``tests/heldout_names.py``) replaces the pool, and its own spellings join the made-up ones.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from pypinyin import lazy_pinyin
from stdnum.cn import ric
from umsc import UgMultiScriptConverter

from tests.heldout_names import NamePool

# (ULY Latin, Chinese transcriptions): names as commonly given, with the forms Chinese documents use.
MALE = [
    ("Abdurehim", "阿不都热依木 阿卜杜热合木"), ("Ablimit", "阿布力米提 阿不力米提"), ("Memet", "买买提 麦麦提"),
    ("Tursun", "吐尔逊 图尔荪"), ("Ehmet", "艾合买提 艾买提"), ("Hesen", "艾山 哈森"), ("Hüsen", "玉山 胡赛因"),
    ("Abdulla", "阿不都拉 阿卜杜拉"), ("Ibrahim", "依不拉音 伊布拉音"), ("Ismayil", "司马义 斯马依力"),
    ("Yusup", "玉素甫 优素甫"), ("Qurban", "库尔班 库尔邦"), ("Osman", "吾斯曼 奥斯曼"), ("Ömer", "吾买尔 乌买尔"),
    ("Nurmemet", "努尔买买提 努尔麦麦提"), ("Rozi", "肉孜 柔孜"), ("Tohti", "托合提 吐合提"), ("Kerim", "克力木 克热木"),
    ("Abliz", "阿不力孜 阿布力孜"), ("Obul", "吾布力 乌布力"), ("Imin", "依明 伊敏"), ("Yasin", "亚森 亚生"),
    ("Alim", "阿里木 阿力木"), ("Erkin", "艾尔肯 尔肯"), ("Perhat", "帕尔哈提 帕哈提"), ("Ilham", "伊力哈木 依力哈木"),
    ("Dilshat", "迪里夏提 地里夏提"), ("Mamut", "麻木提 马木提"), ("Eziz", "艾则孜 艾孜孜"), ("Abduweli", "阿布都外力 阿不都外力"),
    ("Mutellip", "木塔力甫 穆塔力普"), ("Qadir", "卡德尔 喀迪尔"), ("Niyaz", "尼亚孜 尼亚兹"), ("Dawut", "达吾提 达吾特"),
    ("Adil", "阿迪力 阿地里"), ("Enwer", "艾尼瓦尔 安外尔"), ("Ekber", "艾克拜尔 艾克白尔"), ("Salam", "萨拉木 沙拉木"),
    ("Sabir", "沙比尔 萨比尔"), ("Tahir", "塔依尔 塔伊尔"), ("Zunun", "祖农 祖侬"), ("Turghun", "吐尔洪 图尔洪"),
    ("Mijit", "米吉提 米及提"), ("Ablet", "阿布来提 阿不来提"), ("Musa", "木沙 穆萨"), ("Eysa", "艾沙 伊萨"),
    ("Islam", "依斯拉木 伊斯拉木"), ("Idris", "依德日斯 伊德热斯"), ("Ayup", "阿尤普 阿尤甫"), ("Jappar", "加帕尔 贾帕尔"),
    ("Abdusalam", "阿不都沙拉木 阿布都萨拉木"), ("Qasim", "喀斯木 卡斯木"), ("Hoshur", "吾守尔 吾修尔"),
    ("Sadir", "沙迪尔 萨迪尔"), ("Ghopur", "吾甫尔 乌甫尔"), ("Muhter", "木合塔尔 穆合塔尔"), ("Rustem", "肉斯坦木 如斯坦木"),
    ("Yunus", "玉努斯 尤努斯"), ("Nurali", "努尔艾力 奴尔阿里"), ("Semet", "赛买提 色买提"), ("Ghalip", "哈力甫 哈里甫"),
    ("Bekri", "拜克力 白克力"), ("Abdukerim", "阿不都克力木 阿布都克里木"), ("Metqurban", "买提库尔班 麦提库尔班"),
    ("Rahman", "热合曼 拉赫曼"), ("Ubul", "吾布力 乌布力"), ("Sawut", "萨吾提 沙吾提"), ("Shöhret", "苏和热提 舒合热提"),
    ("Tayir", "塔依尔 塔伊尔"), ("Halmurat", "哈里木拉提 哈力木拉提"), ("Sidiq", "斯迪克 司地克"), ("Abdughopur", "阿不都吾甫尔 阿布都乌甫尔"),
]
FEMALE = [
    ("Gulnar", "古丽娜尔 古力娜尔"), ("Mihrigul", "米日古丽 米热古丽"), ("Patigul", "帕提古丽 帕提古力"), ("Ayshe", "阿依夏 阿伊夏"),
    ("Aygul", "阿依古丽 阿伊古丽"), ("Rahile", "热依拉 热依拉木"), ("Zöhre", "佐热 祖合热"), ("Meryem", "麦尔耶姆 玛丽耶姆"),
    ("Nurgul", "努尔古丽 奴尔古丽"), ("Gulbahar", "古丽巴哈尔 古力巴哈尔"), ("Sanubar", "萨努巴尔 沙努巴尔"),
    ("Zumret", "祖木热提 祖木来提"), ("Reyhangul", "热依汗古丽 热汗古丽"), ("Ayhan", "阿依汗 阿伊汗"), ("Parida", "帕丽达 帕里达"),
    ("Rabiye", "热比娅 热比亚"), ("Dilnur", "迪丽努尔 地里努尔"), ("Dilber", "迪丽拜尔 地力拜尔"), ("Hebibe", "艾比拜 哈比拜"),
    ("Amine", "阿米娜 阿米乃"), ("Buhelchem", "布海丽其木 布合力其木"), ("Gulzire", "古丽孜热 古丽孜拉"), ("Mahire", "玛依拉 麦合热"),
    ("Tajigul", "塔吉古丽 塔吉古力"), ("Hanzöhre", "汗佐热 罕祖合热"), ("Aynur", "阿依努尔 阿伊努尔"), ("Nurbiye", "努尔比亚 奴尔比娅"),
    ("Shirin", "西仁 希林"), ("Muyesser", "穆耶赛尔 木也赛尔"), ("Gulshen", "古丽先 古丽胜"), ("Ruqiye", "茹克亚 如克亚"),
    ("Turnisa", "吐尼沙 吐尔尼沙"), ("Zeynep", "再乃甫 再娜甫"), ("Horigul", "胡日古丽 候日古丽"), ("Pezilet", "帕孜来提 帕孜莱提"),
    ("Saadet", "萨阿达提 沙达提"), ("Munire", "木妮热 穆尼热"), ("Gulmire", "古丽米热 古力米热"),
]
# Some names are far more common than others (as Memet and Tursun are): weights for the first few.
_COMMON = {"Memet": 8, "Tursun": 6, "Abdurehim": 3, "Ehmet": 4, "Abdulla": 4, "Hesen": 3, "Qurban": 3, "Osman": 2,
           "Gulnar": 3, "Ayshe": 3, "Patigul": 3, "Meryem": 3, "Aygul": 3}

SCRIPTS = ("uly", "latin_informal", "arabic", "cyrillic", "chinese", "pinyin_passport", "turkish")


@lru_cache(maxsize=1)
def _converters() -> tuple[UgMultiScriptConverter, UgMultiScriptConverter]:
    return UgMultiScriptConverter("ULS", "UAS"), UgMultiScriptConverter("ULS", "UCS")


@lru_cache(maxsize=1)
def _counties() -> list[tuple[str, list[str], list[str]]]:
    """(code, spellings of the county, spellings of its prefecture) for current counties."""
    from intake.services import thesauri

    variants = json.loads(resources.files("intake.resolution").joinpath("data/place_variants.json").read_text("utf-8"))
    out = []
    for p in thesauri.places():
        if p.level != "county" or p.historical or p.non_place or not p.parent:
            continue
        pref = thesauri.place(p.parent)
        spellings = [p.zh, p.ug, p.latin] + variants["places"].get(p.code, [])
        pref_spellings = [pref.zh, pref.latin] + variants["places"].get(pref.code, []) if pref else []
        out.append((p.code, [s for s in spellings if s], [s for s in pref_spellings if s]))
    return out


_INFORMAL = [("q", "k"), ("x", "kh"), ("gh", "g"), ("ü", "u"), ("ö", "o"), ("é", "e"), ("e", "a"), ("i", "ie"), ("j", "dzh")]
_TURKISH = [("sh", "ş"), ("ch", "ç"), ("gh", "ğ"), ("j", "c"), ("x", "h"), ("q", "k"), ("w", "v"), ("y", "y")]


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    letters = "aeiouklmnrst"
    if kind < 0.4:
        return word[:i] + rng.choice(letters) + word[i + 1:]
    if kind < 0.7:
        return word[:i] + word[i + 1:]
    return word[:i] + rng.choice(letters) + word[i:]


_PLAIN_ULY = str.maketrans("éöüÉÖÜ", "eouEOU")


def _listed(rng: random.Random, name: tuple[str, str], script: str,
            forms: dict[str, dict[str, list[str]]]) -> str | None:
    """One of a held-out list's own spellings of the name in the script, or (None) a made-up one."""
    uly = name[0]
    if script == "uly":
        return rng.choice((uly, uly.translate(_PLAIN_ULY)))  # ULY as typed with and without é, ö, ü
    spellings = forms.get(uly, {}).get(script, [])
    if script == "turkish" and spellings:
        return rng.choice(spellings)
    if spellings and rng.random() < len(spellings) / (len(spellings) + 1):
        return rng.choice(spellings)
    return None


def render(rng: random.Random, name: tuple[str, str], script: str,
           forms: dict[str, dict[str, list[str]]] | None = None) -> str:
    """One name in one script."""
    if forms and (listed := _listed(rng, name, script, forms)) is not None:
        return listed
    uly, zh = name
    to_arabic, to_cyrillic = _converters()
    if script == "arabic":
        return to_arabic(uly.lower())
    if script == "cyrillic":
        return to_cyrillic(uly.lower()).capitalize()
    if script in ("chinese", "pinyin_passport"):
        form = rng.choice(zh.split())
        return form if script == "chinese" else "".join(lazy_pinyin(form)).upper()
    if script == "latin_informal":
        word = uly.lower()
        for a, b in rng.sample(_INFORMAL, 3):
            word = word.replace(a, b, 1)  # one place: Abliemit, not Abliemiet
        return word.capitalize()
    if script == "turkish":
        word = uly.lower()
        for a, b in _TURKISH:
            word = word.replace(a, b)
        return word.capitalize()
    return uly


@dataclass
class Person:
    pid: int
    given: tuple[str, str]
    father: tuple[str, str]
    gender: str
    birth: tuple[int, int, int]
    county: int
    id_number: str
    family: int
    detained: tuple[int, int] = (0, 0)  # year and month (drawn after the rest, see population)


@dataclass
class Truth:
    person: dict[str, int] = field(default_factory=dict)          # report_id -> person
    hard: dict[frozenset[int], str] = field(default_factory=dict)  # pair of persons -> kind
    script: dict[str, str] = field(default_factory=dict)           # report_id -> main script


def _id(county: str, birth: tuple[int, int, int], gender: str, rng: random.Random) -> str:
    seq = rng.randrange(0, 999)
    if (seq % 2 == 1) != (gender == "m"):
        seq = (seq + 1) % 1000
    body = f"{county}{birth[0]:04d}{birth[1]:02d}{birth[2]:02d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def _weighted(rng: random.Random, names: list[tuple[str, str]]) -> tuple[str, str]:
    weights = [_COMMON.get(n[0], 1) for n in names]
    return rng.choices(names, weights)[0]


def persons(n: int, rng: random.Random, truth: Truth, names: NamePool | None = None) -> list[Person]:
    male, female = (names.male, names.female) if names else (MALE, FEMALE)
    counties = _counties()
    # A few counties hold most people (Kashgar and Hotan prefectures are large).
    county_weights = [3 if c[0][:4] in ("6531", "6532") else 1 for c in counties]
    out: list[Person] = []
    family = 0
    while len(out) < n:
        family += 1
        county = rng.choices(range(len(counties)), county_weights)[0]
        father_name = _weighted(rng, male)
        grandfather = _weighted(rng, male)
        father_birth = (rng.randint(1940, 1965), rng.randint(1, 12), rng.randint(1, 28))
        members: list[Person] = []

        def add(given: tuple[str, str], father: tuple[str, str], gender: str, birth: tuple[int, int, int]) -> Person:
            p = Person(len(out), given, father, gender, birth, county,
                       _id(counties[county][0], birth, gender, rng), family)
            out.append(p)
            members.append(p)
            return p

        kind = rng.random()
        if kind < 0.3:  # one person alone (or a namesake of someone elsewhere)
            add(_weighted(rng, male), father_name, "m", father_birth)
        else:
            dad = add(father_name, grandfather, "m", father_birth) if rng.random() < 0.35 else None
            year = father_birth[0] + rng.randint(20, 30)
            for _ in range(rng.randint(1, 4)):
                gender = "m" if rng.random() < 0.75 else "f"
                pool = male if gender == "m" else female
                # Parents give each child a name of its own: brothers share the father's name, not
                # their own (a pool too small for that, as a test's, lets names repeat).
                taken = {m.given for m in members} | {father_name}
                given = rng.choice([x for x in pool if x not in taken] or [x for x in pool if x != father_name])
                birth = (year, rng.randint(1, 12), rng.randint(1, 28))
                child = add(given, father_name, gender, birth)
                if rng.random() < 0.08:  # a twin: same date, same father
                    twin_name = rng.choice([x for x in pool if x not in taken and x != given] or
                                           [x for x in pool if x != given and x != father_name])
                    twin = add(twin_name, father_name, gender, birth)
                    truth.hard[frozenset({child.pid, twin.pid})] = "twins"
                year += rng.randint(1, 3)
            for a in members:
                for b in members:
                    if a.pid < b.pid and frozenset({a.pid, b.pid}) not in truth.hard:
                        truth.hard[frozenset({a.pid, b.pid})] = "parent_child" if dad in (a, b) else "siblings"
    return out[:n]


def _as_given(rng: random.Random, date: tuple[int, int, int], shares: tuple[tuple[str, float], ...]) -> str:
    """A date as a family gives it: each form by its share (the rest: not given). Forms: the
    whole date, the month, a month off, the year alone, a year off."""
    y, m, d = date
    roll, bound = rng.random(), 0.0
    for form, share in shares:
        bound += share
        if roll < bound:
            if form == "year_off":
                return f"{y + rng.choice((-1, 1))}"
            return {"day": f"{y}-{m:02d}-{d:02d}", "month": f"{y}-{m:02d}", "month_off": f"{y}-{(m % 12) + 1:02d}",
                    "year": f"{y}"}[form]
    return ""


_BIRTH_GIVEN = (("day", 0.3), ("month", 0.2), ("year", 0.22), ("year_off", 0.16))
_DETENTION_GIVEN = (("month", 0.35), ("month_off", 0.05), ("year", 0.3), ("year_off", 0.1))


def _place(rng: random.Random, county: tuple[str, list[str], list[str]]) -> str:
    roll = rng.random()
    if roll < 0.7:
        return rng.choice(county[1])
    if roll < 0.9 and county[2]:
        return rng.choice(county[2])
    return ""


def _mistype(rng: random.Random, number: str) -> str:
    i = rng.randrange(0, 17)
    if rng.random() < 0.5:
        return number[:i] + str((int(number[i]) + rng.randint(1, 9)) % 10) + number[i + 1:]
    return number[:i] + number[i + 1] + number[i] + number[i + 2:]


# When people were taken: mostly 2017 and 2018, the years of the mass internments.
_DETENTION_YEARS = {2016: 8, 2017: 45, 2018: 35, 2019: 12}
# The share of a family's members taken on the family's day (a round-up), the rest on days of their own.
_TAKEN_TOGETHER = 0.35


def _detention_date(rng: random.Random) -> tuple[int, int]:
    return rng.choices(list(_DETENTION_YEARS), list(_DETENTION_YEARS.values()))[0], rng.randint(1, 12)


def _detained(people: list[Person], seed: int) -> None:
    """When each person was taken: a family's members often on one day, namesakes in other
    families independently. A generator of its own, so that each seed's other draws stay as they
    were before persons had a detention date."""
    rng = random.Random(f"detention:{seed}")
    rounds: dict[int, tuple[int, int]] = {}
    for p in people:
        together = rounds.setdefault(p.family, _detention_date(rng))
        p.detained = together if rng.random() < _TAKEN_TOGETHER else _detention_date(rng)


def _detention(rid: str, person: Person) -> str:
    """The detention date as a family gives it: the month, the year alone, a year off, a month
    off, or nothing."""
    year, month = person.detained
    return _as_given(random.Random(f"detention:{rid}:{person.pid}"), (year, month, 1), _DETENTION_GIVEN)


_GENDER_WORDS = {"m": ["m", "male", "男", "ئەر", "мужской", "erkek"], "f": ["f", "female", "女", "ئايال", "женский", "kadın"]}


def report(rng: random.Random, person: Person, rid: str,
           forms: dict[str, dict[str, list[str]]] | None = None) -> tuple[dict[str, str], str]:
    script = rng.choices(SCRIPTS, (3, 2, 3, 1, 3, 1, 1))[0]
    given, father = render(rng, person.given, script, forms), render(rng, person.father, script, forms)
    if script in ("uly", "latin_informal", "turkish") and rng.random() < 0.08:
        given = _typo(rng, given)
    # A father's name is mistyped as often as the own name. Drawn from a generator of its own, so
    # that the rest of a population (each seed's rows) stays what it was before fathers were.
    slips = random.Random(f"father:{rid}:{person.pid}")
    if script in ("uly", "latin_informal", "turkish") and slips.random() < 0.08:
        father = _typo(slips, father)
    row = {"report_id": rid, "given_name": "", "father_name": "", "full_name_alt": "", "gender": "",
           "birth_date": _as_given(rng, person.birth, _BIRTH_GIVEN),
           "home_place": _place(rng, _counties()[person.county]),
           "chinese_id": "", "detention_year": str(rng.randint(2017, 2019)), "facility": "",
           "reporter_relationship": rng.choice(["mother", "brother", "wife", "son", ""])}
    # The person's own detention date in place of the year drawn above at random for each report
    # (drawn still, so that each seed's other rows stay as they were).
    row["detention_year"] = _detention(rid, person)
    layout = rng.random()
    if script == "chinese" and layout < 0.6:
        row["full_name_alt"] = f"{given}·{father}"
    elif script == "pinyin_passport":
        row["full_name_alt"] = f"{father} {given}"
    elif layout < 0.75:
        row["given_name"], row["father_name"] = given, father
    else:
        row["full_name_alt"] = f"{given} {father}"
    if rng.random() < 0.2:  # a second spelling in another script
        other = rng.choice(SCRIPTS)
        alt = f"{render(rng, person.given, other, forms)} {render(rng, person.father, other, forms)}"
        if other == "chinese":
            alt = alt.replace(" ", "·")
        if other == "pinyin_passport":
            alt = " ".join(reversed(alt.split()))
        if not row["full_name_alt"]:
            row["full_name_alt"] = alt
    if rng.random() < 0.35:
        row["chinese_id"] = _mistype(rng, person.id_number) if rng.random() < 0.12 else person.id_number
    if rng.random() < 0.6:
        row["gender"] = rng.choice(_GENDER_WORDS[person.gender])
    return row, script


def population(persons_count: int = 1000, seed: int = 1, *, max_reports: int = 6, names: NamePool | None = None
               ) -> tuple[list[dict[str, str]], Truth]:
    rng = random.Random(seed)
    truth = Truth()
    people = persons(persons_count, rng, truth, names)
    _detained(people, seed)
    # Namesakes: people with the same name and father's name in other families.
    by_name: dict[tuple[str, str], list[int]] = {}
    for p in people:
        by_name.setdefault((p.given[0], p.father[0]), []).append(p.pid)
    for group in by_name.values():
        for a in group:
            for b in group:
                if a < b and frozenset({a, b}) not in truth.hard:
                    truth.hard[frozenset({a, b})] = "namesakes"
    rows = []
    for p in people:
        count = min(max_reports, 1 + int(rng.expovariate(0.7)))
        for _ in range(count):
            rid = f"r{len(rows):07d}"
            row, script = report(rng, p, rid, names.forms if names else None)
            rows.append(row)
            truth.person[rid] = p.pid
            truth.script[rid] = script
    order = list(range(len(rows)))
    rng.shuffle(order)
    return [rows[i] for i in order], truth


def write_csv(path: str, rows: list[dict[str, str]]) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":  # python -m tests.dedup_population PERSONS SEED OUT.csv
    import sys

    made, _ = population(int(sys.argv[1]), int(sys.argv[2]))
    write_csv(sys.argv[3], made)
