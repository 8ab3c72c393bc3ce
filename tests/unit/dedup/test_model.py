"""The model file: versioned, numbers and level codes only, read back exactly, refused when wrong."""

from __future__ import annotations

import json

import pytest

from intake.dedup import ModelError, load_model
from intake.dedup.comparisons import COMPARISONS


def test_bundled_model_is_versioned_and_holds_numbers_and_codes_only(bundled):
    assert bundled.version == "8"
    data = bundled.to_dict()
    assert set(data) == {"format", "version", "prior", "parameters", "trained"}
    codes = {lv.code for c in COMPARISONS for lv in c.levels}
    for comparison, levels in data["parameters"].items():
        assert comparison in {c.name for c in COMPARISONS}
        assert set(levels) <= codes
        assert all(set(p) == {"m", "u"} and all(isinstance(v, float) for v in p.values()) for p in levels.values())
    assert bundled.frequencies is None  # term frequencies are never part of a model


def test_save_and_load_round_trip(bundled, tmp_path):
    path = tmp_path / "model.json"
    fitted = bundled.for_population([{"given_syl": "abulemete", "father_syl": "tulsun"}] * 3)
    fitted.save(path)
    assert "abulemete" not in path.read_text("utf-8")  # what the run saw stays in memory
    again = load_model(path)
    assert again.to_dict() == bundled.to_dict()


@pytest.mark.parametrize("text", ["not json", '{"format": "other"}', json.dumps({"format": "intake-dedup-model",
                                                                                  "prior": 0.1, "parameters": {}})])
def test_a_bad_model_file_is_refused_in_words(tmp_path, text):
    path = tmp_path / "model.json"
    path.write_text(text, "utf-8")
    with pytest.raises(ModelError):
        load_model(path)


def test_a_probability_out_of_range_is_refused(bundled, tmp_path):
    data = json.loads(json.dumps(bundled.to_dict()))  # a copy: the bundled model is shared by the tests
    data["parameters"]["given"]["same_name"]["m"] = 1.5
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ModelError, match="out of range"):
        load_model(path)


def test_the_prior_follows_the_number_of_reports_but_never_below_the_floor(bundled):
    from intake.dedup.model import PRIOR_FLOOR_REPORTS

    trained = bundled.trained["reports"]
    assert trained > PRIOR_FLOOR_REPORTS
    million = bundled.for_size(1_000_000)
    assert million.effective_prior == pytest.approx(bundled.prior * (trained - 1) / 999_999)
    assert million.frequencies is None and million.trained_prior == bundled.prior
    # A short list counts as PRIOR_FLOOR_REPORTS reports: a higher prior, but a bounded one.
    floor = bundled.prior * (trained - 1) / (PRIOR_FLOOR_REPORTS - 1)
    assert bundled.for_size(12).effective_prior == pytest.approx(floor) == bundled.for_size(PRIOR_FLOOR_REPORTS).effective_prior
    assert bundled.for_size(trained).effective_prior == pytest.approx(bundled.prior)
    # The batch run's prior is the same arithmetic on the rows it is given.
    rows = [{"given_syl": f"name{i}", "father_syl": "tulsun"} for i in range(7000)]
    assert bundled.for_population(rows).effective_prior == pytest.approx(bundled.for_size(7000).effective_prior)


def test_a_model_4_file_is_read_with_its_three_name_levels_as_one(bundled, tmp_path):
    data = json.loads(json.dumps(bundled.to_dict()))
    for name in ("given", "father"):  # model 4 split same_name by which form agreed
        same = data["parameters"][name].pop("same_name")
        data["parameters"][name].update(exact={"m": same["m"] * 0.7, "u": same["u"] * 0.5},
                                        same_spelling={"m": same["m"] * 0.1, "u": same["u"] * 0.2},
                                        same_across_scripts={"m": same["m"] * 0.2, "u": same["u"] * 0.3})
    path = tmp_path / "model-4.json"
    path.write_text(json.dumps(data), "utf-8")
    again = load_model(path)
    for name in ("given", "father"):
        assert again.parameters[name]["same_name"] == pytest.approx(bundled.parameters[name]["same_name"])
        assert set(again.parameters[name]) == set(bundled.parameters[name])


