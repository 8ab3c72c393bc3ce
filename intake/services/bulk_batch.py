"""One batch of the bulk path (services/bulk.py): rows of ciphertexts in, `PlainReport`s out.

A batch's rows come from one Core query (`bulk._query`). Everything here runs once per report of a
whole-store job, so rows are read by position (a result row's attribute costs ten times its
index), each column's constant associated data is packed once per batch (`fields.ColumnsOpener`),
one AES object opens each data key's fields, and the seals are checked through
`integrity_states.states_of_rows` with a prepared HMAC per key. Nothing is skipped for speed: every field
of every report is authenticated against its table, column, row and key; every report's and
submission's seal, link history and audit anchor is checked. A submission's consent is the same
ciphertext on each of its reports' rows: it is opened once per batch (and fully checked then).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from operator import itemgetter
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from ..crypto import fields as field_crypto
from ..crypto import wraps
from ..crypto.errors import CryptoError, DecryptionError, UnknownKeyError
from ..crypto.vault import Vault
from ..models import SubmissionStatus
from . import consent as consent_service
from . import integrity, integrity_states
from .consent import Consent
from .packed_fields import ALL_FIELDS, TEXT_FIELDS, unpack

_WITHDRAWN = SubmissionStatus.WITHDRAWN.value


class PlainReport(NamedTuple):
    """One report, decrypted, with its verified review state. Never store it; never log it (its
    repr names the id and flags only, so a traceback or a failed assertion shows no value).
    Immutable: a NamedTuple, because a frozen dataclass of 33 fields cost about ten times as much
    to make (one object.__setattr__ per field), a tenth of the whole path per report."""

    id: uuid.UUID
    submission_id: uuid.UUID
    handle: str
    created_on: date
    # ---- decrypted sealed fields (None: empty, not requested, or not readable) ----
    names: tuple[dict[str, Any], ...]  # [{"value", "script", "kind"?}], as the family gave them
    gender: str | None
    birth_date: str | None  # ISO prefix: "1984", "1984-06", "1984-06-17"
    ethnicity: str | None
    home_county: str | None  # GB/T 2260 code, or free text
    home_place_text: str | None
    id_number: str | None
    occupation: str | None
    detention_date: str | None
    detention_place: str | None
    facility: str | None
    facility_type: str | None
    sentence: str | None
    last_contact: str | None
    submitter_relationship: str | None
    testimony: str | None
    reported_status: str | None  # the situation the family gave (the verified one is `status`)
    # ---- verified review state (integrity_states.report_states): values only when state_ok ----
    state_ok: bool
    state_problem: str | None  # verdict and reason when not state_ok
    status: str | None
    verification: str | None
    person_id: uuid.UUID | None
    submission_status: str | None
    # ---- the submission: the family's sealed consent, withdrawal ----
    consent: Consent
    withdrawn: bool
    readable: bool  # the sealed fields decrypted
    problem: str | None = None  # why not readable (ids and reasons, never a value)

    def __repr__(self) -> str:
        return (f"PlainReport(id={self.id}, readable={self.readable}, state_ok={self.state_ok}, "
                f"withdrawn={self.withdrawn})")

    @property
    def given_name(self) -> str | None:
        return _name_of_kind(self.names, "given")

    @property
    def father_name(self) -> str | None:
        return _name_of_kind(self.names, "father")

    def fields(self) -> dict[str, Any]:
        """The sealed fields as `resolution.prepare_report` takes them (with "id")."""
        out: dict[str, Any] = {"id": str(self.id), "names": list(self.names)}
        for name in TEXT_FIELDS:
            out[name] = getattr(self, name)
        return out


def _name_of_kind(names: Iterable[dict[str, Any]], kind: str) -> str | None:
    for entry in names:
        if entry.get("kind") == kind and entry.get("value"):
            return str(entry["value"])
    return None


_NO_KEY = DecryptionError("no working-store key (not yet taken in, or withdrawn and shredded)")
_JSON = frozenset({"names", "consent"})
_NOT_READABLE = Consent(problem="not readable")
_NO_TEXTS = (None,) * len(TEXT_FIELDS)


def _getter(positions: Sequence[int]) -> Callable[[Any], tuple[Any, ...]]:
    """A row's values at these positions, always as a tuple (itemgetter of one gives the value)."""
    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    return itemgetter(*positions)


class _Layout:
    """Where each column sits in the batch's rows (the query's column names, read once a batch)."""

    def __init__(self, row: Any, wanted: tuple[str, ...]) -> None:
        at: dict[str, int] = {}
        for n, name in enumerate(row._fields):
            at.setdefault(name, n)
        self.id, self.submission_id, self.handle = at["id"], at["submission_id"], at["handle"]
        self.created_on, self.status = at["created_on"], at["submission_status"]
        self.consent, self.legacy, self.dek_id, self.wrap = (at["consent_blob"], at["legacy_consent"],
                                                             at["wrap_dek_id"], at["wrap"])
        self.sealed = _getter([at[name] for name in wanted])
        self.packed = at["packed"]


