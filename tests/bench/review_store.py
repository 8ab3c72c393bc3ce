"""The working store of the review benchmark (bench_review.py): generated, kept between runs, reused.

N reports, one per submission, already taken in: built with the app's crypto functions (every
sealed field encrypted under its own data key, the key wrapped under the KEK) and bulk-inserted
with SQLAlchemy Core, with the blind indexes the take-in would compute. `keep_store` writes what a
later run needs (the database URL, the run's secrets, the reviewer, the sampled reports) so that a
million reports are generated once; `drop_store` removes the schema and the folder.
"""

from __future__ import annotations

import os
import random
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import support
from support import log, taken_in_state
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import DBAPIError
from stdnum.cn import ric

from intake.crypto import fields, wraps
from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import (SEALED_REPORT_FIELDS, BlindIndex, RecordKey, Report, Role, StatusKind, Submission,
                           VerificationLevel)
from intake.models.base import new_handle, today
from intake.services import accounts, blind_indexes, clock, thesauri, totp, users

TESTIMONY = ("ئۇ 2017-يىلى قەشقەردە تۇتۇلدى. بىز ئۇنىڭدىن خەۋەر ئالالمىدۇق. "
             "她于2017年4月在喀什被带走，至今没有消息。我们多次询问，没有得到任何答复。 ") * 14
UG = ["ئابدۇرېھىم", "تۇرسۇن", "مەمەت", "ئايگۈل", "گۈلنار", "ئەخمەت", "پاتىگۈل", "نۇرمۇھەممەت", "زۆھرە", "ئىلھام"]
ZH = ["阿不都热依木", "吐尔逊", "买买提", "阿依古丽", "古丽娜尔", "艾合买提", "帕提古丽", "努尔买买提", "祖合热", "伊力哈木"]
LATN = ["Abdurehim", "Tursun", "Memet", "Aygul", "Gulnar", "Ekhmet", "Patigul", "Nurmemet", "Zohre", "Ilham"]
STATUSES = [(StatusKind.DETAINED, 50), (StatusKind.SENTENCED, 20), (StatusKind.DISAPPEARED, 10),
            (StatusKind.RELEASED, 8), (StatusKind.DIED, 2), (StatusKind.UNKNOWN, 10)]
LEVELS = [(VerificationLevel.REPORTED, 70), (VerificationLevel.PARTIALLY_VERIFIED, 15),
          (VerificationLevel.CORROBORATED, 10), (VerificationLevel.DOCUMENTED, 5)]
COMMON = {"gender": "male", "ethnicity": "uyghur", "home_place_text": "قەشقەر شەھىرى", "occupation": "مۇئەللىم",
          "detention_date": "2017-04", "detention_place": "قەشقەر", "facility": "Kashgar No. 3",
          "facility_type": "camp", "sentence": "15 years", "last_contact": "2017",
          "submitter_relationship": "sibling", "testimony": TESTIMONY}


@dataclass
class Sample:
    """What the timed requests need to know about a generated report (kept in memory only)."""

    handle: str
    id_number: str
    county: str


@dataclass
class Reviewer:
    user_id: uuid.UUID
    username: str
    password: str
    totp_secret: bytes


# ---------- a store kept between runs ----------

STORE_FILE = "store.json"


def keep_store(path: Path, url: str, keys: support.Secrets, reviewer: Reviewer, samples: list[Sample],
               counties: list[str], people: list[str]) -> None:
    """What a later run needs to time the same store: its database, secrets, reviewer and samples."""
    import json

    state = {"url": url, "secret_key": keys.secret_key, "pepper": keys.pepper, "passphrase": keys.passphrase,
             "reviewer": {"user_id": str(reviewer.user_id), "username": reviewer.username,
                          "password": reviewer.password, "totp_secret": reviewer.totp_secret.hex()},
             "samples": [[s.handle, s.id_number, s.county] for s in samples], "counties": counties, "people": people}
    path.write_text(json.dumps(state), encoding="utf-8")
    path.chmod(0o600)
    log(f"store kept: {path} (holds its secrets; --drop-store {path.parent} removes it and its schema)")


