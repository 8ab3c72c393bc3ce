"""An export reaches the one researcher account it was proposed for, and no other.

Through the API and the researcher pages alike: another researcher neither sees it nor downloads a
file of it (answered as an unknown export is); an admin sees every released export. The account is
sealed with the export's state, and so is its privacy model: either rewritten or cleared in the
database, the export is offered to no one. Exports sealed before exports named an account verify,
are offered to no researcher, and get their account once, from an admin (`flask export assign`).
Exports sealed before their model was are offered as built, but never approved, assigned or built."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent, Export, ExportStatus
from intake.services import accounts, api_tokens, export_states, exports, integrity
from intake.services.errors import Conflict
from tests.web.api.conftest import make_export
from tests.web_fixtures import csrf_token


def _token(app, user) -> dict[str, str]:
    with app.app_context():
        made = api_tokens.create(db.session, get_vault(), user_id=user.id, actor="test", label="laptop")
    return {"Authorization": f"Bearer {made.token}"}


def _api_sees(client, headers, export_id) -> bool:
    listed = [e["id"] for e in client.get("/api/v1/exports", headers=headers).get_json()["exports"]]
    detail = client.get(f"/api/v1/exports/{export_id}", headers=headers)
    download = client.get(f"/api/v1/exports/{export_id}/files/persons.csv", headers=headers)
    download.close()
    found = str(export_id) in listed
    assert found == (detail.status_code == 200) == (download.status_code == 200), (listed, detail, download)
    if not found:  # refused as an unknown export is: nothing says it exists
        assert detail.status_code == download.status_code == 404
    return found


def _page_sees(app, sign_in, user, export_id) -> bool:
    client = app.test_client()
    sign_in(client, user)
    listed = str(export_id) in client.get("/research/").get_data(as_text=True)
    download = client.get(f"/research/exports/{export_id}/persons.csv")
    download.close()
    assert listed == (download.status_code == 200), (listed, download.status_code)
    if not listed:
        assert download.status_code == 404
    return listed


def _rewrite(app, export_id, **values) -> None:
    with app.app_context():
        db.session.execute(update(Export).where(Export.id == export_id).values(**values))
        db.session.commit()


def test_only_the_account_it_was_proposed_for_sees_and_downloads_it(app, api_world, make_user, sign_in):
    other = make_user("researcher")
    client = app.test_client()
    assert _api_sees(client, api_world.headers(), api_world.released)
    assert not _api_sees(client, _token(app, other), api_world.released)
    assert _page_sees(app, sign_in, api_world.researcher, api_world.released)
    assert not _page_sees(app, sign_in, other, api_world.released)
    assert _page_sees(app, sign_in, make_user("admin"), api_world.released)
    with app.app_context():
        downloads = db.session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "export.downloaded")).all()
    assert str(other.id) not in downloads and str(api_world.researcher.id) in downloads


def test_an_account_rewritten_or_cleared_in_the_database_gives_it_to_no_one(app, api_world, make_user, sign_in):
    other = make_user("researcher")
    client, headers = app.test_client(), _token(app, other)
    _rewrite(app, api_world.released, recipient_account_id=other.id)  # handed to another account
    assert not _api_sees(client, headers, api_world.released)
    assert not _api_sees(client, api_world.headers(), api_world.released)
    assert not _page_sees(app, sign_in, other, api_world.released)
    _rewrite(app, api_world.released, recipient_account_id=None)  # cleared, as if sealed before accounts
    assert not _api_sees(client, api_world.headers(), api_world.released)
    assert not _page_sees(app, sign_in, make_user("admin"), api_world.released)
    with app.app_context():
        assert not export_states.verified(get_vault(), db.session.get(Export, api_world.released))


def test_an_export_from_before_accounts_waits_for_an_admin_to_assign_it_once(app, api_world, make_user, sign_in,
                                                                              tmp_path):
    legacy = make_export(app, ExportStatus.RELEASED, tmp_path / "exports")
    with app.app_context():  # sealed as releases were before exports named an account
        export = db.session.get(Export, legacy)
        export.state_seq = 1
        integrity.seal_row(get_vault(), export_states.LEGACY_EXPORT, export)
        db.session.commit()
        assert export_states.verified(get_vault(), db.session.get(Export, legacy))
    admin, reviewer, other = make_user("admin"), make_user("reviewer"), make_user("researcher")
    client = app.test_client()
    assert not _api_sees(client, api_world.headers(), legacy)
    assert _page_sees(app, sign_in, admin, legacy)
    cli = app.test_cli_runner()
    target = api_world.researcher.username
    refused = cli.invoke(args=["export", "assign", str(legacy), "--account", target, "--as", reviewer.username])
    assert refused.exit_code == 1 and "only an admin" in refused.output
    refused = cli.invoke(args=["export", "assign", str(legacy), "--account", reviewer.username, "--as", admin.username])
    assert refused.exit_code == 1 and "no active researcher account" in refused.output
    assert not _api_sees(client, api_world.headers(), legacy)
    assigned = cli.invoke(args=["export", "assign", str(legacy), "--account", target, "--as", admin.username])
    assert assigned.exit_code == 0, assigned.output
    assert _api_sees(client, api_world.headers(), legacy)
    assert not _api_sees(client, _token(app, other), legacy)
    again = cli.invoke(args=["export", "assign", str(legacy), "--account", other.username, "--as", admin.username])
    assert again.exit_code == 1 and "cannot change" in again.output and "Traceback" not in again.output
    assert _api_sees(client, api_world.headers(), legacy) and not _api_sees(client, _token(app, other), legacy)
    with app.app_context():
        entries = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.assigned")).all()
    assert [(e.actor, e.object_id, e.details) for e in entries] == [
        (str(admin.id), str(legacy), {"account": str(api_world.researcher.id), "state": 2})]  # its new state number


def test_an_export_for_an_account_disabled_since_it_was_proposed_is_not_approved(app, make_user, sign_in):
    proposer, approver, researcher = make_user("reviewer"), make_user("reviewer"), make_user("researcher")
    with app.app_context():
        vault = get_vault()
        export_id = exports.propose(db.session, vault, actor=proposer.id, recipient="r", purpose="p",
                                    recipient_account=researcher.id).id
        accounts.disable(db.session, vault, researcher.id, actor="test")
    client = app.test_client()
    sign_in(client, approver)
    page = client.get("/review/exports")
    assert client.post(f"/review/exports/{export_id}/approve",
                       data={"csrf_token": csrf_token(page.data)}).status_code == 302
    assert "no longer an active researcher account" in client.get("/review/exports").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Export, export_id).status == ExportStatus.REQUESTED.value


def test_a_privacy_model_rewritten_in_the_database_offers_the_export_to_no_one(app, api_world, make_user, sign_in):
    """The model is sealed with the export's state (export-state-3), as the account is."""
    with app.app_context():
        assert db.session.get(Export, api_world.released).parameters == {}
    _rewrite(app, api_world.released, parameters={"k": 5, "l": 2, "max_suppression": 0.05, "max_average_risk": 0.03})
    assert not _api_sees(app.test_client(), api_world.headers(), api_world.released)
    assert not _page_sees(app, sign_in, make_user("admin"), api_world.released)
    with app.app_context():
        assert not export_states.verified(get_vault(), db.session.get(Export, api_world.released))
    _rewrite(app, api_world.released, parameters={})  # as sealed
    assert _api_sees(app.test_client(), api_world.headers(), api_world.released)


