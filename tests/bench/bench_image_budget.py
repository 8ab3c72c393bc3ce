"""Benchmark of the image-pixel budget: what a report with five flat 40-megapixel PNGs costs the public
face with the budget open (each image decoded, as before the budget) and spent (copies deferred).

Run: flock /tmp/bench.lock /work/venv-deb/bin/python tests/bench/bench_image_budget.py [--rounds N]
(pytest never collects this directory). Nothing here asserts on a timing.

The server is the real app (INTAKE_ENV=test, face "both", SQLite in a temporary directory) driven
in-process by Flask's test client, so the figure is the CPU time (time.process_time) of the process
that handles the request: form parsing, checks, sealing, storing, the receipt page. Each POST carries
a solved proof of work (solved before the clock starts: the client's work), which exempts it from
every per-request limit, as in the outside probe this answers. Phases, each --rounds times in turn,
medians reported with their ratio to R0 of the same run:
  R0  a report with no file                                   the reference
  P1  five flat 40-MP PNGs (131 KB each), budget open         every image decoded in the request
  P2  the same, budget spent                                  every viewing copy deferred
  V1  one deferred copy made for the review face              CPU of the bounded child process
Checks: P1 stores five viewing copies, P2 none and five originals; prints OK or MISMATCH (exit 1).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import log  # noqa: E402

from PIL import Image  # noqa: E402
from sqlalchemy import create_engine, select  # noqa: E402

from intake import create_app  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.models import Attachment  # noqa: E402
from intake.models.base import Base  # noqa: E402
from intake.public import gate  # noqa: E402
from intake.services import render_child  # noqa: E402
from tests.conftest import make_keys  # noqa: E402

GENEROUS = {name: "1000000/minute" for name in (
    "INTAKE_SUBMIT_RATE_LIMIT", "INTAKE_RECEIPT_RATE_LIMIT", "INTAKE_FOLLOW_UP_RATE_LIMIT",
    "INTAKE_RESHOW_RATE_LIMIT", "INTAKE_NOSCRIPT_CEILING")}
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TOKEN = re.compile(r'name="pow_token" value="([^"]+)"')


def flat_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8000, 4999), (120, 130, 140)).save(out, "PNG", optimize=True)  # 39.99 MP
    return out.getvalue()


def post(client, files: list[bytes]) -> float:  # noqa: ANN001
    """CPU seconds of this process for one solved POST /report with `files`."""
    page = client.get("/report").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    data = {"csrf_token": CSRF.search(page).group(1), "language": "ug", "action": "send",
            "pow_token": token, "pow_solution": gate.solve(token), "relatives-0-names-0-value": "Tursun",
            "relatives-0-testimony": "ئۇ 2017-يىلى تۇتۇلدى.",
            "attachments": [(io.BytesIO(body), f"flat-{n}.png") for n, body in enumerate(files)]}
    started = time.process_time()
    response = client.post("/report", data=data, content_type="multipart/form-data")
    spent = time.process_time() - started
    if response.status_code != 200:
        raise SystemExit(f"POST /report answered {response.status_code}")
    return spent


def stored_copies(app) -> tuple[int, int]:  # noqa: ANN001
    """(attachments, attachments with a viewing copy) in the database."""
    with app.app_context():
        rows = db.session.execute(select(Attachment.viewing_copy_sealed.is_not(None))).scalars().all()
        db.session.remove()
    return len(rows), sum(rows)


def child_cpu(body: bytes) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    copy = render_child.run("image_render.py", ["PNG", "40000000"], body)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not copy:
        raise SystemExit("the child made no copy")
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        keys = make_keys(Path(tmp) / "keys")
        url = f"sqlite:///{tmp}/bench.db"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        app = create_app("test", {"INTAKE_FACE": "both", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": True,
                                  "SECRET_KEY": "bench-" + "x" * 40, "INTAKE_RECEIPT_PEPPER": keys.pepper,
                                  "INTAKE_KEYSTORE": str(keys.keystore), "INTAKE_KEY_PASSPHRASE": keys.passphrase,
                                  "INSTANCE_PATH": f"{tmp}/instance", "RATELIMIT_STORAGE_URI": "memory://",
                                  **GENEROUS})
        body = flat_png()
        log(f"flat PNG: {len(body) / 1000:.0f} KB; load {os.getloadavg()[0]:.2f}")
        client = app.test_client()
        post(client, [])  # warm-up: templates, keys, first connection
        figures: dict[str, list[float]] = {"R0": [], "P1": [], "P2": [], "V1": []}
        copies: dict[str, list[int]] = {"P1": [], "P2": []}
        for _ in range(args.rounds):
            figures["R0"].append(post(client, []))
            for phase, budget in (("P1", 10**12), ("P2", 0)):
                app.config["INTAKE_IMAGE_PIXELS_PER_MINUTE"] = budget
                before = stored_copies(app)
                figures[phase].append(post(client, [body] * 5))
                after = stored_copies(app)
                copies[phase].append(after[1] - before[1] if after[0] - before[0] == 5 else -1)
            figures["V1"].append(child_cpu(body))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    reference = statistics.median(figures["R0"])
    for phase, label in (("R0", "report, no file"), ("P1", "5 x 40-MP PNG, budget open"),
                         ("P2", "5 x 40-MP PNG, budget spent"), ("V1", "1 deferred copy, review child")):
        value = statistics.median(figures[phase])
        print(f"{phase}  {label:32s} {value:7.3f} s CPU  {value / reference:6.1f} x R0")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    ok = copies["P1"] == [5] * args.rounds and copies["P2"] == [0] * args.rounds
    print("OK" if ok else f"MISMATCH: viewing copies stored {copies}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
