"""Benchmark of the public face under load: testimony submissions per second through gunicorn.

Run: .venv/bin/python tests/bench/bench_intake.py [--duration S] [--connections C] [--workers W] [--db URL]
(pytest never collects this directory). Nothing here asserts on a timing: every figure carries its
ratio ("x ref") to a trivial Flask endpoint served with the same gunicorn settings in the same run.
The one thing checked is correctness: every submission the server answered 2xx must be stored.

Servers: `gunicorn -c gunicorn.conf.py` (sync workers, its access-log format), with our own bind
(127.0.0.1, a free port), --workers W (2, as the file says) and log files, as subprocesses.
  intake  the real app with INTAKE_ENV=production, INTAKE_FACE=public, generated secrets and keys
          given as an operator gives them (INTAKE_* environment variables), through a generated copy
          of wsgi.py that also raises the rate limits and sets the instance path (as create_app
          overrides, so the generated module is self-contained). Production refuses any
          Argon2id profile but "strong", so each submission pays the real receipt verifier (STRONG:
          2 iterations, 19 MiB). `--env test` runs INTAKE_ENV=test instead (TEST profile, 8 KiB) to
          show how much of a submission that verifier is.
  trivial a one-line Flask app (GET / -> "ok") on a second gunicorn with the same settings.
Load generator: wrk (an established C load generator) with a generated Lua script, C connections
over 2 threads, closed loop, each phase --duration seconds. For the POSTs, --sessions visitors are
prepared first with a Python client (GET /report: a session cookie and the form's CSRF token each);
the Lua script rotates through them, posting a multipart form as a browser does (one relative, all
fields, a ~2 KB testimony, an empty file part). Flask-WTF tokens are reusable until they expire.
Client and servers share this machine's CPUs: the ratios, not the absolute figures, carry over.

Figures (per phase): req/s = answers per second (wrk's count / its duration); p50 / p99 = client
latency percentiles (wrk, from sending the request to the last byte: with C connections on W
workers, about C/W - 1 requests wait in the listen backlog before each one); server p50 = median
of the request time gunicorn logs (%(M)s, whole milliseconds: the work without the queueing).
  T0  trivial app, GET /                            the reference
  T1  intake, GET /          (home page: the app's hooks, headers, a template)
  F1  intake, GET /report    (the empty form a family opens first, with a new session)
  S1  intake, POST /report   (a submission: CSRF check, validation, receipt + Argon2id verifier,
                              reply key, sealing with one HPKE inbox wrap, insert and commit, receipt page)
Check after S1 (the servers stopped first, so nothing is in flight): new rows in submissions and
reports; stored submissions must equal the 2xx answers to POST /report in gunicorn's access log
(each answered one stored, none stored unanswered), reports = submissions x relatives, wrk's 2xx may
be lower only by answers cut off when wrk stopped (at most C), and no answer may be non-2xx.
Prints OK, or MISMATCH and exits 1.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import support  # noqa: E402
from support import Browser, Server, log  # noqa: E402

from sqlalchemy import func, select  # noqa: E402

from intake import create_app  # noqa: E402
from intake.crypto.passphrase import PROFILES  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.models import Report, Submission  # noqa: E402
from intake.public.uploads import FIELD as FILE_FIELD  # noqa: E402

RATE_LIMITS = {name: "1000000/minute" for name in (
    "INTAKE_SUBMIT_RATE_LIMIT", "INTAKE_RECEIPT_RATE_LIMIT", "INTAKE_FOLLOW_UP_RATE_LIMIT",
    "INTAKE_RESHOW_RATE_LIMIT", "INTAKE_NOSCRIPT_CEILING")}
TESTIMONY = ("ئۇ 2017-يىلى قەشقەردە تۇتۇلدى. بىز ئۇنىڭدىن خەۋەر ئالالمىدۇق. "
             "她于2017年4月在喀什被带走，至今没有消息。我们多次询问，没有得到任何答复。 ") * 14


def relative_fields(index: int) -> list[tuple[str, str]]:
    """One relative's block, every field filled in as a family would (names in three scripts)."""
    values = {
        "names-0-value": "ئابدۇرېھىم ئابدۇللا", "names-0-script": "ug-Arab",
        "names-1-value": "阿不都热依木·阿不都拉", "names-1-script": "",
        "names-2-value": "Abdurehim Abdulla", "names-2-script": "Latn",
        "gender": "male", "birth-year": "1984", "birth-month": "6", "birth-day": "17", "ethnicity": "uyghur",
        "home_county": "653101", "home_place_text": "قەشقەر شەھىرى", "id_number": "653101198406171232",
        "occupation": "مۇئەللىم", "detention-year": "2017", "detention-month": "04",
        "detention_place": "قەشقەر", "facility_type": "camp", "facility": "Kashgar No. 3",
        "status": "detained", "sentence": "", "last_contact-year": "2017", "relationship": "sibling",
        "testimony": TESTIMONY,
    }
    return [(f"relatives-{index}-{key}", value) for key, value in values.items()]


