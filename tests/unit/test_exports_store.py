"""Researcher exports from the store: families submit on the public face, the review face takes
in, reviewers propose and approve, the build job writes signed files that a separate process
(pycanon) checks; consent, withdrawal and approval rules are enforced; nothing partial is stored."""

from __future__ import annotations

import csv
import itertools
import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent, Export, ExportNotice, ExportStatus, Role, Submission
from intake.services import (export_access, export_members, export_notices, export_states, exports, take_in, users,
                             withdrawal)
from intake.services.errors import Conflict, InvalidInput
from intake.services.intake import ReportInput, SubmissionInput, store_submission
from tests.unit.disclosure.test_independent_check import independent

PASSWORD = "a sufficiently long test password"
STATUSES = ("detained", "sentenced", "released", "detained", "unknown")
GENDERS = ("male", "female")
COUNTIES = ("653101", "653121", "650102")


def relative(i: int, **overrides: str) -> ReportInput:
    values = dict(names=[{"value": f"Person {i}", "script": "Latn"}], gender=GENDERS[i % 2],
                  birth_date=str(1960 + i % 30), ethnicity="uyghur", home_county=COUNTIES[i % 3],
                  detention_date=f"{2017 + i % 2}-0{1 + i % 9}-12", facility_type="camp", status=STATUSES[i % 5],
                  sentence="10 years" if STATUSES[i % 5] == "sentenced" else None, id_number=f"ID-{i:06d}",
                  testimony=f"testimony number {i}")
    values.update(overrides)
    return ReportInput(**values)  # type: ignore[arg-type]


def family(app: Flask, reports: list[ReportInput], *, consent: bool = True) -> uuid.UUID:
    with app.app_context():
        return store_submission(db.session, SubmissionInput(language="en", reports=reports,
                                                            consent_share_research=consent),
                                pepper=bytes.fromhex(app.config["INTAKE_RECEIPT_PEPPER"]),
                                kdf=PROFILES["test"]["receipt"]).submission_id


def take_in_all(app: Flask) -> None:
    with app.app_context():
        assert take_in.take_in(db.session, get_vault())[1] == 0


def account(app: Flask, name: str, role: Role = Role.REVIEWER) -> uuid.UUID:
    with app.app_context():
        return users.create_user(db.session, get_vault(), username=name, role=role, password=PASSWORD,
                                 kdf=PROFILES["test"]["password"]).id


def population(app: Flask, persons: int, *, start: int = 0, per_family: int = 10) -> list[uuid.UUID]:
    counter = itertools.count(start)
    ids = []
    for first in range(0, persons, per_family):
        ids.append(family(app, [relative(next(counter)) for _ in range(min(per_family, persons - first))]))
    return ids


@pytest.fixture
def world(make_app, tmp_path: Path):
    public, review = make_app("public"), make_app("review", INTAKE_EXPORT_DIR=str(tmp_path / "exports"))
    proposer, approver = account(review, "proposer"), account(review, "approver")
    return public, review, proposer, approver


def reader(review: Flask) -> uuid.UUID:
    """The researcher account the exports of these tests are proposed for."""
    with review.app_context():
        found = users.by_username(db.session, "reader")
    return found.id if found is not None else account(review, "reader", Role.RESEARCHER)


def proposed(review: Flask, proposer: uuid.UUID, **kwargs) -> uuid.UUID:
    kwargs.setdefault("recipient_account", reader(review))
    with review.app_context():
        return exports.propose(db.session, get_vault(), actor=proposer, recipient="University research group",
                               purpose="study of detention patterns", **kwargs).id


def approved(review: Flask, proposer: uuid.UUID, approver: uuid.UUID) -> uuid.UUID:
    export_id = proposed(review, proposer)
    with review.app_context():
        exports.approve(db.session, get_vault(), export_id, actor=approver)
    return export_id


def built(review: Flask, export_id: uuid.UUID) -> Export:
    with review.app_context():
        export = exports.build(db.session, get_vault(), export_id)
        db.session.refresh(export)
        db.session.expunge(export)
        return export


def withdraw(public: Flask, review: Flask, submission_id: uuid.UUID) -> None:
    """The family withdraws on the public face and the review face finishes the withdrawal."""
    with public.app_context():
        assert withdrawal.shred(db.session, submission_id)
    with review.app_context():
        assert withdrawal.finish_pending(db.session, get_vault()) == 1


