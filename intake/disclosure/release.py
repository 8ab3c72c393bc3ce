"""Building a release: recode, check, pseudonymise, shuffle, write four formats, sign a manifest.

`build_release` is the one entry point. It takes one row per person with raw values (see
`columns.INPUT_COLUMNS`), and either writes a complete, signed export directory or raises and
leaves nothing: files are written into a hidden temporary directory beside the target and moved
into place only when everything, manifest and signature included, is done.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import multiprocessing
import os
import shutil
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import columns, dictionary, recoding, risk, signing, writers, xlsx
from .hierarchies import SENSITIVE, Hierarchy, hierarchies
from .recoding import Plan, Policy
from .standalone_verify import FORMAT, MANIFEST

DATA_NAME = "persons"
FILES = {"csv": f"{DATA_NAME}.csv", "xlsx": f"{DATA_NAME}.xlsx", "json": f"{DATA_NAME}.json",
         "parquet": f"{DATA_NAME}.parquet"}
DICTIONARY_FILES = {"dictionary-json": "data_dictionary.json", "dictionary-markdown": "data_dictionary.md"}
PSEUDONYM_BYTES = 10  # 80 random bits


class ReleaseCheckFailed(RuntimeError):
    """The written table does not measure what the search promised: nothing is released."""


@dataclass(frozen=True)
class Release:
    directory: Path
    manifest: dict[str, Any]
    # pseudonyms[i] is the pseudonym of input person i: the caller seals this to find a person's
    # row again if the family withdraws; it is not stored in the export.
    pseudonyms: list[str]
    timings: dict[str, float] = field(default_factory=dict)  # wall-clock seconds per stage
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # this process's CPU time per stage


def fresh_pseudonyms(count: int) -> np.ndarray:
    """`count` distinct random pseudonyms (20 hex digits, 80 bits, as an array of bytes strings),
    unrelated to anything."""
    while True:
        names = np.frombuffer(os.urandom(PSEUDONYM_BYTES * count).hex().encode("ascii"),
                              dtype=f"S{2 * PSEUDONYM_BYTES}")
        if len(np.unique(names)) == count:  # a collision among 2^80 is all but impossible; never ship one
            return names


def _given(pseudonyms: Sequence[str], count: int) -> np.ndarray:
    names = np.asarray(pseudonyms, dtype="S")
    if len(names) != count or len(np.unique(names)) != count:
        raise ValueError("the pseudonyms must be one per person and all distinct")
    return names


def random_order(count: int) -> np.ndarray:
    """A uniformly random permutation from the system's cryptographic generator: the row order
    must not reveal the order in which persons were reported."""
    keys = np.frombuffer(os.urandom(8 * count), dtype=np.uint64)
    return np.argsort(keys, kind="stable")


def build_release(persons: columns.PersonRows, directory: Path, *, signing_key: Ed25519PrivateKey,
                  policy: Policy = Policy(), export_id: str | None = None, created: dt.date | None = None,
                  last_year: int | None = None, progress: Callable[[str], None] | None = None,
                  pseudonyms: Sequence[str] | None = None) -> Release:
    """Anonymise `persons` into a new export directory `directory` (which must not exist).

    `pseudonyms`, one per person, replace the fresh random ones (the caller's keyed pseudonyms,
    which it can recompute to find a row again); they must be distinct ASCII letters and digits."""
    directory = Path(directory)
    if directory.exists():
        raise FileExistsError(f"{directory} already exists; an export is never written over another")
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}

    @contextmanager
    def clock(stage: str) -> Iterator[None]:
        if progress:
            progress(stage)
        started, used = time.perf_counter(), time.process_time()
        yield
        timings[stage] = time.perf_counter() - started
        cpu[stage] = time.process_time() - used

    with clock("encode"):
        hs = hierarchies(last_year)
        base = columns.encode(persons, hs)
    with clock("search"):
        plan = recoding.search(base, hs, policy)
    with clock("apply and check"):
        table, shown = _released(plan, base, hs)
    with clock("pseudonyms and order"):
        pseudonyms = fresh_pseudonyms(len(base)) if pseudonyms is None else _given(pseudonyms, len(base))
        order = random_order(len(base))
        released = writers.ReleasedTable(
            columns=(dictionary.PSEUDONYM, *(h.column for h in hs)),
            pseudonyms=pseudonyms[order].astype(str).tolist(),
            classes=table[0][order],
            class_values=table[1])
    export_id = export_id or str(uuid.uuid4())
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=directory.parent))
    try:
        files = _write(released, staging, hs, plan, shown, policy, export_id, clock)
        with clock("manifest"):
            manifest = signing.sign(_manifest(plan, hs, policy, export_id, created, len(base), files), signing_key)
            (staging / MANIFEST).write_text(_json(manifest), encoding="utf-8")
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Release(directory=directory, manifest=manifest, pseudonyms=pseudonyms.astype(str).tolist(),
                   timings=timings, cpu_seconds=cpu)


def _released(plan: Plan, base: np.ndarray, hs: Sequence[Hierarchy]
              ) -> tuple[tuple[np.ndarray, list[tuple[str, ...]]], list[set[int]]]:
    """Each person's class and each class's labels, after checking the released table again."""
    status = next(i for i, h in enumerate(hs) if h.column == SENSITIVE)
    codes, suppressed = recoding.apply(plan, base, hs)
    coder = risk.Coder(hs, status)
    final = coder.group(codes, plan.levels)
    measured = risk.measure(final, hs, status, int(suppressed.sum()))
    if not _same(measured, plan.measures):
        raise ReleaseCheckFailed("the released table does not measure what the recoding search found")
    keys, _ = coder.key(codes, plan.levels)
    classes = np.searchsorted(final.keys, keys)
    labels = [tuple(h.labels[node] for h, node in zip(hs, row, strict=True)) for row in final.codes.tolist()]
    shown = [set(final.codes[:, i].tolist()) for i in range(len(hs))]
    return (classes, labels), shown


def _fork(target: Callable[..., Any], *args: Any) -> multiprocessing.process.BaseProcess | None:
    """`target(*args)` in a forked child (sharing this process's memory, copy on write), or None
    where fork is not available."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    child = multiprocessing.get_context("fork").Process(target=target, args=args, daemon=True)
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a threaded process may deadlock; the child only runs
        # pure Python and zlib, takes no lock and starts no thread.
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    return child


def _joined(child: multiprocessing.process.BaseProcess) -> bool:
    child.join()
    return child.exitcode == 0


def _same(a: risk.Measures, b: risk.Measures) -> bool:
    return all(math.isclose(x, y, rel_tol=1e-12) if isinstance(x, float) else x == y
               for x, y in zip(a.as_dict().values(), b.as_dict().values(), strict=True))


def _write(released: writers.ReleasedTable, staging: Path, hs: Sequence[Hierarchy], plan: Plan,
           shown: list[set[int]], policy: Policy, export_id: str,
           clock: Callable[[str], Any]) -> dict[str, dict[str, Any]]:
    about = {"format": FORMAT, "export_id": export_id}
    book = dictionary.build(hs, plan.levels, shown, policy.as_dict())
    entries: dict[str, dict[str, Any]] = {}
    sheet_rows = dictionary.sheet_rows(book)
    # The XLSX, the slowest format, is written by a forked copy of this process on the other core
    # while this one writes the rest; it returns nothing but its exit status.
    child = _fork(writers.write_xlsx, released, staging / FILES["xlsx"], DATA_NAME, sheet_rows)
    with clock("write csv"):
        writers.write_csv(released, staging / FILES["csv"])
        entries[FILES["csv"]] = {"format": "csv"}
    with clock("write json"):
        writers.write_json(released, staging / FILES["json"], about)
        entries[FILES["json"]] = {"format": "json"}
    with clock("write parquet"):
        writers.write_parquet(released, staging / FILES["parquet"])
        entries[FILES["parquet"]] = {"format": "parquet"}
    with clock("write xlsx (waiting for it)"):
        if child is None or not _joined(child):
            writers.write_xlsx(released, staging / FILES["xlsx"], DATA_NAME, sheet_rows)  # raises the error
        entries[FILES["xlsx"]] = {"format": "xlsx", "sheets": list(xlsx.sheet_names(DATA_NAME, released.rows))}
    with clock("write dictionary"):
        (staging / DICTIONARY_FILES["dictionary-json"]).write_text(_json({**about, **book}), encoding="utf-8")
        (staging / DICTIONARY_FILES["dictionary-markdown"]).write_text(
            dictionary.markdown(book, f"Data dictionary of export {export_id}"), encoding="utf-8")
        for kind, name in DICTIONARY_FILES.items():
            entries[name] = {"format": kind}
    with clock("checksums"):
        for name, entry in entries.items():
            entry.update(_digest(staging / name))
    return entries


def _manifest(plan: Plan, hs: Sequence[Hierarchy], policy: Policy, export_id: str, created: dt.date | None,
              rows: int, files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    measures = plan.measures.as_dict()
    loss_keys = ("loss_metric", "precision_loss", "discernibility", "normalised_discernibility")
    return {
        "format": FORMAT,
        "export_id": export_id,
        "created": (created or dt.date.today()).isoformat(),
        "row_count": rows,
        "pseudonym_column": dictionary.PSEUDONYM,
        "sensitive_attribute": SENSITIVE,
        "quasi_identifiers": [h.column for h in hs],
        "columns": [{"name": dictionary.PSEUDONYM, "level": None}]
                   + [{"name": h.column, "level": h.level_names[level], "hierarchy": list(h.level_names)}
                      for h, level in zip(hs, plan.levels, strict=True)],
        "privacy_model": policy.as_dict(),
        "measured": {k: v for k, v in measures.items() if k not in loss_keys},
        "information_loss": {
            "chosen_by": "least loss_metric, then least discernibility",
            **{k: measures[k] for k in loss_keys},
            "definitions": {
                "loss_metric": "Iyengar (2002): per cell (leaves under the value - 1) / (leaves of the domain - 1), "
                               "1 for *, unknown and suppressed cells; mean over all quasi-identifier cells",
                "precision_loss": "Sweeney (2002): per cell the level of the value over the hierarchy height; mean",
                "discernibility": "Bayardo and Agrawal (2005): sum of squared class sizes, each suppressed row "
                                  "counting the number of rows",
            },
        },
        "recoding": plan.level_names(hs),
        "search": plan.stats.as_dict(),
        "files": files,
    }


def _digest(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
