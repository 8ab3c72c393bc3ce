"""Computing and querying a report's blind indexes (review face only: it alone holds the index key)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from ..crypto import blind_index
from ..crypto.vault import Vault
from ..models import BlindIndex, Report
from . import normalise

INDEXES = ("id_number", "name", "birth_year", "county")


def tokens_for(root: bytes, report: Report) -> set[tuple[str, bytes]]:
    values: list[tuple[str, str | None]] = [
        ("id_number", normalise.id_number(report.id_number)),
        ("birth_year", normalise.birth_year(report.birth_date)),
        ("county", normalise.county(report.home_county)),
    ]
    for name in report.names or []:
        if isinstance(name, dict):
            values.append(("name", normalise.name_skeleton(str(name.get("value", "")))))
    return {(index, blind_index.token(root, index, value)) for index, value in values if value}


def reindex(session: Session, vault: Vault, reports: Iterable[Report]) -> None:
    """Replace the blind indexes of these reports (does not commit)."""
    root = vault.require_index_root()
    replace(session, {report.id: tokens_for(root, report) for report in reports})


def replace(session: Session, tokens: dict[uuid.UUID, set[tuple[str, bytes]]]) -> None:
    for report_id, pairs in tokens.items():
        session.execute(delete(BlindIndex).where(BlindIndex.report_id == report_id))
        for index, token in sorted(pairs):
            session.add(BlindIndex(report_id=report_id, index_name=index, token=token))


NORMALISERS = {"id_number": normalise.id_number, "name": normalise.name_skeleton,
               "birth_year": normalise.birth_year, "county": normalise.county}


def matching_ids(vault: Vault, index: str, value: str) -> Select[tuple[uuid.UUID]] | None:
    """A query for the ids of reports whose `index` matches `value` after normalisation (usable as a
    subquery); None when `value` normalises to nothing. No decryption involved."""
    if index not in INDEXES:
        raise ValueError(f"unknown blind index {index!r}")
    normalised = NORMALISERS[index](value)
    if not normalised:
        return None
    token = blind_index.token(vault.require_index_root(), index, normalised)
    return select(BlindIndex.report_id).where(BlindIndex.index_name == index, BlindIndex.token == token)


def search(session: Session, vault: Vault, index: str, value: str) -> list[Report]:
    """Reports whose `index` matches `value` after normalisation."""
    ids = matching_ids(vault, index, value)
    return [] if ids is None else list(session.scalars(select(Report).where(Report.id.in_(ids))))
