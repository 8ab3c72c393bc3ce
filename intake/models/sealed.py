"""Sealed attributes: models expose plaintext, the database sees only ciphertext.

A model declares a ciphertext column and a `Sealed` attribute over it:

    testimony_sealed: Mapped[bytes | None] = mapped_column("testimony", LargeBinary)
    testimony = Sealed(Codec.TEXT)

Setting `report.testimony` keeps the plaintext in memory; a before-flush hook encrypts it under the
data key of the row's key owner (its submission, say), with the table, column and row id bound in as
associated data. Reading decrypts on first access and fails closed with a domain error.

Data keys are resolved per session through `DataKeys`, which caches each unwrapped key for the life of
the session only (one request, one CLI batch) and never stores it anywhere else.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import has_app_context
from sqlalchemy import bindparam, event, select, true
from sqlalchemy.orm import Session, object_session, scoped_session

from ..crypto import fields, wraps
from ..crypto.errors import CryptoError, DecryptionError, KeystoreError, UnknownKeyError
from ..crypto.vault import Vault
from .prebuilt import Prebuilt

_PENDING = "_sealed_pending"
_PLAIN = "_sealed_plain"


class Codec(StrEnum):
    TEXT = "text"
    JSON = "json"
    BYTES = "bytes"

    def encode(self, value: Any) -> bytes:
        if self is Codec.TEXT:
            if not isinstance(value, str):
                raise TypeError("a sealed text field takes a str")
            return value.encode("utf-8")
        if self is Codec.JSON:
            return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        if not isinstance(value, bytes | bytearray):
            raise TypeError("a sealed bytes field takes bytes")
        return bytes(value)

    def decode(self, data: bytes) -> Any:
        if self is Codec.TEXT:
            return data.decode("utf-8")
        if self is Codec.JSON:
            return json.loads(data.decode("utf-8"))
        return data


class KeyOwner(Protocol):
    """What a model with sealed fields provides: its table, its row id, and which row's data key
    (its own, or its submission's) the fields are sealed under."""

    __tablename__: str
    id: uuid.UUID

    def dek_owner(self) -> tuple[str, uuid.UUID]: ...


class Sealed:
    def __init__(self, codec: Codec = Codec.TEXT) -> None:
        self.codec = codec

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.attr = f"{name}_sealed"

    def __get__(self, obj: KeyOwner | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        pending = obj.__dict__.get(_PENDING, {})
        if self.name in pending:
            return pending[self.name]
        blob = getattr(obj, self.attr)
        if blob is None:
            return None
        cache = obj.__dict__.setdefault(_PLAIN, {})
        hit = cache.get(self.name)
        if hit is not None and hit[0] == blob:
            return hit[1]
        session = object_session(obj)
        if session is None:
            raise CryptoError("a sealed field can be read only from a row attached to a session")
        dek_id, dek = data_keys(session).get(*obj.dek_owner())
        plain = fields.decrypt_field(dek, dek_id, obj.__tablename__, self.name, obj.id, blob)
        return self._decoded(obj, blob, plain, cache)

    def _decoded(self, obj: KeyOwner, blob: bytes, plain: bytes, cache: dict[str, Any]) -> Any:
        try:
            value = self.codec.decode(plain)
        except (UnicodeDecodeError, ValueError):
            raise DecryptionError(f"{obj.__tablename__}.{self.name} of row {obj.id} decoded to garbage") from None
        cache[self.name] = (blob, value)
        return value

    def __set__(self, obj: KeyOwner, value: Any) -> None:
        if value is not None:
            self.codec.encode(value)  # type check now, not at flush
        obj.__dict__.setdefault(_PENDING, {})[self.name] = value
        obj.__dict__.get(_PLAIN, {}).pop(self.name, None)
        # A placeholder marks the row dirty; the flush hook replaces it with ciphertext (or None).
        setattr(obj, self.attr, b"" if value is not None else None)


def read_sealed(obj: KeyOwner, names: Sequence[str]) -> dict[str, Any]:
    """These sealed fields of one row by name, each exactly as reading the attribute gives it, with
    the row's data key looked up and its AES object made once for all of them (the report and person
    pages read a report's seventeen fields together)."""
    cls = type(obj)
    pending = obj.__dict__.get(_PENDING, {})
    cache = obj.__dict__.setdefault(_PLAIN, {})
    opener: fields.RowOpener | None = None
    out: dict[str, Any] = {}
    for name in names:
        sealed: Sealed = getattr(cls, name)
        if name in pending:
            out[name] = pending[name]
            continue
        blob = getattr(obj, sealed.attr)
        hit = cache.get(name) if blob is not None else None
        if blob is None:
            out[name] = None
        elif hit is not None and hit[0] == blob:
            out[name] = hit[1]
        else:
            if opener is None:
                session = object_session(obj)
                if session is None:
                    raise CryptoError("a sealed field can be read only from a row attached to a session")
                dek_id, dek = data_keys(session).get(*obj.dek_owner())
                opener = fields.RowOpener(AESGCM(dek), dek_id, obj.__tablename__, obj.id)
            out[name] = sealed._decoded(obj, blob, opener.open(name, blob), cache)
    return out


def sealed_names(cls: type) -> list[str]:
    return [name for name in dir(cls) if isinstance(getattr(cls, name, None), Sealed)]


def current_vault(session: Session) -> Vault:
    vault = session.info.get("vault")
    if vault is None and has_app_context():
        from ..keyring import get_vault, vault_problem

        vault = get_vault()
        if vault is None:
            raise KeystoreError(f"no keys are available: {vault_problem()}")
    if vault is None:
        raise CryptoError("no key vault is configured for this session")
    return vault


class DataKeys:
    """Session-scoped access to data keys: create, unwrap and cache."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[tuple[str, uuid.UUID], tuple[bytes, bytes]] = {}

    @property
    def vault(self) -> Vault:
        return current_vault(self.session)

    def create(self, owner_table: str, owner_id: uuid.UUID, *, via: str = "inbox") -> tuple[bytes, bytes]:
        """A fresh data key for a new owner row, wrapped to the inbox (HPKE) or the current KEK."""
        from .keys import RecordKey

        dek_id, dek = os.urandom(16), os.urandom(32)
        if via == "inbox":
            public = self.vault.require_review_public()
            wrapped = wraps.inbox_wrap(public, owner_table, owner_id, dek)
            holder_id = public.key_id
        else:
            kek = self.vault.current_kek()
            wrapped = wraps.kek_wrap(kek, owner_table, owner_id, dek)
            holder_id = kek.key_id
        self.session.add(RecordKey(owner_table=owner_table, owner_id=owner_id, dek_id=dek_id,
                                   holder=via, holder_key_id=holder_id, wrapped=wrapped))
        self.cache[(owner_table, owner_id)] = (dek_id, dek)
        return dek_id, dek

    def get(self, owner_table: str, owner_id: uuid.UUID) -> tuple[bytes, bytes]:
        hit = self.cache.get((owner_table, owner_id))
        if hit is not None:
            return hit
        try:
            return self._unwrap(owner_table, owner_id)
        except UnknownKeyError:
            # Another process (`flask keys rotate`) may have moved this wrap to a newer key.
            if not self.vault.reload():
                raise
            return self._unwrap(owner_table, owner_id)

    def _unwrap(self, owner_table: str, owner_id: uuid.UUID) -> tuple[bytes, bytes]:
        from .keys import RecordKey

        vault = self.vault
        vault.require_readable()
        with self.session.no_autoflush:
            rows = self.session.scalars(select(RecordKey).where(
                RecordKey.owner_table == owner_table, RecordKey.owner_id == owner_id)).all()
        if not rows:
            raise CryptoError(f"no data key exists for {owner_table} {owner_id} (withdrawn and shredded?)")
        # After take-in only working-store wraps count: an inbox wrap beside one, or on a row the
        # review face has sealed, could carry a data key planted with the PUBLIC review key.
        working = [r for r in rows if r.holder == "kek"]
        if working:
            rows = working
        else:
            from ..services.integrity import inbox_wrap_allowed

            with self.session.no_autoflush:
                allowed = inbox_wrap_allowed(self.session, owner_table, owner_id)
            if not allowed:
                raise DecryptionError(f"{owner_table} {owner_id} was taken in but has only an inbox wrap: refused "
                                      "(its working-store wrap was removed; possible tampering)")
        last_error: CryptoError | None = None
        for row in rows:
            try:
                if row.holder == "kek":
                    dek = wraps.kek_unwrap(vault.keks, owner_table, owner_id, row.wrapped)
                else:
                    dek = wraps.inbox_unwrap(vault.review_private, owner_table, owner_id, row.wrapped)
            except CryptoError as exc:
                last_error = exc
                continue
            self.cache[(owner_table, owner_id)] = (row.dek_id, dek)
            return row.dek_id, dek
        assert last_error is not None
        raise last_error

    def prefetch(self, owner_table: str, owner_ids: Iterable[uuid.UUID]) -> None:
        """Unwrap many owners' data keys with one query (bulk reads: dedup, exports, statistics)."""
        vault = self.vault
        vault.require_readable()
        wanted = {i for i in owner_ids if (owner_table, i) not in self.cache}
        if not wanted:
            return
        with self.session.no_autoflush:
            rows = self.session.execute(_WORKING_WRAPS(self.session), {"table": owner_table, "ids": list(wanted)}).all()
        self._take(owner_table, rows)

    def take_from(self, owner_table: str, rows: Sequence[Any], owner_id: Callable[[Any], uuid.UUID]) -> None:
        """Unwrap the wraps `with_working_wrap` read beside `rows` (`owner_id`: a row's owner). Rows
        read without them, or without a wrap, and wraps under a KEK this process does not hold are
        left for `prefetch` and `get`."""
        if rows and "wrap_wrapped" in rows[0]._fields:
            self._take(owner_table, [(owner_id(r), r.wrap_dek_id, r.wrap_holder_key_id, r.wrap_wrapped)
                                     for r in rows if r.wrap_wrapped is not None])

    def _take(self, owner_table: str, rows: Iterable[tuple[uuid.UUID, bytes, bytes, bytes]]) -> None:
        vault = self.vault
        vault.require_readable()
        aeads: dict[bytes, Any] = {}  # one AES object per KEK for the batch, not one per data key
        for owner_id, dek_id, holder_key_id, wrapped in rows:
            if holder_key_id in vault.keks:
                dek = wraps.kek_unwrap(vault.keks, owner_table, owner_id, wrapped, aeads=aeads)
                self.cache[(owner_table, owner_id)] = (dek_id, dek)

    def forget(self, owner_table: str, owner_id: uuid.UUID) -> None:
        self.cache.pop((owner_table, owner_id), None)


def _working_wraps(among: Any) -> Any:
    from .keys import RecordKey

    return select(RecordKey.owner_id, RecordKey.dek_id, RecordKey.holder_key_id, RecordKey.wrapped).where(
        RecordKey.owner_table == bindparam("table"), among(RecordKey.owner_id, "ids"), RecordKey.holder == "kek")


# The working-store wraps of many owners (prefetch): columns, not objects, in one prebuilt statement.
_WORKING_WRAPS = Prebuilt(_working_wraps)


def with_working_wrap(query: Any, owner_table: str, owner_id: Any) -> Any:
    """`query` with a working-store wrap of the data key of `owner_id` (a column of it) beside each
    row, through a LATERAL subquery (PostgreSQL): columns wrap_dek_id, wrap_holder_key_id and
    wrap_wrapped, for `DataKeys.take_from`. Read with a page's rows, they save `prefetch`'s query."""
    from .keys import RecordKey

    wrap = (select(RecordKey.dek_id, RecordKey.holder_key_id, RecordKey.wrapped)
            .where(RecordKey.owner_table == owner_table, RecordKey.owner_id == owner_id, RecordKey.holder == "kek")
            .order_by(RecordKey.id).limit(1).lateral(f"{owner_table}_wrap"))
    return query.add_columns(wrap.c.dek_id.label("wrap_dek_id"), wrap.c.holder_key_id.label("wrap_holder_key_id"),
                             wrap.c.wrapped.label("wrap_wrapped")).outerjoin(wrap, true())


def data_keys(session: Session | scoped_session[Session]) -> DataKeys:
    if isinstance(session, scoped_session):
        session = session()  # the request's real session, as the flush hook sees it
    keys = session.info.get("intake.data_keys")
    if keys is None or keys.session is not session:
        keys = session.info["intake.data_keys"] = DataKeys(session)
    return keys


@event.listens_for(Session, "before_flush")
def _seal_pending(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        pending = obj.__dict__.get(_PENDING)
        if not pending:
            continue
        dek_id, dek = data_keys(session).get(*obj.dek_owner())
        cache = obj.__dict__.setdefault(_PLAIN, {})
        for name, value in list(pending.items()):
            attr = f"{name}_sealed"
            if value is None:
                setattr(obj, attr, None)
                cache.pop(name, None)
            else:
                codec: Codec = getattr(type(obj), name).codec
                blob = fields.encrypt_field(dek, dek_id, obj.__tablename__, name, obj.id, codec.encode(value))
                setattr(obj, attr, blob)
                cache[name] = (blob, value)
            del pending[name]


@event.listens_for(Session, "after_soft_rollback")
def _drop_keys_on_rollback(session: Session, previous_transaction: Any) -> None:
    # Data keys created in a rolled-back transaction never reached the database.
    session.info.pop("intake.data_keys", None)