def decrypt_batch(session: Session, vault: Vault, rows: Sequence[Any], wanted: tuple[str, ...],
                  anchors: integrity_states.Anchors | None, *, contiguous: bool = False) -> list[PlainReport]:
    """Decrypt one batch. `contiguous`: the rows are every report between the first and last id."""
    if not rows:
        return []
    at = _Layout(rows[0], wanted)
    # A submission has one working-store wrap; should it have several, each is tried.
    wrapped: dict[uuid.UUID, list[tuple[bytes, bytes]]] = {}
    unique: dict[uuid.UUID, Any] = {}
    for row in rows:
        unique.setdefault(row[at.id], row)
        if row[at.wrap] is not None and row[at.status] != _WITHDRAWN:
            wrapped.setdefault(row[at.submission_id], []).append((bytes(row[at.dek_id]), row[at.wrap]))
    reports = list(unique.values())
    keys = _data_keys(vault, wrapped)
    states = integrity_states.states_of_rows(session, vault, reports, anchors=anchors,
                                      id_range=(reports[0][at.id], reports[-1][at.id]) if contiguous else None)
    opener = _Opener(wanted)
    return [_plain(row, at, keys.get(row[at.submission_id]), states.get(row[at.id]), opener) for row in reports]


def _data_keys(vault: Vault, wrapped: dict[uuid.UUID, list[tuple[bytes, bytes]]]) -> dict[uuid.UUID, Any]:
    """Each submission's data key from its working-store wrap: (dek_id, AESGCM), or the error."""
    out: dict[uuid.UUID, Any] = {}
    aeads: dict[bytes, AESGCM] = {}  # one AES object per KEK, for this batch only
    reloaded = False
    for sid, candidates in wrapped.items():
        error: CryptoError | None = None
        for dek_id, blob in dict.fromkeys(candidates):  # a submission's wrap repeats on each of its reports
            try:
                dek = wraps.kek_unwrap(vault.keks, "submissions", sid, blob, aeads=aeads)
            except UnknownKeyError as exc:
                # Another process (`flask keys rotate`) may have moved this wrap to a newer key.
                if not reloaded and vault.reload():
                    reloaded = True
                    aeads.clear()
                    try:
                        dek = wraps.kek_unwrap(vault.keks, "submissions", sid, blob)
                    except CryptoError as again:
                        error = again
                        continue
                else:
                    error = exc
                    continue
            except CryptoError as exc:
                error = exc
                continue
            out[sid] = (dek_id, AESGCM(dek))
            break
        else:
            out[sid] = error
    return out


class _Opener:
    """Opens and decodes the wanted fields of a batch's reports, and each submission's consent once."""

    def __init__(self, wanted: tuple[str, ...]) -> None:
        self.wanted = wanted
        self.reports = field_crypto.ColumnsOpener("reports", wanted)
        self.packs = field_crypto.ColumnsOpener("reports", ("packed",))
        self._from_packed = None if wanted == ALL_FIELDS else [ALL_FIELDS.index(name) for name in wanted]
        self.submissions = field_crypto.ColumnsOpener("submissions", ("consent",))
        self.consents: dict[tuple[uuid.UUID, bytes, bytes], Consent] = {}  # for this batch only
        self.meanings: dict[bytes, Consent] = {}  # consent plaintext -> its Consent, for this batch only
        self.names_at = wanted.index("names") if "names" in wanted else None
        self._json_at = () if self.names_at is None else (self.names_at,)
        # Where each of TEXT_FIELDS sits in a row's decoded values (None: not wanted).
        self._text_at = [wanted.index(name) if name in wanted else None for name in TEXT_FIELDS]
        self._all_texts = tuple(wanted[1:]) == TEXT_FIELDS and wanted[0] == "names"

    def texts(self, values: list[Any] | None) -> Sequence[Any]:
        """TEXT_FIELDS' values, in order, from a row's decoded values (None where not wanted or not read)."""
        if values is None:
            return _NO_TEXTS
        if self._all_texts:
            return values[1:]
        return [None if n is None else values[n] for n in self._text_at]

    def fields(self, row_id: uuid.UUID, dek_id: bytes, aead: AESGCM, blobs: Sequence[bytes | None]) -> list[Any]:
        plains = self.reports.open_row(aead, dek_id, row_id, blobs)
        return _decoded("reports", row_id, self.wanted, plains, self._json_at)

    def packed(self, row_id: uuid.UUID, dek_id: bytes, aead: AESGCM, blob: bytes) -> list[Any]:
        """The wanted fields' values from the report's packed copy (services/packed_fields.py)."""
        (plain,) = self.packs.open_row(aead, dek_id, row_id, (blob,))
        values = unpack(row_id, plain)  # type: ignore[arg-type]
        return values if self._from_packed is None else [values[n] for n in self._from_packed]

    def consent(self, submission_id: uuid.UUID, dek_id: bytes, aead: AESGCM, blob: bytes) -> Consent:
        seen = (submission_id, dek_id, bytes(blob))
        cached = self.consents.get(seen)
        if cached is None:
            cached = self.consents[seen] = self._consent(submission_id, dek_id, aead, blob)
        return cached

    def _consent(self, submission_id: uuid.UUID, dek_id: bytes, aead: AESGCM, blob: bytes) -> Consent:
        # Every submission's ciphertext is opened and authenticated; what it says is interpreted
        # once per distinct plaintext (a handful of choices): `interpret` depends on nothing else.
        try:
            (plain,) = self.submissions.open_row(aead, dek_id, submission_id, (blob,))
        except CryptoError as exc:
            return consent_service.interpret(True, None, _raising(exc))
        assert plain is not None
        known = self.meanings.get(plain)
        if known is None:
            known = self.meanings[plain] = consent_service.interpret(
                True, None, lambda: _decoded("submissions", submission_id, ("consent",), (plain,), (0,))[0])
        return known