def _sealed_as_before(app, export_id, spec, **values) -> None:
    """Seal `export_id` (with `values`) under an older domain, as exports were before this version."""
    with app.app_context():
        export = db.session.get(Export, export_id)
        for name, value in values.items():
            setattr(export, name, value)
        integrity.seal_row(get_vault(), spec, export)
        db.session.commit()
        assert export_states.verified(get_vault(), export) and not export_states.model_sealed(get_vault(), export)


def test_exports_sealed_before_their_model_was_are_released_as_built_but_never_approved_or_built(
        app, api_world, make_user, sign_in, tmp_path):
    """Sealed under export-state-2 or export-state, the parameters were never covered: a released
    export stays offered (its files were built and signed then; the model is not used again), but one
    still requested or approved is refused, with every step that would seal or use its model."""
    _sealed_as_before(app, api_world.released, export_states.UNSEALED_MODEL_EXPORT)
    _rewrite(app, api_world.released, parameters={"k": 1})
    assert _api_sees(app.test_client(), api_world.headers(), api_world.released)
    proposer, approver, researcher = make_user("reviewer"), make_user("reviewer"), make_user("researcher")
    with app.app_context():
        vault = get_vault()
        requested = exports.propose(db.session, vault, actor=proposer.id, recipient="r", purpose="p",
                                    recipient_account=researcher.id).id
        approved = exports.propose(db.session, vault, actor=proposer.id, recipient="r", purpose="p",
                                   recipient_account=researcher.id).id
        exports.approve(db.session, vault, approved, actor=approver.id)
        unassigned = exports.propose(db.session, vault, actor=proposer.id, recipient="r", purpose="p",
                                     recipient_account=researcher.id).id
    _sealed_as_before(app, requested, export_states.UNSEALED_MODEL_EXPORT)
    _sealed_as_before(app, approved, export_states.UNSEALED_MODEL_EXPORT)
    _sealed_as_before(app, unassigned, export_states.LEGACY_EXPORT, recipient_account_id=None)
    with app.app_context():
        vault = get_vault()
        with pytest.raises(Conflict, match="propose a new export"):
            exports.approve(db.session, vault, requested, actor=approver.id)
        db.session.rollback()
        with pytest.raises(Conflict, match="propose a new export"):
            exports.build(db.session, vault, approved)
        db.session.rollback()
        with pytest.raises(Conflict, match="propose a new export"):  # it would seal an unsealed model
            exports.assign(db.session, vault, unassigned, researcher.id, actor=make_user("admin").id)
        db.session.rollback()
        assert [db.session.get(Export, i).status for i in (requested, approved, unassigned)] == [
            ExportStatus.REQUESTED.value, ExportStatus.APPROVED.value, ExportStatus.REQUESTED.value]
        assert db.session.get(Export, unassigned).recipient_account_id is None
        assert all(export_states.verified(vault, db.session.get(Export, i)) for i in (requested, approved, unassigned))
    assert not (tmp_path / "exports" / str(approved)).exists()
    listed = {line.split("\t")[0]: line.split("\t")[-1]
              for line in app.test_cli_runner().invoke(args=["export", "list"]).output.splitlines()}
    assert listed[str(requested)] == listed[str(approved)] == listed[str(unassigned)] == \
        "verified, model not sealed: propose a new export"
    assert listed[str(api_world.released)] == "verified"  # released: built already
    client = app.test_client()  # on the page: the refusal, translated, and nothing changed
    sign_in(client, approver)
    page = client.get("/review/exports")
    assert client.post(f"/review/exports/{requested}/approve",
                       data={"csrf_token": csrf_token(page.data)}).status_code == 302
    assert "propose a new export" in client.get("/review/exports").get_data(as_text=True)
