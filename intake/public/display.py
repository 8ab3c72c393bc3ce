"""What templates need beyond plain values: labels in the visitor's language, field attributes.

Registered as template globals by the public blueprint, so templates stay free of logic.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from wtforms import Field

from ..crypto import receipts
from ..models import SubmissionStatus
from ..services import thesauri
from . import gate
from .forms import person_label
from ..web.i18n import current_language, lazy_gettext as _l

SUBMISSION_STATUS = {
    SubmissionStatus.RECEIVED.value: (_l("Received"), _l("Your testimony arrived safely and is waiting for a "
                                                         "reviewer.")),
    SubmissionStatus.IN_REVIEW.value: (_l("Being reviewed"), _l("A reviewer is reading your testimony.")),
    SubmissionStatus.NEEDS_INFORMATION.value: (_l("Question for you"), _l("The reviewers need more information. "
                                                                          "Please read their message below.")),
    # "Recorded" says a reviewer has read and filed it, not that anything in it was verified.
    SubmissionStatus.RECORDED.value: (_l("Recorded"), _l("A reviewer has read your testimony and recorded it.")),
    SubmissionStatus.WITHDRAWN.value: (_l("Withdrawn"), _l("This testimony was withdrawn. Everything it contained "
                                                           "was destroyed.")),
}


def submission_status(code: str) -> tuple[str, str]:
    label, explanation = SUBMISSION_STATUS.get(code, (code, ""))
    return str(label), str(explanation)


def vocabulary_label(name: str, code: str | None) -> str:
    if not code:
        return ""
    term = thesauri.term(name, code)
    return term.label(current_language().code) if term else code


def field_attrs(field: Field, hint: bool = False) -> dict[str, str]:
    """aria-describedby (hint, errors) and aria-invalid for one input."""
    described = ([f"{field.id}-hint"] if hint else []) + ([f"{field.id}-error"] if field.errors else [])
    attrs = {"aria_describedby": " ".join(described)} if described else {}
    if field.errors:
        attrs["aria_invalid"] = "true"
    return attrs


def language_href(code: str) -> str:
    """The current page in another language, for pages reached by GET; the home page otherwise."""
    if request.method == "GET" and request.endpoint and request.endpoint != "static":
        return url_for(request.endpoint, **(request.view_args or {}), lang=code)
    return url_for("public.index", lang=code)


def quick_exit_url() -> str:
    return str(current_app.config["INTAKE_QUICK_EXIT_URL"])


def grouped(receipt: str) -> list[str]:
    return receipts.grouped(receipt.replace(" ", "")).split(" ")


TEMPLATE_GLOBALS = {
    "pow_token": gate.issue, "person_label": person_label,
    "submission_status": submission_status, "vocabulary_label": vocabulary_label, "field_attrs": field_attrs,
    "language_href": language_href, "quick_exit_url": quick_exit_url, "grouped_receipt": grouped,
}