def form_fields(token: str, relatives: int) -> list[tuple[str, str]]:
    fields = [("csrf_token", token)]
    for index in range(relatives):
        fields += relative_fields(index)
    return fields + [("contact", ""), ("consent_share_research", "y"), ("language", "ug"), ("website", ""),
                     ("action", "send")]


# ---------- wrk ----------

LUA = r'''-- generated by tests/bench/bench_intake.py
local method, path, ctype = "%(method)s", "%(path)s", "%(ctype)s"
local head, tail = %(head)s, %(tail)s
local visitors = {
%(visitors)s
}
local threads, made = {}, 0

function setup(thread)
   thread:set("offset", made * 7919)
   made = made + 1
   table.insert(threads, thread)
end

function init(args)
   statuses, n = {}, offset or 0
end

function request()
   if #visitors == 0 then
      return wrk.format(method, path)
   end
   n = n + 1
   local v = visitors[(n %% #visitors) + 1]
   return wrk.format(method, path, {["Cookie"] = v[1], ["Content-Type"] = ctype}, head .. v[2] .. tail)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("BENCH requests %%d duration_us %%d p50_us %%d p99_us %%d errors %%d\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.connect + e.read + e.write + e.timeout))
   local all = {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         all[status] = (all[status] or 0) + count
      end
   end
   for status, count in pairs(all) do
      io.write(string.format("BENCH status %%d %%d\n", status, count))
   end
end
'''


def lua_string(data: bytes) -> str:
    """A Lua string literal of any bytes (decimal escapes, always three digits)."""
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}" for b in data) + '"'


def wrk_script(path: Path, method: str, target: str, visitors: list[tuple[str, str]] = (),
               head: bytes = b"", tail: bytes = b"", ctype: str = "") -> Path:
    rows = ",\n".join(f"   {{{lua_string(c.encode())}, {lua_string(t.encode())}}}" for c, t in visitors)
    path.write_text(LUA % {"method": method, "path": target, "ctype": ctype, "head": lua_string(head),
                           "tail": lua_string(tail), "visitors": rows}, encoding="ascii")
    return path


