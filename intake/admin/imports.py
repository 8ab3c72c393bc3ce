"""Admin page for importing lists: upload -> mapping and dry run -> confirm. Admins only.

The file stays in memory: the upload is read into memory (web/request.py), and between the steps
the page carries it encrypted (services/import_carry.py); nothing is written anywhere until the
import is confirmed, and then only the sealed rows. Every step is audited with counts.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from flask import current_app, render_template, request
from werkzeug.wrappers import Response

from ..digits import ascii_digits
from ..crypto.vault import Vault
from ..disclosure.standalone_verify import neutralise
from ..extensions import db
from ..imports import ENCODINGS, TARGETS, Limits
from ..imports.mapping import IGNORE
from ..keyring import get_vault, vault_problem
from ..services import import_carry, imports
from ..services.errors import InvalidInput, ServiceError
from ..web.access import current_user
from ..web.bidi import isolate
from ..web.i18n import gettext as _
from ..web.said import shown
from .forms import ImportConfirmForm, ImportUploadForm
from .views import ADMINS, ALLOW, bp

ALLOW.update({name: ADMINS for name in ("imports", "import_upload", "import_confirm")})
FIELD_CHOICES = (*TARGETS, IGNORE)


def _limits() -> Limits:
    return Limits(max_bytes=int(current_app.config["INTAKE_IMPORT_MAX_BYTES"]),
                  max_rows=int(current_app.config["INTAKE_IMPORT_PAGE_MAX_ROWS"]))


def _explained(exc: ServiceError) -> str:
    """The refusal, with the way out when it is the page's row limit."""
    message = shown(exc)
    if " rows. Split it" in str(exc):  # str(): the English, whatever the page's language
        message += " " + _("Or ask an operator to import it with %(command)s, which takes up to %(num)s rows a file.",
                           command=isolate("flask import"), num=isolate("100,000"))
    return message


def _user_id() -> uuid.UUID:
    user = current_user()
    assert user is not None  # the gate lets only signed-in admins through
    return user.id


def _vault() -> Vault | None:
    vault = get_vault()
    return vault if vault is not None and vault.unlocked and not vault_problem() else None


def _start(error: str | None = None, status: int = 200, form: ImportUploadForm | None = None) -> tuple[str, int]:
    vault = _vault()
    sources = imports.sources(db.session) if vault is not None else []
    return render_template("admin/imports.html", form=form or ImportUploadForm(), error=error, sources=sources,
                           problem=vault_problem(), max_mb=_limits().max_bytes // 1048576, max_rows=f"{_limits().max_rows:,}",
                           encodings=ENCODINGS), status


@bp.get("/imports", endpoint="imports")
def imports_page() -> tuple[str, int]:
    return _start()


def _day_first(value: str | None) -> bool | None:
    return {"day-first": True, "month-first": False}.get(value or "")


def _plan_page(vault: Vault, data: bytes, file_name: str, form: ImportConfirmForm, targets: list[str] | None,
               *, carried: str | None = None, error: str | None = None, status: int = 200) -> tuple[str, int]:
    """The mapping and the dry run's report; a mapping that cannot be used shows the mapping only."""
    prepared: imports.Prepared | None = None
    try:
        prepared = imports.prepare(db.session, vault, data, file_name, importer=str(_user_id()), targets=targets,
                                   encoding=form.encoding.data or None, sheet_name=form.sheet.data or None,
                                   day_first=_day_first(form.dates.data), limits=_limits(),
                                   audit_actor=str(_user_id()))
        db.session.commit()
        headers, chosen = prepared.sheet.headers, targets or imports.suggested_targets(prepared.sheet)
    except imports.MappingRefused as refused:
        db.session.rollback()
        headers, chosen, error, status = refused.sheet.headers, refused.targets, shown(refused), 400
    form.carried.data = carried or import_carry.seal(vault, data, file_name, _user_id())
    return render_template("admin/import_plan.html", form=form, prepared=prepared, file_name=file_name,
                           columns=list(zip(headers, chosen, strict=True)), choices=FIELD_CHOICES,
                           summary=prepared.plan.summary() if prepared else None,
                           lines=prepared.plan.report_lines() if prepared else [],
                           ready=len(prepared.plan.ready) if prepared else 0, error=error), status


