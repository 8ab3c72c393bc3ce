from __future__ import annotations

import pytest

from intake.dedup import load_model
from tests.dedup_population import population


@pytest.fixture(scope="package")
def small_population():
    return population(120, seed=3)


@pytest.fixture
def bundled():
    # A fresh copy for each test: run_pipeline sets the run's term frequencies on the model it is given.
    return load_model()


# The man of the issue, as six reports give him, and the people made to look like him.
ABLIMIT = [
    {"report_id": "a1", "given_name": "ئابلىمىت", "father_name": "تۇرسۇن", "birth_date": "1981-03-17",
     "home_place": "莎车县", "gender": "ئەر"},
    {"report_id": "a2", "given_name": "Ablimit", "father_name": "Tursun", "birth_date": "1981-03",
     "home_place": "Yarkand", "chinese_id": "653125198103170014"},
    {"report_id": "a3", "given_name": "Abliemit", "father_name": "Tursun", "birth_date": "1981",
     "home_place": "Yeken", "gender": "male"},
    {"report_id": "a4", "full_name_alt": "Аблимит Турсун", "birth_date": "1982", "home_place": "يەكەن"},
    {"report_id": "a5", "full_name_alt": "阿布力米提·吐尔逊", "birth_date": "1981-03-17", "home_place": "Kashgar",
     "chinese_id": "653125198103170014"},
    {"report_id": "a6", "full_name_alt": "TUERXUN ABULIMITI", "birth_date": "1981", "home_place": "莎车县",
     "chinese_id": "653125198103170041", "gender": "m"},
]
LOOKALIKES = [
    # his brother: same father, same county, two years younger
    {"report_id": "b1", "given_name": "Ehmet", "father_name": "Tursun", "birth_date": "1983",
     "home_place": "Yarkand", "gender": "m"},
    # his twin: same father, same date, same county
    {"report_id": "t1", "given_name": "Abdulla", "father_name": "Tursun", "birth_date": "1981-03-17",
     "home_place": "莎车县", "chinese_id": "653125198103172052"},
    # his son: the son's father-name is his given name
    {"report_id": "s1", "given_name": "Memet", "father_name": "Ablimit", "birth_date": "2004",
     "home_place": "Yarkand", "gender": "m"},
    # a namesake of a common name elsewhere
    {"report_id": "n1", "given_name": "Memet", "father_name": "Tursun", "birth_date": "1981",
     "home_place": "Hotan", "gender": "m"},
]
