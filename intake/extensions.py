"""Flask extension objects, created unbound and initialised in create_app."""

import hmac
import ipaddress
from datetime import date
from hashlib import sha256

from flask import current_app, request

from flask_babel import Babel
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .models import pg_connection  # noqa: F401 - PostgreSQL connections keep their prepared statements
from .models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()


def hashed_remote_address() -> str:
    """The rate-limit key: an HMAC of the address under a key that changes daily.

    Limits still bite, but neither Redis nor memory ever holds an IP address, and yesterday's keys
    cannot be linked to today's. Storage is chosen in create_app from INTAKE_REDIS_URL.
    """
    secret = str(current_app.config.get("SECRET_KEY") or "").encode()
    day = date.today().isoformat().encode()
    return hmac.new(secret + b"|" + day, visitor(request.remote_addr or "").encode(), sha256).hexdigest()[:24]


def visitor(address: str) -> str:
    """Whom a limit counts: an IPv6 address by its /64 (one host usually holds all 2^64 of them), an
    IPv4 address written as IPv6 as that IPv4 address, anything else as it is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


limiter = Limiter(key_func=hashed_remote_address, default_limits=[], headers_enabled=False)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ANN001
    # The embedded default: write-ahead log for concurrent readers, and enforced foreign keys.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
