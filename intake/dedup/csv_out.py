"""pairs.csv and clusters.csv, as ``flask dedup csv`` writes them: report ids, probabilities and
level codes (no names), in the dialect of Python's ``csv.writer`` (commas, quotation marks only
where a value needs them, lines ended by CRLF).

The report ids come from other people's spreadsheets and the output is opened in one: every id
written goes through `neutralise` (a leading apostrophe on one that would start a formula).

A million reports keep some four million pairs: their lines are made from Arrow columns by
pyarrow's compute functions (a Python call per cell took ten seconds), and only the rare values
that need it (an id to neutralise, a probability on a rounding tie) go through Python. Tests hold
the file to what ``csv.writer`` makes of the same pairs.
"""

from __future__ import annotations

import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc

from ..disclosure.standalone_verify import neutralise
from .comparisons import COMPARISONS
from .model import PairScore
from .pairs import PairTable, level_code

PAIR_COLUMNS = ("report_id_l", "report_id_r", "match_probability", *(f"{c.name}_level" for c in COMPARISONS))

_LINE_END = "\r\n"  # csv.writer's
_SLICE = 262_144  # pairs per batch of lines
_MAKERS = 2  # threads making batches of lines
# What neutralise may change (a formula's first character after spaces; a piece after ";" or a line
# break): the ids that match go through it, the others it would leave as they are.
_MAY_NEUTRALISE = r"^ *[=+\-@\t\r\n＝＋－＠]|[;\r\n]"
_MUST_QUOTE = r"[\",\r\n]"  # csv.writer's QUOTE_MINIMAL with this dialect


def _staged(path: Path, fill: Callable[[IO[bytes]], Any]) -> Path:
    """A new file beside `path`, readable by its owner only (0600: the ids come from others'
    lists), holding what `fill` wrote, to be moved into place when complete (os.replace: whatever
    `path` was before, a file or a symbolic link pointing elsewhere, is replaced, never written
    through); nothing partial stays."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            fill(out)
    except BaseException:
        os.unlink(temporary)
        raise
    return Path(temporary)


class RunOutput:
    """pairs.csv and clusters.csv of one run in `folder`. pairs.csv is written in a thread from
    the moment the pairs are scored, while the run clusters (pyarrow's compute functions release
    the GIL, clustering is mostly Python: at a million reports the writing overlaps the
    clustering), beside its place; `finish` writes clusters.csv and moves both into place, so a run
    that fails leaves neither (`discard`). The folder is made when the pairs are scored, so a run
    that fails before leaves none."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pairs: Future[Path] | None = None
        self._made = False

    def start_pairs(self, pairs: PairTable | Iterable[PairScore]) -> None:
        try:
            if not self.folder.exists():
                self.folder.mkdir(parents=True)
                self._made = True
            self._pairs = self._pool.submit(_stage_pairs, self.folder / "pairs.csv", _as_table(pairs))
        except OSError as exc:  # the output's fault, reported as such by finish()
            failed: Future[Path] = Future()
            failed.set_exception(exc)
            self._pairs = failed

    def finish(self, pairs: PairTable | Iterable[PairScore], clusters: dict[str, str]) -> None:
        """Raises OSError (or ValueError) when the output cannot be written; nothing is then left."""
        if self._pairs is None:
            self.start_pairs(pairs)
        assert self._pairs is not None
        staged: list[Path] = []
        try:
            staged.append(self._pairs.result())
            staged.append(_stage_clusters(self.folder / "clusters.csv", clusters))
            os.replace(staged[0], self.folder / "pairs.csv")
            os.replace(staged[1], self.folder / "clusters.csv")
        except BaseException:
            for path in staged:
                with suppress(OSError):
                    path.unlink(missing_ok=True)
            self._pairs = None
            self.discard()
            raise
        finally:
            self._pool.shutdown()

    def discard(self) -> None:
        """After a failed run: the pairs written so far removed, and the folder if it was made."""
        if self._pairs is not None:
            with suppress(Exception):
                self._pairs.result().unlink(missing_ok=True)
        self._pool.shutdown()
        if self._made:
            with suppress(OSError):
                self.folder.rmdir()  # only if empty


def _line(cells: Iterable[str]) -> bytes:
    return (",".join(cells) + _LINE_END).encode("utf-8")


def write_pairs(path: str | Path, pairs: Iterable[PairScore]) -> int:
    """Most probable first (ties by the ids); the number of pairs written."""
    table = _as_table(pairs)
    os.replace(_stage_pairs(Path(path), table), path)
    return len(table)


def _as_table(pairs: PairTable | Iterable[PairScore]) -> PairTable:
    return pairs if isinstance(pairs, PairTable) else PairTable.from_scores(pairs)


def _stage_pairs(target: Path, pairs: PairTable) -> Path:
    """pairs.csv written beside ``target`` (_staged), not yet moved into place."""
    return _staged(target, lambda out: _pair_lines(out, pairs))


