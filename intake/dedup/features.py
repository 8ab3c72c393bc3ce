"""Plain rows to the flat feature records the model compares (one per report).

A feature record holds only normalised forms (resolution.prepare): the cross-script forms of the
person's own and father's names, birth date parts, GB/T 2260 codes and the ID number. It lives in
process memory (and in an in-memory DuckDB or a Spark session) for the length of a run; nothing
here writes, logs or raises with a value.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from functools import lru_cache
from typing import Any

import pyarrow as pa

from ..resolution.chinese import tidy
from ..resolution.name_match import lean
from ..resolution.names import NameKey
from ..resolution.prepare import PreparedRecord, name_frame, prepare, second_frame
from ..resolution.scripts import CHINESE_SCRIPTS

# Columns of a feature record, in order (the DuckDB/Spark table's schema).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("unique_id", "VARCHAR"),
    ("given_latin", "VARCHAR"), ("given_skel", "VARCHAR"), ("given_syl", "VARCHAR"),
    ("father_latin", "VARCHAR"), ("father_skel", "VARCHAR"), ("father_syl", "VARCHAR"),
    ("given_zh", "BOOLEAN"), ("father_zh", "BOOLEAN"),
    ("alt_given_syl", "VARCHAR"), ("alt_father_syl", "VARCHAR"),
    ("given_lean", "VARCHAR"), ("father_lean", "VARCHAR"),
    ("given_syl2", "VARCHAR"), ("father_syl2", "VARCHAR"),
    ("given_skel2", "VARCHAR"), ("father_skel2", "VARCHAR"),
    ("gframe", "VARCHAR"), ("fframe", "VARCHAR"), ("finitial", "VARCHAR"), ("gframe2", "VARCHAR"),
    ("fframe2", "VARCHAR"),
    ("gender", "VARCHAR"),
    ("birth_year", "INTEGER"), ("birth_month", "INTEGER"), ("birth_day", "INTEGER"),
    ("year_a", "INTEGER"), ("year_b", "INTEGER"), ("year_next", "INTEGER"),
    ("county", "VARCHAR"), ("prefecture", "VARCHAR"),
    ("id_raw", "VARCHAR"), ("id_valid", "BOOLEAN"), ("id_head", "VARCHAR"), ("id_tail", "VARCHAR"),
    ("detained_year", "INTEGER"), ("detained_month", "INTEGER"),
    ("thin", "BOOLEAN"),
)
NAMES = tuple(name for name, _ in COLUMNS)
_ARROW = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "BOOLEAN": pa.bool_()}
SCHEMA = pa.schema([(name, _ARROW[kind]) for name, kind in COLUMNS])


_Forms = tuple[str | None, str | None, str | None, str | None, str | None, str | None]


@lru_cache(maxsize=65536)  # names repeat across reports; tidy's dozen substitutions were a sixth of prepare
def _forms(key: NameKey | None) -> _Forms:
    """Tokens joined without spaces: Abdu Rehim and Abdurehim, 阿不都热依木 and Abudureyimu agree;
    the cross-script form's lean form (name_match.lean), and its second reading (second_reading.py) where
    it has one, and its other skeleton (name_levels.other_skeleton): as another writing habit reads
    it (pinyin's x and q, Russian's kh for Kazakh q, Uzbek o, Kazakh sh: habits.py), or "=" and its consonants where
    every word was typed in Arabic script without short vowels."""
    if key is None:
        return None, None, None, None, None, None
    latin = key.latin.replace(" ", "") or None
    skel = key.skeleton.replace(" ", "") or None
    syl = tidy(key.syllables.replace(" ", "").replace("-", "")) or None
    second = tidy(key.second.replace(" ", "").replace("-", "")) if key.second else None
    habit = key.habit.replace(" ", "") if key.habit else None
    bare = "=" + key.bare.replace(" ", "") if key.bare and "-" not in key.bare.split(" ") else None
    return (latin, skel, syl, lean(syl) if syl else None, second if second != syl else None,
            habit if habit and habit != skel else bare)


def _alt(rec: PreparedRecord) -> tuple[str | None, str | None]:
    """The first other full name (full_name_alt beside given and father's name, often in another
    script), as the cross-script forms of its first two tokens: given, then father."""
    for other in rec.other_names:
        tokens = other.syllables.split(" ")
        given = tokens[0].replace("-", "") or None  # one word: tidy already
        father = tokens[1].replace("-", "") or None if len(tokens) > 1 else None
        if given:
            return given, father
    return None, None


def from_prepared(rec: PreparedRecord) -> dict[str, Any]:
    g_latin, g_skel, g_syl, g_lean, g_syl2, g_skel2 = _forms(rec.given)
    f_latin, f_skel, f_syl, f_lean, f_syl2, f_skel2 = _forms(rec.father)
    alt_given, alt_father = _alt(rec)
    raw = rec.id_raw if rec.id_raw and len(rec.id_raw) == 18 else None
    fframe = name_frame(rec.father) if f_syl else None
    year, month, day = rec.compared_birth()
    facts = sum(x is not None for x in (year, rec.county or rec.prefecture, raw))
    return {
        "unique_id": rec.record_id,
        "given_latin": g_latin, "given_skel": g_skel, "given_syl": g_syl,
        "father_latin": f_latin, "father_skel": f_skel, "father_syl": f_syl,
        # Whether the name came through Chinese (characters or pinyin), whose spelling skeleton
        # is a reading of the transcription rather than a spelling.
        "given_zh": rec.given.script in CHINESE_SCRIPTS if g_syl else None,
        "father_zh": rec.father.script in CHINESE_SCRIPTS if f_syl else None,
        "alt_given_syl": alt_given, "alt_father_syl": alt_father,
        # The cross-script form without the vowels Chinese writes into a cluster or leaves out.
        "given_lean": g_lean, "father_lean": f_lean,
        # The second reading (second_reading.py: h and gh read as k, a closing l as r), where the name has one.
        "given_syl2": g_syl2, "father_syl2": f_syl2,
        # The other skeleton: as another writing habit reads the name (Dilxat: Dilshat; Bakhyt: Baqyt),
        # or "=" and the consonants of a name typed in Arabic script without short vowels (گلهمار).
        "given_skel2": g_skel2, "father_skel2": f_skel2,
        "gframe": name_frame(rec.given) if g_syl else None,
        "fframe": fframe,
        "finitial": fframe[:1] if fframe else None,  # a blocking key: a typo rarely changes it
        # The frames of the names' second readings (哈依拉提 as Qayrat, Yalqun as 亚尔坤), blocking keys.
        "gframe2": second_frame(rec.given) if g_syl else None,
        "fframe2": second_frame(rec.father) if f_syl else None,
        "gender": rec.gender,
        "birth_year": year, "birth_month": month, "birth_day": day,
        # Two-year buckets, staggered: two years one apart always share one of them.
        "year_a": year // 2 if year is not None else None,
        "year_b": (year + 1) // 2 if year is not None else None,
        # The next year: joins reports a year apart where one side is few (blocking_rules), without
        # the buckets' blocks of two years on both sides.
        "year_next": year + 1 if year is not None else None,
        "county": rec.county, "prefecture": rec.prefecture,
        "id_raw": raw, "id_valid": rec.id_number is not None,
        # Region and birth date, and birth date to the end: a typo in one half still meets the other.
        "id_head": raw[:14] if raw else None, "id_tail": raw[6:] if raw else None,
        "detained_year": rec.detention_year, "detained_month": rec.detention_month,
        # A thin report: a name and at most one other fact (a valid ID number is more than a fact).
        # Clustering never lets one join two fuller clusters.
        "thin": facts <= 1 and rec.id_number is None,
    }


def feature_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """One plain row (the CSV columns; report_id required) as a feature record."""
    return from_prepared(prepare(row))


def _chunk(rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [feature_row(r) for r in rows]


def feature_columns(rows: Iterable[Mapping[str, Any]]) -> tuple[list[Any], ...]:
    """Feature records of some rows as columns (lists in the order of NAMES): what a worker
    process sends back. Plain lists, because Arrow is not safe to use in a forked child once
    the parent has run Arrow's threads."""
    columns: tuple[list[Any], ...] = tuple([] for _ in NAMES)
    appends = [(name, column.append) for name, column in zip(NAMES, columns)]
    for row in rows:
        record = feature_row(row)
        for name, append in appends:
            append(record[name])
    return columns


