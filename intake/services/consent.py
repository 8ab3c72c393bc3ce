"""The family's consent choices: sealed by the public face inside the submission's ciphertext, once,
at submission; read (decrypted) only by the review face.

Sealed under the submission's data key with the row and column in the associated data, the
choices cannot be changed, copied from another submission or forged by anything that can write
the database: a ciphertext that does not decrypt, or is missing, counts as "no" to everything.
Exports, statistics and any other use of consent read it through `consents`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto.errors import CryptoError
from ..models import Submission
from .integrity import chunks

CONSENT_BITS = {"share_research": 1, "contact": 2, "publish_name": 4}
# "family": sealed at submission; "migrated": from a pre-upgrade row; "imported": stated by the
# admin who imported a list, for the consent the list's keepers hold (services/imports.py).
ORIGINS = ("family", "migrated", "imported")


@dataclass(frozen=True)
class Consent:
    """The family's choices. Unknown (origin None) counts as "no" to everything."""

    share_research: bool = False
    contact: bool = False
    publish_name: bool = False
    origin: str | None = None  # one of ORIGINS
    problem: str | None = None

    @property
    def known(self) -> bool:
        return self.origin is not None


def consent_record(*, share_research: bool, contact: bool, publish_name: bool, origin: str = "family") -> dict[str, Any]:
    """The sealed value of Submission.consent."""
    return {"share_research": bool(share_research), "contact": bool(contact), "publish_name": bool(publish_name),
            "origin": origin}


def seal_legacy_consent(submission: Submission) -> bool:
    """Seal a pre-upgrade row's plain choices under its data key (review face). True if it did."""
    if submission.consent_sealed is not None or submission.legacy_consent is None:
        return False
    bits = submission.legacy_consent
    submission.consent = consent_record(origin="migrated", **{k: bool(bits & v) for k, v in CONSENT_BITS.items()})
    submission.legacy_consent = None
    return True


def consents(session: Session, submission_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Consent]:
    """The family's sealed choices per submission, decrypted (the review face; data keys one query a batch)."""
    from ..models.sealed import data_keys

    ids = list(dict.fromkeys(submission_ids))
    out: dict[uuid.UUID, Consent] = {}
    keys = data_keys(session)
    for chunk in chunks(ids):
        keys.prefetch("submissions", chunk)
        for submission in session.scalars(select(Submission).where(Submission.id.in_(chunk))):
            out[submission.id] = consent_of(submission)
    return out


def consent_of(submission: Submission) -> Consent:
    """The Consent of one submission already read (its data key fetched, or fetched here)."""
    return interpret(submission.consent_sealed is not None, submission.legacy_consent, lambda: submission.consent)


def interpret(sealed: bool, legacy_consent: int | None, read: Callable[[], Any]) -> Consent:
    """The Consent a submission's sealed choices stand for. `read` decrypts them (the ORM path here,
    services/bulk.py in whole-store jobs): anything that fails or is malformed means "no"."""
    if not sealed:
        return Consent(problem="not yet sealed (run `flask integrity seal`)" if legacy_consent is not None
                       else "none recorded")
    try:
        value = read()
    except CryptoError:
        return Consent(problem="the sealed choices do not decrypt")
    if not (isinstance(value, dict) and all(isinstance(value.get(k), bool) for k in CONSENT_BITS)
            and value.get("origin") in ORIGINS):
        return Consent(problem="the sealed choices are malformed")
    return Consent(value["share_research"], value["contact"], value["publish_name"], value["origin"])
