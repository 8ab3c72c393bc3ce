"""Forms of the triage, person and search pages. They check shape and CSRF; meaning is the services'."""

from __future__ import annotations

import secrets
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..models import StatusKind, VerificationLevel
from ..services import thesauri
from ..services.triage import REVIEWER_SUBMISSION_STATUSES


def choice(value: str, label: str | None = None) -> SelectChoice:
    return SelectChoice(value, label if label is not None else value.replace("_", " "))


def _label(vocabulary: str | None, code: str) -> str | None:
    found = thesauri.term(vocabulary, code) if vocabulary else None
    return found.label("en") if found else None


def _choices(enum: Any, blank: str | None = None, vocabulary: str | None = None) -> list[SelectChoice]:
    items = [choice(m.value, _label(vocabulary, m.value)) for m in enum]
    return [choice("", blank), *items] if blank is not None else items


def one_time_token() -> str:
    return secrets.token_urlsafe(24)


class PageForm(FlaskForm):
    """A form sharing a page with others: its prefix keeps field ids (and label targets) unique.

    `once` is a fresh token per rendered form: the change it carries is stored with a claim of the
    token (review/triage.py: apply_change), so posting the same form twice stores it once."""

    default_prefix = ""
    once = HiddenField(default=one_time_token, validators=[Optional(), Length(max=64),
                                                           Regexp(r"^[A-Za-z0-9_-]+$")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.default_prefix)
        super().__init__(*args, **kwargs)


class InboxFilterForm(FlaskForm):
    """Read from the query string (GET): filters are not a change, and hold no personal data."""

    class Meta:
        csrf = False

    status = SelectField("Status", choices=_choices(StatusKind, "any", "statuses"), default="")
    verification = SelectField("Verification", choices=_choices(VerificationLevel, "any", "verification_levels"), default="")
    created_from = DateField("Received from", validators=[Optional()])
    created_to = DateField("Received until", validators=[Optional()])
    county = StringField("County (a name in any script, or its code)", validators=[Optional(), Length(max=80)])
    assignee = SelectField("Assigned to", choices=[choice("", "anyone")], default="")
    view = HiddenField()
    needs_information = BooleanField("Only submissions waiting for the family's answer")
    tag = StringField("Tag", validators=[Optional(), Length(max=32)])
    submit = SubmitField("Filter")


class BulkForm(PageForm):
    """Assign or tag the reports ticked in the inbox (their handles come as repeated `report` fields)."""

    default_prefix = "bulk"
    assignee = SelectField("Assign the selected reports to", choices=[choice("", "nobody")], default="")
    assign = SubmitField("Assign selected")
    tag = StringField("Tag the selected reports", validators=[Optional(), Length(max=32)])
    add_tag = SubmitField("Tag selected")


class SaveViewForm(PageForm):
    default_prefix = "save-view"
    name = StringField("Save these filters as", validators=[DataRequired(), Length(max=40)])
    submit = SubmitField("Save view")


class ActionForm(PageForm):
    """A button whose target is all in the URL (removing a tag): only the CSRF token to check."""

    submit = SubmitField("Remove")


class VerificationForm(PageForm):
    default_prefix = "verification"
    level = SelectField("Verification level", choices=_choices(VerificationLevel, vocabulary="verification_levels"))
    submit = SubmitField("Set level")


class StatusEventForm(PageForm):
    default_prefix = "event"
    kind = SelectField("What happened", choices=_choices(StatusKind, vocabulary="statuses"))
    event_date = StringField("When (2017, 2017-04 or 2017-04-12)", validators=[DataRequired(), Length(max=10)])
    sentence = StringField("Sentence length (for a sentence)", validators=[Optional(), Length(max=200)])
    source = TextAreaField("Source of this news", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Add status event")


class TagForm(PageForm):
    default_prefix = "tag"
    name = StringField("Tag (workflow label only: never a name or place; tags are not encrypted)",
                       validators=[DataRequired(), Length(max=32)])
    submit = SubmitField("Add tag")


class NoteForm(PageForm):
    default_prefix = "note"
    body = TextAreaField("Internal note (reviewers only; never shown to the family)",
                         validators=[DataRequired(), Length(max=10000)])
    submit = SubmitField("Add note")


class AssignForm(PageForm):
    default_prefix = "assign"
    assignee = SelectField("Assign to", choices=[choice("", "nobody")], default="")
    submit = SubmitField("Assign")


class ReplyForm(PageForm):
    default_prefix = "reply"
    body = TextAreaField("Reply to the family", validators=[DataRequired(), Length(max=10000)])
    question = BooleanField("This asks the family a question (their status becomes “needs information”)")
    submit = SubmitField("Send reply")


class SubmissionStatusForm(PageForm):
    default_prefix = "family-status"
    status = SelectField("Status the family sees",
                         choices=[choice(s.value, s.value.replace("_", " ").capitalize())
                                  for s in REVIEWER_SUBMISSION_STATUSES])
    submit = SubmitField("Set status")


class RetractForm(PageForm):
    """Take back a note, reply or status event added by mistake; an optional corrected text replaces it."""

    correction = TextAreaField("Corrected text (optional; notes and replies only)",
                               validators=[Optional(), Length(max=10000)])
    submit = SubmitField("Retract")


class ReasonForm(PageForm):
    """Split and undo: only a reason; what to act on is in the URL."""

    reason = TextAreaField("Why", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Confirm")


class LinkForm(PageForm):
    default_prefix = "link"
    person = StringField("Person handle (leave empty for a new person)", validators=[Optional(), Length(max=16)])
    reason = TextAreaField("Why", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Link to person")


class MergeForm(PageForm):
    default_prefix = "merge"
    other = StringField("Handle of the person whose reports move here", validators=[DataRequired(), Length(max=16)])
    reason = TextAreaField("Why", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Merge into this person")


class SearchForm(PageForm):
    """POSTed, never GET: an ID number or a name must not end up in a URL, a log or the history."""

    default_prefix = "search"
    index = SelectField("Search by", choices=[choice("id_number", "Chinese ID number"),
                                                choice("name", "name (any script)"),
                                                choice("county_birth_year", "county and birth year")])
    value = StringField("ID number or name", validators=[Optional(), Length(max=200)])
    county = StringField("County (a name in any script; with a birth year)", validators=[Optional(), Length(max=80)])
    birth_year = StringField("Birth year", validators=[Optional(), Regexp(r"^\d{4}$", message="four digits")])
    submit = SubmitField("Search")

