"""The registered jobs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..services import index_jobs, take_in, withdrawal
from .registry import job


@job("take-in", params=("limit",), periodic=True, timeout=3600)
def take_in_job(session: Session, vault: Vault, limit: int | None = None) -> dict[str, int]:
    """Finish withdrawals first (nothing the family withdrew is taken in), then take new
    submissions and follow-ups into the working store."""
    finished = withdrawal.finish_pending(session, vault, limit, actor="system")
    done, failed = take_in.take_in(session, vault, limit=limit)
    return {"withdrawals_finished": finished, "taken_in": done, "failed": failed}


@job("index-rebuild", params=("batch", "limit"), timeout=24 * 3600)
def index_rebuild_job(session: Session, vault: Vault, batch: int = 1000, limit: int | None = None) -> dict[str, int]:
    """Recompute blind indexes not under the current key and normaliser version (resumable)."""
    done, failed = index_jobs.rebuild(session, vault, batch=batch, limit=limit)
    return {"rebuilt": done, "unreadable": failed}


@job("export-build", params=("batch", "workers"), timeout=6 * 3600)
def export_build_job(session: Session, vault: Vault, batch: int = 2000, workers: int = 1) -> dict[str, int]:
    """Build every approved export (queued on approval; `flask export build` does the same). An
    export that cannot meet its privacy model is marked failed with its reason, and no file."""
    from ..services import exports
    from ..services.errors import Conflict

    released = failed = busy = 0
    for export_id in exports.approved_ids(session):
        try:
            try:
                exports.build(session, vault, export_id, batch=batch, workers=min(workers, 8))
            except exports.WithdrawnDuringBuild:  # read the store again, once, without that family
                session.rollback()
                exports.build(session, vault, export_id, batch=batch, workers=min(workers, 8))
            released += 1
        except exports.ExportFailed:
            failed += 1
        except Conflict:  # another process is building it, or it changed meanwhile
            session.rollback()
            busy += 1
    return {"released": released, "failed": failed, "skipped": busy}


@job("statistics-refresh", params=("batch", "workers"), timeout=6 * 3600)
def statistics_refresh_job(session: Session, vault: Vault, batch: int = 2000, workers: int = 1) -> dict[str, int]:
    """Count the store afresh for the statistics pages (`flask stats refresh`)."""
    from ..services import statistics

    try:
        run = statistics.refresh(session, vault, batch=batch, workers=min(workers, 8), actor="system")
    except statistics.TooFewChanged as held:  # the shown counts stay until more has changed
        return {"persons": held.shown.persons, "held": 1}
    return {"persons": run.persons}
