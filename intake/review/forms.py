"""Forms of the sign-in and set-up pages (Flask-WTF: every form carries the CSRF token)."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..web.body_forms import BodyForm
from ..web.i18n import lazy_gettext as _l


class SignInForm(BodyForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


class CodeForm(BodyForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=64)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"})


class EnrolForm(BodyForm):
    code = StringField(_l("The 6-digit code the app shows now"), validators=[DataRequired(), Length(max=16)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class SetupForm(BodyForm):
    password = PasswordField(_l("New password (at least 12 characters)"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("The same password again"), validators=[DataRequired(), Length(max=1024)],
                            render_kw={"autocomplete": "new-password"})
    code = StringField(_l("The 6-digit code the app shows now"), validators=[DataRequired(), Length(max=16)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PostForm(BodyForm):
    """A button that only POSTs (sign-out, admin actions): nothing but the CSRF token."""