def run_wrk(port: int, script: Path, duration: int, connections: int, threads: int) -> dict[str, Any]:
    command = ["wrk", f"--threads={min(threads, connections)}", f"--connections={connections}",
               f"--duration={duration}s", "--timeout=30s", f"--script={script}", f"http://{support.HOST}:{port}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)
    result: dict[str, Any] = {"statuses": {}}
    for line in done.stdout.splitlines():
        parts = line.split()
        if parts[:2] == ["BENCH", "status"]:
            result["statuses"][int(parts[2])] = int(parts[3])
        elif parts[:1] == ["BENCH"]:
            result.update({parts[i]: int(parts[i + 1]) for i in range(1, len(parts), 2)})
    if done.returncode != 0 or "requests" not in result:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return result


# ---------- phases ----------

rows: list[dict[str, Any]] = []


def phase(key: str, label: str, server: Server, script: Path, args: argparse.Namespace,
          path: str, method: str = "GET") -> dict[str, Any]:
    log(f"{key}: {label}, {args.duration} s, {args.connections} connections")
    mark = server.log_size()
    result = run_wrk(server.port, script, args.duration, args.connections, args.threads)
    result["mark"] = mark
    timed = [ms for m, p, s, ms in support.parse_access(server.access_lines(mark)) if m == method and p == path]
    result.update(key=key, label=label, rps=result["requests"] / (result["duration_us"] / 1e6),
                  p50=result["p50_us"] / 1e6, p99=result["p99_us"] / 1e6,
                  server_p50=support.percentile(timed, 50) / 1000 if timed else float("nan"))
    rows.append(result)
    return result


def print_table(header: str) -> None:
    ref = rows[0]
    print(header)
    print(f"{'':4}{'figure':<44}{'req/s':>9}{'x ref':>8}{'p50':>12}{'x ref':>8}{'p99':>12}{'x ref':>8}"
          f"{'server p50':>13}{'answers':>9}  non-2xx")
    for r in rows:
        bad = sum(n for s, n in r["statuses"].items() if not 200 <= s < 300) + r["errors"]
        server = "   <1 ms" if r["server_p50"] < 0.001 else support.fmt_ms(r["server_p50"])
        print(f"{r['key']:<4}{r['label']:<44}{r['rps']:>9,.1f}{r['rps'] / ref['rps']:>8.3f}"
              f"{support.fmt_ms(r['p50']):>12}{r['p50'] / ref['p50']:>8.1f}{support.fmt_ms(r['p99']):>12}"
              f"{r['p99'] / ref['p99']:>8.1f}{server:>13}{r['requests']:>9,}  {bad}")


def count_rows(app) -> tuple[int, int]:
    with app.app_context():
        counts = (db.session.scalar(select(func.count()).select_from(Submission)) or 0,
                  db.session.scalar(select(func.count()).select_from(Report)) or 0)
        db.session.remove()
    return counts


def check(before: tuple[int, int], after: tuple[int, int], server: Server, s1: dict[str, Any],
          relatives: int, connections: int) -> bool:
    answers = [s for m, p, s, _ in support.parse_access(server.access_lines(s1["mark"]))
               if m == "POST" and p == "/report"]
    server_2xx = sum(1 for s in answers if 200 <= s < 300)
    server_other = sorted({s for s in answers if not 200 <= s < 300})
    client_2xx = sum(n for s, n in s1["statuses"].items() if 200 <= s < 300)
    client_other = {s: n for s, n in s1["statuses"].items() if not 200 <= s < 300}
    submissions, reports = after[0] - before[0], after[1] - before[1]
    print(f"check S1: stored {submissions:,} submissions and {reports:,} reports; gunicorn logged {server_2xx:,} "
          f"2xx answers to POST /report; wrk received {client_2xx:,} 2xx answers")
    problems = []
    if submissions != server_2xx:
        problems.append(f"{submissions:,} submissions stored but {server_2xx:,} answered 2xx")
    if reports != submissions * relatives:
        problems.append(f"{reports:,} reports for {submissions:,} submissions of {relatives} relative(s)")
    if not 0 <= server_2xx - client_2xx <= connections:
        problems.append(f"wrk saw {client_2xx:,} 2xx answers, gunicorn sent {server_2xx:,}")
    if server_other or client_other or s1["errors"]:
        problems.append(f"non-2xx answers: server {server_other}, wrk {client_other}, socket errors {s1['errors']}")
    if problems:
        print("MISMATCH: " + "; ".join(problems))
        return False
    print(f"OK: every 2xx answer is a stored submission, none lost ({server_2xx - client_2xx} answered after wrk "
          f"stopped listening, at most {connections} can be)")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per phase (15)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server (2)")
    parser.add_argument("--sessions", type=int, default=64, help="visitors (cookie + CSRF token) the POSTs rotate")
    parser.add_argument("--relatives", type=int, default=1, help="relatives described in each submission (1)")
    parser.add_argument("--env", choices=("production", "test"), default="production",
                        help="INTAKE_ENV of the intake server (production: STRONG Argon2id, the real cost)")
    parser.add_argument("--db", help="SQLAlchemy URL of a PostgreSQL database (a temporary schema is used); "
                                     "default: a temporary SQLite file")
    args = parser.parse_args()
    if not 1 <= args.duration <= 120 or not 1 <= args.connections <= 64 or not 1 <= args.sessions <= 1000:
        parser.error("keep it bounded: --duration 1..120, --connections 1..64, --sessions 1..1000")
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    drop, servers, setup_app = None, [], None
    try:
        url = f"sqlite:///{tmp / 'intake.sqlite3'}"
        if args.db:
            problem = support.pg_problem(args.db)
            if problem:
                print(f"PostgreSQL not reachable ({problem})", file=sys.stderr)
                return 2
            url, drop = support.fresh_pg_schema(args.db)
        keys = support.Secrets(tmp / "keys")
        keys.create_keys()
        setup_app = create_app(args.env, keys.settings("public", url))
        with setup_app.app_context():
            db.create_all()
        profile = setup_app.config["INTAKE_KDF_PROFILE"]
        receipt_kdf = PROFILES[profile]["receipt"]

        log("starting the servers")
        module = support.intake_module(tmp, "bench_public_wsgi",
                                       {"INSTANCE_PATH": str(tmp / "instance"), **RATE_LIMITS})
        intake = Server("intake", module, tmp, workers=args.workers, env=keys.environment(args.env, "public", url))
        trivial = Server("trivial", support.write_module(tmp, "bench_trivial", support.TRIVIAL_TEMPLATE), tmp,
                         workers=args.workers, env={})
        servers = [intake, trivial]
        for server in servers:
            server.wait_ready("/")

        log(f"preparing {args.sessions} visitors (GET /report: session cookie + CSRF token)")
        visitors, first = [], None
        for _ in range(args.sessions):
            browser = Browser(intake.port)
            page = browser.get("/report")
            assert page.status == 200, f"GET /report answered {page.status}"
            visitors.append((browser.cookie_header(), support.csrf_token(page.text)))
            first = first or browser
        boundary = "----benchBoundary7MA4YWxkTrZu0gW"
        body, ctype = support.multipart(form_fields("\0", args.relatives), [FILE_FIELD], boundary=boundary)
        head, tail = body.split(b"\0")
        # One submission through the Python client first: the form must be accepted, or nothing is measured.
        answer = first.request("POST", "/report", head + visitors[0][1].encode() + tail, {"Content-Type": ctype})
        if answer.status != 200 or answer.text.count('class="receipt-group"') != 6:
            shown = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]{0,200})', answer.text)[:5]
            print(f"the form was refused ({answer.status}); errors shown: {shown}", file=sys.stderr)
            return 1

        scripts = {name: tmp / f"{name}.lua" for name in ("get", "post")}
        wrk_script(scripts["get"], "GET", "/")
        phase("T0", "trivial Flask app, GET / (reference)", trivial, scripts["get"], args, "/")
        phase("T1", "intake GET / (home page)", intake, scripts["get"], args, "/")
        wrk_script(scripts["get"], "GET", "/report")
        phase("F1", "intake GET /report (empty form, new session)", intake, scripts["get"], args, "/report")
        before = count_rows(setup_app)
        wrk_script(scripts["post"], "POST", "/report", visitors, head, tail, ctype)
        people = f"{args.relatives} relative" + ("s" if args.relatives > 1 else "")
        s1 = phase("S1", f"intake POST /report (submission, {people})", intake, scripts["post"], args, "/report",
                   "POST")
        log("stopping the servers (in-flight requests finish first), then counting rows")
        for server in servers:
            server.stop()
        after = count_rows(setup_app)

        kdf = f"{profile.upper()} (iterations={receipt_kdf.iterations}, memory={receipt_kdf.memory_cost:,} KiB, " \
              f"lanes={receipt_kdf.lanes})"
        print_table(
            f"intake submission benchmark: {support.backend(url)}, INTAKE_ENV={args.env}, receipt verifier Argon2id "
            f"{kdf}\ngunicorn {args.workers} sync workers per server (gunicorn.conf.py), wrk {args.threads} threads "
            f"x {args.connections} connections, {args.duration} s per phase, {args.sessions} visitors; "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs shared by client and servers\n"
            "'x ref' = figure / T0's figure (req/s: higher is faster; latency: higher is slower)")
        return 0 if check(before, after, intake, s1, args.relatives, args.connections) else 1
    finally:
        for server in servers:
            server.stop()
        support.tear_down([setup_app], drop, tmp)


if __name__ == "__main__":
    sys.exit(main())
