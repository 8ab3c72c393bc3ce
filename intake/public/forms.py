"""The forms families fill in. Only names are required; everything else helps but may be unknown."""

from __future__ import annotations

import uuid

from flask import current_app, request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, StringField
from wtforms import ValidationError as FieldError
from wtforms.fields.choices import SelectChoice

from ..digits import ascii_digits
from ..crypto import receipts
from ..services.families import PersonRef
from ..services.intake import ReportInput, SubmissionInput
from ..web.bidi import isolate
from . import form_once, text
from .fields import ApproxDateForm, Choice, check_id_number, county_choices, text_field, vocabulary_choices
from ..web.i18n import LANGUAGES, current_language, lazy_gettext as _l

NAME_ROWS = 4


def max_relatives() -> int:
    return int(current_app.config["INTAKE_MAX_RELATIVES"])


def script_choices() -> list[SelectChoice]:
    return [SelectChoice("", str(_l("Recognise it for me"))),
            SelectChoice("ug-Arab", str(_l("Uyghur (Arabic script)"))),
            SelectChoice("Latn", str(_l("Latin letters"))),
            SelectChoice("Cyrl", str(_l("Cyrillic letters"))),
            SelectChoice("zh-Hans", str(_l("Chinese characters"))),
            SelectChoice("other", str(_l("Another script")))]


def reply_language_choices() -> list[SelectChoice]:
    return [SelectChoice(lang.code, lang.name, render_kw={"lang": lang.tag}) for lang in LANGUAGES.values()] \
        + [SelectChoice("other", str(_l("Another language (please say which in your testimony)")))]


class NameForm(Form):
    value = text_field(_l("Name"), 200, render_kw={"autocomplete": "off", "dir": "auto"})
    script = Choice(_l("Written in"), script_choices)


class RelativeForm(Form):
    names = FieldList(FormField(NameForm), label=_l("Name"), min_entries=NAME_ROWS, max_entries=NAME_ROWS)
    gender = Choice(_l("Gender"), vocabulary_choices("genders"))
    birth = FormField(ApproxDateForm, label=_l("Date of birth"))
    ethnicity = Choice(_l("Ethnicity"), vocabulary_choices("ethnicities"))
    home_county = Choice(_l("Home county"), county_choices)
    home_place_text = text_field(_l("Home place in your own words"), 300, render_kw={"dir": "auto"})
    id_number = text_field(_l("Chinese ID number"), 40, render_kw={"autocomplete": "off", "spellcheck": "false",
                                                                    "dir": "ltr"})
    occupation = text_field(_l("Occupation"), 300, render_kw={"dir": "auto"})
    detention = FormField(ApproxDateForm, label=_l("Date of detention"))
    detention_place = text_field(_l("Where they were taken from"), 300, render_kw={"dir": "auto"})
    facility_type = Choice(_l("Kind of place where they are held"), vocabulary_choices("facility_types"))
    facility = text_field(_l("Name or description of that place"), 300, render_kw={"dir": "auto"})
    status = Choice(_l("Their situation now"), vocabulary_choices("statuses"))
    sentence = text_field(_l("Sentence, if one is known"), 300, render_kw={"dir": "auto"})
    last_contact = FormField(ApproxDateForm, label=_l("Last contact with them"))
    relationship = Choice(_l("They are your"), vocabulary_choices("relationships"))
    testimony = text_field(_l("What happened, in your own words"), 50_000, area=True,
                           render_kw={"rows": 10, "dir": "auto"})

    def validate(self, extra_validators: dict | None = None) -> bool:
        ok = super().validate(extra_validators)
        if not any(entry.form.value.data for entry in self.names.entries):
            self.names.entries[0].form.value.errors.append(_l("Please give at least one name, in any script."))
            # FieldList computed its errors before this check: refresh them, or the enclosing list
            # (and so the whole form) would count this relative as valid.
            self.names.errors = [entry.errors for entry in self.names.entries]
            ok = False
        return ok

    def validate_id_number(self, field: StringField) -> None:
        # Not after the field was refused (too long, hidden characters): one message is enough, and
        # python-stdnum goes through an ID number of megabytes a character at a time.
        if field.data and not field.errors:
            field.data = check_id_number(field.data)


