"""Whether this process may fork worker processes (the bulk path's `map_reports`).

A child forked while another thread holds a lock (DuckDB's pool after a matcher job, a threaded
server's workers) can wait on that lock forever. So forking is allowed only when no Python thread
besides this one runs and no native thread was started beyond an idle baseline.

The baseline is taken here, after importing the libraries that start idle native threads at
import: numpy (OpenBLAS's pool, which numpy makes fork-safe) and pyarrow (jemalloc's background
thread, which jemalloc's own fork hooks handle). Taking it after those imports, whatever the order
in which the application imports its modules, is what keeps two workers from silently becoming one
when the disclosure code happens to be imported after the bulk path.
"""

from __future__ import annotations

import os
import sys
import threading

import numpy  # noqa: F401  (starts OpenBLAS's idle pool: part of the baseline)
import pyarrow  # noqa: F401  (starts jemalloc's background thread: part of the baseline)


def thread_count() -> int:
    """Threads of this process, native ones included (DuckDB's are invisible to `threading`)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # not Linux: what Python knows, and DuckDB's pool if it was ever loaded
        return threading.active_count() + (1 if "duckdb" in sys.modules else 0)


BASE_THREADS = thread_count()


def forking_is_safe() -> bool:
    """No Python thread besides this one, and no native thread beyond the idle baseline."""
    return threading.active_count() == 1 and thread_count() <= BASE_THREADS