def test_a_file_from_before_model_8_scores_as_it_did_with_no_detention_weight(bundled, tmp_path):
    from intake.dedup import score_candidates

    data = json.loads(json.dumps(bundled.to_dict()))
    del data["parameters"]["detention"]  # model 7 and before had no detention comparison
    path = tmp_path / "model-7.json"
    path.write_text(json.dumps(data), "utf-8")
    old = load_model(path)
    assert all(p["m"] == p["u"] for p in old.parameters["detention"].values())
    left = {"report_id": "a", "given_name": "Ehmet", "father_name": "Tursun", "birth_date": "1981",
            "home_place": "喀什市", "detention_year": "2017-04"}
    taken_together, apart, unsaid = (dict(left, report_id=rid, detention_year=d)
                                     for rid, d in (("b", "2017-04"), ("c", "2019"), ("d", "")))
    scores = {p.right_id: p for p in score_candidates(old.for_size(10_000), left, [taken_together, apart, unsaid])}
    assert scores["b"].levels["detention"] == "same_month"
    assert scores["c"].levels["detention"] == "different" and scores["d"].levels["detention"] == "missing"
    assert scores["b"].weights["detention"] == 0
    assert len({round(p.probability, 12) for p in scores.values()}) == 1
    # The bundled model weighs the month the two reports agree on (a date that differs weighs nothing).
    new = {p.right_id: p for p in score_candidates(bundled.for_size(10_000), left, [taken_together, apart, unsaid])}
    assert new["b"].weights["detention"] > 0 == new["c"].weights["detention"] == new["d"].weights["detention"]
    assert new["b"].probability > new["c"].probability == new["d"].probability


def test_detention_dates_that_differ_weigh_nothing_whatever_the_file_says(bundled, tmp_path):
    from intake.dedup.comparisons import NEUTRAL

    data = json.loads(json.dumps(bundled.to_dict()))
    for comparison, code in NEUTRAL:  # as EM, trained on dates that differ only by a slip, makes them
        data["parameters"][comparison][code]["m"] = data["parameters"][comparison][code]["u"] / 20
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), "utf-8")
    loaded = load_model(path)
    assert NEUTRAL and all(loaded.parameters[c][code]["m"] == loaded.parameters[c][code]["u"] for c, code in NEUTRAL)
    assert loaded.parameters["detention"]["same_month"] == bundled.parameters["detention"]["same_month"]


def test_fixed_levels_take_the_codes_value_over_the_files(bundled, tmp_path):
    from intake.dedup.comparisons import FIXED_M

    data = json.loads(json.dumps(bundled.to_dict()))
    data["parameters"]["id"]["region_and_date"]["m"] = 0.0005  # as files trained before it was fixed wrote
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), "utf-8")
    loaded = load_model(path)
    for (comparison, code), m in FIXED_M.items():
        assert loaded.parameters[comparison][code]["m"] == m


def _id_number(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def test_numbers_sharing_only_region_and_date_are_no_evidence_for_a_match(bundled):
    """Twins' numbers share the region and birth date, which the birth and place comparisons count
    already; one twin's number mistyped is no reason to take them for one person."""
    from intake.dedup import score_candidates

    twin = {"report_id": "a", "given_name": "Ehmet", "father_name": "Tursun", "gender": "",
            "birth_date": "1981-03-17", "home_place": "喀什市", "chinese_id": _id_number("65310119810317001")}
    other = dict(twin, report_id="b", given_name="Qurban")
    mistyped = _id_number("65310119810317005")[:-1] + ("1" if _id_number("65310119810317005")[-1] != "1" else "2")
    [with_numbers] = score_candidates(bundled, twin, [dict(other, chinese_id=mistyped)])
    [without] = score_candidates(bundled, twin, [dict(other, chinese_id="")])
    assert with_numbers.levels["id"] == "region_and_date"
    assert with_numbers.probability <= without.probability


def test_a_file_from_before_model_6_scores_a_slip_in_a_name_as_its_close(bundled, tmp_path):
    data = json.loads(json.dumps(bundled.to_dict()))
    for name in ("given", "father"):  # model 5 had no near level: one slip apart was close
        data["parameters"][name].pop("near")
    path = tmp_path / "model-5.json"
    path.write_text(json.dumps(data), "utf-8")
    again = load_model(path)
    for name in ("given", "father"):
        assert again.parameters[name]["near"] == again.parameters[name]["close"] == bundled.parameters[name]["close"]