class PublicForm(FlaskForm):
    """Public forms are sent by browsers as form bodies. They never read JSON: a JSON body (broken or
    not) leaves them empty instead of raising while an error page is being built."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: object, formdata: object) -> object:
            if formdata is _Auto:
                formdata = request.form if request.method == "POST" and request.form else None
            return well_formed(formdata) if isinstance(formdata, MultiDict) else formdata


def list_index(segment: str) -> int | None:
    """The position a list field's key carries, if written as a browser writes it (ASCII digits, no
    leading zero, at most 6); None for anything else."""
    if ascii_digits(segment) and len(segment) <= 6 and (segment == "0" or segment[0] != "0"):
        return int(segment)
    return None


def well_formed(formdata: MultiDict) -> MultiDict:
    """The posted data without keys holding a list position no browser writes. WTForms makes a block
    for every key part that str.isdigit() accepts: other scripts' digits and leading zeros slipped
    past the count of relatives, and a superscript digit (which int() refuses) raised."""
    if not any(part.isdigit() and list_index(part) is None for key in formdata for part in key.split("-")):
        return formdata
    out: MultiDict = MultiDict()
    for key, value in formdata.items(multi=True):
        if all(list_index(part) is not None for part in key.split("-") if part.isdigit()):
            out.add(key, value)
    return out


def posted_relatives(formdata: MultiDict) -> int:
    """How many relatives' blocks a POST carries (by their highest index; see well_formed)."""
    indices = {list_index(key.split("-", 2)[1]) for key in formdata
               if key.startswith("relatives-") and key.count("-") >= 2}
    return max((i + 1 for i in indices if i is not None), default=0)


def posted_submission(limit: int) -> tuple[SubmissionForm, bool]:
    """The report form as posted, with at most `limit` relatives' blocks however many were sent (so
    no answer, the expired-page one included, draws more), and whether some were left out."""
    too_many = posted_relatives(request.form) > limit
    return (SubmissionForm(formdata=within_limit(request.form, limit)) if too_many else SubmissionForm()), too_many


def within_limit(formdata: MultiDict, limit: int) -> MultiDict:
    """The posted data without the blocks of relatives beyond `limit` (so no request does more work
    than the limit allows, however many it sends)."""
    out: MultiDict = MultiDict()
    for key, value in formdata.items(multi=True):
        parts = key.split("-", 2)
        index = list_index(parts[1]) if len(parts) == 3 else None
        if parts[0] == "relatives" and (index is None or index >= limit):
            continue
        out.add(key, value)
    return out


class SubmissionForm(PublicForm):
    relatives = FieldList(FormField(RelativeForm), label=_l("Person"), min_entries=1)
    contact = text_field(_l("How we may contact you (optional)"), 500, render_kw={"dir": "auto"})
    consent_share_research = BooleanField(_l("Researchers may receive this testimony in anonymised form "
                                             "(without names, ID numbers or contact details)."))
    consent_contact = BooleanField(_l("Reviewers may contact me using the details I gave."))
    consent_publish_name = BooleanField(_l("The names of my detained relatives may be published."))
    language = Choice(_l("Language for our replies"), reply_language_choices)
    # The honeypot: hidden from people (CSS and aria-hidden), filled in by form-filling robots.
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})
    # This page's one-time value: the same page sent twice gets the same receipt and is stored once
    # (families.submit). Never put back by the browser into a page it loads again (autocomplete off);
    # good only in the browser session that got the page, while the page lives (form_once.py).
    once = HiddenField(render_kw={"autocomplete": "off"})

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.language.data:
            self.language.data = current_language().code
        fresh_once(self.once)

    def validate_contact(self, field: StringField) -> None:
        if field.data and not self.consent_contact.data:
            raise FieldError(_l("Please tick the box below if we may contact you, or leave this field empty."))

    def caught_robot(self) -> bool:
        return bool((self.website.data or "").strip())

    def to_input(self) -> SubmissionInput:
        return SubmissionInput(
            language=self.language.data or "en",
            reports=[report_input(entry.form) for entry in self.relatives.entries],
            consent_share_research=bool(self.consent_share_research.data),
            consent_contact=bool(self.consent_contact.data),
            consent_publish_name=bool(self.consent_publish_name.data),
            contact=self.contact.data or None)


def fresh_once(field: HiddenField) -> None:
    """Keep the one-time value the page was sent with while it is good in this browser session
    (public/form_once.py), or issue one for a new page."""
    if not form_once.valid(field.data):
        field.data = form_once.issue()