def _raising(exc: CryptoError) -> Callable[[], Any]:
    def read() -> Any:
        raise exc
    return read


def _decoded(table: str, row_id: uuid.UUID, columns: Sequence[str], plains: Sequence[bytes | None],
             json_at: tuple[int, ...]) -> list[Any]:
    """Each plaintext as its codec gives it (models.sealed.Codec: JSON or UTF-8 text), as the ORM path
    does. `json_at`: the positions of the JSON columns (the others are text)."""
    try:
        out = [None if plain is None else plain.decode("utf-8") for plain in plains]
        for n in json_at:
            if out[n] is not None:
                out[n] = json.loads(out[n])
    except (UnicodeDecodeError, ValueError):
        for column, plain in zip(columns, plains, strict=True):  # which one, for the message
            try:
                if plain is not None:
                    json.loads(plain.decode("utf-8")) if column in _JSON else plain.decode("utf-8")
            except (UnicodeDecodeError, ValueError):
                raise DecryptionError(f"{table}.{column} of row {row_id} decoded to garbage") from None
        raise
    return out


def _plain(row: Any, at: _Layout, key: Any, state: integrity.ReportState | None, opener: _Opener) -> PlainReport:
    rid, sid = row[at.id], row[at.submission_id]
    withdrawn = row[at.status] == _WITHDRAWN
    values: list[Any] | None = None
    problem: str | None = None
    consent = _NOT_READABLE
    if withdrawn:
        problem = "withdrawn by the family"
    elif isinstance(key, BaseException) or key is None:
        problem = f"submission {sid}: {key or _NO_KEY}"
    else:
        dek_id, aead = key
        packed = row[at.packed]
        try:
            values = (opener.fields(rid, dek_id, aead, at.sealed(row)) if packed is None
                      else opener.packed(rid, dek_id, aead, packed))
        except CryptoError as exc:
            problem = str(exc)
        blob = row[at.consent]
        if blob is not None:
            consent = opener.consent(sid, dek_id, aead, blob)
        else:
            consent = consent_service.interpret(False, row[at.legacy], lambda: None)
    texts = opener.texts(values)
    names = values[opener.names_at] if values is not None and opener.names_at is not None else None
    ok = state is not None and state.verified
    # By position, straight into the tuple (PlainReport's own __new__ is a Python call more).
    return _new(PlainReport, (
        rid, sid, row[at.handle], row[at.created_on],
        tuple(n for n in names if isinstance(n, dict)) if isinstance(names, list) else (),
        *texts,
        ok,
        None if ok else (f"{state.verdict}: {state.problem}" if state else "no state"),
        state.status if ok and state else None,
        state.verification if ok and state else None,
        state.person_id if ok and state else None,
        state.submission.status if ok and state and state.submission else None,
        consent, withdrawn or (state is not None and state.verdict is integrity.Verdict.WITHDRAWN),
        problem is None, problem,
    ))


_new = tuple.__new__
_ORDER = ("id", "submission_id", "handle", "created_on", "names", *TEXT_FIELDS, "state_ok", "state_problem", "status",
          "verification", "person_id", "submission_status", "consent", "withdrawn", "readable", "problem")
assert PlainReport._fields == _ORDER, "_plain builds PlainReport by position"
