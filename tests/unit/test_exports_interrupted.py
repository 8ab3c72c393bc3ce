"""A build interrupted at any point leaves no partial export: files are written in a work
directory inside the export directory and renamed into place just before the commit; a rerun
clears what a killed build left and starts clean; two builds of one export never run at once."""

from __future__ import annotations

import fcntl

import pytest
from intake.disclosure import writers
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Export, ExportStatus
from intake.services import export_access, export_members, exports, users
from intake.services.errors import Conflict
from tests.unit.test_exports_store import approved, population, reader, take_in_all, world  # noqa: F401 - world: fixture


def state(review, export_id) -> tuple[str, int]:
    with review.app_context():
        return (db.session.get(Export, export_id).status,
                export_members.count(db.session))


def test_a_build_failing_while_writing_leaves_nothing_and_the_rerun_releases(world, tmp_path, monkeypatch):
    public, review, proposer, approver = world
    population(public, 120)
    take_in_all(review)
    export_id = approved(review, proposer, approver)
    root = tmp_path / "exports"

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(writers, "write_parquet", broken)
    with review.app_context(), pytest.raises(OSError):
        exports.build(db.session, get_vault(), export_id)
    assert state(review, export_id) == (ExportStatus.APPROVED.value, 0)
    assert not any(root.iterdir())
    monkeypatch.undo()
    with review.app_context():
        exports.build(db.session, get_vault(), export_id)
    assert state(review, export_id) == (ExportStatus.RELEASED.value, 120)
    assert [p.name for p in root.iterdir()] == [str(export_id)]


def test_a_rerun_clears_what_a_killed_build_left(world, tmp_path):
    public, review, proposer, approver = world
    population(public, 120)
    take_in_all(review)
    export_id = approved(review, proposer, approver)
    root = tmp_path / "exports"
    # Killed while writing (the work directory), and killed between the rename and the commit
    # (the export's directory, while the export is still approved).
    (root / f".build-{export_id}" / "files").mkdir(parents=True)
    (root / f".build-{export_id}" / "files" / "persons.csv").write_text("half a file", encoding="utf-8")
    (root / str(export_id)).mkdir()
    (root / str(export_id) / "persons.csv").write_text("an unreleased file", encoding="utf-8")
    researcher = reader(review)
    with review.app_context():
        exports.build(db.session, get_vault(), export_id)
        served = export_access.export_file(db.session, export_id, "persons.csv", users.get(db.session, researcher))
        assert served.read_text(encoding="utf-8").startswith("person,")
    assert [p.name for p in root.iterdir()] == [str(export_id)]
    assert state(review, export_id) == (ExportStatus.RELEASED.value, 120)


def test_an_export_being_built_elsewhere_is_not_built_twice(world, tmp_path):
    public, review, proposer, approver = world
    population(public, 5)
    take_in_all(review)
    export_id = approved(review, proposer, approver)
    root = tmp_path / "exports"
    root.mkdir()
    with (root / f".build-{export_id}.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with review.app_context(), pytest.raises(Conflict, match="being built by another process"):
            exports.build(db.session, get_vault(), export_id)
    assert state(review, export_id) == (ExportStatus.APPROVED.value, 0)
