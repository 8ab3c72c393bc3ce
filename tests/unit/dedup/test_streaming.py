"""The large-input path: the CSV streamed in chunks, features prepared in worker processes as
columns, pairs kept as columns (PairTable), clusters repaired over arrays. It must give the very
same pairs.csv and clusters.csv as scoring the rows in process, pair by pair, and the same
clusters as the set-based repair it replaced."""

from __future__ import annotations

import csv
import io
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from stdnum.cn import ric

from intake.dedup import PairScore, repair_clusters, run_pipeline
from intake.dedup import features as features_module
from intake.dedup.comparisons import BY_NAME
from intake.resolution import ids
from intake.dedup.csv_io import CsvError, iter_rows, read_rows
from intake.dedup.csv_out import write_clusters, write_pairs
from intake.dedup.features import feature_row, feature_table
from intake.dedup.pairs import PairTable
from tests.dedup_population import write_csv


def _outputs(result, folder: Path, pairs=None) -> tuple[bytes, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    write_pairs(folder / "pairs.csv", result.pairs if pairs is None else pairs)
    write_clusters(folder / "clusters.csv", result.clusters)
    return (folder / "pairs.csv").read_bytes(), (folder / "clusters.csv").read_bytes()


def test_a_streamed_run_in_worker_processes_writes_the_same_files(bundled, small_population, tmp_path,
                                                                  monkeypatch):
    rows, _ = small_population
    write_csv(str(tmp_path / "list.csv"), rows)
    in_process = run_pipeline(rows, bundled)  # one chunk: prepared here
    monkeypatch.setattr(features_module, "CHUNK", 37)  # many chunks: prepared by two workers
    streamed = run_pipeline(iter_rows(tmp_path / "list.csv"), bundled)
    assert streamed.counts == in_process.counts and in_process.counts["pairs"] > 50
    assert _outputs(streamed, tmp_path / "a") == _outputs(in_process, tmp_path / "b")
    # The columnar writer and the PairScore one agree byte for byte.
    assert isinstance(streamed.pairs, PairTable)
    assert _outputs(streamed, tmp_path / "c", pairs=list(streamed.pairs)) == _outputs(streamed, tmp_path / "a")


def test_the_feature_table_holds_exactly_the_feature_records(small_population):
    rows, _ = small_population
    table = feature_table(rows, workers=2, chunk=29)
    assert table.to_pylist() == [feature_row(r) for r in rows]
    assert feature_table([]).num_rows == 0


def test_pairs_as_columns_behave_as_a_sequence_of_pair_scores(bundled, small_population):
    result = run_pipeline(small_population[0], bundled)
    pairs = result.pairs
    as_list = list(pairs)
    assert len(pairs) == len(as_list) > 2
    assert pairs[0] == as_list[0] and pairs[-1] == as_list[-1] and pairs[1:3] == as_list[1:3]
    assert all(isinstance(p, PairScore) and p.left_id < p.right_id for p in as_list)
    assert list(pairs.ordered()) == sorted(as_list, key=lambda p: (-p.probability, p.left_id, p.right_id))
    with pytest.raises(IndexError):
        pairs[len(pairs)]


# --- clustering: the array union-find against the set-based repair it replaced ----------------

@dataclass
class _Group:
    members: list[str]
    ids: set = field(default_factory=set)
    genders: set = field(default_factory=set)
    years: tuple[int, int] | None = None
    dates: set = field(default_factory=set)
    names: list = field(default_factory=list)

    def absorb(self, other: _Group) -> None:
        self.members += other.members
        self.ids |= other.ids
        self.genders |= other.genders
        self.dates |= other.dates
        self.names += other.names
        if other.years:
            lo, hi = other.years
            self.years = (min(lo, self.years[0]), max(hi, self.years[1])) if self.years else other.years

    def conflicts(self, other: _Group) -> bool:
        if len(self.ids | other.ids) > 1 or len(self.genders | other.genders) > 1:
            return True
        if len(self.dates | other.dates) > 1:
            return True
        if self.years and other.years and \
                max(self.years[1], other.years[1]) - min(self.years[0], other.years[0]) > 2:
            return True
        return any(BY_NAME["given"].level_of(a, b).code == "different" for a in self.names for b in other.names)


def reference_repair(pairs, rows, threshold):
    """The repair as first written (sets per group), kept here as the oracle."""
    groups, thin = {}, {}
    for f in (feature_row(r) for r in rows):
        rid, year = f["unique_id"], f["birth_year"]
        groups[rid] = _Group([rid], {f["id_raw"]} if f["id_valid"] else set(),
                             {f["gender"]} if f["gender"] else set(), (year, year) if year is not None else None)
        if f["birth_day"] is not None and f["birth_month"] is not None and year is not None:
            groups[rid].dates.add((year, f["birth_month"], f["birth_day"]))
        if f["given_syl"] is not None:
            groups[rid].names.append(f)
        thin[rid] = bool(f["thin"])
    parent = {rid: rid for rid in groups}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    def join(a, b):
        ra, rb = find(a), find(b)
        if ra == rb:
            return True
        if groups[ra].conflicts(groups[rb]):
            return False
        groups[ra].absorb(groups.pop(rb))
        parent[rb] = ra
        return True

    strong = sorted((p for p in pairs if p.probability >= threshold and p.left_id in parent
                     and p.right_id in parent), key=lambda p: (-p.probability, p.left_id, p.right_id))
    for p in strong:
        if not thin[p.left_id] and not thin[p.right_id]:
            join(p.left_id, p.right_id)
    attached = set()
    for p in strong:
        for a, b in ((p.left_id, p.right_id), (p.right_id, p.left_id)):
            if thin[a] and not thin[b] and a not in attached and join(a, b):
                attached.add(a)
    for p in strong:
        a, b = p.left_id, p.right_id
        if thin[a] and thin[b] and a not in attached and b not in attached:
            join(a, b)
    return {m: min(g.members) for g in groups.values() for m in g.members}


@pytest.mark.parametrize("threshold", [0.5, 0.9])
def test_repair_over_arrays_equals_the_set_based_repair(bundled, small_population, threshold):
    rows, _ = small_population
    result = run_pipeline(rows, bundled, threshold=threshold)
    expected = reference_repair(list(result.pairs), rows, threshold)
    assert result.clusters == expected
    assert repair_clusters(list(result.pairs), rows, threshold=threshold) == expected
    assert repair_clusters(result.pairs, feature_table(rows), threshold=threshold) == expected


def test_repair_over_arrays_equals_the_set_based_repair_on_random_chains(small_population):
    """Random strong pairs among look-alike reports: many refused joins, thin reports, long chains."""
    rows, _ = small_population
    ids = [r["report_id"] for r in rows]
    chance = random.Random(4)
    for _ in range(5):
        pairs = [PairScore(*sorted(chance.sample(ids, 2)), round(chance.uniform(0.85, 1.0), 3), {}, {})
                 for _ in range(4 * len(ids))]
        expected = reference_repair(pairs, rows, 0.9)
        assert len(set(expected.values())) < len(ids)  # joins happened (most random pairs name two people)
        assert repair_clusters(pairs, rows, threshold=0.9) == expected
        assert repair_clusters(pairs, feature_table(rows), threshold=0.9) == expected


def test_groups_joined_at_once_equal_the_pair_by_pair_repair(small_population):
    """Pairs among each person's own reports (groups that agree, joined at once) beside pairs
    between look-alike people and copies of one report with another ID number, gender or date
    (groups a refusal splits, joined pair by pair), in random order of strength."""
    rows, truth = small_population
    chance = random.Random(8)
    by_person: dict = {}
    for r in rows:
        by_person.setdefault(truth.person[r["report_id"]], []).append(r["report_id"])
    pairs = [PairScore(*sorted(pair), round(chance.uniform(0.9, 1.0), 3), {}, {})
             for ids in by_person.values() for pair in itertools.combinations(ids, 2)]
    altered = []
    for i, r in enumerate(chance.sample(rows, 45)):  # a second report of the same man, one fact apart
        other = dict(r, report_id=f"z{i}")
        number = ids.parse(r.get("chinese_id"))
        if i % 3 == 0 and number is not None and number.valid:  # another valid number
            body = number.raw[:14] + ("01" if number.raw[14:16] != "01" else "02") + number.raw[16]
            other["chinese_id"] = body + ric.calc_check_digit(body + "0")  # (a place for the check digit)
        elif i % 3 == 1:
            other["gender"] = "female" if r.get("gender") in ("male", "m") else "male"
        elif len(r.get("birth_date") or "") == 10:  # the same year, another day
            other["birth_date"] = r["birth_date"][:5] + ("01-02" if r["birth_date"][5:] != "01-02" else "02-03")
        else:
            other["birth_date"] = "1950-01-01"
        altered.append(other)
        pairs.append(PairScore(*sorted((r["report_id"], other["report_id"])), 0.99, {}, {}))
    pairs += [PairScore(*sorted(pair), round(chance.uniform(0.9, 1.0), 3), {}, {})
              for pair in (chance.sample([r["report_id"] for r in rows], 2) for _ in range(6))]
    everyone = rows + altered
    expected = reference_repair(pairs, everyone, 0.9)
    truth_clusters = len(by_person)
    assert len(set(expected.values())) < truth_clusters + len(altered)  # joins happened, refusals too:
    assert any(expected[o["report_id"]] == o["report_id"] for o in altered)
    assert repair_clusters(pairs, everyone, threshold=0.9) == expected
    assert repair_clusters(pairs, feature_table(everyone), threshold=0.9) == expected


def test_a_group_that_agrees_is_one_cluster_whatever_the_order_of_its_pairs():
    rows = [{"report_id": f"r{i}", "given_name": name, "father_name": "Tursun", "birth_date": "1981-03-17",
             "home_place": "Yarkand", "gender": "m"}
            for i, name in enumerate(["Ablimit", "ئابلىمىت", "阿布力米提", "Abliemit"])]
    rows.append({"report_id": "r9", "given_name": "Memet", "father_name": "Tursun", "birth_date": "1981-03-17",
                 "home_place": "Yarkand", "gender": "m"})  # his twin: never in his cluster
    chain = [("r0", "r1"), ("r1", "r2"), ("r2", "r3"), ("r3", "r9")]
    for strengths in ([0.99, 0.98, 0.97, 0.96], [0.96, 0.97, 0.98, 0.99]):
        pairs = [PairScore(a, b, p, {}, {}) for (a, b), p in zip(chain, strengths)]
        clusters = repair_clusters(pairs, rows, threshold=0.9)
        assert {clusters[f"r{i}"] for i in range(4)} == {"r0"}
        assert clusters["r9"] == "r9"
        assert clusters == reference_repair(pairs, rows, 0.9)


# --- reading the CSV as it goes ------------------------------------------------------------------

def dict_reader_rows(text: str) -> list[dict[str, str]]:
    """How read_rows read a file before it streamed (csv.DictReader over the whole text)."""
    from intake.dedup.csv_io import INPUT_COLUMNS

    reader = csv.DictReader(io.StringIO(text, newline=""))
    reader.fieldnames = [h.strip().lower() for h in (reader.fieldnames or [])]
    return [{c: (rec.get(c) or "").strip() for c in INPUT_COLUMNS} for rec in reader]


def test_streamed_reading_reads_as_the_dict_reader_did(tmp_path):
    text = ("\ufeffReport_ID , given_name,notes,GIVEN_NAME,birth_date\r\n"
            "1,Ablimit,x,Ablimit2,1981\r\n"
            "\r\n"                                      # a blank line is no row
            "2,\"Tursun, Memet\",\"two\nlines\",T,\r\n"  # quoted comma and newline
            "3,short\r\n"                               # fewer fields than the header
            "4,a,b,c,1990,extra,fields\r\n")
    path = tmp_path / "list.csv"
    path.write_bytes(text.encode("utf-8"))
    # The DictReader's rows, but for the one with more cells than the header: its values may have
    # moved a column, so it is left out and its line named.
    notes: list[str] = []
    assert read_rows(path, notes=notes) == dict_reader_rows(text.removeprefix("\ufeff"))[:3]
    assert "1 row(s) left out, with more cells than the header has columns" in notes[-1] and "line(s) 7" in notes[-1]
    assert [r["given_name"] for r in read_rows(path)] == ["Ablimit2", "T", ""]  # the last column counts


def test_streamed_reading_names_the_line_of_a_fault(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("report_id,given_name\n\nA7,Ablimit\n\nA7,Tursun\n", "utf-8")
    rows = iter_rows(path)
    assert next(rows)["report_id"] == "A7"  # read as it goes: the fault is found when reached
    # The line a text editor or a spreadsheet shows: blank lines count.
    with pytest.raises(CsvError, match="line 5: report_id repeats an earlier line") as err:
        next(rows)
    assert "A7" not in str(err.value) and "Tursun" not in str(err.value)
    path.write_bytes(b"report_id,given_name\n" + b"".join(b"%d,A\n" % i for i in range(60000)) + b"x,\xfcnal\n")
    with pytest.raises(CsvError, match="not UTF-8 text throughout"):
        read_rows(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gb18030"])
def test_unicode_lists_are_read_in_the_encoding_they_were_saved_in(tmp_path, encoding):
    """Excel saves "Unicode text" as UTF-16; Chinese Windows saves GB18030: the rows come out the same."""
    text = "report_id,given_name,father_name,home_place\r\n1,ئابلىمىت,تۇرسۇن,يەكەن\r\n2,阿布力米提,吐尔逊,莎车县\r\n" \
           "3,Аблимит,Турсун,Яркенд\r\n"
    path = tmp_path / "list.csv"
    path.write_bytes(text.encode(encoding))
    rows = read_rows(path)
    assert [(r["report_id"], r["given_name"], r["home_place"]) for r in rows] == [
        ("1", "ئابلىمىت", "يەكەن"), ("2", "阿布力米提", "莎车县"), ("3", "Аблимит", "Яркенд")]


@pytest.mark.parametrize(("encoding", "name"), [("cp1251", "Аблимит Турсунов"), ("cp1252", "Mehmet Ünal"),
                                                ("gb18030", "阿布力米提·吐尔逊")])
def test_lists_saved_in_a_legacy_windows_encoding_are_read(tmp_path, encoding, name):
    lines = [f"{i},{name},{1950 + i}" for i in range(40)]
    path = tmp_path / "list.csv"
    path.write_bytes(("report_id,given_name,birth_date\r\n" + "\r\n".join(lines) + "\r\n").encode(encoding))
    rows = read_rows(path)
    assert len(rows) == 40 and {r["given_name"] for r in rows} == {name}


def test_an_encoding_the_guess_cannot_tell_is_named(tmp_path):
    """Turkish and Western Windows lists use the same bytes for different letters: the guess reads
    Şükür as Þükür, and naming the encoding reads it right; an unknown name is one clear line."""
    path = tmp_path / "list.csv"
    path.write_bytes("report_id,given_name\r\n1,Abdülkerim Şükür\r\n".encode("cp1254"))
    assert read_rows(path, "cp1254")[0]["given_name"] == "Abdülkerim Şükür"
    with pytest.raises(CsvError, match="unknown encoding 'klingon'"):
        read_rows(path, "klingon")


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_lists_from_other_spreadsheets_are_read(tmp_path, delimiter):
    """A European Excel's "CSV" uses semicolons, others tabs or bars; headers are written as people
    write them; rows with every cell empty (a spreadsheet's trailing rows) are no rows."""
    d = delimiter
    text = (f"\ufeffReport ID{d}Given Name{d}father-name{d}Birth_Date{d}Notes\r\n"
            f"a1{d}Ablimit{d}Tursun{d}1981-03{d}\"x{d} y\"\r\n"
            f"{d}{d}{d}{d}\r\n"
            f"a2{d}ئابلىمىت{d}تۇرسۇن{d}1981{d}\r\n")
    path = tmp_path / "list.csv"
    path.write_bytes(text.encode("utf-8"))
    rows = read_rows(path)
    assert [(r["report_id"], r["given_name"], r["father_name"], r["birth_date"]) for r in rows] == [
        ("a1", "Ablimit", "Tursun", "1981-03"), ("a2", "ئابلىمىت", "تۇرسۇن", "1981")]


def test_a_file_without_report_id_says_which_columns_it_recognised(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Name;given_name;birth_date\nAblimit;Ablimit;1981\n", "utf-8")
    with pytest.raises(CsvError, match=r"no report_id column .*recognised: given_name, birth_date") as err:
        read_rows(path)
    assert "Ablimit" not in str(err.value)


def test_a_list_below_a_title_is_still_read_as_it_goes(tmp_path):
    """Finding the header row looks at the first lines only: the first rows come before the end
    of the file is read (here, a byte no encoding of the file allows, far below)."""
    path = tmp_path / "list.csv"
    rows = b"".join(b"%d,Ablimit\r\n" % i for i in range(60000))
    path.write_bytes(b"Our families\r\n\r\nreport_id,given_name\r\n" + rows + b"x,\xfcnal\r\n")
    rows = iter_rows(path)
    assert next(rows)["report_id"] == "0"
    with pytest.raises(CsvError, match="not UTF-8 text throughout"):
        list(rows)
