"""Benchmark of the review face with a large working store: inbox, report page and blind-index search.

Run: .venv/bin/python tests/bench/bench_review.py [--reports N] [--requests R] [--db URL|sqlite] [--profile R]
     [--keep-store DIR] (generate once, time again later: a million reports take about 40 minutes to make)
(pytest never collects this directory). Nothing here asserts on a timing: every figure carries its
ratio ("x ref") to a trivial page of the same server, measured in the same run, interleaved.
Only correctness is checked: every timed answer must be 200 and show what it should.

Data: N reports (100,000) in a temporary PostgreSQL schema (--db: a URL, default the local test
database; "sqlite" for a temporary SQLite file), one per submission, already taken in: built with
the app's crypto functions (every sealed field encrypted under its own data key, the key wrapped
under the KEK) and bulk-inserted with SQLAlchemy Core, with the blind indexes the take-in would
compute (services.blind_indexes.tokens_for: ID number, names, compound and blocking keys; see
review_store.py). Reports
differ where the pages look: a valid 18-digit ID number each, one of the 114 counties of the
places thesaurus (so about N/114 per county), dates over three years, mixed statuses and
verification levels, 10% assigned to the reviewer; the other sealed fields (a ~2 KB testimony)
are the same text encrypted anew. PostgreSQL tables are VACUUMed and ANALYZEd after loading, then a
CHECKPOINT writes the load out (so the timed requests do not share the disk with the checkpointer).
Server: gunicorn -c gunicorn.conf.py (sync workers, --workers 2) with INTAKE_ENV=production,
INTAKE_FACE=review, secrets and keys generated for the run and given as environment variables.
Client: one reviewer, an account made through the services (users.create_user + accounts.enrol:
password hashed with the STRONG profile, TOTP), signed in through the real pages (password page,
then code page) by a Python http.client client with a cookie jar; then R timed requests of each
kind, one at a time (no queueing: latency = one request's whole cost, connection included, as
gunicorn's sync workers close every connection), kinds shuffled within each round, after an
untimed warm-up. p50 / p95 = latency percentiles; size = median answer body.
  T1  GET /review/ (front page, signed in: session lookup, role gate, layout)    the reference
  I1  GET /review/inbox (first page: 25 rows, the default, newest first by the (arrival, id) index,
      their names and county decrypted, one audit entry; no count of all reports)
  I5  GET /review/inbox?rows=50 (the first page with 50 rows, a reviewer's choice)
  I2  GET /review/inbox?county=C (the county of a random sampled report: blind-index token + page)
  I3  GET /review/inbox?last=1 (the oldest page)
  I4  GET /review/inbox?older=CURSOR (the deepest page reached by a keyset cursor)
  R1  GET /review/reports/H (a random report: KEK unwrap, every field decrypted, an audit entry)
  P1  GET /review/persons/H (one of 20 persons of 3 reports each, linked through the services: side by
      side, combined timeline, data keys in one query, 1 + 3 audit entries)
  S1  POST /review/search (the ID number of a random report: blind-index token, lookup, an audit entry;
      the CSRF token is taken once from GET /review/search)
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import support  # noqa: E402
from review_store import (STORE_FILE, Reviewer, Sample, drop_store, generate, keep_store,  # noqa: E402
                          make_persons, make_reviewer, reuse_store)
from support import Answer, Browser, Server, log  # noqa: E402

from intake.services import clock, totp  # noqa: E402
from intake.services.inbox import PAGE_SIZE  # noqa: E402


# ---------- HTTP ----------

def sign_in(port: int, reviewer: Reviewer) -> Browser:
    """Through the real pages: password page, then code page (the next step's code: the enrolment
    spent this step's, and the server accepts one step either side of now). A kept store's reviewer
    may have spent that code in a run a moment ago (codes are single use): then the next step's."""
    for _attempt in range(3):
        browser = Browser(port)
        page = browser.get("/review/sign-in")
        answer = browser.post_form("/review/sign-in", {"csrf_token": support.csrf_token(page.text),
                                                       "username": reviewer.username, "password": reviewer.password})
        if answer.status != 302 or not (answer.header("Location") or "").endswith("/review/sign-in/code"):
            raise RuntimeError(f"password step refused ({answer.status})")
        page = browser.get("/review/sign-in/code")
        step = totp.counter_at(clock.timestamp())
        code = totp.code_for(reviewer.totp_secret, step + 1)
        answer = browser.post_form("/review/sign-in/code", {"csrf_token": support.csrf_token(page.text), "code": code})
        if answer.status == 302 and "/sign-in" not in (answer.header("Location") or ""):
            return browser
        while totp.counter_at(clock.timestamp()) == step:  # the next step's code is a new one
            time.sleep(0.5)
    raise RuntimeError(f"code step refused ({answer.status})")


@dataclass
class Kind:
    key: str
    label: str
    send: Callable[[], tuple[Answer, str | None]]  # the answer and what was wrong with it, if anything
    times: list[float]
    sizes: list[int]


def kinds(browser: Browser, samples: list[Sample], n: int, rng: random.Random, people: list[str]) -> list[Kind]:
    search_token = support.csrf_token(browser.get("/review/search").text, "search")
    deep = f"{min(n, PAGE_SIZE + 1)}.{'f' * 32}"  # the cursor just after the oldest page: the deepest page

    def rows_in(answer: Answer) -> int:
        return answer.text.count('href="/review/reports/R-')

    def front() -> tuple[Answer, str | None]:
        answer = browser.get("/review/")
        return answer, None if "/review/sign-out" in answer.text else "not signed in"

    def inbox(query: str = "", want: int = PAGE_SIZE) -> Callable[[], tuple[Answer, str | None]]:
        def send() -> tuple[Answer, str | None]:
            answer = browser.get("/review/inbox" + (query or ""))
            return answer, None if rows_in(answer) >= want else f"{rows_in(answer)} rows"
        return send

    def county() -> tuple[Answer, str | None]:
        # The county of a sampled report, so the filter has at least one row to find at any size.
        return inbox(f"?county={rng.choice(samples).county}", want=1)()

    def report() -> tuple[Answer, str | None]:
        sample = rng.choice(samples)
        answer = browser.get(f"/review/reports/{sample.handle}")
        return answer, None if sample.id_number in answer.text else "the decrypted ID number is not shown"

    def person() -> tuple[Answer, str | None]:
        answer = browser.get(f"/review/persons/{rng.choice(people)}")
        return answer, None if answer.text.count('<a class="handle" href="/review/reports/R-') >= 3 else "reports missing"

    def search() -> tuple[Answer, str | None]:
        sample = rng.choice(samples)
        answer = browser.post_form("/review/search", {"search-csrf_token": search_token, "search-index": "id_number",
                                                      "search-value": sample.id_number})
        found = sample.handle in answer.text and '<bdi dir="ltr">1</bdi> report found' in answer.text
        return answer, None if found else "the report was not found"

    return [Kind(key, label, send, [], []) for key, label, send in (
        ("T1", "GET /review/ (front page, signed in; reference)", front),
        ("I1", "GET /review/inbox (first page)", inbox()),
        ("I2", "GET /review/inbox?county= (random county)", county),
        ("I3", "GET /review/inbox?last=1 (the oldest page)", inbox("?last=1")),
        ("I4", "GET /review/inbox?older=<cursor> (deepest page by cursor)", inbox(f"?older={deep}")),
        ("I5", "GET /review/inbox?rows=50 (first page, 50 rows)", inbox("?rows=50", want=50)),
        ("R1", "GET /review/reports/<handle> (random report)", report),
        ("P1", "GET /review/persons/<handle> (3 reports side by side)", person),
        ("S1", "POST /review/search (ID number of a random report)", search))]


def measure(all_kinds: list[Kind], requests: int, warm_up: int, rng: random.Random) -> list[str]:
    failures: list[str] = []
    for round_ in range(warm_up + requests):
        order = list(all_kinds)
        rng.shuffle(order)
        for kind in order:
            answer, problem = kind.send()
            if answer.status != 200 or problem:
                failures.append(f"{kind.key}: {answer.status} {problem or ''}".strip())
            elif round_ >= warm_up:
                kind.times.append(answer.seconds)
                kind.sizes.append(len(answer.text.encode()))
        if round_ + 1 - warm_up in (requests // 2, requests) and round_ >= warm_up:
            log(f"{round_ + 1 - warm_up}/{requests} rounds")
    return failures


def print_table(header: str, all_kinds: list[Kind]) -> None:
    ref = all_kinds[0]
    r50, r95 = support.percentile(ref.times, 50), support.percentile(ref.times, 95)
    print(header)
    print(f"{'':4}{'figure':<54}{'p50':>12}{'x ref':>8}{'p95':>12}{'x ref':>8}{'max':>12}{'size':>10}{'n':>6}")
    for k in all_kinds:
        if not k.times:  # every answer of this kind was wrong: the failures say why
            print(f"{k.key:<4}{k.label:<54}{'no correct answer':>12}")
            continue
        p50, p95 = support.percentile(k.times, 50), support.percentile(k.times, 95)
        size = support.percentile(k.sizes, 50) / 1024
        print(f"{k.key:<4}{k.label:<54}{support.fmt_ms(p50):>12}{p50 / r50:>8.1f}{support.fmt_ms(p95):>12}"
              f"{p95 / r95:>8.1f}{support.fmt_ms(max(k.times)):>12}{size:>7.1f} KB{len(k.times):>6}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000, help="reports in the working store (100000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each kind (200)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--db", default=support.DEFAULT_PG,
                        help="SQLAlchemy URL of a PostgreSQL database (a temporary schema is used; default the local "
                             "test database), or 'sqlite' for a temporary SQLite file")
    parser.add_argument("--seed", type=int, default=2017, help="seed of the generated data and the request order")
    parser.add_argument("--profile", type=int, default=0, metavar="R",
                        help="instead of timing the server, profile R requests of the report, person, inbox "
                             "and county pages in this process (cProfile; see review_profile.py)")
    parser.add_argument("--keep-store", metavar="DIR", type=Path,
                        help="keep the generated store for later runs: its keys and what the requests need go "
                             "to DIR (secrets: delete DIR when done), its PostgreSQL schema stays; a later run "
                             "with the same DIR reuses both instead of generating (a million reports take "
                             "20-30 minutes to generate)")
    parser.add_argument("--drop-store", metavar="DIR", type=Path, help="drop the schema kept in DIR, delete DIR")
    parser.add_argument("--profile-out", metavar="DIR", help="with --profile: also write each page's cProfile "
                        "statistics to DIR/<kind>.prof (for pstats or snakeviz)")
    args = parser.parse_args()
    if args.drop_store:
        return drop_store(args.drop_store)
    if not 1 <= args.requests <= 5000 or not 100 <= args.reports <= 1_000_000:
        parser.error("keep it bounded: --requests 1..5000, --reports 100..1000000")
    rng = random.Random(args.seed)
    if args.db != "sqlite":
        problem = support.pg_problem(args.db)
        if problem:
            print(f"SKIPPED: PostgreSQL is not reachable ({problem}); give --db URL, or --db sqlite", file=sys.stderr)
            return 0
    tmp = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    drop, server, app = None, None, None
    try:
        kept = args.keep_store / STORE_FILE if args.keep_store else None
        if kept is not None and kept.exists():
            app, url, keys, reviewer, samples, counties, people = reuse_store(args.keep_store)
            args.reports = len(samples)
            log(f"reusing the kept store of {args.reports:,} reports in {args.keep_store}")
        else:
            app, url, keys, drop = support.review_store(args.keep_store or tmp, args.db)
            reviewer = make_reviewer(app)
            log(f"generating {args.reports:,} taken-in reports")
            samples, counties = generate(app, args.reports, reviewer.user_id, rng)
            people = make_persons(app, samples, reviewer.user_id, rng)
            if kept is not None:
                keep_store(kept, url, keys, reviewer, samples, counties, people)
                drop = None  # the schema stays for the next run
        if args.profile:
            import review_profile

            client = review_profile.sign_in(app, reviewer.username, reviewer.password, lambda: totp.code_for(
                reviewer.totp_secret, totp.counter_at(clock.timestamp()) + 1))
            review_profile.profile(client, {
                "R1 report page": lambda: f"/review/reports/{rng.choice(samples).handle}",
                "P1 person page": lambda: f"/review/persons/{rng.choice(people)}",
                "I1 inbox, first page": lambda: "/review/inbox",
                "I5 inbox, 50 rows": lambda: "/review/inbox?rows=50",
                "I2 inbox, one county": lambda: f"/review/inbox?county={rng.choice(samples).county}",
                "T1 front page": lambda: "/review/"}, args.profile,
                out=args.profile_out)
            return 0

        log("starting the server")
        module = support.intake_module(tmp, "bench_review_wsgi", {"INSTANCE_PATH": str(tmp / "instance")})
        server = Server("review", module, tmp, workers=args.workers,
                        env=keys.environment("production", "review", url))
        server.wait_ready("/review/sign-in")
        browser = sign_in(server.port, reviewer)
        all_kinds = kinds(browser, samples, args.reports, rng, people)
        warm_up = 2 * args.workers
        log(f"{warm_up} untimed rounds, then {args.requests} timed rounds of {len(all_kinds)} requests")
        failures = measure(all_kinds, args.requests, warm_up, rng)
        print_table(
            f"intake review benchmark: {support.backend(url)}, {args.reports:,} reports "
            f"(~{args.reports / len(counties):,.0f} per county), INTAKE_ENV=production\n"
            f"gunicorn {args.workers} sync workers (gunicorn.conf.py), one client, sequential, {args.requests} timed "
            f"requests per figure after {warm_up} warm-up rounds; "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs\n"
            "'x ref' = percentile / the same percentile of T1; size = median body", all_kinds)
        if failures:
            print(f"FAILED: {len(failures)} answers were wrong, e.g. {failures[:5]}")
            return 1
        print(f"OK: all {sum(len(k.times) for k in all_kinds):,} timed answers were 200 and showed what they should")
        return 0
    finally:
        if server is not None:
            server.stop()
        support.tear_down([app], drop, tmp)


if __name__ == "__main__":
    sys.exit(main())
