"""`/api/v1`: researchers list and download the released exports proposed for their account, with a
bearer token.

Thin: the token check is services/api_tokens.py, the exports are services/export_access.py (the
token's own account's, released and sealed only; files the signed manifest lists only; downloads
audited; another account's export is not found, as an unknown one is). Every answer is JSON; every
error an RFC 9457 problem document, never an HTML page.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import uuid
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, send_file, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..extensions import db, limiter
from ..keyring import get_vault
from ..models import Export
from ..services import api_tokens, export_access
from ..services.errors import Conflict, NotFound
from ..web.access import bearer_token
from .openapi import document
from .problems import problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)


def _authenticate() -> Response | None:
    vault = get_vault()
    if vault is None or not vault.unlocked:
        return problem(503, "The service is locked", "An operator must unlock the review keys.")
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    user = api_tokens.authenticate(db.session, vault, presented.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        response = problem(401, "Not authenticated", "Send a valid API token: Authorization: Bearer <token>.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="intake", error="invalid_token"'
        return response
    g.api_user = user
    return None


bearer_token(bp, _authenticate, open_endpoints=("openapi",))


def _failure_limit() -> str:
    return str(current_app.config["INTAKE_API_AUTH_FAILURE_LIMIT"])


# Refused tokens count against the (hashed) address; past the limit every request from it gets 429
# for a while. A token cannot be guessed, but a flood of tries should not go unanswered.
limiter.limit(_failure_limit, deduct_when=lambda response: response.status_code == 401)(bp)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return problem(exc.code or 500, exc.name)


def _summary(export: Export) -> dict[str, Any]:
    measured_k, suppression_rate, _rows, _created = export_access.measured(export)  # the manifest's, not the row's
    return {"id": str(export.id), "created_at": export.created_at.replace(microsecond=0).isoformat() + "Z",
            "measured_k": measured_k, "suppression_rate": suppression_rate,
            "files": export_access.file_names(export),
            "manifest_url": url_for(".export", export_id=export.id)}


def _unavailable() -> Response:
    return problem(409, "Export unavailable", "The files of this export are missing or are not the ones "
                                              "released. Tell the people who released it.")


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())


@bp.get("/exports")
def exports() -> Response:
    return jsonify({"exports": [_summary(e) for e in export_access.released_exports(db.session, g.api_user)]})


@bp.get("/exports/<uuid:export_id>")
def export(export_id: uuid.UUID) -> Response:
    try:
        found = export_access.released(db.session, export_id, g.api_user)
    except NotFound:
        return problem(404, "Not found", "No released export has this id.")
    # The manifest released (on disk, sealed by its digest): the database's copy is not sealed.
    manifest = export_access.sealed_manifest(found)
    if manifest is None:
        log.error("export %s: its manifest is missing or changed", export_id)
        return _unavailable()
    signature = found.manifest_signature
    return jsonify({**_summary(found), "manifest": manifest,
                    "manifest_signature": base64.b64encode(signature).decode("ascii") if signature else None})


@bp.get("/exports/<uuid:export_id>/files/<filename>")
def export_file(export_id: uuid.UUID, filename: str) -> Response:
    vault = get_vault()
    assert vault is not None  # _authenticate refused a locked vault
    try:
        path = export_access.export_file(db.session, export_id, filename, g.api_user,  # a HEAD is not a download
                                         audit_with=None if request.method == "HEAD" else vault)
    except NotFound:
        return problem(404, "Not found", "No released export has a file of this name.")
    except Conflict:
        log.error("export %s: a download was refused: its files are missing or changed", export_id)
        return _unavailable()
    kind = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = send_file(path, mimetype=kind, as_attachment=True, download_name=filename, conditional=False,
                         etag=False, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