def _pair_lines(out: IO[bytes], pairs: PairTable) -> None:
    table = pairs.table
    order = pc.sort_indices(table, sort_keys=[("probability", "descending"), ("left", "ascending"),
                                              ("right", "ascending")])
    codes = [(f"gamma_{c.name}", _level_codes(c)) for c in COMPARISONS]

    def lines(start: int) -> Any:
        part = table.take(order.slice(start, _SLICE))
        cells = [_ids(part.column("left")), _ids(part.column("right")), _probabilities(part.column("probability"))]
        cells += [_levels(part.column(col), lookup) for col, lookup in codes]
        return pc.binary_join_element_wise(*cells, ",")

    out.write(_line(PAIR_COLUMNS))
    # Batches of lines made in two threads (pyarrow's functions release the GIL), written in order;
    # at most a few batches wait at once.
    with ThreadPoolExecutor(max_workers=_MAKERS) as pool:
        waiting: deque[Future[Any]] = deque()
        for start in range(0, len(order), _SLICE):
            waiting.append(pool.submit(lines, start))
            if len(waiting) > _MAKERS:
                _write_lines(out, waiting.popleft().result())
        while waiting:
            _write_lines(out, waiting.popleft().result())


def write_clusters(path: str | Path, clusters: dict[str, str]) -> int:
    """Each report and its cluster, by report id."""
    os.replace(_stage_clusters(Path(path), clusters), path)
    return len(clusters)


def _stage_clusters(target: Path, clusters: dict[str, str]) -> Path:
    return _staged(target, lambda out: _cluster_lines(out, clusters))


def _cluster_lines(out: IO[bytes], clusters: dict[str, str]) -> None:
    ids = sorted(clusters)
    out.write(_line(("report_id", "cluster_id")))
    for start in range(0, len(ids), _SLICE):
        part = ids[start:start + _SLICE]
        lines = pc.binary_join_element_wise(_ids(pa.array(part, pa.string())),
                                            _ids(pa.array([clusters[r] for r in part], pa.string())), ",")
        _write_lines(out, lines)


def _write_lines(out: IO[bytes], lines: Any) -> None:
    """Each line with its ending, as the bytes of one Arrow string array (values back to back)."""
    ended = pc.binary_join_element_wise(lines, _LINE_END, "")
    for chunk in (ended.chunks if isinstance(ended, pa.ChunkedArray) else [ended]):
        if chunk.null_count:  # a missing cell would drop its line: never from a run's pairs
            raise ValueError("a pair or cluster without an id or probability")
        if len(chunk):
            _validity, offsets, data = chunk.buffers()
            ends = memoryview(offsets).cast("i")
            out.write(memoryview(data)[ends[chunk.offset]:ends[chunk.offset + len(chunk)]])


def _ids(values: Any) -> Any:
    """Report ids as csv.writer writes `neutralise(id)`."""
    values = pc.cast(values, pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    risky = pc.match_substring_regex(values, _MAY_NEUTRALISE)
    if pc.any(risky).as_py():
        where = pc.indices_nonzero(risky)
        safe = [neutralise(v) for v in pc.take(values, where).to_pylist()]
        values = pc.replace_with_mask(values, risky, pa.array(safe, pa.string()))
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
    return pc.if_else(pc.match_substring_regex(values, _MUST_QUOTE), quoted, values)


def _probabilities(values: Any) -> Any:
    """`f"{p:.6f}"` of each probability (0 to 1): the millionths rounded, as text. A product within
    a hair of half a millionth may round otherwise than the exact value: those go through Python."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    scaled = pc.multiply(values, 1_000_000.0)
    millionths = pc.cast(pc.round(scaled, 0, round_mode="half_to_even"), pa.int64())
    units = pc.divide(millionths, 1_000_000)  # integer division: 0, or 1 for a probability of 1
    fraction = pc.add(pc.subtract(millionths, pc.multiply(units, 1_000_000)), 1_000_000)  # "1" and six digits
    whole = pc.cast(units, pa.string())
    fraction = pc.utf8_slice_codeunits(pc.cast(fraction, pa.string()), 1)
    text = pc.binary_join_element_wise(whole, fraction, ".")
    tie = pc.less(pc.abs(pc.subtract(pc.subtract(scaled, pc.floor(scaled)), 0.5)), 1e-6)
    if pc.any(tie).as_py():
        exact = [f"{p:.6f}" for p in pc.filter(values, tie).to_pylist()]
        text = pc.replace_with_mask(text, tie, pa.array(exact, pa.string()))
    return text


def _level_codes(comparison: Any) -> pa.Array:
    """Each level's code by Splink's level number, the null level (-1) last."""
    top = len(comparison.levels) - 1
    return pa.array([level_code(comparison.name, g) for g in range(top)] + [level_code(comparison.name, -1)],
                    pa.string())


def _levels(gammas: Any, lookup: pa.Array) -> Any:
    gammas = pc.cast(gammas, pa.int32())
    index = pc.if_else(pc.equal(gammas, -1), pa.scalar(len(lookup) - 1, pa.int32()), gammas)
    return pc.take(lookup, index)
