"""Blind indexes: compound keys only, key id and version on every row, blocking keys at take-in,
search across scripts, a resumable `flask index rebuild` and index key rotation through it."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, update

from intake.crypto import blind_index
from intake.crypto.keystore import Keystore
from intake.extensions import db
from intake.keyring import get_vault, reset_vault
from intake.models import AuditEvent, BlindIndex, Report
from intake.services import blind_indexes, index_jobs, search, take_in
from tests.helpers import full_report, submit

ID_NUMBER = "11010519491231002X"  # valid, check digit X; region 110105, born 1949


def person(tag: str, name: str, *, born: str = "1984-06", county: str = "653101", father: str = "Tursun",
           id_number: str | None = None):
    return dataclasses.replace(full_report(tag), names=[{"value": f"{name} {father}", "script": "Latn"}],
                               birth_date=born, home_county=county, id_number=id_number)


@pytest.fixture
def store(public_app: Flask, review_app: Flask):
    submit(public_app, person("a", "Abdurehim", id_number=ID_NUMBER))
    submit(public_app, dataclasses.replace(person("b", "x", born="1984"),
                                           names=[{"value": "ئابدۇرېھىم تۇرسۇن", "script": "ug-Arab"}]))
    submit(public_app, person("c", "Ablimit", born="1990-01-02"))
    submit(public_app, person("d", "Mehmet", county="650102", born="1984"))
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (4, 0)
    return review_app


def handles(app: Flask, index: str, value: str, year: str | None = None) -> set[str]:
    with app.app_context():
        ids = blind_indexes.matching_ids(get_vault(), index, value, year)
        if ids is None:
            return set()
        return set(db.session.scalars(select(Report.handle).where(Report.id.in_(ids))))


def by_tag(app: Flask) -> dict[str, str]:
    """Report handle of each stored person, by the tag in its (sealed) testimony."""
    with app.app_context():
        return {r.testimony.rsplit("SENTINEL-testimony-", 1)[1].split("-")[0]: r.handle
                for r in db.session.scalars(select(Report))}


def test_rows_carry_key_and_version_and_no_standalone_county_or_year(store, keys):
    index_key = Keystore.load(keys.keystore).current("index").key_id
    with store.app_context():
        rows = db.session.execute(select(BlindIndex.index_name, BlindIndex.key_id, BlindIndex.version)).all()
    names = Counter(r.index_name for r in rows)
    assert set(names) <= set(blind_indexes.INDEXES)
    assert not {"county", "birth_year"} & set(names)
    for index in blind_indexes.BLOCKING + ("county_birth_year", "name"):
        assert names[index], index
    assert {(bytes(r.key_id), r.version) for r in rows} == {(index_key, blind_indexes.INDEX_VERSION)}


def test_a_database_reader_cannot_count_reports_per_county(store):
    with store.app_context():
        tokens = Counter(db.session.scalars(select(BlindIndex.token).where(
            BlindIndex.index_name == "county_birth_year")))
    # Three reports from 653101 (born 1984, 1984, 1990) and one from 650102 (1984): the tokens
    # group by county AND year, so no token is shared by the three reports of one county.
    assert sorted(tokens.values()) == [1, 1, 2]


def test_search_by_compound_keys_and_across_scripts(store):
    tag = by_tag(store)
    assert handles(store, "id_number", "110105 19491231 002x") == {tag["a"]}
    # The Arabic and the Latin spelling of one name share the name + birth year key.
    assert handles(store, "name_birth_year", "Abdurehim", "1984") == {tag["a"], tag["b"]}
    assert handles(store, "name_birth_year", "ئابدۇرېھىم", "1984") == {tag["a"], tag["b"]}
    assert handles(store, "name_birth_year", "Abdurehim", "1985") == set()
    assert handles(store, "county_birth_year", "653101", "1984") == {tag["a"], tag["b"]}
    assert handles(store, "county_birth_year", "653101") == {tag["a"], tag["b"], tag["c"]}  # every year
    assert handles(store, "name", "abdurehim-TURSUN") == {tag["a"]}
    assert handles(store, "id_region_birth_year", ID_NUMBER) == {tag["a"]}


def test_search_service_checks_its_input(store):
    tag = by_tag(store)
    with store.app_context():
        vault, actor = get_vault(), uuid.uuid4()
        hits = search.search(db.session, vault, "county_birth_year", "653101", actor=actor, birth_year="1990")
        assert [h.handle for h in hits] == [tag["c"]]
        # One field, as a single text box sends it: the value, then the year.
        hits = search.search(db.session, vault, "county_birth_year", "653101 1990", actor=actor)
        assert [h.handle for h in hits] == [tag["c"]]
        hits = search.search(db.session, vault, "name_birth_year", "ئابدۇرېھىم 1984", actor=actor)
        assert {h.handle for h in hits} == {tag["a"], tag["b"]}
        for index, value, year, message in (("name_birth_year", "Abdurehim", None, "birth year too"),
                                            ("county_birth_year", "Kashgar", "1984", "six-digit"),
                                            ("name_birth_year", "Abdurehim", "84", "four digits"),
                                            # Other scripts' digits and superscripts: no token is
                                            # written with them (intake/digits.py).
                                            ("name_birth_year", "Abdurehim", "١٩٨٤", "four digits"),
                                            ("name_birth_year", "Abdurehim ١٩٨٤", None, "four digits"),
                                            ("name_birth_year", "Abdurehim", "19²4", "four digits"),
                                            ("birth_year", "1984", None, "search by")):
            with pytest.raises(search.InvalidInput, match=message):
                search.search(db.session, vault, index, value, actor=actor, birth_year=year)


def test_blocking_candidates_find_the_same_person_in_another_script(store):
    tag = by_tag(store)
    with store.app_context():
        found = blind_indexes.blocking_candidates(db.session, get_vault(), {
            "names": [{"value": "Абдурехим Турсун"}], "birth_date": "1984-03", "home_county": "653101"})
        got = set(db.session.scalars(select(Report.handle).where(Report.id.in_(found))))
    assert {tag["a"], tag["b"]} <= got and tag["d"] not in got


def _make_legacy(app: Flask) -> None:
    """Rows as the upgrade leaves them: no key id, version 1, and the old standalone indexes."""
    with app.app_context():
        vault = get_vault()
        db.session.execute(update(BlindIndex).values(key_id=None, version=1))
        for rid in db.session.scalars(select(Report.id)):
            for index, value in (("county", "653101"), ("birth_year", "1984")):
                db.session.add(BlindIndex(report_id=rid, index_name=index, key_id=None, version=1,
                                          token=blind_index.token(vault.require_index_root(), index, value)))
        db.session.commit()


def test_rebuild_is_resumable_and_drops_the_standalone_indexes(store):
    _make_legacy(store)
    tag = by_tag(store)
    assert handles(store, "county_birth_year", "653101", "1984") == {tag["a"], tag["b"]}  # still found meanwhile

    class Stop(Exception):
        pass

    def crash(_n: int) -> None:
        raise Stop

    with store.app_context():
        assert index_jobs.pending_count(db.session, get_vault()) == 4
        with pytest.raises(Stop):
            index_jobs.rebuild(db.session, get_vault(), batch=3, progress=crash)
    with store.app_context():
        assert index_jobs.pending_count(db.session, get_vault()) == 1  # the first batch was committed
    result = store.test_cli_runner().invoke(args=["index", "rebuild", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "rebuilt: 1; unreadable: 0" in result.output
    with store.app_context():
        assert index_jobs.pending_count(db.session, get_vault()) == 0
        assert index_jobs.stale_rows(db.session, get_vault().current_index_id) == 0
        assert not db.session.scalar(select(func.count()).select_from(BlindIndex).where(
            BlindIndex.index_name.in_(["county", "birth_year"])))
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "index.rebuild")) == 1
    assert handles(store, "county_birth_year", "653101", "1984") == {tag["a"], tag["b"]}


def test_a_report_missing_its_rows_is_backfilled(store):
    tag = by_tag(store)
    with store.app_context():
        rid = db.session.scalar(select(Report.id).where(Report.handle == tag["c"]))
        db.session.execute(delete(BlindIndex).where(BlindIndex.report_id == rid))
        db.session.commit()
    assert handles(store, "name_birth_year", "Ablimit", "1990") == set()
    result = store.test_cli_runner().invoke(args=["index", "rebuild"])
    assert result.exit_code == 0 and "rebuilt: 1;" in result.output, result.output
    assert handles(store, "name_birth_year", "Ablimit", "1990") == {tag["c"]}


def test_rotate_key_through_the_rebuild(store, keys):
    tag = by_tag(store)
    old = Keystore.load(keys.keystore).current("index").key_id
    with store.app_context():
        before = set(db.session.scalars(select(BlindIndex.token)))
        created = index_jobs.rotate_key(db.session, get_vault(), keys.passphrase)
        assert created and bytes.fromhex(created) != old
        # Interrupted before any rebuild: every row is still under the old key, and still found.
        assert index_jobs.rotation_pending(db.session, get_vault())
        assert index_jobs.rotate_key(db.session, get_vault(), keys.passphrase) is None  # no second new key
    assert handles(store, "id_number", ID_NUMBER) == {tag["a"]}
    result = store.test_cli_runner().invoke(args=["index", "rebuild", "--rotate-key"])
    assert result.exit_code == 0, result.output
    assert "finishing the unfinished" in result.output and f"previous index key {old.hex()} retired" in result.output
    stored = Keystore.load(keys.keystore)
    assert [e.key_id.hex() for e in stored.of_kind("index")] == [created]
    assert old.hex() in [c["id"] for c in stored.escrow_copies]
    reset_vault(store)
    with store.app_context():
        rows = db.session.execute(select(BlindIndex.token, BlindIndex.key_id)).all()
        assert {bytes(r.key_id) for r in rows} == {bytes.fromhex(created)}
        assert not before & {r.token for r in rows}  # every token changed with the key
        # The new rows carry their report's arrival, as take-in's did (the county filter's order).
        assert not db.session.scalar(select(func.count()).select_from(BlindIndex).join(
            Report, Report.id == BlindIndex.report_id).where(
            BlindIndex.arrival.is_distinct_from(Report.arrival) | BlindIndex.arrival.is_(None)))
    assert handles(store, "id_number", ID_NUMBER) == {tag["a"]}
    assert handles(store, "name_birth_year", "Abdurehim", "1984") == {tag["a"], tag["b"]}
