"""The one clock of the account services (sessions, lockouts, set-up links, TOTP).

Naive UTC, like every DateTime column. Tests move time by replacing `now`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def timestamp(moment: datetime | None = None) -> float:
    """Unix time of a naive-UTC moment (default: now)."""
    return (moment or now()).replace(tzinfo=UTC).timestamp()
