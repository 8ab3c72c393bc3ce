"""The verdicts on review-side state, read in batches: is each report's and submission's sealed
state (status, verification, person link) what the review face last wrote?

A row verifies when its seal checks under an integrity key, its person link agrees with its sealed
link history, and no audit entry records a newer state than the row holds (a replay). The inbox,
the report and person pages, search, and the whole-store jobs (exports, statistics, deduplication)
all ask here; `integrity.py` holds the specs, the seals and the writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto import audit_chain
from ..crypto import integrity as seals
from ..crypto.integrity import SealCheck
from ..crypto.vault import Vault
from ..models import AuditEvent, PersonLinkEvent, Report, Submission, SubmissionStatus
from ..models.prebuilt import Prebuilt
from ..wording import said
from .errors import Conflict
from .integrity import (BACKFILL_ACTION, LINK_EVENT, REPORT, STATE_ACTIONS, SUBMISSION, VERDICT_WORDS, ReportState,
                        Spec, SubmissionState, Verdict, _reloaded, _unverifiable, chunks)

Anchors = tuple[dict[uuid.UUID, int], set[uuid.UUID]]


class _Seals:
    """`check_row` for the many rows of one batch: a prepared HMAC per key (crypto.integrity.Checker),
    and the same one re-read of the keystore when a seal names a key this process lacks."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._check = seals.Checker(vault.integrity_keys)

    def __call__(self, spec: Spec, mac: bytes | None, parts: tuple[Any, ...]) -> SealCheck:
        check = self._check(mac, spec.domain, parts)
        if check is SealCheck.UNKNOWN_KEY and _reloaded(self.vault):
            self._check = seals.Checker(self.vault.integrity_keys)
            check = self._check(mac, spec.domain, parts)
        return check


