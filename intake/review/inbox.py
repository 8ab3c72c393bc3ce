"""The inbox: filters in a bar, saved views, keyset pages, bulk assign and tag. Thin: parse, call
services.inbox / services.bulk_actions, render or redirect. The report page's previous/next links use the
same filters (`filter_args` carries them from the inbox to the report page and back)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any
from urllib.parse import parse_qsl

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from itsdangerous import BadData, URLSafeTimedSerializer
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from ..crypto.errors import KeysLockedError
from ..extensions import csrf, db
from ..keyring import vault_problem
from ..services import bulk_actions, place_lookup, saved_views
from ..services import inbox as inbox_service
from ..services.errors import ServiceError
from ..services.search import InboxFilter
from ..web.bidi import isolate
from ..web.form_markup import form_field
from ..web.i18n import current_language, gettext as _, lazy_gettext as _l
from ..web.said import shown
from ..web.stamped_forms import Stamped, stamped
from ..wording import said
from . import triage_forms as forms
from .inbox_rows import HANDLE_SLOT, inbox_rows
from .triage import _assignee_choices, actor, drawn_for, readable_vault
from .views import ALLOW, REVIEWERS, WORKS_LOCKED, bp

ALLOW.update({"inbox": REVIEWERS, "inbox_bulk": REVIEWERS, "inbox_view_save": REVIEWERS,
              "inbox_view_delete": REVIEWERS})
# The inbox keeps working while locked (without names), and says why reports cannot be opened.
WORKS_LOCKED.add("inbox")

FILTER_KEYS = ("status", "verification", "created_from", "created_to", "county", "assignee", "needs_information",
               "tag", "view")
# Saved views: a name in the URL (?view=mine) standing for a set of filters.
VIEWS = {"mine": _l("Assigned to me"), "unassigned": _l("Unassigned"), "needs-information": _l("Needs information")}


ROWS_KEY = "rows"  # rows per page: not a filter, but carried with them (and kept by a saved view)
_ROW_CHOICES = {str(n): n for n in inbox_service.ROW_CHOICES}


def filter_args(args: MultiDict[str, str]) -> dict[str, str]:
    """The inbox filters present in a query string, and a chosen number of rows per page (what links
    between inbox and reports carry). A number of rows not on offer is dropped, not carried."""
    carried = {k: v for k in FILTER_KEYS if (v := args.get(k, ""))}
    rows = args.get(ROWS_KEY, "")
    if rows in _ROW_CHOICES and _ROW_CHOICES[rows] != inbox_service.PAGE_SIZE:
        carried[ROWS_KEY] = rows
    return carried


def rows_per_page(args: MultiDict[str, str]) -> int:
    """The number of rows asked for, if it is one on offer; else the default."""
    return _ROW_CHOICES.get(args.get(ROWS_KEY, ""), inbox_service.PAGE_SIZE)


def inbox_filters(args: MultiDict[str, str]) -> tuple[forms.InboxFilterForm | None, InboxFilter | None]:
    """The filter form read from a query string, and the filter it means (None: the form has errors).
    No form when the query gives no filter: the filter is empty, and `filter_fields` draws the form."""
    if not any(args.get(name) for name in FILTER_KEYS):  # the form's fields: with none given, it is the
        return None, InboxFilter()  # same for every request of a language, and drawn once
    form = forms.InboxFilterForm(formdata=args)
    form.assignee.choices = _assignee_choices(("", _("anyone")), ("none", _("unassigned")))
    if not form.validate():
        return form, None
    view = form.view.data or ""
    assignee = form.assignee.data or ""
    county = None
    if form.county.data and form.county.data.strip():
        county = place_lookup.county_code(form.county.data)
        if county is None:
            form.county.errors = [_("No county (or more than one) has that name: pick one from the list.")]
            return form, None
    return form, InboxFilter(
        status=form.status.data or None, verification=form.verification.data or None,
        created_from=form.created_from.data, created_to=form.created_to.data, county=county,
        assigned_to=actor() if view == "mine" else uuid.UUID(assignee) if assignee not in ("", "none") else None,
        unassigned=view == "unassigned" or assignee == "none",
        needs_information=view == "needs-information" or bool(form.needs_information.data), tag=form.tag.data or None)


_FILTER_BARS: dict[tuple[Any, ...], tuple[Markup, InboxFilter | None]] = {}


def filter_bar(args: MultiDict[str, str]) -> tuple[Markup, InboxFilter | None]:
    """`filter_fields` and `inbox_filters` for the inbox itself. A query with filters is read,
    validated and drawn once per language, list of reviewers and values of the query's filter
    fields, then kept (paging through a filter reads the same query again; the fields hold no
    personal data). `view=mine` is kept without its reviewer, who is this request's."""
    given = tuple(tuple(args.getlist(name)) for name in FILTER_KEYS)  # all a form reads but its button
    if not any(values and values[0] for values in given):
        return filter_fields(None), InboxFilter()
    choices = _assignee_choices(("", _("anyone")), ("none", _("unassigned")))
    key = (current_language().code, tuple((c.value, str(c.label)) for c in choices), given)
    kept = _FILTER_BARS.get(key)
    if kept is None:
        kept = _county_only_bar(given, choices)
    if kept is None:
        form, filters = inbox_filters(args)
        if filters is not None and args.get("view") == "mine":
            filters = dataclasses.replace(filters, assigned_to=None)
        kept = (filter_fields(form), filters)
        if sum(len(v) for values in given for v in values) <= 400:  # what a reviewer types, bounded
            if len(_FILTER_BARS) >= 256:
                _FILTER_BARS.clear()
            _FILTER_BARS[key] = kept
    markup, filters = kept
    if filters is not None and args.get("view") == "mine":
        filters = dataclasses.replace(filters, assigned_to=actor())
    return markup, filters