def rows_of(directory: Path) -> list[dict[str, str]]:
    with (directory / "persons.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_released_export_holds_only_consenting_persons_and_passes_the_independent_check(world, tmp_path):
    public, review, proposer, approver = world
    population(public, 120)
    family(public, [relative(900, status="died")], consent=False)  # never in any export
    withdrawn = family(public, [relative(901)])
    take_in_all(review)
    with public.app_context():
        assert withdrawal.shred(db.session, withdrawn)
    export = built(review, approved(review, proposer, approver))

    assert export.status == ExportStatus.RELEASED.value and export.persons == 120 and export.reports == 120
    assert export.excluded["no consent to share with researchers"] == 1
    assert export.excluded["withdrawn by the family"] == 1
    directory = tmp_path / "exports" / str(export.id)
    found = independent(directory)
    assert set(found) == {"persons.csv", "persons.json", "persons.parquet", "persons.xlsx"}
    for name, figures in found.items():
        assert figures["rows"] == 120, name
        assert figures["k"] == export.manifest["measured"]["k"] >= 5, name
        assert figures["l"] == export.manifest["measured"]["l"] >= 2, name
        assert figures["average_risk"] < 0.03, name
        assert figures["identifying_columns"] == [] and figures["free_text_columns"] == [], name
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in directory.iterdir()
                   if p.suffix in (".csv", ".json", ".md"))
    assert "Person " not in text and "ID-0" not in text and "testimony number" not in text and "died" not in text
    researcher = reader(review)
    with review.app_context():
        vault = get_vault()
        assert exports.verify_directory(vault, directory).ok
        assert export_members.count(db.session) == 120
        assert [e.id for e in export_access.released_exports(db.session, users.get(db.session, researcher))] \
            == [export.id]
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(export.id))
                                          .order_by(AuditEvent.seq)))
    assert actions == ["export.proposed", "export.approved", "export.built"]


def test_pseudonyms_are_fresh_for_each_export(world, tmp_path):
    public, review, proposer, approver = world
    population(public, 120)
    take_in_all(review)
    first = built(review, approved(review, proposer, approver))
    second = built(review, approved(review, proposer, approver))
    names = [{r["person"] for r in rows_of(tmp_path / "exports" / str(e.id))} for e in (first, second)]
    assert len(names[0]) == len(names[1]) == 120 and not names[0] & names[1]


def test_the_proposer_cannot_approve_and_nothing_changes(world):
    public, review, proposer, approver = world
    export_id = proposed(review, proposer)
    with review.app_context():
        with pytest.raises(Conflict, match="other than the reviewer who proposed it"):
            exports.approve(db.session, get_vault(), export_id, actor=proposer)
        export = db.session.get(Export, export_id)
        assert export.status == ExportStatus.REQUESTED.value and export.approved_by_id is None
        assert export_states.verified(get_vault(), export)
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "export.approved")) == 0


def test_a_weakened_privacy_model_is_refused(world):
    _, review, proposer, _ = world
    from intake.disclosure import Policy

    researcher = reader(review)
    with review.app_context(), pytest.raises(InvalidInput):
        exports.propose(db.session, get_vault(), actor=proposer, recipient="x", purpose="y", policy=Policy(k=2),
                        recipient_account=researcher)


def test_too_few_consenting_persons_gives_a_clear_message_and_no_file(world, tmp_path):
    public, review, proposer, approver = world
    population(public, 3)
    family(public, [relative(50 + i) for i in range(8)], consent=False)
    take_in_all(review)
    export_id = approved(review, proposer, approver)
    with review.app_context():
        with pytest.raises(exports.ExportFailed, match="only 3 persons are in scope"):
            exports.build(db.session, get_vault(), export_id)
        export = db.session.get(Export, export_id)
        assert export.status == ExportStatus.FAILED.value and "only 3 persons" in export.failure
        assert export_members.count(db.session) == 0
    assert not (tmp_path / "exports").exists() or not any((tmp_path / "exports").iterdir())


