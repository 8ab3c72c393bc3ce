"""Display names of the Xinjiang divisions in Kazakh, Russian and Turkish, and where each comes from.

``build_places.py`` joins these to the GB/T 2260 rows. Names are kept without the division word
(county, city...), which ``FORMS`` adds in each language's own way, so that a prefecture, a city
and a county of one name (Hotan!) stay distinguishable in every language.

Where each name comes from is written into ``places.json`` (``display_sources``):

- ``established``: the form in use in that language (Kazakh: Kazakh-language press and Kazakh
  Wikipedia, for example Құлжа, Шәуешек, Қашқар; Russian: Russian geographic usage and Russian
  Wikipedia, for example Кульджа, Чугучак, Кашгар; Turkish: Turkish press and Turkish Wikipedia,
  for example Kaşgar, Yarkent, Gulca, Turfan).
- ``palladius``: a place known by its Chinese name (Bingtuan cities, most Ürümchi districts),
  written in the Palladius system, the standard Russian transcription of Chinese, which Kazakh
  in Cyrillic also uses for Chinese names.
- ``translit``: no established form is known to us; the Uyghur name transliterated letter by
  letter (Kazakh and Turkish by the rules in ``place_translit.py``, Russian by hand in the same
  practical transcription Russian uses for Uyghur names). These are the first to check with a
  native reader.

Russian gives the official Chinese-derived name in brackets where both are in use (Кульджа
(Инин), Чугучак (Тачэн), Хами (Кумул)).
"""

from __future__ import annotations

from intake.data.place_translit import from_uyghur

ESTABLISHED, PALLADIUS, TRANSLIT = "established", "palladius", "translit"

# Division word patterns. ``{name}`` is the place's name, ``{people}`` the people an autonomous
# division is named after (ETHNIC below).
FORMS: dict[str, dict[str, str]] = {
    "kk": {
        "city": "{name} қаласы", "county": "{name} ауданы", "district": "{name} ауданы",
        "prefecture": "{name} аймағы", "autonomous_prefecture": "{name} {people} автономиялық облысы",
        "autonomous_county": "{name} {people} автономиялық ауданы",
        "city_districts": "{name} қаласы (ауданы белгісіз)",
    },
    "ru": {
        "city": "город {name}", "county": "уезд {name}", "district": "район {name}",
        "prefecture": "округ {name}", "autonomous_prefecture": "{name}-{people} автономный округ",
        "autonomous_county": "{name}-{people} автономный уезд",
        "city_districts": "город {name} (район не указан)",
    },
    "tr": {
        "city": "{name} Şehri", "county": "{name} İlçesi", "district": "{name} İlçesi",
        "prefecture": "{name} Vilayeti", "autonomous_prefecture": "{name} {people} Özerk Oblastı",
        "autonomous_county": "{name} {people} Özerk İlçesi",
        "city_districts": "{name} Şehri (ilçesi belirtilmemiş)",
    },
}

# zh name of the people -> its name in each language (Russian: the adjective of a compound name).
ETHNIC: dict[str, dict[str, str]] = {
    "哈萨克": {"kk": "Қазақ", "ru": "Казахский", "tr": "Kazak"},
    "回族": {"kk": "Хуэй", "ru": "Хуэйский", "tr": "Hui"},
    "蒙古": {"kk": "Моңғол", "ru": "Монгольский", "tr": "Moğol"},
    "柯尔克孜": {"kk": "Қырғыз", "ru": "Киргизский", "tr": "Kırgız"},
    "锡伯": {"kk": "Сібе", "ru": "Сибоский", "tr": "Şibe"},
    "塔吉克": {"kk": "Тәжік", "ru": "Таджикский", "tr": "Tacik"},
}