@bp.get("/inbox")
def inbox() -> Any:
    return inbox_page(request.args, request.full_path.rstrip("?"))


def inbox_page(query: MultiDict[str, str], here: str, bulk: forms.BulkForm | None = None,
               picked: frozenset[str] = frozenset(), refusal: str | None = None) -> Any:
    """The inbox of the filters and page in `query`; `here`: its address (where its forms return).
    With `bulk`, the bulk form refused in this request, drawn again as sent with the reports `picked`
    still ticked and `refusal` (why, unless it is beside a field) in its bar, and the page is a 422
    (nothing typed is lost). The bulk form posts to #bulk-actions, so the browser opens the redrawn
    page at its bar, not at the top."""
    filter_markup, filters = filter_bar(query)
    vault = readable_vault()
    page, error = None, None
    # Read before the page's audit entry commits: in its transaction, not in a second one (each
    # costs a pooled connection's check, a BEGIN and a ROLLBACK on top of its own queries).
    bulk_choices = _assignee_choices(("", _("nobody")))
    mine = saved_views.views_of(db.session, actor())
    per_page = rows_per_page(query)
    if filters is not None:
        if query.get("last"):
            direction, cursor = inbox_service.LAST, None
        elif query.get("older"):
            direction, cursor = inbox_service.OLDER, inbox_service.Cursor.decode(query.get("older"))
        elif query.get("newer"):
            direction, cursor = inbox_service.NEWER, inbox_service.Cursor.decode(query.get("newer"))
        else:
            direction, cursor = None, None
        try:
            page = inbox_service.inbox(db.session, vault, filters, actor=actor() if vault else None,
                                       direction=direction if cursor or direction == inbox_service.LAST else None,
                                       cursor=cursor, per_page=per_page)
        except KeysLockedError:
            db.session.rollback()
            error = _("Filtering by county needs the review keys, which are locked.")
        except ServiceError as exc:
            db.session.rollback()
            error = shown(exc)
    args = filter_args(query)
    links = {"first": url_for("review.inbox", **args) if page and page.newer else None,
             "newer": url_for("review.inbox", **args, newer=page.newer.encode()) if page and page.newer else None,
             "older": url_for("review.inbox", **args, older=page.older.encode()) if page and page.older else None,
             "last": url_for("review.inbox", **args, last=1) if page and page.older else None}
    # Another number of rows starts again from the newest page, filters kept.
    only_filters = {k: v for k, v in args.items() if k != ROWS_KEY}
    sizes = [(n, url_for("review.inbox", **only_filters, **({} if n == inbox_service.PAGE_SIZE else {ROWS_KEY: n})),
              n == per_page) for n in inbox_service.ROW_CHOICES]
    # The page's forms drawn once per language and shape, stamped with this request's tokens.
    # A refused form is drawn as sent (its CSRF field holds this request's token, never the one sent).
    bulk_parts = _parts(stamped(forms.BulkForm, choices={"assignee": bulk_choices}, draw=_bulk_parts)
                        if bulk is None else bulk, _bulk_parts)
    # The table's rows: built in Python (inbox_rows.py), with the report page's URL made once.
    rows = inbox_rows(page.rows, url_for("review.report", handle=HANDLE_SLOT, **args), picked) if page else None
    html = render_template(
        "review/triage/inbox.html", filter_fields=filter_markup, page=page, rows=rows, links=links, error=error,
        problem=vault_problem(), bulk=bulk_parts, args=args, filtered=only_filters, sizes=sizes,
        views=VIEWS, saved=mine,
        save_view=_parts(stamped(forms.SaveViewForm, draw=_save_view_parts), _save_view_parts),
        delete_view={v.id: stamped(forms.ActionForm, prefix=f"delete-view-{v.id}") for v in mine},
        current_view=query.get("view", ""), here=here, refusal=refusal)
    return (html, 422) if request.method == "POST" else html


