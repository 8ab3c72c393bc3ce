"""The duplicates store: scoring at take-in, the queue's decisions (accept through the persons
service, reject remembered as cannot-link, defer, cluster accept, undo), seals, withdrawal."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select, update

from intake.dedup import load_model
from intake.dedup.features import feature_row
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent, CandidatePair, PairStatus, Report
from intake.services import dedup_jobs, dedup_rows, duplicates, persons, withdrawal
from intake.services import duplicate_decisions as decisions
from intake.services.errors import Conflict
from tests.dedup_support import dedup_apps, model_file, person  # noqa: F401 - fixtures
from tests.unit.test_triage import make_reviewer, stored

ABLIMIT = person("Ablimit Tursun", tag="a")
ABLIMIT_AGAIN = person("Ablimit Tursun", birth="1981-03", tag="b")
ABLIMIT_UG = person("ئابلىمىت تۇرسۇن", script="ug-Arab", tag="u")  # meets the others through the blocking keys
ABLIMIT_YEAR = person("Ablimit Tursun", birth="1981", county=None, tag="c")
MARYAM = person("Maryam Qadir", birth="1990", county="650102", gender="female", tag="d")


def pairs() -> list[CandidatePair]:
    return list(db.session.scalars(select(CandidatePair).order_by(CandidatePair.probability.desc())))


def report_id(handle: str):
    return db.session.scalar(select(Report.id).where(Report.handle == handle))


def actions_since(seq: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)))


def audit_head() -> int:
    return db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0


@pytest.fixture
def two(dedup_apps):
    public, review = dedup_apps
    [a] = stored(public, review, ABLIMIT)
    [m] = stored(public, review, MARYAM)
    [b] = stored(public, review, ABLIMIT_AGAIN)
    return public, review, make_reviewer(review), {"a": a, "b": b, "m": m}


def test_take_in_scores_a_new_report_against_its_blind_index_candidates_only(two, monkeypatch):
    public, review, _, h = two
    with review.app_context():
        [pair] = pairs()
        assert {pair.left_id, pair.right_id} == {report_id(h["a"]), report_id(h["b"])}
        assert pair.status == PairStatus.PENDING.value and pair.probability > 0.9
        assert "given=same_name" in pair.levels and "birth=same_month" in pair.levels
        assert pair.model_version == dedup_jobs.current_model().version
        assert duplicates.verified(get_vault(), pair)
    decrypted: list = []
    real = dedup_rows.rows_for
    monkeypatch.setattr(dedup_rows, "rows_for", lambda s, v, ids: decrypted.append(set(ids)) or real(s, v, ids))
    [c] = stored(public, review, ABLIMIT_UG)
    with review.app_context():
        # Only the blind indexes' candidates were decrypted (across scripts), never Maryam's report.
        assert decrypted == [{report_id(h["a"]), report_id(h["b"])}]
        assert len(pairs()) == 3
        assert report_id(h["m"]) not in {i for p in pairs() for i in (p.left_id, p.right_id)}


def test_take_in_scores_with_the_prior_for_the_store_s_size(make_app, tmp_path):
    review = make_app("review", INTAKE_DEDUP_MODEL=str(tmp_path / "not-trained-yet.json"))  # the shipped model
    public = make_app("public")
    a, b = stored(public, review, ABLIMIT, ABLIMIT_AGAIN)
    with review.app_context():
        s, v = db.session, get_vault()
        [pair] = pairs()
        rows = dedup_rows.rows_for(s, v, [report_id(a), report_id(b)])
        model = dedup_jobs.current_model().model
        scaled = model.for_size(dedup_rows.store_size(s))
        assert scaled.effective_prior > model.prior  # a short list counts as the floor's, fewer than training's
        expected = scaled.score(*(feature_row(r) for r in rows.values()))
        assert pair.probability == pytest.approx(expected.probability)
        assert pair.probability != pytest.approx(model.score(*(feature_row(r) for r in rows.values())).probability)


def test_the_shipped_model_scores_until_one_is_trained(make_app, tmp_path):
    review = make_app("review", INTAKE_DEDUP_MODEL=str(tmp_path / "not-trained-yet.json"))
    public = make_app("public")
    stored(public, review, ABLIMIT, ABLIMIT_AGAIN)
    with review.app_context():
        [pair] = pairs()
        assert pair.model_version == dedup_jobs.current_model().version
        assert pair.model_version.startswith(load_model().version + "-")


def test_an_unreadable_model_scores_nothing_and_take_in_still_works(make_app, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", "utf-8")
    review = make_app("review", INTAKE_DEDUP_MODEL=str(broken))
    public = make_app("public")
    handles = stored(public, review, ABLIMIT, ABLIMIT_AGAIN)
    with review.app_context():
        assert pairs() == [] and all(report_id(h) is not None for h in handles)


def test_reject_is_remembered_until_a_report_changes(two):
    _, review, reviewer, h = two
    with review.app_context():
        s, v = db.session, get_vault()
        [pair] = pairs()
        decisions.reject(s, v, pair.id, actor=reviewer)
        model = dedup_jobs.current_model()
        b = s.scalar(select(Report).where(Report.handle == h["b"]))
        found = dedup_jobs.score_new_report(s, v, b, model)
        s.commit()
        assert (found.remembered, found.new, found.reopened) == (1, 0, 0)
        assert pairs()[0].status == PairStatus.REJECTED.value
        b.birth_date = "1981-03-17"  # the report changes: re-encrypted, so its fingerprint changes
        s.commit()
        found = dedup_jobs.score_new_report(s, v, b, model)
        s.commit()
        assert found.reopened == 1
        [pair] = pairs()
        assert pair.status == PairStatus.PENDING.value and pair.decided_by_id is None


def test_accept_merges_through_persons_records_score_and_reviewer_and_undo_reverts(two):
    _, review, reviewer, h = two
    with review.app_context():
        s, v = db.session, get_vault()
        [pair] = pairs()
        head = audit_head()
        handle = decisions.accept(s, v, pair.id, actor=reviewer)
        assert actions_since(head) == ["duplicates.accept", "person.join"]
        s.expire_all()
        a, b = (s.scalar(select(Report).where(Report.handle == h[k])) for k in "ab")
        assert a.person_id is not None and a.person_id == b.person_id and a.person.handle == handle
        [pair] = pairs()
        assert (pair.status, pair.decided_by_id) == (PairStatus.ACCEPTED.value, reviewer)
        assert pair.batch_id is not None and duplicates.verified(v, pair)
        events = persons._batch_events(s, pair.batch_id)  # noqa: SLF001
        assert {e.score for e in events} == {pair.probability} and {e.actor_id for e in events} == {reviewer}
        with pytest.raises(Conflict):
            decisions.reject(s, v, pair.id, actor=reviewer)  # decided: only undo changes it now
        head = audit_head()
        decisions.undo_accept(s, v, pair.id, actor=reviewer, reason="two brothers, checked with the family")
        assert actions_since(head) == ["duplicates.undo", "person.undo"]
        s.expire_all()
        assert a.person_id is None and b.person_id is None and persons.inconsistent_reports(s) == []
        [pair] = pairs()
        assert pair.status == PairStatus.PENDING.value and duplicates.verified(v, pair)


def test_accept_joins_existing_persons_and_defer_keeps_the_pair_open(two):
    _, review, reviewer, h = two
    with review.app_context():
        s, v = db.session, get_vault()
        p = persons.link_report(s, v, h["a"], None, reason="first", actor=reviewer).person_handle
        [pair] = pairs()
        decisions.defer(s, v, pair.id, actor=reviewer)
        assert pairs()[0].status == PairStatus.DEFERRED.value
        with pytest.raises(Conflict):
            decisions.defer(s, v, pair.id, actor=reviewer)
        assert decisions.accept(s, v, pair.id, actor=reviewer) == p  # b joins a's person
        assert s.scalar(select(Report.person_id).where(Report.handle == h["b"])) is not None


def test_a_cluster_is_accepted_in_one_batch_and_audited_per_link(two):
    public, review, reviewer, h = two
    stored(public, review, ABLIMIT_YEAR)
    with review.app_context():
        s, v = db.session, get_vault()
        [cluster] = duplicates.clusters(s, v)
        assert len(cluster.handles) == 3 and len(cluster.pairs) == 3
        head = audit_head()
        decisions.accept_cluster(s, v, [p.id for p in cluster.pairs], actor=reviewer)
        assert actions_since(head) == ["duplicates.accept"] * 3 + ["person.join"]
        found = pairs()
        assert {p.status for p in found} == {PairStatus.ACCEPTED.value} and len({p.batch_id for p in found}) == 1
        people = set(s.scalars(select(Report.person_id).where(Report.handle.in_(cluster.handles))))
        assert len(people) == 1 and None not in people
        # One undo, from any of its pairs, reverts the whole cluster.
        decisions.undo_accept(s, v, found[0].id, actor=reviewer, reason="wrong")
        assert {p.status for p in pairs()} == {PairStatus.PENDING.value}


def test_a_cluster_below_the_cluster_threshold_or_not_connected_is_refused(two):
    public, review, reviewer, h = two
    stored(public, review, ABLIMIT_YEAR, dataclasses.replace(MARYAM, testimony=None))
    with review.app_context():
        s, v = db.session, get_vault()
        found = pairs()
        ablimit = [p for p in found if report_id(h["m"]) not in (p.left_id, p.right_id)]
        [maryam] = [p for p in found if report_id(h["m"]) in (p.left_id, p.right_id)]
        assert len(ablimit) == 3
        with pytest.raises(Conflict, match="one cluster"):
            decisions.accept_cluster(s, v, [ablimit[0].id, maryam.id], actor=reviewer)
        weak = s.get(CandidatePair, ablimit[2].id)
        weak.probability = 0.6
        duplicates.seal(v, weak)
        s.commit()
        with pytest.raises(Conflict, match="threshold"):
            decisions.accept_cluster(s, v, [p.id for p in ablimit], actor=reviewer)
        assert {p.status for p in pairs()} == {PairStatus.PENDING.value}


def test_a_tampered_pair_is_never_acted_on(two):
    _, review, reviewer, _ = two
    with review.app_context():
        s, v = db.session, get_vault()
        [pair] = pairs()
        s.execute(update(CandidatePair).values(status=PairStatus.REJECTED.value))
        s.commit()
        page = duplicates.queue(s, v, status=PairStatus.REJECTED.value)
        assert [r.verified for r in page.rows] == [False]
        for decide in (decisions.accept, decisions.reject, decisions.defer):
            with pytest.raises(Conflict, match="verification"):
                decide(s, v, pair.id, actor=reviewer)
        # A forged rejection is not honoured: the next score puts the pair back in the queue.
        b = s.scalar(select(Report).where(Report.id == pair.right_id))
        dedup_jobs.score_new_report(s, v, b, dedup_jobs.current_model())
        s.commit()
        [pair] = pairs()
        assert pair.status == PairStatus.PENDING.value and duplicates.verified(v, pair)


def test_withdrawal_deletes_the_withdrawn_reports_pairs(two):
    public, review, reviewer, h = two
    with review.app_context():
        assert len(pairs()) == 1
        submission_id = db.session.scalar(select(Report.submission_id).where(Report.handle == h["b"]))
    with public.app_context():
        assert withdrawal.shred(db.session, submission_id)
    with review.app_context():
        assert withdrawal.finish_one(db.session, get_vault(), submission_id) is not None
        assert pairs() == []


def test_levels_are_codes_only():
    assert duplicates.encode_levels({"given": "exact", "birth": "same_month"}) == "given=exact;birth=same_month"
    with pytest.raises(ValueError):
        duplicates.encode_levels({"given": "Ablimit"})
    assert duplicates.decode_levels("given=exact;birth=same_month") == [("given", "exact"), ("birth", "same_month")]


def test_fingerprint_changes_with_the_ciphertext_only(two):
    _, review, _, h = two
    with review.app_context():
        s = db.session
        a = report_id(h["a"])
        before = dedup_rows.fingerprints(s, [a])[a]
        assert dedup_rows.fingerprints(s, [a])[a] == before
        # A whole-store run reads them in one pass over the store: the same fingerprints, of those asked for only.
        assert dedup_rows.fingerprints(s, {a}, scan=True) == {a: before}
        report = s.get(Report, a)
        report.facility = "somewhere"
        s.commit()
        after = dedup_rows.fingerprints(s, [a])[a]
        assert after != before and dedup_rows.fingerprints(s, {a}, scan=True) == {a: after}


def test_the_pair_view_decrypts_both_reports_explains_and_audits(two):
    _, review, reviewer, h = two
    with review.app_context():
        s, v = db.session, get_vault()
        [pair] = pairs()
        head = audit_head()
        view = decisions.pair_view(s, v, pair.id, actor=reviewer)
        assert actions_since(head) == ["duplicates.view", "report.view", "report.view"]
        by_field = {line.field: line for line in view.lines}
        assert any("same month" in str(line.sentence) for line in view.lines)
        assert all(line.weight is not None for line in view.lines) and by_field
        assert {view.left.handle, view.right.handle} == {h["a"], h["b"]}


def test_an_accept_undone_on_the_person_page_goes_back_to_the_queue(two):
    _, review, reviewer, _ = two
    with review.app_context():
        s, v = db.session, get_vault()
        [pair] = pairs()
        decisions.accept(s, v, pair.id, actor=reviewer)
        [pair] = pairs()
        persons.undo_batch(s, v, pair.batch_id, reason="not him", actor=reviewer)
        head = audit_head()
        decisions.undo_accept(s, v, pair.id, actor=reviewer, reason="already undone there")
        assert actions_since(head) == ["duplicates.undo"]  # no second person.undo
        [pair] = pairs()
        assert pair.status == PairStatus.PENDING.value and duplicates.verified(v, pair)


def test_a_pair_sealed_before_its_state_number_is_still_decided_and_cannot_be_put_back(two):
    from intake.services import integrity

    _, review, reviewer, _ = two
    with review.app_context():
        s, v = db.session, get_vault()
        [pair] = pairs()
        pair.state_seq = 0  # as migration 0021 left a pair sealed before it
        integrity.seal_row(v, duplicates.LEGACY_PAIR, pair)
        s.commit()
        legacy = {"state_seq": 0, "mac": pair.mac, "status": pair.status}
        assert [r.verified for r in duplicates.queue(s, v).rows] == [True]
        decisions.reject(s, v, pair.id, actor=reviewer)
        [pair] = pairs()
        assert pair.state_seq == 1 and duplicates.current(s, v, pair)
        s.execute(update(CandidatePair).where(CandidatePair.id == pair.id).values(
            **legacy, decided_by_id=None, decided_at=None))
        s.commit()
        s.expire_all()
        assert duplicates.sealed_state(v, s.get(CandidatePair, pair.id)) == 0  # its old seal still checks
        assert [r.verified for r in duplicates.queue(s, v).rows] == [False]


def test_a_rejected_pair_is_put_back_in_the_queue_and_its_rejected_row_cannot_return(two):
    _, review, reviewer, _ = two
    with review.app_context():
        s, v = db.session, get_vault()
        [pair] = pairs()
        with pytest.raises(Conflict):  # only a rejected pair
            decisions.reopen(s, v, pair.id, actor=reviewer)
        decisions.reject(s, v, pair.id, actor=reviewer)
        rejected = {c: getattr(pairs()[0], c) for c in ("state_seq", "mac", "status", "decided_by_id", "decided_at")}
        head = audit_head()
        decisions.reopen(s, v, pair.id, actor=reviewer)
        [pair] = pairs()
        assert (pair.status, pair.decided_by_id, pair.decided_at) == (PairStatus.PENDING.value, None, None)
        assert actions_since(head) == ["duplicates.reopen"] and duplicates.current(s, v, pair)
        assert [r.id for r in duplicates.queue(s, v).rows] == [pair.id]
        # The rejection, validly sealed, put back by a database writer: older than its audited state.
        s.execute(update(CandidatePair).where(CandidatePair.id == pair.id).values(**rejected))
        s.commit()
        s.expire_all()
        assert duplicates.verified(v, s.get(CandidatePair, pair.id))  # its seal alone still checks
        assert not duplicates.current(s, v, s.get(CandidatePair, pair.id))
        with pytest.raises(Conflict):
            decisions.reopen(s, v, pair.id, actor=reviewer)


def test_take_in_compares_the_detention_month_the_reports_give(dedup_apps):
    public, review = dedup_apps
    [a] = stored(public, review, person("Ablimit Tursun", detention_date="2017-04", tag="a"))
    [b] = stored(public, review, person("Ablimit Tursun", birth="1981-03", detention_date="2017-04-20", tag="b"))
    reviewer = make_reviewer(review)
    with review.app_context():
        [pair] = pairs()
        assert "detention=same_month" in pair.levels  # the store's row gives the matcher the month, not the year alone
        view = decisions.pair_view(db.session, get_vault(), pair.id, actor=reviewer)
        [line] = [line for line in view.lines if line.field == "detention date"]
        assert {line.left, line.right} == {"2017-04", "2017-04-20"}
        assert "same month" in str(line.sentence) and line.weight > 0
        assert {view.left.handle, view.right.handle} == {a, b}


def test_take_in_meets_a_misspelt_fathers_name_with_a_birth_year_one_off(dedup_apps):
    public, review = dedup_apps
    [a] = stored(public, review, person("Ablimit Tursun", birth="1981", tag="a"))
    # Neither the year nor the father's name frame agrees: found by the own name and the year before.
    [b] = stored(public, review, person("Ablimit Tursum", birth="1980", tag="b"))
    stored(public, review, person("Ablimit Tursum", birth="1984", tag="c"))  # years far apart: not looked up
    with review.app_context():
        pair = next(p for p in pairs() if {p.left_id, p.right_id} == {report_id(a), report_id(b)})
        assert "birth=one_year_apart" in pair.levels and "father=near" in pair.levels
        assert report_id(a) not in {i for p in pairs() if report_id(b) not in (p.left_id, p.right_id)
                                    for i in (p.left_id, p.right_id)}