# Rows whose name is not built from a place name and a division word, and their kind.
WHOLE_KIND = {"新疆维吾尔自治区": "region", "自治区直辖县级行政单位": "xpcc_cities"}
WHOLE: dict[str, dict[str, tuple[str, str]]] = {
    "新疆维吾尔自治区": {
        "kk": ("Шыңжаң Ұйғыр автономиялық ауданы", ESTABLISHED),
        "ru": ("Синьцзян-Уйгурский автономный район", ESTABLISHED),
        "tr": ("Sincan Uygur Özerk Bölgesi", ESTABLISHED),
    },
    # The county-level cities that the region administers directly are all Bingtuan (XPCC)
    # cities: families know them as that, not by the administrative label.
    "自治区直辖县级行政单位": {
        "en": ("XPCC (Bingtuan) cities", ESTABLISHED),
        "ug": ("بىڭتۇەن شەھەرلىرى", ESTABLISHED),
        "zh": ("兵团城市", ESTABLISHED),
        "kk": ("Бинтуан қалалары", ESTABLISHED),
        "ru": ("Города Бинтуаня", ESTABLISHED),
        "tr": ("Bingtuan Şehirleri", ESTABLISHED),
    },
}

# Names whose established form depends on the division: the Tacheng prefecture is Tarbagatay,
# its city Chöchek.
BY_DIVISION: dict[str, dict[str, str]] = {
    "塔城地区": {"kk": "Тарбағатай", "ru": "Чугучак (Тачэн)", "tr": "Tarbagatay"},
}

# Established Kazakh forms, by the Chinese name without its division word.
KK: dict[str, str] = {
    "乌鲁木齐": "Үрімжі", "克拉玛依": "Қарамай", "吐鲁番": "Тұрпан", "哈密": "Құмыл", "巴里坤": "Баркөл",
    "昌吉": "Санжы", "呼图壁": "Құтыби", "木垒": "Мори", "伊犁": "Іле", "伊宁": "Құлжа", "奎屯": "Күйтін",
    "察布查尔": "Шапшал", "霍城": "Қорғас", "霍尔果斯": "Қорғас", "巩留": "Тоғызтарау", "新源": "Күнес",
    "昭苏": "Моңғолкүре", "尼勒克": "Нылқы", "塔城": "Шәуешек", "额敏": "Дөрбілжін", "乌苏": "Шиху",
    "沙湾": "Сауан", "裕民": "Шағантоғай", "和布克赛尔": "Қобықсары", "布尔津": "Буыршын",
    "富蕴": "Көктоғай", "福海": "Бурылтоғай", "吉木乃": "Жеменей", "博尔塔拉": "Бортала", "博乐": "Бортала",
    "精河": "Жың", "温泉": "Арасан", "巴音郭楞": "Баянғол", "喀什": "Қашқар", "和田": "Хотан",
    "阿勒泰": "Алтай", "特克斯": "Текес", "哈巴河": "Қаба", "青河": "Шіңгіл", "玛纳斯": "Манас", "阿克苏": "Ақсу",
    "克孜勒苏": "Қызылсу", "尉犁": "Лобнор", "莎车": "Жаркент (Яркенд)",
}

# Established Turkish forms.
TR: dict[str, str] = {
    "乌鲁木齐": "Urumçi", "吐鲁番": "Turfan", "鄯善": "Piçan", "呼图壁": "Kutubi", "木垒": "Mori",
    "伊犁": "İli", "尼勒克": "Nilka", "托里": "Toli", "布尔津": "Burçin", "博尔塔拉": "Bortala",
    "博乐": "Bortala", "焉耆": "Karaşehir", "乌什": "Uçturfan", "喀什": "Kaşgar", "疏附": "Konaşehir",
    "疏勒": "Yenişehir", "莎车": "Yarkent", "叶城": "Kargılık", "塔什库尔干": "Taşkurgan", "和田": "Hotan",
    "克拉玛依": "Karamay", "哈密": "Kumul", "伊宁": "Gulca", "塔城": "Çöçek", "阿勒泰": "Altay", "库尔勒": "Korla",
    "阿克苏": "Aksu", "库车": "Kuça", "克孜勒苏": "Kızılsu", "阿图什": "Atuş", "墨玉": "Karakaş", "于田": "Keriye",
}

