"""pairs.csv and clusters.csv made from columns are, byte for byte, what Python's csv.writer makes of
the same pairs one by one (ids neutralised for spreadsheets, quoted where needed, probabilities to
six places, level codes), whatever the ids and however near a probability is to a rounding tie."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.dedup.comparisons import COMPARISONS
from intake.dedup.csv_out import PAIR_COLUMNS, RunOutput, write_clusters, write_pairs
from intake.dedup.pairs import PairTable
from intake.disclosure.standalone_verify import neutralise

# Ids as other people's spreadsheets hold them: plain, or starting a formula, with separators,
# quotation marks, line breaks, semicolons, full-width signs and other scripts.
_ID = st.one_of(
    st.from_regex(r"[A-Za-z0-9-]{1,12}", fullmatch=True),
    st.text(alphabet=st.sampled_from(list("=+-@ \t\r\n;,\"'＝＋－＠ab1ئ阿")), min_size=1, max_size=8),
    st.text(min_size=1, max_size=6),
)
# Probabilities anywhere in [0, 1], and on or beside a rounding tie of the sixth place.
_PROBABILITY = st.one_of(
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    st.integers(min_value=0, max_value=999_999).map(lambda k: (k + 0.5) / 1_000_000),
    st.sampled_from([0.0, 1.0, 0.5, 0.0000005, 0.9999995, 0.1234565, 1e-300]),
)


def _pairs(draw_ids: list[str], probabilities: list[float], gammas: list[list[int]]) -> PairTable:
    columns = {"unique_id_l": pa.array(draw_ids[0::2][:len(probabilities)], pa.string()),
               "unique_id_r": pa.array(draw_ids[1::2][:len(probabilities)], pa.string()),
               "match_probability": pa.array(probabilities, pa.float64())}
    for comp, levels in zip(COMPARISONS, gammas):
        columns[f"gamma_{comp.name}"] = pa.array(levels, pa.int8())
        columns[f"mw_{comp.name}"] = pa.array([0.0] * len(levels), pa.float64())
    return PairTable.from_predictions(pa.table(columns))


@st.composite
def _pair_tables(draw) -> PairTable:
    n = draw(st.integers(min_value=1, max_value=40))
    ids = draw(st.lists(_ID, min_size=2 * n, max_size=2 * n))
    probabilities = draw(st.lists(_PROBABILITY, min_size=n, max_size=n))
    gammas = [draw(st.lists(st.integers(min_value=-1, max_value=len(c.levels) - 2), min_size=n, max_size=n))
              for c in COMPARISONS]
    return _pairs(ids, probabilities, gammas)


def _by_csv_writer(pairs: PairTable) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(PAIR_COLUMNS)
    for p in sorted(pairs, key=lambda p: (-p.probability, p.left_id, p.right_id)):
        writer.writerow([neutralise(p.left_id), neutralise(p.right_id), f"{p.probability:.6f}",
                         *(p.levels[c.name] for c in COMPARISONS)])
    return buffer.getvalue().encode("utf-8")


@settings(max_examples=150, deadline=None)
@given(pairs=_pair_tables())
def test_pairs_from_columns_are_what_csv_writer_writes(tmp_path_factory, pairs):
    folder = tmp_path_factory.mktemp("pairs")
    assert write_pairs(folder / "columns.csv", pairs) == len(pairs)
    assert write_pairs(folder / "one-by-one.csv", list(pairs)) == len(pairs)
    expected = _by_csv_writer(pairs)
    assert (folder / "columns.csv").read_bytes() == expected
    assert (folder / "one-by-one.csv").read_bytes() == expected


@settings(max_examples=100, deadline=None)
@given(clusters=st.dictionaries(_ID, _ID, min_size=0, max_size=30))
def test_clusters_are_what_csv_writer_writes(tmp_path_factory, clusters):
    path = tmp_path_factory.mktemp("clusters") / "clusters.csv"
    assert write_clusters(path, clusters) == len(clusters)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(("report_id", "cluster_id"))
    for rid in sorted(clusters):
        writer.writerow((neutralise(rid), neutralise(clusters[rid])))
    assert path.read_bytes() == buffer.getvalue().encode("utf-8")


def test_a_probability_beside_a_rounding_tie_is_written_as_python_rounds_it(tmp_path):
    # 0.0000125 is stored a hair under the tie, 0.1234565 a hair over: the millionths rounded from
    # the product would round both the same way.
    values = [0.0000125, 0.1234565, 0.0000025, 0.9999985]
    pairs = _pairs([f"R-{i}" for i in range(2 * len(values))], values,
                   [[0] * len(values) for _ in COMPARISONS])
    write_pairs(tmp_path / "pairs.csv", pairs)
    rows = list(csv.reader(io.StringIO((tmp_path / "pairs.csv").read_text("utf-8"))))[1:]
    assert sorted(r[2] for r in rows) == sorted(f"{v:.6f}" for v in values)


def test_ids_that_would_start_a_formula_are_neutralised_and_quoted(tmp_path):
    pairs = _pairs(["=cmd()", 'a,"b"', "@x;-y", "R-1\nR-2"], [0.9, 0.8], [[0, 0] for _ in COMPARISONS])
    write_pairs(tmp_path / "pairs.csv", pairs)
    text = (tmp_path / "pairs.csv").read_bytes().decode("utf-8")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    given = [sorted(("=cmd()", 'a,"b"')), sorted(("@x;-y", "R-1\nR-2"))]
    assert {(r[0], r[1]) for r in rows[1:]} == {(neutralise(a), neutralise(b)) for a, b in given}
    assert all(r[0].startswith("'") or r[1].startswith("'") for r in rows[1:])


def test_a_run_output_writes_what_the_writers_write_and_nothing_until_it_finishes(tmp_path):
    """RunOutput writes pairs.csv in a thread while the run clusters: the files are the writers'
    byte for byte, moved into place only by finish (a symbolic link planted there replaced, never
    written through), readable by their owner only; without start_pairs, finish writes both."""
    pairs = _pairs([f"R-{i}" for i in range(8)], [0.9, 0.5, 0.99, 0.01], [[0, 1, 2, 0] for _ in COMPARISONS])
    clusters = {f"R-{i}": "R-0" for i in range(8)}
    write_pairs(tmp_path / "pairs.csv", pairs)
    write_clusters(tmp_path / "clusters.csv", clusters)

    out = tmp_path / "new" / "out"
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("kept", "utf-8")
    output = RunOutput(out)
    output.start_pairs(pairs)
    assert out.is_dir() and not (out / "pairs.csv").exists()  # written beside its place meanwhile
    (out / "clusters.csv").symlink_to(elsewhere)
    output.finish(pairs, clusters)
    assert sorted(p.name for p in out.iterdir()) == ["clusters.csv", "pairs.csv"]
    for name in ("pairs.csv", "clusters.csv"):
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes()
        assert not (out / name).is_symlink() and (out / name).stat().st_mode & 0o077 == 0
    assert elsewhere.read_text("utf-8") == "kept"

    later = RunOutput(tmp_path / "later")
    later.finish(list(pairs), clusters)  # PairScores, and no start_pairs
    assert (tmp_path / "later" / "pairs.csv").read_bytes() == (tmp_path / "pairs.csv").read_bytes()

    dropped = RunOutput(tmp_path / "dropped")
    dropped.start_pairs(pairs)
    dropped.discard()
    assert not (tmp_path / "dropped").exists()


def test_pairs_in_many_batches_are_written_in_order(tmp_path, monkeypatch):
    """Batches of lines are made in threads: written in order, none lost or doubled."""
    import random

    from intake.dedup import csv_out

    monkeypatch.setattr(csv_out, "_SLICE", 4)
    chance = random.Random(3)
    n = 97
    ids = [f"r{i:03d}" for i in chance.sample(range(1000), 2 * n)]
    pairs = _pairs(ids, [chance.choice([0.5, 0.9, chance.random()]) for _ in range(n)],
                   [[chance.randint(-1, len(c.levels) - 2) for _ in range(n)] for c in COMPARISONS])
    assert write_pairs(tmp_path / "pairs.csv", pairs) == n
    assert (tmp_path / "pairs.csv").read_bytes() == _by_csv_writer(pairs)
