"""An abuser at full speed behind the same address as every family (as behind Tor), and honest
families still getting through: receipt checks (one Argon2id each) on the public face under
gunicorn in production mode, every request from 127.0.0.1.

    .venv/bin/python tests/bench/bench_availability.py [--duration 15] [--honest 2] [--abusers 4] [--workers 2]

Phases, each --duration seconds:
  1. honest alone: each honest client loads /status, solves the form's proof of work (as pow.js
     does, here in Python), and posts a receipt (unknown: a full check runs and answers 422);
  2. honest + abusers posting as fast as they can without doing the work (the no-script path);
  3. honest + abusers who also solve the proof of work for every request.
Abusers run in processes of their own; all of it shares this machine's cores with the server.
Printed per phase: honest checks served per second and their median latency, as ratios to phase 1,
and what the abusers got. Nothing asserts on a time; "served" means the check ran (422), "refused"
a 429 from a limit or the ceiling.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import sys
import threading
import time
from contextlib import nullcontext
from pathlib import Path
from tempfile import mkdtemp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench import support  # noqa: E402
from tests.bench.support import Browser, log  # noqa: E402

TOKEN = re.compile(r'name="pow_token" value="([^"]+)"')
UNKNOWN = "1234 5678 9012 3456 7890 1234"


def attempt(port: int, *, work: bool) -> tuple[int, float]:
    """One visitor's receipt check: (HTTP status, seconds from the POST to its answer)."""
    from intake.public import gate

    browser = Browser(port)
    page = browser.get("/status").text
    token = TOKEN.search(page).group(1)
    fields = {"csrf_token": support.csrf_token(page), "receipt": UNKNOWN, "pow_token": token,
              "pow_solution": gate.solve(token) if work else ""}
    answer = browser.post_form("/status", fields)
    return answer.status, answer.seconds


def _abuse(port: int, seconds: float, work: bool) -> list[tuple[int, float]]:
    """One abuser, in a process of its own (solving in Python holds the GIL: in the honest clients'
    process it would slow them by contention inside this script, not at the server)."""
    stop, outcomes = time.monotonic() + seconds, []
    while time.monotonic() < stop:
        try:
            outcomes.append(attempt(port, work=work))
        except OSError:
            outcomes.append((0, 0.0))
    return outcomes


def run_phase(port: int, seconds: float, honest: int, abusers: int, abuser_work: bool) -> dict[str, list]:
    results: dict[str, list] = {"honest": [], "abuser": []}
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def loop() -> None:
        while time.monotonic() < stop:
            try:
                outcome = attempt(port, work=True)
            except OSError:
                outcome = (0, 0.0)
            with lock:
                results["honest"].append(outcome)

    with multiprocessing.get_context("spawn").Pool(abusers) if abusers else nullcontext() as pool:
        pending = pool.starmap_async(_abuse, [(port, seconds, abuser_work)] * abusers) if abusers else None
        threads = [threading.Thread(target=loop) for _ in range(honest)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if pending is not None:
            results["abuser"] = [o for outcomes in pending.get() for o in outcomes]
    return results


def summary(outcomes: list[tuple[int, float]], seconds: float) -> tuple[float, float, float]:
    served = [s for status, s in outcomes if status == 422]
    refused = sum(1 for status, _ in outcomes if status == 429)
    p50 = support.percentile(served, 50) if served else float("nan")
    return len(served) / seconds, p50, refused / max(1, len(outcomes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--honest", type=int, default=2)
    parser.add_argument("--abusers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    tmp = Path(mkdtemp(prefix="bench-availability-"))
    secrets_ = support.Secrets(tmp)
    secrets_.create_keys()
    url = f"sqlite:///{tmp / 'intake.sqlite3'}"
    from intake import create_app
    from intake.extensions import db

    app = create_app("test", secrets_.settings("public", url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    module = support.intake_module(tmp, "bench_wsgi", {"INSTANCE_PATH": str(tmp / "instance")})
    server = support.Server("public", module, tmp, workers=args.workers,
                            env=secrets_.environment("production", "public", url))
    try:
        server.wait_ready("/status")
        log("phase 1: honest clients alone")
        phases = [("honest alone", run_phase(server.port, args.duration, args.honest, 0, False))]
        log("phase 2: abusers at full speed without the work")
        phases.append(("abusers, no work", run_phase(server.port, args.duration, args.honest, args.abusers, False)))
        log("phase 3: abusers who solve every proof of work")
        phases.append(("abusers, with work", run_phase(server.port, args.duration, args.honest, args.abusers, True)))
    finally:
        server.stop()
        support.tear_down([app], None, tmp)

    base_rate, base_p50, _ = summary(phases[0][1]["honest"], args.duration)
    print(f"\nReceipt checks behind one address, gunicorn {args.workers} workers, production Argon2id, "
          f"{args.honest} honest clients, {args.abusers} abusers, {args.duration:.0f} s per phase")
    print(f"{'phase':<20} {'honest/s':>9} {'ratio':>6} {'honest p50':>12} {'ratio':>6} {'honest 429':>10} "
          f"{'abuser req/s':>12} {'abuser 429':>10}")
    for name, result in phases:
        rate, p50, refused = summary(result["honest"], args.duration)
        abuse = result["abuser"]
        abuser_rate = len(abuse) / args.duration
        abuser_refused = sum(1 for s, _ in abuse if s == 429) / max(1, len(abuse))
        print(f"{name:<20} {rate:9.2f} {rate / base_rate:5.2f}x {support.fmt_ms(p50)} {p50 / base_p50:5.2f}x "
              f"{refused:9.0%} {abuser_rate:12.1f} {abuser_refused:9.0%}")


if __name__ == "__main__":
    main()
