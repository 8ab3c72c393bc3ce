"""Forms of the triage, person and search pages. They check shape and CSRF; meaning is the services'."""

from __future__ import annotations

import secrets
from typing import Any

from flask_babel import LazyString
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..models import StatusKind, VerificationLevel
from ..services import thesauri
from ..services.triage import REVIEWER_SUBMISSION_STATUSES
from ..web.form_messages import CatalogueMeta
from ..web.i18n import current_language, lazy_gettext as _l

# What the family sees, as the reviewer chooses it (the same words as labels.SUBMISSION_STATUSES).
SUBMISSION_LABELS = {"received": _l("Received"), "in_review": _l("In review"),
                     "needs_information": _l("Needs information"), "recorded": _l("Recorded"),
                     "withdrawn": _l("Withdrawn")}


def choice(value: str, label: Any = None) -> SelectChoice:
    return SelectChoice(value, label if label is not None else value.replace("_", " "))


def _label(vocabulary: str | None, code: str) -> LazyString | None:
    """A vocabulary term's label in the language of the page the form is drawn on (choices are made
    once, at import; the label is looked up when the option is rendered)."""
    found = thesauri.term(vocabulary, code) if vocabulary else None
    return LazyString(lambda: found.label(current_language().code)) if found else None


def _choices(enum: Any, blank: Any = None, vocabulary: str | None = None) -> list[SelectChoice]:
    items = [choice(m.value, _label(vocabulary, m.value)) for m in enum]
    return [choice("", blank), *items] if blank is not None else items


def one_time_token() -> str:
    return secrets.token_urlsafe(24)


class PageForm(FlaskForm):
    """A form sharing a page with others: its prefix keeps field ids (and label targets) unique.

    `once` is a fresh token per rendered form: the change it carries is stored with a claim of the
    token (review/triage.py: apply_change), so posting the same form twice stores it once."""

    class Meta(CatalogueMeta):
        pass

    default_prefix = ""
    once = HiddenField(default=one_time_token, validators=[Optional(), Length(max=64),
                                                           Regexp(r"^[A-Za-z0-9_-]+$")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.default_prefix)
        super().__init__(*args, **kwargs)


class InboxFilterForm(FlaskForm):
    """Read from the query string (GET): filters are not a change, and hold no personal data."""

    class Meta(CatalogueMeta):
        csrf = False

    status = SelectField(_l("Status"), choices=_choices(StatusKind, _l("any"), "statuses"), default="")
    verification = SelectField(_l("Verification"), choices=_choices(VerificationLevel, _l("any"), "verification_levels"), default="")
    created_from = DateField(_l("Received from"), validators=[Optional()])
    created_to = DateField(_l("Received until"), validators=[Optional()])
    county = StringField(_l("County (a name in any script, or its code)"), validators=[Optional(), Length(max=80)])
    assignee = SelectField(_l("Assigned to"), choices=[choice("", _l("anyone"))], default="")
    view = HiddenField()
    needs_information = BooleanField(_l("Only submissions waiting for the family's answer"))
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=32)])
    submit = SubmitField(_l("Filter"))


class BulkForm(PageForm):
    """Assign or tag the reports ticked in the inbox (their handles come as repeated `report` fields)."""

    default_prefix = "bulk"
    assignee = SelectField(_l("Assign the selected reports to"), choices=[choice("", _l("nobody"))], default="")
    assign = SubmitField(_l("Assign selected"))
    tag = StringField(_l("Tag the selected reports"), validators=[Optional(), Length(max=32)])
    add_tag = SubmitField(_l("Tag selected"))


class SaveViewForm(PageForm):
    default_prefix = "save-view"
    name = StringField(_l("Save these filters as"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Save view"))


class ActionForm(PageForm):
    """A button whose target is all in the URL (removing a tag): only the CSRF token to check."""

    submit = SubmitField(_l("Remove"))


class VerificationForm(PageForm):
    default_prefix = "verification"
    level = SelectField(_l("Verification level"), choices=_choices(VerificationLevel, vocabulary="verification_levels"))
    submit = SubmitField(_l("Set level"))


class StatusEventForm(PageForm):
    default_prefix = "event"
    kind = SelectField(_l("What happened"), choices=_choices(StatusKind, vocabulary="statuses"))
    event_date = StringField(_l("When (2017, 2017-04 or 2017-04-12)"), validators=[DataRequired(), Length(max=10)])
    sentence = StringField(_l("Sentence length (for a sentence)"), validators=[Optional(), Length(max=200)])
    source = TextAreaField(_l("Source of this news"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Add status event"))


class TagForm(PageForm):
    default_prefix = "tag"
    name = StringField(_l("Tag (workflow label only: never a name or place; tags are not encrypted)"),
                       validators=[DataRequired(), Length(max=32)])
    submit = SubmitField(_l("Add tag"))


class NoteForm(PageForm):
    default_prefix = "note"
    body = TextAreaField(_l("Internal note (reviewers only; never shown to the family)"),
                         validators=[DataRequired(), Length(max=10000)])
    submit = SubmitField(_l("Add note"))


class AssignForm(PageForm):
    default_prefix = "assign"
    assignee = SelectField(_l("Assign to"), choices=[choice("", _l("nobody"))], default="")
    submit = SubmitField(_l("Assign"))


class ReplyForm(PageForm):
    default_prefix = "reply"
    body = TextAreaField(_l("Reply to the family"), validators=[DataRequired(), Length(max=10000)])
    question = BooleanField(_l("This asks the family a question (their status becomes “needs information”)"))
    submit = SubmitField(_l("Send reply"))


class SubmissionStatusForm(PageForm):
    default_prefix = "family-status"
    status = SelectField(_l("Status the family sees"),
                         choices=[choice(s.value, SUBMISSION_LABELS[s.value])
                                  for s in REVIEWER_SUBMISSION_STATUSES])
    submit = SubmitField(_l("Set status"))


class RetractForm(PageForm):
    """Take back a note, reply or status event added by mistake; an optional corrected text replaces it."""

    correction = TextAreaField(_l("Corrected text (optional; notes and replies only)"),
                               validators=[Optional(), Length(max=10000)])
    submit = SubmitField(_l("Retract"))


class ReasonForm(PageForm):
    """Split and undo: only a reason; what to act on is in the URL."""

    reason = TextAreaField(_l("Why"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Confirm"))


class LinkForm(PageForm):
    default_prefix = "link"
    person = StringField(_l("Person handle (leave empty for a new person)"), validators=[Optional(), Length(max=16)])
    reason = TextAreaField(_l("Why"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Link to person"))


class MergeForm(PageForm):
    default_prefix = "merge"
    other = StringField(_l("Handle of the person whose reports move here"), validators=[DataRequired(), Length(max=16)])
    reason = TextAreaField(_l("Why"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Merge into this person"))


class SearchForm(PageForm):
    """POSTed, never GET: an ID number or a name must not end up in a URL, a log or the history."""

    default_prefix = "search"
    index = SelectField(_l("Search by"), choices=[choice("id_number", _l("Chinese ID number")),
                                                choice("name", _l("name (any script)")),
                                                choice("county_birth_year", _l("county and birth year"))])
    value = StringField(_l("ID number or name"), validators=[Optional(), Length(max=200)])
    county = StringField(_l("County (a name in any script; with a birth year)"), validators=[Optional(), Length(max=80)])
    birth_year = StringField(_l("Birth year"), validators=[Optional(), Regexp(r"^\d{4}$", message=_l("four digits"))])
    submit = SubmitField(_l("Search"))

