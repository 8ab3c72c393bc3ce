"""The registry of jobs: a name, a function of (session, vault, **ints), the arguments it takes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..crypto.errors import CryptoError
from ..services.errors import ServiceError

log = logging.getLogger(__name__)


class JobError(Exception):
    """A job that cannot run or failed: the message names the job and a reason, never a value."""


@dataclass(frozen=True)
class Job:
    name: str
    fn: Callable[..., dict[str, int]]  # fn(session, vault, **kwargs) -> counts
    params: frozenset[str]  # whole-number keyword arguments it accepts
    periodic: bool = False  # run by the worker every INTAKE_TAKE_IN_INTERVAL seconds
    timeout: int = 3600  # seconds, on RQ


JOBS: dict[str, Job] = {}

# Upper bounds of the whole-number arguments, as the commands that start the same work have them: a
# job comes from the job Redis, which is not trusted, and a batch of a billion would hold a
# billion decrypted reports in one process.
BOUNDS = {"batch": 100_000, "workers": 8, "limit": 10**9}


def job(name: str, *, params: tuple[str, ...] = (), periodic: bool = False,
        timeout: int = 3600) -> Callable[[Callable[..., dict[str, int]]], Callable[..., dict[str, int]]]:
    if not set(params) <= BOUNDS.keys():
        raise ValueError(f"job {name}: every argument needs an upper bound in BOUNDS")

    def register(fn: Callable[..., dict[str, int]]) -> Callable[..., dict[str, int]]:
        JOBS[name] = Job(name, fn, frozenset(params), periodic, timeout)
        return fn
    return register


def checked(name: str, kwargs: dict[str, Any]) -> Job:
    """The registered job and its arguments, or JobError: a queue entry is never trusted blindly."""
    _load()
    spec = JOBS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise JobError(f"no job named {name!r}" if isinstance(name, str) else "a job name is text")
    unknown = set(kwargs) - spec.params
    if unknown:
        raise JobError(f"job {name} takes no {', '.join(sorted(unknown))}")
    for key, value in kwargs.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise JobError(f"job {name}: {key} must be a positive whole number")
        if value is not None and value > BOUNDS[key]:
            raise JobError(f"job {name}: {key} is at most {BOUNDS[key]}")
    return spec


def run(name: str, **kwargs: Any) -> dict[str, int]:
    """Run a job in this process, in the current app context, with the review vault."""
    from ..extensions import db
    from ..keyring import get_vault, vault_problem

    spec = checked(name, kwargs)
    vault = get_vault()
    if vault is None or not vault.unlocked:
        raise JobError(f"job {name} needs the review keys: {vault_problem() or 'locked'}")
    try:
        counts = spec.fn(db.session, vault, **{k: v for k, v in kwargs.items() if v is not None})
    except (CryptoError, ServiceError) as exc:
        db.session.rollback()
        raise JobError(f"job {name} failed: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a database error's text may quote parameters
        db.session.rollback()
        log.error("job %s failed: %s", name, type(exc).__name__)
        raise JobError(f"job {name} failed: {type(exc).__name__}") from None
    log.info("job %s: %s", name, counts)
    return counts


def _load() -> None:
    from . import tasks  # noqa: F401 - registers the jobs
