"""Admin forms (Flask-WTF, CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..imports import ENCODINGS
from ..models import Role


class InviteForm(FlaskForm):
    username = StringField("Username (a-z, 0-9, dot, dash, underscore)", validators=[DataRequired(), Length(max=32)],
                           render_kw={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"})
    # Plain values (label = value): tuples are deprecated in WTForms 3.3, SelectChoice is missing before it.
    role = SelectField("Role", choices=[Role.REVIEWER.value, Role.RESEARCHER.value, Role.ADMIN.value],
                       default=Role.REVIEWER.value)


class ImportUploadForm(FlaskForm):
    """Step 1: the file, kept in memory only (web/request.py caps it at INTAKE_IMPORT_MAX_BYTES)."""

    file = FileField("List to import (CSV or Excel .xlsx)")
    encoding = SelectField("Character encoding (CSV only)", choices=[""] + list(ENCODINGS), default="")
    sheet = StringField("Sheet (Excel only; empty: the first)", validators=[Length(max=100)])
    dates = SelectField("Dates written like 03/04/1985 mean", choices=["", "day-first", "month-first"], default="")


class ImportConfirmForm(FlaskForm):
    """Steps 2 and 3: the carried file, the mapping, then the source and its consent."""

    carried = HiddenField()
    encoding = HiddenField()
    sheet = HiddenField()
    dates = HiddenField()
    source = StringField("Source of the list (who kept it; stored encrypted)", validators=[Length(max=200)])
    share_research = BooleanField("The families agreed to anonymised sharing with researchers")
    contact = BooleanField("The families agreed to be contacted")
    consent_basis = TextAreaField("How that consent was obtained (needed if either box is ticked)",
                                  validators=[Length(max=1000)])


class TokenForm(FlaskForm):
    username = StringField("Researcher's username", validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"})
    label = StringField("What it is for (optional)", validators=[Length(max=80)])
    days = IntegerField("Valid for (days; empty: until revoked)", validators=[Optional(), NumberRange(1, 366)])
class AuditFilterForm(FlaskForm):
    """Read from the query string (GET): a filter is not a change and holds no personal data."""

    class Meta:
        csrf = False

    actor = StringField("Who (username, system or cli)", validators=[Optional(), Length(max=32)])
    action = SelectField("Action", choices=[SelectChoice("", "any")], default="")
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("Until", validators=[Optional()])
