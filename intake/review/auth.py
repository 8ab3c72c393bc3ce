"""Sign-in, second factor, first-time enrolment, sign-out and the one-time set-up link.

Thin views over services/signin.py and services/accounts.py. The POST endpoints are rate limited per
address (INTAKE_SIGN_IN_LIMIT) on top of the per-account lockout. With the review keys locked,
signing in is refused with one clear sentence: every step is audited, and the TOTP secrets are
sealed under the working-store key, so nothing could be checked anyway.

While a TOTP secret is being enrolled it is not stored anywhere: it is derived from the app secret,
the set-up link (or the account) and a random nonce kept in this browser's session, so reloading
shows the same QR code, while a link-preview robot that fetched the link first saw a different one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_wtf.csrf import validate_csrf
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from ..crypto.passphrase import KdfParams
from ..extensions import csrf, db, limiter
from .. import keyring
from ..keyring import get_vault, vault_problem
from ..models import User
from ..services import accounts, sessions, signin, totp
from ..services.errors import ServiceError
from ..web.access import current_user, end_session, establish_session, home_endpoint, pending_user
from ..web.i18n import gettext as _
from ..web.said import shown
from .forms import CodeForm, EnrolForm, SetupForm, SignInForm
from .views import bp

log = logging.getLogger(__name__)
_NONCE = "enrol_nonce"

Page = str | tuple[str, int] | Response


def _limit() -> str:
    return str(current_app.config["INTAKE_SIGN_IN_LIMIT"])


def _kdf() -> KdfParams:
    return keyring.kdf("password")


def _lockout() -> signin.Lockout:
    return signin.Lockout.from_config(current_app.config)


def _locked(template: str, **context: object) -> tuple[str, int]:
    return render_template(template, locked=_(signin.LOCKED_SERVICE), problem=vault_problem(), **context), 503


def _candidate_secret(purpose: str) -> bytes:
    nonce = session.get(_NONCE)
    if not nonce:
        nonce = session[_NONCE] = secrets.token_urlsafe(16)
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"totp-enrolment|{purpose}|{nonce}".encode(), hashlib.sha256).digest()[:totp.SECRET_BYTES]


def _enrolment_context(secret: bytes, username: str) -> dict[str, object]:
    uri = totp.provisioning_uri(secret, username, str(current_app.config["INTAKE_TOTP_ISSUER"]))
    return {"qr": Markup(totp.qr_svg(uri)), "manual_key": totp.manual_key(secret)}  # noqa: S704 - segno's SVG


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def sign_in() -> Page:
    user = current_user()
    if user is not None:
        return redirect(url_for(home_endpoint(user)))
    form = SignInForm()
    if vault_problem():
        return _locked("review/sign_in.html", form=form) if request.method == "POST" else \
            render_template("review/sign_in.html", form=form, locked=_(signin.LOCKED_SERVICE))
    error = None
    if form.validate_on_submit():
        try:
            user = signin.check_password(db.session, get_vault(), form.username.data or "", form.password.data or "",
                                         kdf=_kdf(), lockout=_lockout())
        except signin.ServiceLocked:
            return _locked("review/sign_in.html", form=form)
        except signin.SignInRefused as exc:
            error = shown(exc)
        else:
            establish_session(user, second_factor=False)
            return redirect(url_for(".sign_in_enrol" if signin.needs_enrolment(user) else ".sign_in_code"))
    elif request.method == "POST":
        error = _("Enter your username and password.")
    return render_template("review/sign_in.html", form=form, error=error)


def _signed_in(user: User) -> Response:
    establish_session(user, second_factor=True)
    sessions.purge_expired(db.session, sessions.Timeouts.from_config(current_app.config))
    return redirect(url_for(home_endpoint(user)))


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def sign_in_code() -> Page:
    if current_user() is not None:
        return redirect(url_for(home_endpoint(current_user())))  # type: ignore[arg-type]
    user = pending_user()
    if user is None:
        return redirect(url_for(".sign_in"))
    if signin.needs_enrolment(user):
        return redirect(url_for(".sign_in_enrol"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:
            signin.check_second_factor(db.session, get_vault(), user.id, form.code.data or "", lockout=_lockout())
        except signin.ServiceLocked:
            return _locked("review/sign_in_code.html", form=form)
        except signin.SignInRefused as exc:
            error = shown(exc)
        else:
            return _signed_in(user)
    elif request.method == "POST":
        error = _("Enter the code.")
    return render_template("review/sign_in_code.html", form=form, error=error)


@bp.route("/sign-in/enrol", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def sign_in_enrol() -> Page:
    """First sign-in of an account created with a password only (`flask dev`): enrol TOTP now."""
    user = pending_user()
    if user is None or not signin.needs_enrolment(user):
        return redirect(url_for(".sign_in"))
    secret = _candidate_secret(f"account|{user.id}|{user.session_epoch}")
    form = EnrolForm()
    error = None
    if form.validate_on_submit():
        try:
            codes = accounts.enrol(db.session, get_vault(), user.id, secret=secret, code=form.code.data or "")
            signin.complete(db.session, signin.require_unlocked(get_vault()), user, method="enrolment")
        except ServiceError as exc:
            error = shown(exc)
        else:
            session.pop(_NONCE, None)
            _signed_in(user)
            return render_template("review/recovery_codes.html", codes=codes,
                                   next_url=url_for(home_endpoint(user)), next_label=_("Continue"))
    return render_template("review/enrol.html", form=form, error=error, username=user.username,
                           **_enrolment_context(secret, user.username))


@bp.post("/sign-out")
@csrf.exempt  # checked below, without the tokens' time limit
def sign_out() -> Response:
    """Any CSRF token of this very session signs it out, however old the page it came from: a
    sign-out from a tab drawn hours before (a token past WTF_CSRF_TIME_LIMIT) was a "Bad Request"
    page, and the session went on for whoever used the computer next. None, or a forged one, is a
    400 still. (establish_session gives every new session new tokens, so an older session's page
    cannot sign this one out.)"""
    try:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            validate_csrf(request.form.get("csrf_token"),
                          time_limit=int(current_app.config["INTAKE_ABSOLUTE_TIMEOUT"]))
    except ValidationError:
        abort(400)
    user = current_user() or pending_user()
    if user is not None:
        try:
            signin.record_logout(db.session, get_vault(), user.id)
        except signin.ServiceLocked:
            log.warning("sign-out not audited: the review keys are locked")
    end_session()
    return redirect(url_for(".sign_in"))


@bp.route("/setup/<token>", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def setup(token: str) -> Page:
    if vault_problem():
        return _locked("review/setup_invalid.html")
    user = accounts.account_for_setup(db.session, token)
    if user is None:
        return render_template("review/setup_invalid.html"), 404
    username = user.username
    secret = _candidate_secret("setup|" + token)
    form = SetupForm()
    error = None
    if form.validate_on_submit():
        try:
            _user, codes = accounts.complete_setup(db.session, get_vault(), token=token, password=form.password.data or "",
                                               confirm=form.confirm.data or "", secret=secret,
                                               code=form.code.data or "", kdf=_kdf())
        except ServiceError as exc:
            db.session.rollback()
            error = shown(exc)
        else:
            session.pop(_NONCE, None)
            return render_template("review/recovery_codes.html", codes=codes, next_url=url_for(".sign_in"),
                                   next_label=_("Sign in"))
    return render_template("review/setup.html", form=form, error=error, username=username,
                           **_enrolment_context(secret, username))
