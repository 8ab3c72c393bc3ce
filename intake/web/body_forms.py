"""The base of the review face's forms: they read the form body, never JSON, and files only into
their own file fields; and WTForms' own refusals come in the page's language (form_messages).

Flask-WTF fills a form from the request's files and form fields together, or from a JSON body: a
file part named like a text field, or `{"username": 5}`, reached the validators as an object that
is not text (the length check raised, a 500, on the sign-in page too). The public forms read the
body alone already (public/forms.py, PublicForm).
"""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from .form_messages import CatalogueMeta


class BodyForm(FlaskForm):
    class Meta(CatalogueMeta, FlaskForm.Meta):
        def wrap_formdata(self, form: object, formdata: object) -> object:
            if formdata is not _Auto:
                return formdata
            if not _is_submitted():
                return None
            wanted = {field.name for field in form if isinstance(field, FileField)}  # type: ignore[attr-defined]
            files = MultiDict([(k, v) for k, v in request.files.items(multi=True) if k in wanted]) if wanted else None
            if files:
                return CombinedMultiDict((files, request.form))
            return request.form or None