# Russian, every name: (form, source).
RU: dict[str, tuple[str, str]] = {
    # Ürümchi and its districts
    "乌鲁木齐": ("Урумчи", ESTABLISHED), "天山": ("Тяньшань", PALLADIUS), "沙依巴克": ("Сайбаг", TRANSLIT),
    "新市": ("Синьши", PALLADIUS), "水磨沟": ("Шуймогоу", PALLADIUS), "头屯河": ("Тоутунхэ", PALLADIUS),
    "达坂城": ("Дабаньчэн", PALLADIUS), "东山": ("Дуншань", PALLADIUS), "米东": ("Мидун", PALLADIUS),
    # Karamay
    "克拉玛依": ("Карамай", ESTABLISHED), "独山子": ("Душаньцзы", PALLADIUS),
    "白碱滩": ("Байцзяньтань", PALLADIUS), "乌尔禾": ("Уэрхэ", PALLADIUS),
    # Turpan, Kumul
    "吐鲁番": ("Турфан", ESTABLISHED), "高昌": ("Гаочан", PALLADIUS), "鄯善": ("Пичан", ESTABLISHED),
    "托克逊": ("Токсун", ESTABLISHED), "哈密": ("Хами (Кумул)", ESTABLISHED), "伊州": ("Ичжоу", PALLADIUS),
    "巴里坤": ("Баркёль", ESTABLISHED), "伊吾": ("Иу", PALLADIUS),
    # Sanji (Changji)
    "昌吉": ("Чанцзи", PALLADIUS), "阜康": ("Фукан", PALLADIUS), "米泉": ("Мицюань", PALLADIUS),
    "呼图壁": ("Хутуби", PALLADIUS), "玛纳斯": ("Манас", ESTABLISHED), "奇台": ("Цитай", PALLADIUS),
    "吉木萨尔": ("Цзимусар", PALLADIUS), "木垒": ("Мори", ESTABLISHED),
    # Ili
    "伊犁": ("Или", ESTABLISHED), "伊宁": ("Кульджа (Инин)", ESTABLISHED), "奎屯": ("Куйтун", ESTABLISHED),
    "霍尔果斯": ("Хоргос", ESTABLISHED), "察布查尔": ("Чапчал", ESTABLISHED), "霍城": ("Хочэн", PALLADIUS),
    "巩留": ("Токкузтара", ESTABLISHED), "新源": ("Кюнес", ESTABLISHED), "昭苏": ("Монгол-Куре", ESTABLISHED),
    "特克斯": ("Текес", ESTABLISHED), "尼勒克": ("Нилки", ESTABLISHED),
    # Tarbagatay
    "塔城": ("Чугучак (Тачэн)", ESTABLISHED), "额敏": ("Дурбульджин", ESTABLISHED), "乌苏": ("Шиху (Усу)", ESTABLISHED),
    "沙湾": ("Шавань", PALLADIUS), "托里": ("Толи", ESTABLISHED), "裕民": ("Чагантокай", ESTABLISHED),
    "和布克赛尔": ("Кобуксар", ESTABLISHED),
    # Altay
    "阿勒泰": ("Алтай", ESTABLISHED), "布尔津": ("Бурчун", ESTABLISHED), "富蕴": ("Коктокай", ESTABLISHED),
    "福海": ("Бурултокай", ESTABLISHED), "哈巴河": ("Каба", ESTABLISHED), "青河": ("Чингиль", ESTABLISHED),
    "吉木乃": ("Джеминай", ESTABLISHED),
    # Bortala
    "博尔塔拉": ("Боро-Тала", ESTABLISHED), "博乐": ("Боро-Тала", ESTABLISHED),
    "阿拉山口": ("Алашанькоу", PALLADIUS), "精河": ("Цзинхэ", PALLADIUS), "温泉": ("Вэньцюань", PALLADIUS),
    # Bayingolin
    "巴音郭楞": ("Баянгол", ESTABLISHED), "库尔勒": ("Корла", ESTABLISHED), "轮台": ("Бугур", ESTABLISHED),
    "尉犁": ("Лобнор", ESTABLISHED), "若羌": ("Чарклык", ESTABLISHED), "且末": ("Черчен", ESTABLISHED),
    "焉耆": ("Яньци", PALLADIUS), "和静": ("Хэцзин", PALLADIUS), "和硕": ("Хошуд", TRANSLIT),
    "博湖": ("Баграш", TRANSLIT),
    # Aksu
    "阿克苏": ("Аксу", ESTABLISHED), "库车": ("Кучар", ESTABLISHED), "温宿": ("Онсу", TRANSLIT),
    "沙雅": ("Шаяр", TRANSLIT), "新和": ("Токсу", TRANSLIT), "拜城": ("Бай", TRANSLIT),
    "乌什": ("Уч-Турфан", ESTABLISHED), "阿瓦提": ("Ават", TRANSLIT), "柯坪": ("Кельпин", TRANSLIT),
    # Kizilsu
    "克孜勒苏": ("Кызылсу", ESTABLISHED), "阿图什": ("Артуш", ESTABLISHED), "阿克陶": ("Акто", TRANSLIT),
    "阿合奇": ("Акчи", TRANSLIT), "乌恰": ("Улугчат", TRANSLIT),
    # Kashgar
    "喀什": ("Кашгар", ESTABLISHED), "疏附": ("Конашахар", TRANSLIT), "疏勒": ("Янгишахар", TRANSLIT),
    "英吉沙": ("Янгигиссар", ESTABLISHED), "泽普": ("Поскам", TRANSLIT), "莎车": ("Яркенд", ESTABLISHED),
    "叶城": ("Каргалык", ESTABLISHED), "麦盖提": ("Мекит", TRANSLIT), "岳普湖": ("Йопурга", TRANSLIT),
    "伽师": ("Пейзават", TRANSLIT), "巴楚": ("Маралбаши", ESTABLISHED), "塔什库尔干": ("Ташкурган", ESTABLISHED),
    # Hotan
    "和田": ("Хотан", ESTABLISHED), "墨玉": ("Каракаш", ESTABLISHED), "皮山": ("Гума", TRANSLIT),
    "洛浦": ("Лоп", TRANSLIT), "策勒": ("Чира", TRANSLIT), "于田": ("Керия", ESTABLISHED),
    "民丰": ("Ния", ESTABLISHED), "和康": ("Хэкан", PALLADIUS), "和安": ("Хэань", PALLADIUS),
    # Bingtuan cities
    "石河子": ("Шихэцзы", PALLADIUS), "阿拉尔": ("Арал", TRANSLIT), "图木舒克": ("Тумшук", TRANSLIT),
    "五家渠": ("Уцзяцюй", PALLADIUS), "北屯": ("Бэйтунь", PALLADIUS), "铁门关": ("Тэмэньгуань", PALLADIUS),
    "双河": ("Шуанхэ", PALLADIUS), "可克达拉": ("Кокдала", TRANSLIT), "昆玉": ("Куньюй", PALLADIUS),
    "胡杨河": ("Хуянхэ", PALLADIUS), "新星": ("Синьсин", PALLADIUS), "白杨": ("Байян", PALLADIUS),
}

