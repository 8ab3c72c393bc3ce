"""In-process profile of review pages (bench_review.py --profile): where a page's time goes.

The app of the benchmark's store is driven through Flask's test client in this one process (the
same pages, signed in through the same password and code steps), each kind of page `requests`
times under cProfile after a warm-up. Printed per kind: process CPU time per request without the profiler, then under it (CPU and wall),
the time spent in each part of the stack (own time of the functions of each package: templates,
SQLAlchemy, the PostgreSQL driver, cryptography, the app's own code...), and the functions with the
most own time, all in process CPU time (waiting for the database is not counted). Profiling slows
Python calls down, so these are shares, not latencies.
"""

from __future__ import annotations

import cProfile
import pstats
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Where a function's own time is counted: the first of these found in its file's path.
PARTS = (("templates (Jinja)", ("/jinja2/", "/templates/", "<template>")), ("SQLAlchemy", ("/sqlalchemy/",)),
         ("PostgreSQL driver", ("/psycopg",)), ("SQLite", ("sqlite3",)),
         ("cryptography", ("/cryptography/", "/intake/crypto/")), ("translations", ("/babel/", "/flask_babel/")),
         ("forms", ("/wtforms/", "/flask_wtf/")), ("Flask/Werkzeug", ("/flask/", "/werkzeug/")),
         ("intake", ("/intake/",)))


def _part(filename: str) -> str:
    for name, marks in PARTS:
        if any(mark in filename for mark in marks):
            return name
    return "other (stdlib, builtins)"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(app: Any, username: str, password: str, code: Callable[[], str]) -> Any:
    client = app.test_client()
    page = client.get("/review/sign-in", base_url="https://localhost").get_data(as_text=True)
    client.post("/review/sign-in", base_url="https://localhost",
                data={"csrf_token": _csrf(page), "username": username, "password": password})
    page = client.get("/review/sign-in/code", base_url="https://localhost").get_data(as_text=True)
    answer = client.post("/review/sign-in/code", base_url="https://localhost",
                         data={"csrf_token": _csrf(page), "code": code()})
    if answer.status_code != 302 or "/sign-in" in answer.headers.get("Location", ""):
        raise RuntimeError(f"in-process sign-in refused ({answer.status_code})")
    return client


def profile(client: Any, pages: dict[str, Callable[[], str]], requests: int, top: int = 18,
            out: str | None = None) -> None:
    """`pages`: a label and a function giving the next path of that kind; `out`: a folder for the statistics."""
    plain: dict[str, float] = {}
    for label, path in pages.items():
        for _ in range(3):  # warm-up: templates compiled, keys unwrapped once, connections open
            client.get(path(), base_url="https://localhost")
        # First unprofiled: this process's CPU time per request (the app's Python and the driver, not
        # the database server), which a shared machine's load barely changes, unlike wall time.
        cpu = time.process_time()
        for _ in range(requests):
            client.get(path(), base_url="https://localhost")
        plain[label] = (time.process_time() - cpu) / requests
        profiler = cProfile.Profile(time.process_time)  # CPU time: the machine may be shared
        cpu, wall = time.process_time(), time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            answer = client.get(path(), base_url="https://localhost")
            assert answer.status_code == 200, f"{label}: {answer.status_code}"
        profiler.disable()
        cpu, wall = (time.process_time() - cpu) / requests, (time.perf_counter() - wall) / requests
        stats = pstats.Stats(profiler)
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            stats.dump_stats(f"{out}/{label.split()[0]}.prof")
        parts: dict[str, float] = {}
        total = 0.0
        for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            parts[_part(filename)] = parts.get(_part(filename), 0.0) + own
            total += own
        calls = sum(nc for _cc, nc, *_ in stats.stats.values()) // requests  # type: ignore[attr-defined]
        print(f"\n{label}: {plain[label] * 1000:.1f} ms CPU per request unprofiled; under cProfile "
              f"{cpu * 1000:.1f} ms CPU, {wall * 1000:.1f} ms wall; {calls:,} Python calls per request")
        for name, own in sorted(parts.items(), key=lambda kv: -kv[1]):
            print(f"  {name:<28}{own / total:>6.1%}")
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(r"/templates/|/intake/|wtforms|flask_wtf|babel", top)
    reference = plain[list(plain)[-1]]
    print(f"\nCPU time per request in this process, unprofiled, as a multiple of {list(plain)[-1]}:")
    for label, cpu in plain.items():
        print(f"  {label:<28}{cpu * 1000:>8.1f} ms{cpu / reference:>8.1f}x")