@bp.post("/imports", endpoint="import_upload")
def import_upload() -> Any:
    form = ImportUploadForm()
    vault = _vault()
    if vault is None:
        return _start(error=_("The service is locked: imports need the review keys."), status=503, form=form)
    if not form.validate_on_submit():
        return _start(error=_("The form was not accepted (it may have expired): try again."), status=400, form=form)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _start(error=_("Choose a file to import."), status=400, form=form)
    stream = upload.stream
    if getattr(stream, "truncated", False):
        return _start(error=_("The file is larger than the %(mb)s MB limit. Split it into smaller files.",
                                   mb=isolate(_limits().max_bytes // 1048576)), status=413, form=form)
    data = stream.getvalue() if hasattr(stream, "getvalue") else stream.read()
    confirm_form = ImportConfirmForm(formdata=None, encoding=form.encoding.data, sheet=form.sheet.data,
                                     dates=form.dates.data)
    try:
        return _plan_page(vault, data, upload.filename, confirm_form, None)
    except ServiceError as exc:
        db.session.rollback()
        return _start(error=_explained(exc), status=400, form=form)


@bp.post("/imports/confirm", endpoint="import_confirm")
def import_confirm() -> Any:
    form = ImportConfirmForm()
    vault = _vault()
    if vault is None:
        return _start(error=_("The service is locked: imports need the review keys."), status=503)
    if not form.validate_on_submit():
        return _start(error=_("The form was not accepted (it may have expired): upload the file again."), status=400)
    try:
        data, file_name = import_carry.open_carried(vault, form.carried.data or "", _user_id(),
                                                    max_bytes=_limits().max_bytes)
    except InvalidInput as exc:
        return _start(error=shown(exc), status=400)
    action = request.form.get("action", "check")
    count = request.form.get("columns", "")
    # As the page wrote it: ASCII digits (isdigit() alone lets through "²", which int() refuses).
    # Its length before int(), which refuses more than 4,300 digits.
    if not ascii_digits(count) or len(count) > 6 or int(count) > _limits().max_columns:
        return _start(error=_("The form was changed on the way: upload the file again."), status=400)
    targets = [request.form.get(f"column-{i}", IGNORE) for i in range(int(count))]
    try:
        if action == "report":
            return _report_csv(vault, data, file_name, form, targets)
        if action != "import":
            return _plan_page(vault, data, file_name, form, targets, carried=form.carried.data)
        prepared = imports.prepare(db.session, vault, data, file_name, importer=str(_user_id()), targets=targets,
                                   encoding=form.encoding.data or None, sheet_name=form.sheet.data or None,
                                   day_first=_day_first(form.dates.data), limits=_limits())
        consent = imports.Consent(share_research=bool(form.share_research.data), contact=bool(form.contact.data),
                                  basis=form.consent_basis.data or "")
        result = imports.store(db.session, vault, prepared, source_name=form.source.data or "", consent=consent,
                               actor=str(_user_id()))
    except ServiceError as exc:
        db.session.rollback()
        try:
            return _plan_page(vault, data, file_name, form, targets, carried=form.carried.data, error=shown(exc),
                              status=400)
        except ServiceError as again:  # the file or mapping itself is refused
            db.session.rollback()
            return _start(error=shown(again), status=400)
    return render_template("admin/import_done.html", result=result, summary=prepared.plan.summary(),
                           interval=current_app.config["INTAKE_TAKE_IN_INTERVAL"])


def _report_csv(vault: Vault, data: bytes, file_name: str, form: ImportConfirmForm, targets: list[str]) -> Response:
    """The dry run's report as CSV (row, state, column, kind, message): cells are the file's headers
    and our words, never its values; every cell is neutralised so no spreadsheet runs a formula."""
    prepared = imports.prepare(db.session, vault, data, file_name, importer=str(_user_id()), targets=targets,
                               encoding=form.encoding.data or None, sheet_name=form.sheet.data or None,
                               day_first=_day_first(form.dates.data), limits=_limits(), audit_actor=str(_user_id()))
    db.session.commit()
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow(["row", "state", "column", "kind", "message"])
    for row in prepared.plan.rows:
        if not row.problems:
            out.writerow([str(row.number), row.state.value, "", "", ""])
        for problem in row.problems:
            kind = "must be fixed" if problem.blocking else "note"
            out.writerow([neutralise(v) for v in (str(row.number), row.state.value, problem.column, kind,
                                                  str(problem.message))])
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="import-report.csv"'
    return response