def person_label(person: PersonRef) -> str:
    """"Person 2: the names the family typed", or "Person 2 (R-…)" when the names cannot be shown."""
    # Each name keeps its own direction and the number its order, inside any language's sentence.
    number = isolate(person.number)
    if person.names:
        return str(_l("Person %(n)s: %(names)s", n=number,
                      names=" / ".join(isolate(name, ltr=False) for name in person.names)))
    return str(_l("Person %(n)s (%(handle)s)", n=number, handle=isolate(person.handle)))


def report_input(form: RelativeForm) -> ReportInput:
    names = [{"value": e.form.value.data, "script": e.form.script.data or text.guess_script(e.form.value.data)}
             for e in form.names.entries if e.form.value.data]
    return ReportInput(
        names=names, gender=form.gender.data or None, birth_date=form.birth.form.iso,
        ethnicity=form.ethnicity.data or None,
        home_county=form.home_county.data or None, home_place_text=form.home_place_text.data or None,
        id_number=form.id_number.data or None, occupation=form.occupation.data or None,
        detention_date=form.detention.form.iso, detention_place=form.detention_place.data or None,
        facility=form.facility.data or None, facility_type=form.facility_type.data or None,
        status=form.status.data or "unknown", sentence=form.sentence.data or None,
        last_contact=form.last_contact.form.iso,
        submitter_relationship=form.relationship.data or None, testimony=form.testimony.data or None)


def without_relative(formdata: MultiDict, index: int) -> MultiDict:
    """The posted data minus one relative's block, later blocks renumbered (the "remove" button)."""
    out: MultiDict = MultiDict()
    for key, value in formdata.items(multi=True):
        parts = key.split("-", 2)
        position = list_index(parts[1]) if parts[0] == "relatives" and len(parts) == 3 else None
        if position is not None:
            if position == index:
                continue
            if position > index:
                key = f"relatives-{position - 1}-{parts[2]}"
        out.add(key, value)
    return out


def _receipt_check(form: Form, field: HiddenField) -> None:
    try:
        field.data = receipts.normalise(field.data or "")
    except receipts.MalformedReceipt:
        raise FieldError(_l("A receipt has 24 digits (older receipts have 20). Please check that you copied all "
                            "of them.")) from None


class ReceiptForm(PublicForm):
    receipt = StringField(_l("Your receipt number"), validators=[_receipt_check], filters=[receipts.as_typed],
                          render_kw={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false",
                                     "dir": "ltr"})


class ReceiptHolderForm(PublicForm):
    """Forms on the status page carry the receipt in a hidden field, never in the URL or a cookie."""

    receipt = HiddenField(validators=[_receipt_check], filters=[receipts.as_typed])


class FollowUpForm(ReceiptHolderForm):
    news = text_field(_l("News or corrections"), 50_000, area=True, render_kw={"rows": 6, "dir": "auto"})
    report = Choice(_l("About whom"), [])
    new_status = Choice(_l("Their situation now, if it changed"), vocabulary_choices("statuses",
                                                                                    _l("No change")))
    when = FormField(ApproxDateForm, label=_l("When it happened"))
    sentence = text_field(_l("Sentence, if one was given"), 300, render_kw={"dir": "auto"})
    in_reply_to = HiddenField()  # set by the answer forms under a reviewers' question
    # One value for the news form and the answer forms of one page: what each holds tells them apart,
    # and the same one sent twice is stored once (families.add_follow_up).
    once = HiddenField(render_kw={"autocomplete": "off"})

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        fresh_once(self.once)

    def set_reports(self, people: list[PersonRef]) -> None:
        choices = [SelectChoice(p.handle, person_label(p)) for p in people]
        if len(choices) == 1:  # one person: nothing to choose, and a new status is about them
            self.report.choices = choices
            self.report.data = self.report.data or choices[0].value
        else:
            self.report.choices = [SelectChoice("", str(_l("Everyone in this report")))] + choices

    def question(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.in_reply_to.data) if self.in_reply_to.data else None
        except ValueError:
            return None

    files_chosen = False  # set by the view: files alone are news enough

    def validate(self, extra_validators: dict | None = None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.news.data or self.new_status.data or self.files_chosen or self.news.errors):
            self.news.errors.append(_l("Please write your news, choose a new situation or add a file."))
            ok = False
        if self.new_status.data and not self.report.data:
            self.report.errors.append(_l("Please choose whose situation changed."))
            ok = False
        return ok


class WithdrawForm(ReceiptHolderForm):
    confirm = BooleanField(_l("I understand: everything we sent will be destroyed and cannot be recovered."))


class ReceiptAgainForm(ReceiptHolderForm):
    """Re-shows the receipt page in another language; the receipt comes from the page itself."""
