"""Writing an export's membership rows (one per report in a built export), sealed, in bulk.

A million-person export writes a million rows inside the build's transaction, so they go as directly
as the database allows: COPY (binary) on PostgreSQL, through psycopg on the session's own
connection and transaction; one driver-level executemany per chunk on SQLite (SQLAlchemy's
per-value processing of a Core insert cost more than the seal). Each row is sealed as
`integrity.seal_row` would seal it (`export_notices.MEMBER`: id, export, report, person key),
with the HMAC keyed once per build.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

from sqlalchemy.orm import Session

from ..crypto.integrity import Sealer
from ..crypto.vault import Vault
from ..models import ExportMember
from .export_notices import MEMBER

_COLUMNS = ("id", "export_id", "report_id", "person_key", "mac")


def insert_members(session: Session, vault: Vault, export_id: uuid.UUID,
                   members: Sequence[tuple[uuid.UUID, uuid.UUID]], chunk: int = 5000) -> None:
    """One sealed row per (report id, person key), in the session's transaction."""
    seal = Sealer(vault.current_integrity_key(), MEMBER.domain)
    table = ExportMember.__table__.name
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection  # psycopg's, in the session's transaction
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["uuid", "uuid", "uuid", "uuid", "bytea"])
            for row in _rows(seal, export_id, members):
                copy.write_row(row)
        return
    # SQLite keeps a UUID as its 32 hex digits (SQLAlchemy's Uuid type without a native one).
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    write = f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({', '.join([mark] * len(_COLUMNS))})"
    export_hex = export_id.hex
    batch: list[tuple[str, str, str, str, bytes]] = []
    for row_id, _, report_id, person_key, mac in _rows(seal, export_id, members):
        batch.append((row_id.hex, export_hex, report_id.hex, person_key.hex, mac))
        if len(batch) >= chunk:
            connection.exec_driver_sql(write, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(write, batch)


def _rows(seal: Sealer, export_id: uuid.UUID, members: Sequence[tuple[uuid.UUID, uuid.UUID]],
          ) -> Iterator[tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID, bytes]]:
    uuid4 = uuid.uuid4
    for report_id, person_key in members:
        row_id = uuid4()
        yield row_id, export_id, report_id, person_key, seal(row_id, export_id, report_id, person_key)
