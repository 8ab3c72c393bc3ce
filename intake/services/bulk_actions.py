"""Changes to many reports at once from the inbox: assign, tag. All or nothing, one audit entry per
report changed (the same entries the report page's single changes record), one commit."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..models import Report, ReportTag, Role, User
from ..wording import said
from . import audit
from .errors import InvalidInput
from .triage import _tag, _tag_name

MAX_SELECTED = 200


class SelectionError(InvalidInput):
    """The selection itself is refused (none, too many, or a report that does not exist): the inbox
    says so beside the selection rather than beside a field."""


def _reports(session: Session, handles: list[str]) -> list[Report]:
    wanted = list(dict.fromkeys(h.strip().upper() for h in handles if h and h.strip()))
    if not wanted:
        raise SelectionError(said("select at least one report"))
    if len(wanted) > MAX_SELECTED:
        raise SelectionError(said("select at most %(num)s reports at once", num=MAX_SELECTED))
    found = list(session.scalars(select(Report).where(Report.handle.in_(wanted))))
    if len(found) != len(wanted):
        raise SelectionError(said("some selected reports do not exist: nothing was changed"))
    return found


def assign(session: Session, vault: Vault, handles: list[str], assignee: uuid.UUID | None, *,
           actor: uuid.UUID) -> int:
    """Assign every selected report to `assignee` (None: nobody). Returns how many changed."""
    reports = _reports(session, handles)
    if assignee is not None:
        user = session.get(User, assignee)
        if user is None or not user.is_active or user.role not in (Role.REVIEWER.value, Role.ADMIN.value):
            raise InvalidInput(said("reports are assigned to active reviewers or admins only"))
    changed = 0
    for report in reports:
        if report.assigned_to_id == assignee:
            continue
        report.assigned_to_id = assignee
        audit.record(session, vault, actor=str(actor), action="report.assign", object_type="report",
                     object_id=str(report.id), details={"assignee": str(assignee) if assignee else None, "bulk": True})
        changed += 1
    session.commit()
    return changed


def add_tag(session: Session, vault: Vault, handles: list[str], name: str, *, actor: uuid.UUID) -> int:
    """Put tag `name` on every selected report that lacks it. Returns how many changed."""
    name = _tag_name(name)
    reports = _reports(session, handles)
    tag = _tag(session, name, create=True)
    assert tag is not None
    have = set(session.scalars(select(ReportTag.report_id).where(
        ReportTag.tag_id == tag.id, ReportTag.report_id.in_([r.id for r in reports]))))
    changed = 0
    for report in reports:
        if report.id in have:
            continue
        session.add(ReportTag(report_id=report.id, tag_id=tag.id, added_by_id=actor))
        audit.record(session, vault, actor=str(actor), action="report.tag_add", object_type="report",
                     object_id=str(report.id), details={"tag": str(tag.id), "bulk": True})
        changed += 1
    session.commit()
    return changed
