"""Admin forms (Flask-WTF, CSRF on every one)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..imports import ENCODINGS
from ..models import Role
from ..web.body_forms import BodyForm
from ..web.i18n import lazy_gettext as _l


class InviteForm(BodyForm):
    username = StringField(_l("Username (a-z, 0-9, dot, dash, underscore)"), validators=[DataRequired(), Length(max=32)],
                           render_kw={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"})
    role = SelectField(_l("Role"), choices=[SelectChoice(Role.REVIEWER.value, _l("reviewer")),
                                            SelectChoice(Role.RESEARCHER.value, _l("researcher")),
                                            SelectChoice(Role.ADMIN.value, _l("admin"))],
                       default=Role.REVIEWER.value)


class ImportUploadForm(BodyForm):
    """Step 1: the file, kept in memory only (web/request.py caps it at INTAKE_IMPORT_MAX_BYTES)."""

    file = FileField(_l("List to import (CSV or Excel .xlsx)"))
    encoding = SelectField(_l("Character encoding (CSV only)"), choices=[""] + list(ENCODINGS), default="")
    sheet = StringField(_l("Sheet (Excel only; empty: the one that holds the list)"), validators=[Length(max=100)])
    dates = SelectField(_l("Dates written like 03/04/1985 mean"), choices=["", "day-first", "month-first"], default="")


class ImportConfirmForm(BodyForm):
    """Steps 2 and 3: the carried file, the mapping, then the source and its consent."""

    carried = HiddenField()
    encoding = HiddenField()
    sheet = HiddenField()
    dates = HiddenField()
    source = StringField(_l("Source of the list (who kept it; stored encrypted)"), validators=[Length(max=200)])
    share_research = BooleanField(_l("The families agreed to anonymised sharing with researchers"))
    contact = BooleanField(_l("The families agreed to be contacted"))
    consent_basis = TextAreaField(_l("How that consent was obtained (needed if either box is ticked)"),
                                  validators=[Length(max=1000)])


class TokenForm(BodyForm):
    username = StringField(_l("Researcher's username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"})
    label = StringField(_l("What it is for (optional)"), validators=[Length(max=80)])
    days = IntegerField(_l("Valid for (days; empty: until revoked)"), validators=[Optional(), NumberRange(1, 366)])
class AuditFilterForm(BodyForm):
    """Read from the query string (GET): a filter is not a change and holds no personal data."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who (username, system or cli)"), validators=[Optional(), Length(max=32)])
    action = SelectField(_l("Action"), choices=[SelectChoice("", _l("any"))], default="")
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])
