"""RecordKey (a data key wrapped for one holder) and BlindIndex (searchable tokens)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import NULL, Base, UUIDKey, today


class RecordKey(UUIDKey, Base):
    """One wrap of one owner row's data key.

    holder "inbox": HPKE-sealed to the review public key by whichever face created the row.
    holder "kek":   AES-GCM under the review face's key-encryption key, after take-in.
    Deleting every RecordKey of an owner destroys its data (crypto-shredding).
    """

    __tablename__ = "record_keys"
    __table_args__ = (
        Index("ix_record_keys_owner", "owner_table", "owner_id"),
        Index("ix_record_keys_holder", "holder", "holder_key_id"),
    )

    owner_table: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[uuid.UUID]
    dek_id: Mapped[bytes] = mapped_column(LargeBinary(16))
    holder: Mapped[str] = mapped_column(String(8))
    holder_key_id: Mapped[bytes] = mapped_column(LargeBinary(16))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_on: Mapped[date] = mapped_column(Date, default=today)


class BlindIndex(UUIDKey, Base):
    """A keyed token of one normalised value of one report (services/blind_indexes.py says which).

    `key_id` names the index root key the token was made with and `version` the normalisers'
    version (blind_indexes.INDEX_VERSION): rows under another key or version are recomputed by
    `flask index rebuild`. Rows from before these columns existed have key_id NULL.

    `arrival` is the report's (`reports.arrival`, copied when the row is written): under one token
    the rows are in inbox order, so the county filter reads a page's rows and no more. Rows written
    before migration 0015 have none until `flask index rebuild` copies it.

    The county filter reads `county_birth_decade` rows; rows written before INDEX_VERSION 15 have
    none, and are found by their `county_birth_year` tokens until `flask index rebuild`.
    """

    __tablename__ = "blind_indexes"
    # Arrival and report id after the token: a token's rows in inbox order ((arrival, id), either
    # way), read by an index-only scan; search and blocking use the (index_name, token) prefix.
    # The rows written before INDEX_VERSION 15 (until `flask index rebuild`; with them those still
    # without an arrival), apart: the county filter probes each of its ~128 birth-year tokens for them
    # on every page, which in the lookup index cost a descent each (blind_indexes.DECADES_SINCE).
    __table_args__ = (Index("ix_blind_indexes_lookup", "index_name", "token", "arrival", "report_id"),
                      Index("ix_blind_indexes_before_decades", "index_name", "token",
                            postgresql_where=text("version < 15"), sqlite_where=text("version < 15")))

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    index_name: Mapped[str] = mapped_column(String(32))
    token: Mapped[bytes] = mapped_column(LargeBinary(16))
    key_id: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    arrival: Mapped[int | None] = mapped_column(BigInteger, server_default=NULL)