# Places known only by their Chinese name (the Uyghur name is a transcription of it): Kazakh in
# Cyrillic writes them as Russian does. Every other name without an established Kazakh form is
# transliterated from the Uyghur.
CHINESE_NAMED = frozenset({
    "天山", "伊州", "新市", "水磨沟", "头屯河", "达坂城", "东山", "米东", "白碱滩", "铁门关", "阜康", "米泉", "阿拉山口", "和静",
    "和康", "和安", "石河子", "五家渠", "北屯", "双河", "昆玉", "胡杨河", "新星", "白杨",
})

# --- composing a row's display names ------------------------------------------------------------

LANGUAGES = ("en", "ug", "zh", "kk", "ru", "tr")
# Chinese division words, longest first; the autonomous ones follow the name of a people.
DIVISIONS = (("自治州", "autonomous_prefecture"), ("自治县", "autonomous_county"), ("地区", "prefecture"),
             ("区", "district"), ("市", "city"), ("县", "county"))
CITY_DISTRICTS = ("市辖区", "市区")  # GB/T 2260's "districts of the city": not a place of its own
UG_DIVISION_WORDS = frozenset({"شەھىرى", "ناھىيىسى", "رايونى", "ۋىلايىتى", "ئوبلاستى"})
UG_AUTONOMOUS = "ئاپتونوم"
# How the non-place rows read: the city, and that the district is not known.
NOT_KNOWN_DISTRICT = {"en": "{name} (district not known)", "ug": "{name} (رايونى نامەلۇم)", "zh": "{name}（区不详）"}


