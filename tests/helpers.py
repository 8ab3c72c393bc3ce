"""Test data builders: reports with a distinct, recognisable value in every sealed field."""

from __future__ import annotations

import uuid

from flask import Flask

from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.services.intake import ReportInput, Stored, SubmissionInput, store_submission


def sentinel(field: str, tag: str) -> str:
    """A value no other field or test could produce by chance, in several scripts."""
    return f"SENTINEL-{field}-{tag}-{uuid.uuid4().hex[:8]}"


def full_report(tag: str = "a") -> ReportInput:
    return ReportInput(
        names=[{"value": "ئابدۇرېھىم " + sentinel("name-ug", tag), "script": "ug-Arab"},
               {"value": "阿不都热依木 " + sentinel("name-zh", tag), "script": "zh-Hans"},
               {"value": "Абдурехим " + sentinel("name-ru", tag), "script": "Cyrl"}],
        gender=sentinel("gender", tag),
        birth_date="1984-06 " + sentinel("birth", tag),
        ethnicity=sentinel("ethnicity", tag),
        home_county="653101 " + sentinel("county", tag),
        home_place_text="قەشقەر " + sentinel("place", tag),
        id_number=sentinel("idnumber", tag),
        occupation="مۇئەللىم " + sentinel("occupation", tag),
        detention_date="2017-04 " + sentinel("detention-date", tag),
        detention_place="喀什 " + sentinel("detention-place", tag),
        facility=sentinel("facility", tag),
        facility_type=sentinel("facility-type", tag),
        status="detained",
        sentence=sentinel("sentence", tag),
        last_contact=sentinel("last-contact", tag),
        submitter_relationship=sentinel("relationship", tag),
        testimony="ئۇ 2017-يىلى تۇتۇلدى. 他于2017年被拘留。 Его задержали. " + sentinel("testimony", tag),
    )


def submit(app: Flask, *reports: ReportInput, contact: str | None = None, language: str = "ug") -> Stored:
    """Store a submission through the service layer of `app` (any face)."""
    with app.app_context():
        return store_submission(
            db.session,
            SubmissionInput(language=language, reports=list(reports) or [full_report()], contact=contact,
                            consent_share_research=True),
            pepper=bytes.fromhex(app.config["INTAKE_RECEIPT_PEPPER"]), kdf=PROFILES["test"]["receipt"])


def edit_keystore(path, passphrase: str, edit) -> None:  # noqa: ANN001
    """Edit the keystore's JSON as an operator with the passphrase could, then re-authenticate it (its
    public MAC), so a test can set up a state (old dates, say) without tripping tamper detection."""
    import json

    from intake.crypto import keystore as ks

    before = ks.Keystore.load(path)
    mac_key = ks._mac_key(before.kdf.derive(passphrase.encode(), before.salt))  # noqa: SLF001
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    store = ks.Keystore.load(path)
    store._mac_key = mac_key  # noqa: SLF001
    store.save()
