"""Admin forms (Flask-WTF, CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..models import Role


class InviteForm(FlaskForm):
    username = StringField("Username (a-z, 0-9, dot, dash, underscore)", validators=[DataRequired(), Length(max=32)],
                           render_kw={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"})
    # Plain values (label = value): tuples are deprecated in WTForms 3.3, SelectChoice is missing before it.
    role = SelectField("Role", choices=[Role.REVIEWER.value, Role.RESEARCHER.value, Role.ADMIN.value],
                       default=Role.REVIEWER.value)