_EMPTY_FILTERS: dict[tuple[Any, ...], Markup] = {}
_COUNTY = FILTER_KEYS.index("county")
_COUNTY_SLOT = "county~slot~"  # no county name, code or label contains it


def _county_only_bar(given: tuple[tuple[str, ...], ...], choices: list[Any]) -> tuple[Markup, InboxFilter] | None:
    """The bar of a query whose only filter is one county that resolves (the most used filter: each
    county's first page would otherwise build and validate the whole form, a few ms): the empty bar
    drawn once with a slot for the county's text, filled. None for any other query (read in full)."""
    typed = given[_COUNTY]
    if len(typed) != 1 or any(values and any(values) for i, values in enumerate(given) if i != _COUNTY):
        return None
    text = typed[0]
    code = place_lookup.county_code(text) if len(text) <= 80 else None  # the field's Length(max=80)
    if code is None:
        return None
    key = ("county", current_language().code, tuple((c.value, str(c.label)) for c in choices))
    drawn = _EMPTY_FILTERS.get(key)
    if drawn is None:
        form = forms.InboxFilterForm(formdata=None, data={"county": _COUNTY_SLOT})
        form.assignee.choices = choices
        drawn = _filter_markup(form)
        if drawn.count(_COUNTY_SLOT) != 1:  # not where it should be: read the query in full
            return None
        if len(_EMPTY_FILTERS) >= 64:
            _EMPTY_FILTERS.clear()
        _EMPTY_FILTERS[key] = drawn
    return Markup(drawn.replace(_COUNTY_SLOT, str(escape(text)), 1)), InboxFilter(county=code)  # noqa: S704


def filter_fields(form: forms.InboxFilterForm | None) -> Markup:
    """The filter bar's fields, from the form read from the query string; without one (no filter
    given), the empty form's, drawn once per language and list of reviewers."""
    if form is not None:
        return _filter_markup(form)
    choices = _assignee_choices(("", _("anyone")), ("none", _("unassigned")))
    key = (current_language().code, tuple((c.value, str(c.label)) for c in choices))
    drawn = _EMPTY_FILTERS.get(key)
    if drawn is None:
        if len(_EMPTY_FILTERS) >= 64:
            _EMPTY_FILTERS.clear()
        empty = forms.InboxFilterForm(formdata=None)
        empty.assignee.choices = choices
        drawn = _EMPTY_FILTERS[key] = _filter_markup(empty)
    return drawn


def _filter_markup(form: forms.InboxFilterForm) -> Markup:
    return Markup(  # noqa: S704 - every part drawn (and escaped) by WTForms
        f'{form_field(form.status)}{form_field(form.verification)}'
        f'{form_field(form.county, list="county-names", autocomplete="off")}\n'
        f'{form_field(form.assignee)}{form_field(form.tag)}{form_field(form.created_from)}{form_field(form.created_to)}\n'
        f'<p class="field checkbox">{escape(form.needs_information())} {escape(form.needs_information.label)}</p>\n'
        f'{escape(form.submit())}')


def _parts(form: Any, draw: Any) -> tuple[Markup, Markup]:
    """A form's hidden fields and its other fields: stamped (a GET page), or drawn from the form
    itself (a page drawn again after a POST)."""
    if isinstance(form, Stamped):
        return form.hidden_tag(), form.part(1)
    hidden, fields = draw(form)
    return Markup(hidden), Markup(fields)  # noqa: S704 - drawn (and escaped) by WTForms


def _bulk_parts(form: forms.BulkForm) -> tuple[str, str]:
    # The tag first: Enter in its field sends the form with the first button, which was "Assign
    # selected" (to nobody by default): the tag was dropped and the ticked reports unassigned.
    secondary = {"class": "secondary"}
    return (str(escape(form.hidden_tag())), f"{form_field(form.tag)}{escape(form.add_tag(**secondary))}\n"
                                            f"{form_field(form.assignee)}{escape(form.assign(**secondary))}")


def _save_view_parts(form: forms.SaveViewForm) -> tuple[str, str]:
    return str(escape(form.hidden_tag())), f'{form_field(form.name)}{escape(form.submit(**{"class": "secondary"}))}'