def reuse_store(directory: Path) -> tuple[Any, str, support.Secrets, Reviewer, list[Sample], list[str], list[str]]:
    import json

    from intake import create_app

    state = json.loads((directory / STORE_FILE).read_text(encoding="utf-8"))
    keys = support.Secrets(directory / "keys", secret_key=state["secret_key"], pepper=state["pepper"],
                           passphrase=state["passphrase"])
    app = create_app("production", keys.settings("review", state["url"]))
    r = state["reviewer"]
    reviewer = Reviewer(uuid.UUID(r["user_id"]), r["username"], r["password"], bytes.fromhex(r["totp_secret"]))
    return (app, state["url"], keys, reviewer, [Sample(*s) for s in state["samples"]], state["counties"],
            state["people"])


def drop_store(directory: Path) -> int:
    import json
    import shutil

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    state = json.loads((directory / STORE_FILE).read_text(encoding="utf-8"))
    url = make_url(state["url"])
    if url.get_backend_name() == "postgresql":
        schema = url.query["options"].split("search_path=", 1)[1]
        engine = create_engine(url.difference_update_query(["options"]))
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
    shutil.rmtree(directory)
    log(f"dropped the kept store {directory}")
    return 0


# ---------- data ----------

def complete(table: Table, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Fill the NOT NULL columns without a default that `row` leaves out, by type (so the generator
    survives a new column it does not know about; the values mean nothing)."""
    for column in table.columns:
        if column.name in row or column.nullable or column.default is not None or column.server_default is not None:
            continue
        kind = column.type
        if isinstance(kind, sqltypes.LargeBinary):
            row[column.name] = os.urandom(16)
        elif isinstance(kind, sqltypes.Integer):
            row[column.name] = rng.randrange(65536)
        elif isinstance(kind, sqltypes.Boolean):
            row[column.name] = False
        elif isinstance(kind, sqltypes.Date):
            row[column.name] = today()
        else:
            row[column.name] = ""
    return row


def id_number(county: str, born: date, rng: random.Random) -> str:
    stem = f"{county}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return stem + ric.calc_check_digit(stem)


def one_report(rng: random.Random, counties: list[str], used_ids: set[str]) -> dict[str, Any]:
    """Plain values of one report's sealed fields: different where pages and indexes look."""
    county = rng.choice(counties)
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(50 * 365))
    while (number := id_number(county, born, rng)) in used_ids:
        pass
    used_ids.add(number)
    k = rng.randrange(len(LATN))
    family = rng.randrange(len(LATN))
    return {**COMMON, "id_number": number, "home_county": county, "birth_date": born.isoformat(),
            "names": [{"value": f"{UG[k]} {UG[family]}", "script": "ug-Arab"},
                      {"value": f"{ZH[k]}·{ZH[family]}", "script": "zh-Hans"},
                      {"value": f"{LATN[k]} {LATN[family]}", "script": "Latn"}]}