def city_of_districts(zh: str) -> str | None:
    """The city of a "districts of the city" row ("乌鲁木齐市市辖区" -> "乌鲁木齐市"), else None."""
    for suffix in CITY_DISTRICTS:
        if zh.endswith(suffix) and zh[: -len(suffix)].endswith("市"):  # not 新市区, a district
            return zh[: -len(suffix)]
    return None


def parse_division(zh: str) -> tuple[str, str, str | None]:
    """(kind, the name without its division word, the people of an autonomous division)."""
    city = city_of_districts(zh)
    if city is not None:
        return "city_districts", parse_division(city)[1], None
    for suffix, kind in DIVISIONS:
        if zh.endswith(suffix):
            stem, people = zh[: -len(suffix)], None
            if kind.startswith("autonomous"):
                people = next((p for p in ETHNIC if stem.endswith(p)), None)
                if people is None:
                    raise ValueError(f"{zh}: autonomous division of a people not in ETHNIC")
                stem = stem[: -len(people)]
            return kind, stem, people
    raise ValueError(f"{zh}: no known division word")


def uyghur_name(ug: str) -> str:
    """The Uyghur name without its division word ("قەشقەر ۋىلايىتى" -> "قەشقەر")."""
    words = ug.split()
    if words and words[-1] in UG_DIVISION_WORDS:
        words = words[:-1]
    if len(words) >= 2 and words[-1] == UG_AUTONOMOUS:
        words = words[:-2]  # "<people> ئاپتونوم"
    return " ".join(words)


def _name(zh: str, stem: str, ug_name: str, lang: str) -> tuple[str, str]:
    special = BY_DIVISION.get(zh, {})
    if lang in special:
        return special[lang], ESTABLISHED
    if lang == "ru":
        return RU[stem]
    table = KK if lang == "kk" else TR
    if stem in table:
        return table[stem], ESTABLISHED
    if lang == "kk" and stem in CHINESE_NAMED:
        return RU[stem][0], PALLADIUS
    return from_uyghur(ug_name, lang), TRANSLIT


def division_kind(zh: str) -> str:
    """region, xpcc_cities, city_districts, autonomous_prefecture, prefecture, city, county,
    autonomous_county or district."""
    return WHOLE_KIND.get(zh) or parse_division(zh)[0]


def display_names(zh: str, ug: str, latin: str, city: dict[str, str] | None = None
                  ) -> tuple[dict[str, str], dict[str, str]]:
    """The label of one division in every language, and where the kk/ru/tr names come from.

    ``city`` is the parent row (zh, ug, latin) of a "districts of the city" row."""
    if zh in WHOLE:
        whole = WHOLE[zh]
        names = {"en": latin, "ug": ug, "zh": zh} | {lang: value[0] for lang, value in whole.items()}
        return names, {lang: whole[lang][1] for lang in ("kk", "ru", "tr")}
    kind, stem, people = parse_division(zh)
    if kind == "city_districts":
        if city is None:
            raise ValueError(f"{zh}: the city it belongs to is needed")
        names = {lang: NOT_KNOWN_DISTRICT[lang].format(name=city[lang if lang != "en" else "latin"])
                 for lang in ("en", "ug", "zh")}
        ug_name = uyghur_name(city["ug"])
    else:
        names = {"en": latin, "ug": ug, "zh": zh}
        ug_name = uyghur_name(ug)
    sources = {}
    for lang in ("kk", "ru", "tr"):
        name, sources[lang] = _name(zh, stem, ug_name, lang)
        names[lang] = FORMS[lang][kind].format(name=name, people=ETHNIC[people][lang] if people else "")
    return names, sources