def _safe_return(target: str | None) -> str:
    """Back to the inbox page the form came from: only a path of the inbox itself, never elsewhere."""
    inbox_path = url_for("review.inbox")
    # No control characters: a line break cannot go into the Location header (werkzeug raises).
    if target and target.startswith(inbox_path) and "//" not in target and "\\" not in target \
            and not any(ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0 for ch in target):
        return target
    return inbox_path


@bp.before_app_request
def _bulk_without_our_token() -> None:
    """The bulk form is exempt from the app-wide CSRF check, so that a stale token (past its time
    limit, or of an earlier session) draws the page again, selection kept: the view checks the
    form's own token. A POST with no token, or one this app never signed, is still a 400 before
    anything else, signed in or not, as every other POST is."""
    config = current_app.config
    if request.endpoint != "review.inbox_bulk" or request.method != "POST" or not config.get("WTF_CSRF_ENABLED", True):
        return
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = next((value for key, value in request.form.items() if key.endswith(field) and value), "")
    signer = URLSafeTimedSerializer(config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key), salt="wtf-csrf-token")
    try:
        signer.loads(token)  # no age limit here: an expired token of ours is a stale page, not a forgery
    except BadData:
        abort(400)


@bp.post("/inbox/bulk")
@csrf.exempt  # the form's own token is checked below: a stale one draws the page again, selection kept
def inbox_bulk() -> Any:
    form = forms.BulkForm()
    form.assignee.choices = _assignee_choices(("", _("nobody")))
    target = _safe_return(request.form.get("next"))
    handles = request.form.getlist("report")

    def again(message: str, beside_field: bool = False) -> Any:
        """The same inbox page, with the form as sent, the rows still ticked and why, in the form's bar
        where the page opens (422): said there once (a flash would say it again at the top, out of
        view), or beside the field, and flashed."""
        if beside_field:
            flash(message, "error")
        drawn_for(target)
        query = MultiDict(parse_qsl(target.partition("?")[2], keep_blank_values=True))
        return inbox_page(query, target, form, frozenset(handles), None if beside_field else message)

    if not form.validate_on_submit():
        if form.assignee.errors:  # a value not on the list: say what the list is
            form.assignee.errors = [shown(said("reports are assigned to active reviewers or admins only"))]
        return again(_("The form expired or was incomplete: nothing was changed. Please try again."))
    vault = readable_vault()
    if vault is None:
        return again(_("The review keys are locked: nothing was changed."))
    try:
        if form.add_tag.data:
            changed = bulk_actions.add_tag(db.session, vault, handles, form.tag.data or "", actor=actor())
        else:
            assignee = uuid.UUID(form.assignee.data) if form.assignee.data else None
            changed = bulk_actions.assign(db.session, vault, handles, assignee, actor=actor())
    except ServiceError as exc:
        db.session.rollback()
        message = shown(exc)
        if isinstance(exc, bulk_actions.SelectionError):
            return again(message)
        (form.tag if form.add_tag.data else form.assignee).errors = [message]
        return again(message, beside_field=True)
    flash(ngettext("%(n)s report changed.", "%(n)s reports changed.", changed, n=isolate(changed)) if changed
          else _("Nothing to change."), "notice")
    # At the top of the page, where the confirmation is (without a fragment of its own, the redirect
    # would take on the form's #bulk-actions).
    return redirect(f"{target.partition('#')[0]}#main")


@bp.post("/inbox/views")
def inbox_view_save() -> Response:
    form = forms.SaveViewForm()
    target = _safe_return(request.form.get("next"))
    if not form.validate_on_submit():
        flash(_("Give the view a name (up to %(n)s characters).", n=isolate(40)), "error")
        return redirect(target)
    query = target.partition("?")[2]
    filters = filter_args(MultiDict(parse_qsl(query)))
    if set(filters) == {ROWS_KEY}:  # a number of rows alone is the whole inbox: no view to save
        filters = {}
    try:
        saved_views.save(db.session, actor(), form.name.data or "", filters)
    except ServiceError as exc:
        db.session.rollback()
        flash(shown(exc), "error")
        return redirect(target)
    flash(_("View saved."), "notice")
    return redirect(target)


@bp.post("/inbox/views/<uuid:view_id>/delete")
def inbox_view_delete(view_id: uuid.UUID) -> Response:
    if not forms.ActionForm(prefix=f"delete-view-{view_id}").validate_on_submit():
        flash(_("The form expired: nothing was changed. Please try again."), "error")
        return redirect(url_for("review.inbox"))
    try:
        saved_views.delete(db.session, actor(), view_id)
    except ServiceError:
        db.session.rollback()
        abort(404)
    flash(_("Saved view deleted."), "notice")
    return redirect(url_for("review.inbox"))