def feature_batch(rows: Iterable[Mapping[str, Any]]) -> pa.RecordBatch:
    """Feature records of some rows as one Arrow batch: columns, not a dict per report."""
    return batch_of_columns(feature_columns(rows))


def batch_of_columns(columns: tuple[list[Any], ...]) -> pa.RecordBatch:
    """feature_columns' lists (from a worker) as one Arrow batch."""
    return pa.RecordBatch.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, SCHEMA)], schema=SCHEMA)


# Rows per chunk: enough that a worker's round trip is cheap, few enough that the chunks in
# flight (two per worker) stay small.
CHUNK = 20_000


def feature_table(rows: Iterable[Mapping[str, Any]], *, workers: int | None = None,
                  progress: Any = None, chunk: int | None = None) -> pa.Table:
    """Feature records of many rows, streamed: rows are taken ``chunk`` at a time (an iterator
    is never held whole), prepared in worker processes (fork) when there is more than one chunk,
    and come back as columns of normalised forms only, through pipes, never a file; each chunk
    becomes an Arrow batch here. At most
    two chunks per worker are in flight, so memory holds the feature table and a few chunks."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    chunks = _chunks(rows, chunk or CHUNK)
    first = next(chunks, None)
    if first is None:
        return SCHEMA.empty_table()
    second = next(chunks, None)
    batches: list[pa.RecordBatch] = []
    if workers <= 1 or second is None:
        for part in itertools.chain([first], [second] if second is not None else [], chunks):
            batches.append(feature_batch(part))
            if progress is not None:
                progress(len(part))
        return pa.Table.from_batches(batches, schema=SCHEMA)
    window: deque[tuple[int, Future[tuple[list[Any], ...]]]] = deque()
    with ProcessPoolExecutor(max_workers=workers, mp_context=_worker_context()) as pool:
        for part in itertools.chain([first, second], chunks):
            window.append((len(part), pool.submit(feature_columns, part)))
            del part
            while len(window) >= 2 * workers:
                batches.append(_take(window, progress))
        while window:
            batches.append(_take(window, progress))
    return pa.Table.from_batches(batches, schema=SCHEMA)


def _worker_context() -> Any:
    """Workers forked from a fresh server process, not from this one: a child forked from a
    process whose DuckDB or Arrow threads have run can crash (seen as a segfault in the second
    run of one process). The server imports this module once; each worker starts from it."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _take(window: deque[tuple[int, Future[tuple[list[Any], ...]]]], progress: Any) -> pa.RecordBatch:
    count, future = window.popleft()
    batch = batch_of_columns(future.result())
    if progress is not None:
        progress(count)
    return batch


def _chunks(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    it = iter(rows)
    while part := list(itertools.islice(it, size)):
        yield part


def feature_rows(rows: Iterable[Mapping[str, Any]], *, workers: int | None = None,
                 progress: Any = None) -> list[dict[str, Any]]:
    """Feature records of many rows; large inputs are prepared in worker processes (fork), which
    send back normalised forms only, through pipes, never a file."""
    rows = list(rows)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(rows) < 50_000:
        out = []
        for i, row in enumerate(rows):
            out.append(feature_row(row))
            if progress is not None and i % 10_000 == 9_999:
                progress(10_000)
        if progress is not None:
            progress(len(rows) % 10_000)
        return out
    size = 20_000
    chunks = [rows[i:i + size] for i in range(0, len(rows), size)]
    out = []
    import multiprocessing

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for part in pool.map(_chunk, chunks):
            out.extend(part)
            if progress is not None:
                progress(len(part))
    return out