def test_a_population_that_naive_recoding_leaves_unique_is_still_k_anonymous(world, tmp_path):
    public, review, proposer, approver = world
    population(public, 159)
    # One Tajik woman from Tashkurgan, born 1931, held in a prison in 2015: unique at the precise level.
    family(public, [relative(700, gender="female", ethnicity="tajik", home_county="653131", birth_date="1931",
                             status="released", detention_date="2015-02-03", facility_type="prison")])
    take_in_all(review)
    export = built(review, approved(review, proposer, approver))
    for name, figures in independent(tmp_path / "exports" / str(export.id)).items():
        assert figures["k"] >= 5 and figures["l"] >= 2, name
    rows = rows_of(tmp_path / "exports" / str(export.id))
    assert not any(r["ethnicity"] == "tajik" or r["home_place"].startswith("Tashkurgan") for r in rows)


def test_a_withdrawal_after_release_leaves_a_notice_with_the_rows_to_delete(world, tmp_path):
    public, review, proposer, approver = world
    population(public, 120)
    leaving = family(public, [relative(800), relative(801)])
    take_in_all(review)
    export = built(review, approved(review, proposer, approver))
    released = {r["person"] for r in rows_of(tmp_path / "exports" / str(export.id))}
    withdraw(public, review, leaving)
    with review.app_context():
        vault = get_vault()
        [view] = export_notices.notices(db.session, vault)
        assert view.verified and view.notice.export_id == export.id
        assert (view.notice.persons, view.notice.reports) == (2, 2)
        names = view.notice.pseudonyms.split()
        assert len(names) == 2 and set(names) <= released
        # The membership went with the reports; the other persons' stayed.
        assert export_members.count(db.session) == 120
        export_notices.mark_notified(db.session, vault, view.notice.id, actor=approver, actor_name=str(approver))
        assert export_notices.notices(db.session, vault, open_only=True) == []
        with pytest.raises(Conflict):
            export_notices.mark_notified(db.session, vault, view.notice.id, actor=approver, actor_name="x")
        assert db.session.scalar(select(func.count()).select_from(Submission)
                                 .where(Submission.id == leaving, Submission.purged_on.is_not(None))) == 1


def test_files_are_served_only_by_manifest_name_and_only_while_they_match(world, tmp_path):
    public, review, proposer, approver = world
    population(public, 120)
    take_in_all(review)
    export = built(review, approved(review, proposer, approver))
    from intake.services.errors import NotFound

    researcher = reader(review)
    with review.app_context():
        viewer = users.get(db.session, researcher)
        assert export_access.export_file(db.session, export.id, "persons.csv", viewer).name == "persons.csv"
        assert export_access.export_file(db.session, export.id, "standalone_verify.py", viewer).is_file()
        for bad in ("../keys/keystore.json", "persons.sqlite", "", "/etc/passwd"):
            with pytest.raises(NotFound):
                export_access.export_file(db.session, export.id, bad, viewer)
        with pytest.raises(NotFound):
            export_access.export_file(db.session, uuid.uuid4(), "persons.csv", viewer)
        (tmp_path / "exports" / str(export.id) / "manifest.json").write_text("{}", encoding="utf-8")
        with pytest.raises(Conflict):
            export_access.export_file(db.session, export.id, "persons.csv", viewer)


def test_a_tampered_export_state_is_not_offered(world):
    public, review, proposer, approver = world
    export_id = proposed(review, proposer)
    researcher = reader(review)
    with review.app_context():
        export = db.session.get(Export, export_id)
        export.status = ExportStatus.RELEASED.value  # written around the services: the seal no longer matches
        db.session.commit()
        assert export_access.released_exports(db.session, users.get(db.session, researcher)) == []
        with pytest.raises(Conflict, match="failed verification"):
            exports.approve(db.session, get_vault(), export_id, actor=approver)
    assert ExportNotice  # the notice model is exercised in the withdrawal test


