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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
# What neutralise may change (a formula's first character after spaces; a piece after ";" or a line
# break): the ids that match go through it, the others it would leave as they are.
_MAY_NEUTRALISE = r"^ *[=+\-@\t\r\n＝＋－＠]|[;\r\n]"
_MUST_QUOTE = r"[\",\r\n]"  # csv.writer's QUOTE_MINIMAL with this dialect


@contextmanager
def _output(path: str | Path) -> Iterator[IO[bytes]]:
    """A new file at `path`, readable by its owner only (0600: the ids come from others' lists),
    written beside it and moved into place when complete. Whatever `path` was before (a file, or
    a symbolic link pointing elsewhere) is replaced, never written through; nothing partial stays."""
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def _line(cells: Iterable[str]) -> bytes:
    return (",".join(cells) + _LINE_END).encode("utf-8")


def write_pairs(path: str | Path, pairs: Iterable[PairScore]) -> int:
    """Most probable first (ties by the ids); the number of pairs written."""
    table = pairs if isinstance(pairs, PairTable) else PairTable.from_scores(pairs)
    return _write_pair_table(path, table)


def _write_pair_table(path: str | Path, pairs: PairTable) -> int:
    table = pairs.table
    order = pc.sort_indices(table, sort_keys=[("probability", "descending"), ("left", "ascending"),
                                              ("right", "ascending")])
    codes = [(f"gamma_{c.name}", _level_codes(c)) for c in COMPARISONS]
    with _output(path) as out:
        out.write(_line(PAIR_COLUMNS))
        for start in range(0, len(order), _SLICE):
            part = table.take(order.slice(start, _SLICE))
            cells = [_ids(part.column("left")), _ids(part.column("right")), _probabilities(part.column("probability"))]
            cells += [_levels(part.column(col), lookup) for col, lookup in codes]
            _write_lines(out, pc.binary_join_element_wise(*cells, ","))
    return len(order)


def write_clusters(path: str | Path, clusters: dict[str, str]) -> int:
    """Each report and its cluster, by report id."""
    ids = sorted(clusters)
    with _output(path) as out:
        out.write(_line(("report_id", "cluster_id")))
        for start in range(0, len(ids), _SLICE):
            part = ids[start:start + _SLICE]
            lines = pc.binary_join_element_wise(_ids(pa.array(part, pa.string())),
                                                _ids(pa.array([clusters[r] for r in part], pa.string())), ",")
            _write_lines(out, lines)
    return len(clusters)


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
