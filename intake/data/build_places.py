"""Regenerate ``intake/data/places.json`` (Xinjiang GB/T 2260 divisions).

Codes, Chinese names and validity years come from python-stdnum's
``stdnum/cn/loc.dat`` (a dump of the GB/T 2260 code tables on zh.wikipedia),
province block ``65``.  Uyghur, Latin and pinyin names are not in that file;
they live in ``NAMES`` / ``CODE_NAMES`` below and were written by hand.  The
names pages show in Kazakh, Russian and Turkish, and where each comes from,
are in ``place_names.py``.

Usage (from the repository root, with the project venv)::

    .venv/bin/python intake/data/build_places.py          # rewrite places.json
    .venv/bin/python intake/data/build_places.py --check  # exit 1 if stale

The build fails loudly when stdnum lists a Xinjiang name missing from
``NAMES``, so a python-stdnum upgrade that adds divisions cannot silently ship
rows without Uyghur names.

Output rows, sorted by code::

    {"code", "level", "parent", "zh", "ug", "latin", "pinyin",
     "since", "until", "historical", "kind", "non_place", "display", "display_sources"}

``zh``/``ug``/``latin``/``pinyin`` are the reference names (matching, exports).
``display`` is the label a page shows in each language (en, ug, zh, kk, ru,
tr); ``display_sources`` says for kk, ru and tr whether the name is the
``established`` form, the Chinese name in ``palladius`` transcription, or a
``translit`` of the Uyghur name (see ``place_names.py``).  ``kind`` is the kind of
division (``place_names.division_kind``).  ``non_place`` marks GB/T 2260's
"districts of the city" rows (市辖区, 市区): codes that identity numbers carry,
but no place a family would choose.

``since``/``until`` are the years stdnum gives for the code (null = open);
``historical`` is true when the code is no longer in use.  Old codes matter:
identity numbers keep the county code in force when they were issued.  When a
code carried several names over time, ``zh`` is the latest one.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path

from intake.data.place_names import city_of_districts, display_names, division_kind

OUT = Path(__file__).with_name("places.json")
PROVINCE = "65"
REGION = "650000"

# zh (as in loc.dat) -> (Uyghur Arabic script, common Latin form, pinyin).
# Latin: the usual English exonym where one exists (Kashgar, Hotan, Ürümchi),
# otherwise Uyghur Latin with kh/gh/q/ch/sh; the Bingtuan (XPCC) cities are
# known by their Chinese names.  Names keep the division type, so that the
# prefecture, city and county of the same name (Hotan!) stay distinguishable.
NAMES: dict[str, tuple[str, str, str]] = {
    "新疆维吾尔自治区": ("شىنجاڭ ئۇيغۇر ئاپتونوم رايونى", "Xinjiang Uyghur Autonomous Region", "Xinjiang Weiwu'er Zizhiqu"),
    # Ürümchi
    "乌鲁木齐市": ("ئۈرۈمچى شەھىرى", "Ürümchi City", "Wulumuqi Shi"),
    "天山区": ("تەڭرىتاغ رايونى", "Tengritagh District", "Tianshan Qu"),
    "沙依巴克区": ("سايباغ رايونى", "Saybagh District", "Shayibake Qu"),
    "新市区": ("يېڭىشەھەر رايونى", "Yéngisheher District", "Xinshi Qu"),
    "水磨沟区": ("شۇيموگۇ رايونى", "Shuymogu District", "Shuimogou Qu"),
    "头屯河区": ("تۇدۇڭخابا رايونى", "Tudungkhaba District", "Toutunhe Qu"),
    "达坂城区": ("داۋانچىڭ رايونى", "Dawanching District", "Dabancheng Qu"),
    "东山区": ("دۇڭشەن رايونى", "Dongshan District", "Dongshan Qu"),
    "米东区": ("مىدۇڭ رايونى", "Midong District", "Midong Qu"),
    "乌鲁木齐县": ("ئۈرۈمچى ناھىيىسى", "Ürümchi County", "Wulumuqi Xian"),
    # Karamay
    "克拉玛依市": ("قاراماي شەھىرى", "Karamay City", "Kelamayi Shi"),
    "独山子区": ("مايتاغ رايونى", "Maytagh District", "Dushanzi Qu"),
    "克拉玛依区": ("قاراماي رايونى", "Karamay District", "Kelamayi Qu"),
    "白碱滩区": ("ئاق شاڭخۇ رايونى", "Aqshangkhu District", "Baijiantan Qu"),
    "乌尔禾区": ("ئورقو رايونى", "Orqo District", "Wu'erhe Qu"),
    # Shihezi (prefecture code until 1986, then region-administered)
    "石河子市": ("شىخەنزە شەھىرى", "Shihezi City", "Shihezi Shi"),
    # Turpan
    "吐鲁番地区": ("تۇرپان ۋىلايىتى", "Turpan Prefecture", "Tulufan Diqu"),
    "吐鲁番市": ("تۇرپان شەھىرى", "Turpan City", "Tulufan Shi"),
    "吐鲁番县": ("تۇرپان ناھىيىسى", "Turpan County", "Tulufan Xian"),
    "高昌区": ("قاراغوجا رايونى", "Karakhoja District", "Gaochang Qu"),
    "鄯善县": ("پىچان ناھىيىسى", "Pichan County", "Shanshan Xian"),
    "托克逊县": ("توقسۇن ناھىيىسى", "Toksun County", "Tuokexun Xian"),
    # Kumul
    "哈密地区": ("قۇمۇل ۋىلايىتى", "Kumul Prefecture", "Hami Diqu"),
    "哈密市": ("قۇمۇل شەھىرى", "Kumul City", "Hami Shi"),
    "哈密县": ("قۇمۇل ناھىيىسى", "Kumul County", "Hami Xian"),
    "伊州区": ("ئىۋىرغول رايونى", "Iwirghol District", "Yizhou Qu"),
    "巴里坤哈萨克自治县": ("باركۆل قازاق ئاپتونوم ناھىيىسى", "Barkol Kazakh Autonomous County", "Balikun Hasake Zizhixian"),
    "伊吾县": ("ئارا تۈرۈك ناھىيىسى", "Aratürük County", "Yiwu Xian"),
    # Sanji (Changji)
    "昌吉回族自治州": ("سانجى خۇيزۇ ئاپتونوم ئوبلاستى", "Sanji Hui Autonomous Prefecture", "Changji Huizu Zizhizhou"),
    "昌吉市": ("سانجى شەھىرى", "Sanji City", "Changji Shi"),
    "昌吉县": ("سانجى ناھىيىسى", "Sanji County", "Changji Xian"),
    "阜康市": ("فۇكاڭ شەھىرى", "Fukang City", "Fukang Shi"),
    "阜康县": ("فۇكاڭ ناھىيىسى", "Fukang County", "Fukang Xian"),
    "米泉市": ("مىچۈەن شەھىرى", "Miquan City", "Miquan Shi"),
    "米泉县": ("مىچۈەن ناھىيىسى", "Miquan County", "Miquan Xian"),
    "呼图壁县": ("قۇتۇبى ناھىيىسى", "Qutubi County", "Hutubi Xian"),
    "玛纳斯县": ("ماناس ناھىيىسى", "Manas County", "Manasi Xian"),
    "奇台县": ("گۇچۇڭ ناھىيىسى", "Guchung County", "Qitai Xian"),
    "吉木萨尔县": ("جىمسار ناھىيىسى", "Jimsar County", "Jimusa'er Xian"),
    "木垒哈萨克自治县": ("مورى قازاق ئاپتونوم ناھىيىسى", "Mori Kazakh Autonomous County", "Mulei Hasake Zizhixian"),
    # Ili
    "伊犁哈萨克自治州": ("ئىلى قازاق ئاپتونوم ئوبلاستى", "Ili Kazakh Autonomous Prefecture", "Yili Hasake Zizhizhou"),
    "伊犁地区": ("ئىلى ۋىلايىتى", "Ili Prefecture", "Yili Diqu"),
    "伊宁市": ("غۇلجا شەھىرى", "Ghulja City", "Yining Shi"),
    "伊宁县": ("غۇلجا ناھىيىسى", "Ghulja County", "Yining Xian"),
    "奎屯市": ("كۈيتۇن شەھىرى", "Küytun City", "Kuitun Shi"),
    "霍尔果斯市": ("قورغاس شەھىرى", "Qorghas City", "Huo'erguosi Shi"),
    "察布查尔锡伯自治县": ("چاپچال شىبە ئاپتونوم ناھىيىسى", "Chapchal Xibe Autonomous County", "Chabucha'er Xibo Zizhixian"),
    "霍城县": ("قورغاس ناھىيىسى", "Qorghas County", "Huocheng Xian"),
    "巩留县": ("توققۇزتارا ناھىيىسى", "Toqquztara County", "Gongliu Xian"),
    "新源县": ("كۈنەس ناھىيىسى", "Künes County", "Xinyuan Xian"),
    "昭苏县": ("موڭغۇلكۈرە ناھىيىسى", "Mongghulküre County", "Zhaosu Xian"),
    "特克斯县": ("تېكەس ناھىيىسى", "Tékes County", "Tekesi Xian"),
    "尼勒克县": ("نىلقا ناھىيىسى", "Nilqa County", "Nileke Xian"),
    # Tarbaghatay (Tacheng)
    "塔城地区": ("تارباغاتاي ۋىلايىتى", "Tarbaghatay Prefecture", "Tacheng Diqu"),
    "塔城市": ("چۆچەك شەھىرى", "Chöchek City", "Tacheng Shi"),
    "塔城县": ("چۆچەك ناھىيىسى", "Chöchek County", "Tacheng Xian"),
    "额敏县": ("دۆربىلجىن ناھىيىسى", "Dörbiljin County", "Emin Xian"),
    "乌苏市": ("شىخۇ شەھىرى", "Shikhu City", "Wusu Shi"),
    "乌苏县": ("شىخۇ ناھىيىسى", "Shikhu County", "Wusu Xian"),
    "沙湾市": ("ساۋەن شەھىرى", "Sawen City", "Shawan Shi"),
    "沙湾县": ("ساۋەن ناھىيىسى", "Sawen County", "Shawan Xian"),
    "托里县": ("تولى ناھىيىسى", "Toli County", "Tuoli Xian"),
    "裕民县": ("چاغانتوقاي ناھىيىسى", "Chaghantoqay County", "Yumin Xian"),
    "和布克赛尔蒙古自治县": ("قوبۇقسار موڭغۇل ئاپتونوم ناھىيىسى", "Qobuqsar Mongol Autonomous County", "Hebukesai'er Menggu Zizhixian"),
    # Altay
    "阿勒泰地区": ("ئالتاي ۋىلايىتى", "Altay Prefecture", "Aletai Diqu"),
    "阿勒泰市": ("ئالتاي شەھىرى", "Altay City", "Aletai Shi"),
    "阿勒泰县": ("ئالتاي ناھىيىسى", "Altay County", "Aletai Xian"),
    "布尔津县": ("بۇرچىن ناھىيىسى", "Burchin County", "Bu'erjin Xian"),
    "富蕴县": ("كۆكتوقاي ناھىيىسى", "Köktoqay County", "Fuyun Xian"),
    "福海县": ("بۇرۇلتوقاي ناھىيىسى", "Burultoqay County", "Fuhai Xian"),
    "哈巴河县": ("قابا ناھىيىسى", "Qaba County", "Habahe Xian"),
    "青河县": ("چىڭگىل ناھىيىسى", "Chinggil County", "Qinghe Xian"),
    "吉木乃县": ("جېمىنەي ناھىيىسى", "Jéminey County", "Jimunai Xian"),
    # Bortala
    "博尔塔拉蒙古自治州": ("بۆرتالا موڭغۇل ئاپتونوم ئوبلاستى", "Bortala Mongol Autonomous Prefecture", "Bo'ertala Menggu Zizhizhou"),
    "博乐市": ("بۆرتالا شەھىرى", "Bortala City", "Bole Shi"),
    "博乐县": ("بۆرتالا ناھىيىسى", "Bortala County", "Bole Xian"),
    "阿拉山口市": ("ئالاتاۋ ئېغىزى شەھىرى", "Alashankou City", "Alashankou Shi"),
    "精河县": ("جىڭ ناھىيىسى", "Jing County", "Jinghe Xian"),
    "温泉县": ("ئارىشاڭ ناھىيىسى", "Arishang County", "Wenquan Xian"),
    # Bayingolin
    "巴音郭楞蒙古自治州": ("بايىنغولىن موڭغۇل ئاپتونوم ئوبلاستى", "Bayingolin Mongol Autonomous Prefecture", "Bayinguoleng Menggu Zizhizhou"),
    "库尔勒市": ("كورلا شەھىرى", "Korla City", "Ku'erle Shi"),
    "库尔勒县": ("كورلا ناھىيىسى", "Korla County", "Ku'erle Xian"),
    "轮台县": ("بۈگۈر ناھىيىسى", "Bügür County", "Luntai Xian"),
    "尉犁县": ("لوپنۇر ناھىيىسى", "Lopnur County", "Yuli Xian"),
    "若羌县": ("چاقىلىق ناھىيىسى", "Chaqiliq County", "Ruoqiang Xian"),
    "且末县": ("چەرچەن ناھىيىسى", "Cherchen County", "Qiemo Xian"),
    "焉耆回族自治县": ("قاراشەھەر خۇيزۇ ئاپتونوم ناھىيىسى", "Qarasheher Hui Autonomous County", "Yanqi Huizu Zizhixian"),
    "和静县": ("خېجىڭ ناھىيىسى", "Hejing County", "Hejing Xian"),
    "和硕县": ("خوشۇت ناھىيىسى", "Khoshut County", "Heshuo Xian"),
    "博湖县": ("باغراش ناھىيىسى", "Baghrash County", "Bohu Xian"),
    # Aksu
    "阿克苏地区": ("ئاقسۇ ۋىلايىتى", "Aksu Prefecture", "Akesu Diqu"),
    "阿克苏市": ("ئاقسۇ شەھىرى", "Aksu City", "Akesu Shi"),
    "阿克苏县": ("ئاقسۇ ناھىيىسى", "Aksu County", "Akesu Xian"),
    "库车市": ("كۇچا شەھىرى", "Kucha City", "Kuche Shi"),
    "库车县": ("كۇچا ناھىيىسى", "Kucha County", "Kuche Xian"),
    "温宿县": ("ئونسۇ ناھىيىسى", "Onsu County", "Wensu Xian"),
    "沙雅县": ("شايار ناھىيىسى", "Shayar County", "Shaya Xian"),
    "新和县": ("توقسۇ ناھىيىسى", "Toqsu County", "Xinhe Xian"),
    "拜城县": ("باي ناھىيىسى", "Bay County", "Baicheng Xian"),
    "乌什县": ("ئۇچتۇرپان ناھىيىسى", "Uchturpan County", "Wushi Xian"),
    "阿瓦提县": ("ئاۋات ناھىيىسى", "Awat County", "Awati Xian"),
    "柯坪县": ("كەلپىن ناھىيىسى", "Kelpin County", "Keping Xian"),
    # Kizilsu
    "克孜勒苏柯尔克孜自治州": ("قىزىلسۇ قىرغىز ئاپتونوم ئوبلاستى", "Kizilsu Kyrgyz Autonomous Prefecture", "Kezilesu Ke'erkezi Zizhizhou"),
    "阿图什市": ("ئاتۇش شەھىرى", "Atush City", "Atushi Shi"),
    "阿图什县": ("ئاتۇش ناھىيىسى", "Atush County", "Atushi Xian"),
    "阿克陶县": ("ئاقتو ناھىيىسى", "Aqto County", "Aketao Xian"),
    "阿合奇县": ("ئاقچى ناھىيىسى", "Aqchi County", "Aheqi Xian"),
    "乌恰县": ("ئۇلۇغچات ناھىيىسى", "Ulughchat County", "Wuqia Xian"),
    # Kashgar
    "喀什地区": ("قەشقەر ۋىلايىتى", "Kashgar Prefecture", "Kashi Diqu"),
    "喀什市": ("قەشقەر شەھىرى", "Kashgar City", "Kashi Shi"),
    "疏附县": ("كوناشەھەر ناھىيىسى", "Konasheher County", "Shufu Xian"),
    "疏勒县": ("يېڭىشەھەر ناھىيىسى", "Yéngisheher County", "Shule Xian"),
    "英吉沙县": ("يېڭىسار ناھىيىسى", "Yéngisar County", "Yingjisha Xian"),
    "泽普县": ("پوسكام ناھىيىسى", "Poskam County", "Zepu Xian"),
    "莎车县": ("يەكەن ناھىيىسى", "Yarkand County", "Shache Xian"),
    "叶城县": ("قاغىلىق ناھىيىسى", "Kargilik County", "Yecheng Xian"),
    "麦盖提县": ("مەكىت ناھىيىسى", "Makit County", "Maigaiti Xian"),
    "岳普湖县": ("يوپۇرغا ناھىيىسى", "Yopurga County", "Yuepuhu Xian"),
    "伽师县": ("پەيزاۋات ناھىيىسى", "Peyzawat County", "Jiashi Xian"),
    "巴楚县": ("مارالبېشى ناھىيىسى", "Maralbéshi County", "Bachu Xian"),
    "塔什库尔干塔吉克自治县": ("تاشقورغان تاجىك ئاپتونوم ناھىيىسى", "Tashkurgan Tajik Autonomous County", "Tashiku'ergan Tajike Zizhixian"),
    # Hotan
    "和田地区": ("خوتەن ۋىلايىتى", "Hotan Prefecture", "Hetian Diqu"),
    "和田市": ("خوتەن شەھىرى", "Hotan City", "Hetian Shi"),
    "和田县": ("خوتەن ناھىيىسى", "Hotan County", "Hetian Xian"),
    "墨玉县": ("قاراقاش ناھىيىسى", "Qaraqash County", "Moyu Xian"),
    "皮山县": ("گۇما ناھىيىسى", "Guma County", "Pishan Xian"),
    "洛浦县": ("لوپ ناھىيىسى", "Lop County", "Luopu Xian"),
    "策勒县": ("چىرا ناھىيىسى", "Chira County", "Cele Xian"),
    "于田县": ("كېرىيە ناھىيىسى", "Kériye County", "Yutian Xian"),
    "民丰县": ("نىيە ناھىيىسى", "Niya County", "Minfeng Xian"),
    # 2024 counties: Uyghur names not confirmed, transliterated from Chinese.
    "和康县": ("خېكاڭ ناھىيىسى", "Hekang County", "Hekang Xian"),
    "和安县": ("خېئەن ناھىيىسى", "He'an County", "He'an Xian"),
    # Region-administered county-level cities (Bingtuan / XPCC)
    "自治区直辖县级行政单位": (
        "ئاپتونوم رايون بىۋاسىتە قاراشلىق ناھىيە دەرىجىلىك ئورۇنلار",
        "County-level units under the region",
        "Zizhiqu Zhixia Xianji Xingzheng Danwei",
    ),
    "阿拉尔市": ("ئارال شەھىرى", "Aral City", "Ala'er Shi"),
    "图木舒克市": ("تۇمشۇق شەھىرى", "Tumshuq City", "Tumushuke Shi"),
    "五家渠市": ("ۋۇجياچۈ شەھىرى", "Wujiaqu City", "Wujiaqu Shi"),
    "北屯市": ("بەيتۈن شەھىرى", "Beitun City", "Beitun Shi"),
    "铁门关市": ("تۆمۈرقوۋۇق شەھىرى", "Tiemenguan City", "Tiemenguan Shi"),
    "双河市": ("شۇاڭخې شەھىرى", "Shuanghe City", "Shuanghe Shi"),
    "可克达拉市": ("كۆكدالا شەھىرى", "Kokdala City", "Kekedala Shi"),
    "昆玉市": ("كۇنيۈ شەھىرى", "Kunyu City", "Kunyu Shi"),
    "胡杨河市": ("خۇياڭخې شەھىرى", "Huyanghe City", "Huyanghe Shi"),
    "新星市": ("شىنشىڭ شەھىرى", "Xinxing City", "Xinxing Shi"),
    "白杨市": ("بەيياڭ شەھىرى", "Baiyang City", "Baiyang Shi"),
}

# loc.dat's generic "市辖区" (city districts) / "市区" (urban area) rows only make
# sense under their city, so they get a qualified name in every language.
CODE_NAMES: dict[str, tuple[str, str, str, str]] = {
    "650101": ("乌鲁木齐市市辖区", "ئۈرۈمچى شەھەر رايونلىرى", "Ürümchi City Districts", "Wulumuqi Shi Shixiaqu"),
    "650120": ("乌鲁木齐市市区", "ئۈرۈمچى شەھەر رايونى", "Ürümchi Urban Area", "Wulumuqi Shi Shiqu"),
    "650201": ("克拉玛依市市辖区", "قاراماي شەھەر رايونلىرى", "Karamay City Districts", "Kelamayi Shi Shixiaqu"),
    "650401": ("吐鲁番市市辖区", "تۇرپان شەھەر رايونلىرى", "Turpan City Districts", "Tulufan Shi Shixiaqu"),
    "650501": ("哈密市市辖区", "قۇمۇل شەھەر رايونلىرى", "Kumul City Districts", "Hami Shi Shixiaqu"),
}

# One loc.dat value: "name" or "[1983-]name" or "[1983-1998]a,[1999-]b".
_SPAN = re.compile(r"^(?:\[(\d{4})?-(\d{4})?\])?(.+)$")
_LINE = re.compile(r'^ {2}(\d{4}) county="(.*)"$')


def read_loc_dat() -> dict[str, str]:
    """Return {six-digit code: raw loc.dat value} for the Xinjiang block."""
    text = resources.files("stdnum").joinpath("cn", "loc.dat").read_text(encoding="utf-8")
    rows: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        if not line.startswith(" "):  # a province header (or comment) ends the block
            inside = line.startswith(f"{PROVINCE} ")
            continue
        if inside and (m := _LINE.match(line)):
            rows[PROVINCE + m.group(1)] = m.group(2)
    if not rows:
        raise SystemExit("no Xinjiang rows found in stdnum/cn/loc.dat")
    return rows


def parse_value(value: str) -> tuple[str, int | None, int | None]:
    """Latest name, first year and last year of a loc.dat value."""
    spans = []
    for part in value.split(","):
        m = _SPAN.match(part.strip())
        if m is None:
            raise SystemExit(f"cannot parse loc.dat value {value!r}")
        spans.append((m.group(3), m.group(1), m.group(2)))
    since, until = spans[0][1], spans[-1][2]
    return spans[-1][0], int(since) if since else None, int(until) if until else None


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "region"
    return "prefecture" if code.endswith("00") else "county"


def build() -> list[dict[str, object]]:
    raw = read_loc_dat()
    missing = sorted(
        {parse_value(v)[0] for c, v in raw.items() if c not in CODE_NAMES} - NAMES.keys()
    )
    if missing:
        raise SystemExit(f"add Uyghur/Latin/pinyin names to NAMES for: {', '.join(missing)}")
    rows = []
    for code in sorted(raw):
        zh, since, until = parse_value(raw[code])
        if code in CODE_NAMES:
            zh, ug, latin, pinyin = CODE_NAMES[code]
        else:
            ug, latin, pinyin = NAMES[zh]
        level = level_of(code)
        parent = {"region": None, "prefecture": REGION, "county": code[:4] + "00"}[level]
        if parent is not None and parent not in raw:
            raise SystemExit(f"{code}: parent {parent} is not in loc.dat")
        non_place = city_of_districts(zh) is not None
        city = next((r for r in rows if r["code"] == parent), None) if non_place else None
        display, sources = display_names(zh, ug, latin, city)
        rows.append(
            {
                "code": code,
                "level": level,
                "parent": parent,
                "zh": zh,
                "ug": ug,
                "latin": latin,
                "pinyin": pinyin,
                "since": since,
                "until": until,
                "historical": until is not None,
                "kind": division_kind(zh),
                "non_place": non_place,
                "display": display,
                "display_sources": sources,
            }
        )
    return rows


def render(rows: list[dict[str, object]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    rows = build()
    text = render(rows)
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is stale; run {Path(__file__).name} to regenerate", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