def test_the_store_is_read_the_same_with_two_workers_and_every_exclusion_is_counted(world):
    public, review, _, _ = world
    population(public, 12, per_family=4)
    family(public, [relative(60)], consent=False)
    withdrawn = family(public, [relative(61)])
    altered = family(public, [relative(62)])
    take_in_all(review)
    with public.app_context():
        assert withdrawal.shred(db.session, withdrawn)
    with review.app_context():
        from sqlalchemy import update

        from intake.models import Report
        from intake.services import export_source

        # Written around the services: the report's sealed review state no longer verifies.
        db.session.execute(update(Report).where(Report.submission_id == altered).values(status="died"))
        db.session.commit()
        one = export_source.collect(db.session, get_vault(), batch=5)
        two = export_source.collect(db.session, get_vault(), batch=5, workers=2)
    assert one.persons == 12 and one.reports == 12
    assert dict(one.excluded) == {export_source.NO_CONSENT: 1, export_source.WITHDRAWN: 1, "failed verification": 1}
    assert (two.columns, two.person_keys, two.members, two.excluded) == (one.columns, one.person_keys, one.members,
                                                                         one.excluded)
    assert sorted(one.columns["gender"]) == sorted(GENDERS[i % 2] for i in range(12))


def test_a_person_with_several_reports_is_one_row_and_a_withdrawal_hides_the_whole_person(world):
    """Reports linked to one person give one row: the most verified report's values first, a value
    missing there taken from the next; a withdrawn report of a person hides all of that person."""
    public, review, proposer, _ = world
    population(public, 8, per_family=4)
    # Person A: three reports from two families; the verified one lacks a sentence and a gender.
    a1 = family(public, [relative(70, gender="", sentence="", facility_type="prison", status="sentenced")])
    a2 = family(public, [relative(71, gender="female", sentence="15 years", facility_type="camp"),
                         relative(72, gender="male", sentence="3 years", facility_type="camp")])
    # Person B: two reports, one family later withdraws one of them.
    b1 = family(public, [relative(73)])
    b2 = family(public, [relative(74)])
    take_in_all(review)
    with review.app_context():
        from intake.models import Report
        from intake.services import export_source, persons, triage

        vault = get_vault()
        handles = {sid: db.session.scalars(select(Report.handle).where(Report.submission_id == sid)
                                           .order_by(Report.position)).all() for sid in (a1, a2, b1, b2)}
        triage.set_verification(db.session, vault, handles[a1][0], "documented", actor=proposer)
        persons.join_reports(db.session, vault, [*handles[a1], *handles[a2]], reason="same man", actor=proposer)
        persons.join_reports(db.session, vault, [*handles[b1], *handles[b2]], reason="same woman", actor=proposer)
        person_a = db.session.scalar(select(Report.person_id).where(Report.submission_id == a1))
        report_ids = {sid: db.session.scalars(select(Report.id).where(Report.submission_id == sid)).all()
                      for sid in (a1, a2, b1, b2)}
    with review.app_context():
        before = export_source.collect(db.session, get_vault(), batch=3)
        two = export_source.collect(db.session, get_vault(), batch=3, workers=2)
    assert (two.columns, two.person_keys, two.members, two.excluded) == (before.columns, before.person_keys,
                                                                         before.members, before.excluded)
    assert before.persons == 10 and before.reports == 13
    row = {name: values[before.person_keys.index(person_a)] for name, values in before.columns.items()}
    # The documented report leads; its empty gender and sentence come from the next report.
    assert row["verification"] == "documented" and row["status"] == "sentenced"
    assert row["facility_type"] == "prison" and row["report_count"] == 3
    assert row["gender"] in {"female", "male"} and row["sentence"] in {"15 years", "3 years"}
    assert sorted(r for r, p in before.members if p == person_a) == sorted(report_ids[a1] + report_ids[a2])
    # Withdrawn on the public face, not yet finished by the review face: the whole person is hidden.
    with public.app_context():
        assert withdrawal.shred(db.session, b2)
    with review.app_context():
        pending = export_source.collect(db.session, get_vault(), batch=3)
    assert pending.persons == 9 and pending.reports == 11
    assert dict(pending.excluded) == {export_source.WITHDRAWN: 1, export_source.PERSON_WITHDRAWN: 1}
    assert not {r for r, _ in pending.members} & set(report_ids[b1] + report_ids[b2])
    # Finished: the withdrawn report is gone, and the other family's consented report counts alone.
    with review.app_context():
        assert withdrawal.finish_pending(db.session, get_vault()) == 1
        after = export_source.collect(db.session, get_vault(), batch=3)
    assert after.persons == 10 and after.reports == 12 and not after.excluded
    assert set(report_ids[b1]) <= {r for r, _ in after.members} and not {r for r, _ in after.members} & set(report_ids[b2])
