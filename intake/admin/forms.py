"""Admin forms (Flask-WTF, CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..models import Role


class InviteForm(FlaskForm):
    username = StringField("Username (a-z, 0-9, dot, dash, underscore)", validators=[DataRequired(), Length(max=32)],
                           render_kw={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"})
    # Plain values (label = value): tuples are deprecated in WTForms 3.3, SelectChoice is missing before it.
    role = SelectField("Role", choices=[Role.REVIEWER.value, Role.RESEARCHER.value, Role.ADMIN.value],
                       default=Role.REVIEWER.value)


class AuditFilterForm(FlaskForm):
    """Read from the query string (GET): a filter is not a change and holds no personal data."""

    class Meta:
        csrf = False

    actor = StringField("Who (username, system or cli)", validators=[Optional(), Length(max=32)])
    action = SelectField("Action", choices=[SelectChoice("", "any")], default="")
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("Until", validators=[Optional()])
