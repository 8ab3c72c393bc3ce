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