def _reader(rows: Sequence[Any], names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """Reads these columns (two or more) of each of `rows` as a tuple: by position when they are
    result rows of one query (a row's attribute costs ten times its index), else by attribute."""
    fields = getattr(rows[0], "_fields", None) if rows else None
    if fields is None:
        return attrgetter(*names)
    positions: dict[str, int] = {}
    for n, name in enumerate(fields):
        positions.setdefault(name, n)  # the first of a repeated name, as attribute access gives
    return itemgetter(*(positions[name] for name in names))


_CHECK_PROBLEM = {SealCheck.INVALID: "its integrity seal does not match the row (changed outside the review face)",
                  SealCheck.UNKNOWN_KEY: "it is sealed under an integrity key this process does not hold"}


_STRIPPED = "it was taken in but has no seal, after every row was sealed: its seal was removed"


class _LegacyWindow:
    """Until `flask integrity seal` has sealed every older row once, a taken-in row without a seal is
    legacy; after that it can only have been stripped. Looked up once, and only when needed."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._open: bool | None = None

    @property
    def open(self) -> bool:
        if self._open is None:
            self._open = self.session.scalar(select(AuditEvent.seq).where(
                AuditEvent.action == BACKFILL_ACTION).limit(1)) is None
        return self._open


def submission_states(session: Session, vault: Vault | None,
                      submission_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, SubmissionState]:
    """The authenticated state of each submission (missing ids are simply absent)."""
    ids = list(dict.fromkeys(submission_ids))
    rows = [r for chunk in chunks(ids) for r in session.execute(
        select(*SUBMISSION.select_columns()).where(Submission.id.in_(chunk))).all()]
    anchors = audited_states(session, vault, ids) if not _unverifiable(vault) else None
    read = _reader(rows, _SUBMISSION_READ)
    return _submission_verdicts(session, vault, [read(r) for r in rows], anchors)


# A submission row as `_submission_verdicts` takes it: the sealed columns, then the seal.
_SUBMISSION_READ = (*SUBMISSION.columns, SUBMISSION.mac)
_SEALED = len(SUBMISSION.columns)
_VERIFIED = Verdict.VERIFIED
_WITHDRAWN = SubmissionStatus.WITHDRAWN.value


def _submission_verdicts(session: Session, vault: Vault | None, rows: Sequence[tuple[Any, ...]],
                         anchors: Anchors | None, check: _Seals | None = None) -> dict[uuid.UUID, SubmissionState]:
    """`rows`: tuples of `_SUBMISSION_READ` (id, status, in_working_store, purged_on, state_seq, state_mac)."""
    out: dict[uuid.UUID, SubmissionState] = {}
    locked = _unverifiable(vault)
    legacy = _LegacyWindow(session)
    if check is None and not locked:
        assert vault is not None
        check = _Seals(vault)
    for row in rows:
        sid, status, taken_in = row[0], row[1], row[2]
        if status == _WITHDRAWN:
            # Fail-safe: "withdrawn" only ever hides data, so it is honoured from anyone.
            out[sid] = SubmissionState(sid, Verdict.WITHDRAWN, "the family withdrew it", status=_WITHDRAWN)
        elif locked:
            out[sid] = SubmissionState(sid, Verdict.UNVERIFIABLE, locked)
        else:
            assert check is not None
            verdict = check(SUBMISSION, row[_SEALED], row[:_SEALED])
            if verdict is SealCheck.MISSING and taken_in and not legacy.open:
                out[sid] = SubmissionState(sid, Verdict.TAMPERED, _STRIPPED)
            elif verdict is SealCheck.MISSING:
                out[sid] = SubmissionState(sid, Verdict.NOT_SEALED, "stored before integrity seals existed: run "
                                           "`flask integrity seal`" if taken_in else "awaiting take-in")
            elif verdict is not SealCheck.OK:
                out[sid] = SubmissionState(sid, Verdict.TAMPERED, _CHECK_PROBLEM[verdict])
            else:
                out[sid] = SubmissionState(sid, Verdict.VERIFIED, status=status, taken_in=taken_in)
    if anchors is not None:
        _apply_anchors(anchors, out, ((r[0], r[4]) for r in rows),
                       lambda s, why: SubmissionState(s.submission_id, Verdict.TAMPERED, why))
    return out


def report_states(session: Session, vault: Vault | None,
                  report_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ReportState]:
    """The authenticated state of each report (missing ids are simply absent). The one function
    the inbox, the report and person pages, search, and export, statistics and dedup jobs use."""
    ids = list(dict.fromkeys(report_ids))
    # One query for the reports with their submissions, one look at the audit log for both.
    joined = [r for chunk in chunks(ids) for r in session.execute(
        select(*state_columns()).join(Submission, Submission.id == Report.submission_id)
        .where(Report.id.in_(chunk))).all()]
    return states_of_rows(session, vault, joined)


def state_columns() -> list[Any]:
    """What `states_of_rows` needs of each report (select them joined to the report's submission)."""
    return [*REPORT.select_columns(), *(c.label(f"submission_{c.key}") for c in SUBMISSION.select_columns())]


# What `states_of_rows` reads of a joined row: the report's sealed columns and seal, its submission's.
_REPORT_READ = (*REPORT.columns, REPORT.mac)
_JOINED_SUBMISSION_READ = tuple(f"submission_{c}" for c in _SUBMISSION_READ)
_REPORT_SEALED = len(REPORT.columns)


def states_of_rows(session: Session, vault: Vault | None, joined: Sequence[Any], *, anchors: Anchors | None = None,
                   id_range: tuple[uuid.UUID, uuid.UUID] | None = None,
                   link_events: Sequence[Any] | None = None) -> dict[uuid.UUID, ReportState]:
    """`report_states` of rows already read with `state_columns()` (the bulk path reads them with
    the ciphertexts, in one query). Whole-store jobs pass the anchors of the whole store
    (`all_audited_states`, read once) and, for a page of consecutive report ids, its first and
    last id (link events are then read by range, not by a list of ids). `link_events`: every link
    event of these reports, already read (the person page reads them with its history; events of
    other reports among them are left out)."""
    # The report's own columns keep their names; the submission's are prefixed. Rows are read by
    # position: a bulk job verifies millions.
    read_sub = _reader(joined, _JOINED_SUBMISSION_READ)
    rows = list(map(_reader(joined, _REPORT_READ), joined))
    sub_rows = {sub[0]: sub for sub in map(read_sub, joined)}
    ids = [r[0] for r in rows]
    locked = _unverifiable(vault)
    if locked:
        anchors = None
    elif anchors is None:
        anchors = audited_states(session, vault, ids + list(sub_rows))
    check = None if locked or vault is None else _Seals(vault)
    submissions = _submission_verdicts(session, vault, list(sub_rows.values()), anchors, check)
    out: dict[uuid.UUID, ReportState] = {}
    legacy = _LegacyWindow(session)
    for row in rows:
        rid = row[0]
        sub = submissions[row[1]]
        if sub.verdict in (Verdict.WITHDRAWN, Verdict.UNVERIFIABLE):
            out[rid] = ReportState(rid, sub.verdict, sub.problem, submission=sub)
            continue
        assert check is not None
        verdict = check(REPORT, row[_REPORT_SEALED], row[:_REPORT_SEALED])
        if verdict is SealCheck.MISSING and sub.taken_in and not legacy.open:
            out[rid] = ReportState(rid, Verdict.TAMPERED, _STRIPPED, submission=sub)
        elif verdict is SealCheck.MISSING:
            out[rid] = ReportState(rid, Verdict.NOT_SEALED, sub.problem or "not yet sealed", submission=sub)
        elif verdict is not SealCheck.OK:
            out[rid] = ReportState(rid, Verdict.TAMPERED, _CHECK_PROBLEM[verdict], submission=sub)
        elif not sub.verified:
            out[rid] = ReportState(rid, sub.verdict, f"its submission: {sub.problem}", submission=sub)
        else:  # (id, submission_id, handle, status, verification, person_id, state_seq)
            out[rid] = ReportState(rid, Verdict.VERIFIED, status=row[3], verification=row[4], person_id=row[5],
                                   submission=sub)
    if locked or vault is None:
        return out
    verified = [(rid, state) for rid, state in out.items() if state.verdict is _VERIFIED]
    links, broken = link_history(session, vault, [rid for rid, _state in verified], id_range=id_range,
                                 events=link_events)
    for rid, state in verified:
        if broken and rid in broken:
            out[rid] = ReportState(rid, Verdict.TAMPERED, "one of its person-link events failed verification",
                                   submission=state.submission)
        elif links[rid] != state.person_id:
            out[rid] = ReportState(rid, Verdict.TAMPERED, "its person link disagrees with its sealed link history",
                                   submission=state.submission)
    assert anchors is not None
    _apply_anchors(anchors, out, ((r[0], r[6]) for r in rows),
                   lambda s, why: ReportState(s.report_id, Verdict.TAMPERED, why, submission=s.submission))
    return out


def link_history(session: Session, vault: Vault, report_ids: Sequence[uuid.UUID], *,
                 id_range: tuple[uuid.UUID, uuid.UUID] | None = None, events: Sequence[Any] | None = None,
                 ) -> tuple[dict[uuid.UUID, uuid.UUID | None], set[uuid.UUID]]:
    """Each report's person according to its sealed link events, and the reports with a bad event.
    `id_range`: every id lies between these two (inclusive): one range query instead of IN lists.
    `events`: already read, at least every event of these reports (no query)."""
    from .persons import fold_links

    if events is not None:
        wanted = set(report_ids)
        events = [e for e in events if e.report_id in wanted]
    elif id_range is not None:
        wanted = set(report_ids)
        events = [e for e in session.execute(select(*LINK_EVENT.select_columns()).where(
            PersonLinkEvent.report_id >= id_range[0], PersonLinkEvent.report_id <= id_range[1])).all()
            if e.report_id in wanted]
    else:
        query = _LINK_EVENTS(session)
        events = [e for chunk in chunks(report_ids) for e in session.execute(query, {"ids": chunk}).all()]
    check, read = _Seals(vault), _reader(events, (*LINK_EVENT.columns, LINK_EVENT.mac))
    sealed = len(LINK_EVENT.columns)
    broken = {e.report_id for e, parts in zip(events, map(read, events), strict=True)
              if check(LINK_EVENT, parts[sealed], parts[:sealed]) is not SealCheck.OK}
    return fold_links(report_ids, [e for e in events if e.report_id not in broken]), broken


_LINK_EVENTS = Prebuilt(lambda among: select(*LINK_EVENT.select_columns()).where(
    among(PersonLinkEvent.report_id, "ids")))


def _apply_anchors(found: Anchors, states: dict[uuid.UUID, Any], seqs: Iterable[tuple[uuid.UUID, int]],
                   tampered: Any) -> None:
    """Replays: a verified row whose state_seq is older than its newest audited state is TAMPERED.
    `seqs`: (id, state_seq) of the rows read."""
    anchors, bad = found
    if not anchors and not bad:  # nothing audited about any of them (a store without state entries)
        return
    verified = Verdict.VERIFIED
    for oid, seq in seqs:
        state = states[oid]
        if state.verdict is not verified:
            continue
        if oid in bad:
            states[oid] = tampered(state, "an audit entry about it failed verification")
        elif seq < anchors.get(oid, 0):
            states[oid] = tampered(state, "an older state was put back: the audit log records a newer one")


def audited_states(session: Session, vault: Vault | None, object_ids: Iterable[uuid.UUID]) -> Anchors:
    """The newest state_seq the audit log records per object, from entries whose signature checks."""
    best: dict[uuid.UUID, int] = {}
    bad: set[uuid.UUID] = set()
    query = _ANCHORS(session)
    for chunk in chunks(map(str, object_ids)):
        _add_anchors(vault, session.scalars(query, {"ids": chunk, "actions": _STATE_ACTIONS}), best, bad)
    return best, bad


_STATE_ACTIONS = sorted(STATE_ACTIONS)
_ANCHORS = Prebuilt(lambda among: select(AuditEvent).where(among(AuditEvent.object_id, "ids"),
                                                           among(AuditEvent.action, "actions")))


def not_older(rows: Iterable[Any], sealed_seq: Callable[[Any], int | None], found: Anchors) -> dict[uuid.UUID, bool]:
    """Per row (an export, a candidate pair: rows whose every audited step records its new state
    number): its seal vouches for a state number (`sealed_seq`, None when the seal fails), no audit
    entry about it fails its signature, and the audit log records no newer state of it (`found`, from
    `audited_states`). False for a validly sealed copy of an earlier state put back by a writer."""
    anchors, bad = found
    out = {}
    for row in rows:
        seq = sealed_seq(row)
        out[row.id] = seq is not None and row.id not in bad and seq >= anchors.get(row.id, 0)
    return out


def all_audited_states(session: Session, vault: Vault | None) -> Anchors:
    """`audited_states` of every object, in one pass over the audit log's state entries (whole-store
    jobs read it once, not once per batch)."""
    best: dict[uuid.UUID, int] = {}
    bad: set[uuid.UUID] = set()
    _add_anchors(vault, session.scalars(select(AuditEvent).where(AuditEvent.action.in_(STATE_ACTIONS))
                                        .execution_options(yield_per=2000)), best, bad)
    return best, bad


def _add_anchors(vault: Vault | None, entries: Iterable[AuditEvent], best: dict[uuid.UUID, int],
                 bad: set[uuid.UUID]) -> None:
    public_keys = vault.audit_public if vault is not None else {}
    for entry in entries:
        state = (entry.details or {}).get("state")
        if not isinstance(state, int) or not entry.object_id:
            continue
        try:
            oid = uuid.UUID(entry.object_id)
        except ValueError:
            continue
        if audit_chain.check_entry(entry.prev_hash, entry.fields(), entry.prev_hash, entry.entry_hash,
                                   entry.signature, public_keys.get(entry.key_id)):
            bad.add(oid)
        else:
            best[oid] = max(best.get(oid, 0), state)


def require_report(session: Session, vault: Vault, report: Report) -> ReportState:
    """The report's verified state, or Conflict: nothing is ever built on an unverified state."""
    state = report_states(session, vault, [report.id])[report.id]
    if not state.verified:
        raise Conflict(said("report %(handle)s: %(verdict)s (%(problem)s); nothing was changed",
                             handle=report.handle, verdict=VERDICT_WORDS[state.verdict], problem=state.problem))
    return state


def require_submission(session: Session, vault: Vault, submission_id: uuid.UUID) -> SubmissionState:
    state = submission_states(session, vault, [submission_id])[submission_id]
    if not state.verified:
        raise Conflict(said("this submission: %(verdict)s (%(problem)s); nothing was changed",
                             verdict=VERDICT_WORDS[state.verdict], problem=state.problem))
    return state
