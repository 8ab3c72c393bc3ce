"""An export's membership, packed in sealed chunks: written whole at the build, found again when a
family withdraws, cut out of its chunks (re-sealed) when the withdrawal is finished; a member
added, dropped or changed in the database no longer verifies; exports built before chunks (one
row per report) still get their notices."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence

import pytest
from sqlalchemy import select, update

from intake.crypto import integrity as seals
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Export, ExportMember, ExportMemberChunk, ExportStatus, Report
from intake.services import export_members, export_notices, exports
from intake.services.errors import Conflict
from tests.unit.test_exports_store import (  # noqa: F401 - world: fixture
    approved, built, family, population, relative, take_in_all, withdraw, world)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(export_members, "CHUNK", 7)


def stored(apps, leaving: Sequence[int] = ()) -> tuple[uuid.UUID, uuid.UUID | None]:
    """120 consenting persons taken in, an export approved, and (if `leaving` names relatives) one
    more family who may withdraw: (export id, that family's submission id)."""
    public, review, proposer, approver = apps
    population(public, 120)
    family_id = family(public, [relative(i) for i in leaving]) if leaving else None
    take_in_all(review)
    return approved(review, proposer, approver), family_id


def chunks_of(export_id: uuid.UUID) -> list[ExportMemberChunk]:
    return list(db.session.scalars(select(ExportMemberChunk).where(ExportMemberChunk.export_id == export_id)
                                   .order_by(ExportMemberChunk.first_report)))


def test_every_report_is_in_one_sealed_chunk_in_order(world, small_chunks):
    public, review, proposer, approver = world
    export = built(review, stored(world)[0])
    with review.app_context():
        chunks = chunks_of(export.id)
        assert len(chunks) == 18 and [c.count for c in chunks] == [7] * 17 + [1]
        reports = set(db.session.scalars(select(Report.id)))
        found = export_members.members_of(db.session, reports)
        assert {m.report_id for m in found} == reports and {m.export_id for m in found} == {export.id}
        assert all(c.first_report.bytes <= c.last_report.bytes for c in chunks)
        assert all(a.last_report.bytes < b.first_report.bytes for a, b in zip(chunks, chunks[1:]))  # disjoint
        assert export_members.verify(db.session, get_vault(), export.id) == (18, 0)
        assert export_members.count(db.session, export.id) == 120


@pytest.mark.parametrize("tamper", ["drop a member", "change a person", "change the range"])
def test_a_chunk_changed_in_the_database_no_longer_verifies(world, tamper):
    public, review, proposer, approver = world
    export = built(review, stored(world)[0])
    with review.app_context():
        [chunk] = chunks_of(export.id)
        values = {"drop a member": {"members": chunk.members[32:], "count": chunk.count - 1},
                  "change a person": {"members": chunk.members[:16] + uuid.uuid4().bytes + chunk.members[32:]},
                  "change the range": {"first_report": uuid.UUID(int=0)}}[tamper]
        db.session.execute(update(ExportMemberChunk).where(ExportMemberChunk.id == chunk.id).values(**values))
        db.session.commit()
        assert export_members.verify(db.session, get_vault(), export.id) == (0, 1)


def test_a_withdrawal_cuts_its_reports_out_and_the_rest_still_verifies(world, small_chunks):
    public, review, proposer, approver = world
    export_id, leaving = stored(world, list(range(900, 906)))
    export = built(review, export_id)
    with review.app_context():
        before = len(chunks_of(export.id))
        gone = list(db.session.scalars(select(Report.id).where(Report.submission_id == leaving)))
    withdraw(public, review, leaving)
    with review.app_context():
        vault = get_vault()
        [view] = export_notices.notices(db.session, vault)
        assert (view.notice.persons, view.notice.reports) == (6, 6)
        assert export_members.count(db.session, export.id) == 120
        assert export_members.members_of(db.session, gone) == []
        good, bad = export_members.verify(db.session, vault, export.id)
        assert bad == 0 and good <= before
        remaining = set(db.session.scalars(select(Report.id)))
        assert {m.report_id for m in export_members.members_of(db.session, remaining)} == remaining


def test_a_chunk_left_empty_is_deleted(world, small_chunks):
    public, review, proposer, approver = world
    export = built(review, stored(world)[0])
    with review.app_context():
        vault = get_vault()
        first = chunks_of(export.id)[0]
        ids = [uuid.UUID(bytes=first.members[i:i + 16]) for i in range(0, len(first.members), 32)]
        assert export_members.forget(db.session, vault, ids) == 7
        db.session.commit()
        assert first.id not in {c.id for c in chunks_of(export.id)}
        assert export_members.count(db.session, export.id) == 113
        assert export_members.verify(db.session, vault, export.id) == (17, 0)


def test_an_export_built_before_chunks_still_gets_its_notice(world):
    public, review, proposer, approver = world
    export_id, leaving = stored(world, [950, 951])
    export = built(review, export_id)
    with review.app_context():
        # As an older build left it: one row per report instead of chunks.
        members = export_members.members_of(db.session, db.session.scalars(select(Report.id)).all())
        db.session.execute(ExportMemberChunk.__table__.delete())
        db.session.add_all(ExportMember(export_id=m.export_id, report_id=m.report_id, person_key=m.person_key,
                                        mac=seals.seal(get_vault().current_integrity_key(), "export-member", m.report_id))
                           for m in members)
        db.session.commit()
        assert export_members.count(db.session, export.id) == 122
    withdraw(public, review, leaving)
    with review.app_context():
        vault = get_vault()
        [view] = export_notices.notices(db.session, vault)
        assert view.notice.export_id == export.id and (view.notice.persons, view.notice.reports) == (2, 2)
        assert export_members.count(db.session, export.id) == 120  # the rows went with the reports


def test_a_withdrawal_finished_during_the_build_stops_the_release(world, tmp_path, monkeypatch):
    public, review, proposer, approver = world
    export_id, leaving = stored(world, [960, 961])
    real_build_release = exports.build_release

    def withdraw_meanwhile(*args, **kwargs):
        # The store has been read (the family is in it); the family withdraws and the review face
        # finishes the withdrawal before the build writes its membership.
        withdraw(public, review, leaving)
        with review.app_context():
            assert export_notices.notices(db.session, get_vault()) == []  # nothing released yet to notify
        return real_build_release(*args, **kwargs)

    monkeypatch.setattr(exports, "build_release", withdraw_meanwhile)
    with review.app_context(), pytest.raises(Conflict, match="withdrew while export"):
        exports.build(db.session, get_vault(), export_id)
    with review.app_context():
        assert db.session.get(Export, export_id).status == ExportStatus.APPROVED.value
        assert export_members.count(db.session) == 0
    assert not (tmp_path / "exports" / str(export_id)).exists()
    monkeypatch.setattr(exports, "build_release", real_build_release)
    export = built(review, export_id)  # read again: without the family
    assert export.status == ExportStatus.RELEASED.value and export.reports == 120
    with review.app_context():
        assert export_members.count(db.session, export_id) == 120


def test_pseudonyms_are_the_stated_hmac_so_older_exports_notices_still_match():
    secret, salt = bytes(range(32)), bytes(range(16))
    keys = [uuid.UUID(int=0), uuid.UUID("6f1c2a9e-0b4d-4f7a-9d3e-2c5b8a1f0e77"), uuid.UUID(int=2**128 - 1)]
    expected = [hmac.new(secret, salt + key.bytes, hashlib.sha256).digest()[:10].hex() for key in keys]
    assert export_notices.pseudonyms(secret, salt, keys) == expected
    assert len(set(expected)) == 3 and all(len(p) == 20 for p in expected)
    assert export_notices.pseudonyms(secret, bytes(16), keys) != expected  # a fresh salt, fresh pseudonyms


def test_the_export_job_reads_the_store_again_after_a_withdrawal_during_its_build(world, monkeypatch):
    public, review, proposer, approver = world
    export_id, leaving = stored(world, [970])
    real_build_release, calls = exports.build_release, []

    def withdraw_during_the_first(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            withdraw(public, review, leaving)
        return real_build_release(*args, **kwargs)

    monkeypatch.setattr(exports, "build_release", withdraw_during_the_first)
    result = review.test_cli_runner().invoke(args=["jobs", "run", "export-build"])
    assert result.exit_code == 0, result.output
    assert "released 1" in result.output and len(calls) == 2
    with review.app_context():
        export = db.session.get(Export, export_id)
        assert export.status == ExportStatus.RELEASED.value and export.reports == 120
        assert export_notices.notices(db.session, get_vault()) == []