def generate(app, n: int, reviewer: uuid.UUID, rng: random.Random, chunk: int = 2000) -> tuple[list[Sample], list[str]]:
    """Insert n submissions with one report each, already taken in, with their blind indexes."""
    counties = [c.code for p in thesauri.prefectures(include_historical=False)
                for c in thesauri.counties(p.code, include_historical=False)]
    statuses, status_weights = zip(*STATUSES, strict=True)
    levels, level_weights = zip(*LEVELS, strict=True)
    samples: list[Sample] = []
    used_ids: set[str] = set()
    handles: set[str] = set()
    with app.app_context():
        vault = get_vault()
        kek, day = vault.current_kek(), today()
        index_key_id, root = vault.current_index_key()
        tables = (Submission.__table__, Report.__table__, RecordKey.__table__, BlindIndex.__table__)
        codecs = {name: getattr(Report, name).codec for name in SEALED_REPORT_FIELDS}
        start = time.perf_counter()
        for first in range(0, n, chunk):
            batches: tuple[list[dict[str, Any]], ...] = ([], [], [], [])
            for _ in range(min(chunk, n - first)):
                sid, rid, dek, dek_id = uuid.uuid4(), uuid.uuid4(), os.urandom(32), os.urandom(16)
                while (handle := new_handle("R")) in handles:
                    pass
                handles.add(handle)
                created = day - timedelta(days=rng.randrange(3 * 365))
                values = one_report(rng, counties, used_ids)
                submission = dict(
                    id=sid, created_on=created, language="ug", status="received", in_working_store=True,
                    receipt_verifier=os.urandom(56), reply_public_key=os.urandom(1216), contact=None)
                report = dict(id=rid, handle=handle, submission_id=sid, position=0, person_id=None, created_on=created,
                              arrival=first + len(batches[1]) + 1,
                              verification=rng.choices(levels, level_weights)[0].value,
                              status=rng.choices(statuses, status_weights)[0].value,
                              assigned_to_id=reviewer if rng.random() < 0.1 else None)
                for name in SEALED_REPORT_FIELDS:
                    value = values.get(name, f"{name} text")
                    report[name] = fields.encrypt_field(dek, dek_id, "reports", name, rid, codecs[name].encode(value))
                taken_in_state(vault, dek, dek_id, submission, [report])
                batches[0].append(complete(tables[0], submission, rng))
                batches[1].append(complete(tables[1], report, rng))
                batches[2].append(complete(tables[2], dict(
                    id=uuid.uuid4(), owner_table="submissions", owner_id=sid, dek_id=dek_id, holder="kek",
                    holder_key_id=kek.key_id, created_on=created, wrapped=wraps.kek_wrap(kek, "submissions", sid, dek)),
                    rng))
                for index, token in sorted(blind_indexes.tokens_for(root, values)):
                    batches[3].append(dict(id=uuid.uuid4(), report_id=rid, index_name=index, token=token,
                                           key_id=index_key_id, version=blind_indexes.INDEX_VERSION,
                                           arrival=report["arrival"]))
                samples.append(Sample(handle, values["id_number"], values["home_county"]))
            with db.engine.begin() as conn:
                for table, batch in zip(tables, batches, strict=True):
                    conn.execute(insert(table), batch)
            done = first + len(batches[1])
            if done % 20000 < chunk or done == n:
                log(f"generated and inserted {done:,}/{n:,} reports ({time.perf_counter() - start:.1f} s)")
        # VACUUM as autovacuum would soon after a bulk load: the visibility map is what lets the
        # county filter's blind-index read be index-only; without it every row is a heap visit.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if conn.dialect.name == "postgresql":
                for table in ("submissions", "reports", "record_keys", "blind_indexes", "users"):
                    conn.execute(text(f"VACUUM ANALYZE {table}"))
                # The load's dirty pages written now, not by the checkpointer during the timed requests:
                # at a million reports its gigabytes held every commit's flush up (the first run after
                # generating timed the inbox at 5x, the next at 3.2x).
                try:
                    conn.execute(text("CHECKPOINT"))
                except DBAPIError:
                    log("CHECKPOINT refused (needs a superuser or pg_checkpoint): the first timed run may be slower")
        with db.engine.begin() as conn:
            stored = conn.scalar(select(func.count()).select_from(Report))
            indexes = conn.scalar(select(func.count()).select_from(BlindIndex))
        log(f"{stored:,} reports and {indexes:,} blind-index rows stored")
        assert stored == n, f"{stored} reports stored, {n} generated"
        db.session.remove()
    return samples, counties


def make_persons(app, samples: list[Sample], reviewer: uuid.UUID, rng: random.Random, count: int = 20,
                 size: int = 3) -> list[str]:
    """`count` persons of `size` reports each, linked through the services (sealed link events)."""
    from intake.services import persons

    out = []
    with app.app_context():
        vault = get_vault()
        chosen = rng.sample(samples, count * size)  # no report in two groups (relinking would empty one)
        for group in range(count):
            first, *rest = chosen[group * size:(group + 1) * size]
            persons.link_report(db.session, vault, first.handle, None, reason=f"bench group {group}", actor=reviewer)
            handle = db.session.scalar(select(Report).where(Report.handle == first.handle)).person.handle
            for other in rest:
                persons.link_report(db.session, vault, other.handle, handle, reason=f"bench group {group}",
                                    actor=reviewer)
            out.append(handle)
        db.session.remove()
    return out


def make_reviewer(app) -> Reviewer:
    """An enrolled reviewer, made through the services as `flask dev` does (STRONG password hash)."""
    password, secret = secrets.token_urlsafe(24), totp.new_secret()
    with app.app_context():
        vault = get_vault()
        user = users.create_user(db.session, vault, username="bench-reviewer", role=Role.REVIEWER, password=password,
                                 kdf=PROFILES[app.config["INTAKE_KDF_PROFILE"]]["password"])
        accounts.enrol(db.session, vault, user.id, secret=secret,
                       code=totp.code_for(secret, totp.counter_at(clock.timestamp())))
        reviewer = Reviewer(user.id, user.username, password, secret)
        db.session.remove()
    return reviewer
