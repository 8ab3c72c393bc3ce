"""`flask dedup csv INPUT --out DIR` and `flask dedup train --csv FILE`: the matcher on plain
CSV files (advocates' own lists), with progress bars and stage timings on stderr.

Neither needs a database or keys. Output names report ids, probabilities and level codes only.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from ..dedup import DEFAULT_THRESHOLD, DedupError, ModelError, load_model, run_pipeline, train
from ..dedup.csv_io import CsvError, iter_rows, read_rows
from ..dedup.csv_out import RunOutput
from ..public.text import escaped
from .usage import usage_line


class _Bars:
    """One click progress bar per stage, on stderr."""

    def __init__(self) -> None:
        self.bars: dict[str, object] = {}
        self.counts: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if total is None:  # a count at the end, or a running one (a CSV read as it goes)
            if done == 0:  # a stage starting
                return
            before = self.counts.get(stage, 0)
            self.counts[stage] = now = before + done
            if before == 0 or now // 100_000 > before // 100_000:
                click.echo(f"{stage}: {now:,}", err=True)
            return
        bar = self.bars.get(stage)
        if bar is None:
            bar = click.progressbar(length=total, label=f"{stage:<8}", file=sys.stderr, show_pos=True)
            bar.__enter__()
            self.bars[stage] = bar
        bar.update(done)  # type: ignore[attr-defined]
        if bar.pos >= total:  # type: ignore[attr-defined]
            bar.__exit__(None, None, None)  # type: ignore[attr-defined]


def cut_note(blocks: int) -> str:
    """What a run with oversized blocks says (a count only: never a name or a value)."""
    return (f"{blocks:,} oversized block(s) of near-identical reports (over INTAKE_DEDUP_BLOCK_CAP) were "
            "cut: each report in them was paired with its nearest reports only (docs/deduplication.md, "
            "\"Blocking\")")


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(escaped(str(exc)))


def _os_reason(exc: OSError) -> str:
    """The reason of an OS error by its number only: its text may hold a file name or a path (which
    may hold a person's name), so it is never shown."""
    return os.strerror(exc.errno) if isinstance(exc.errno, int) else "an operating system error"


@click.group("dedup")
def dedup_cli() -> None:
    """Deduplication: which reports describe the same person."""


@dedup_cli.command("csv")
@click.argument("input_csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for pairs.csv and clusters.csv (created if missing; files of those names in it "
              "are replaced, readable by their owner only).")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A model file from `flask dedup train` (default: the one shipped with this release).")
@click.option("--threshold", type=click.FloatRange(0.5, 1.0), default=DEFAULT_THRESHOLD, show_default=True,
              help="Probability at which two reports may join one cluster.")
@click.option("--encoding", default=None, help="The file's character encoding, when the guess from its "
              "beginning is wrong (e.g. cp1254 for a Turkish Windows list; default: detected).")
def csv_command(input_csv: Path, out_dir: Path, model_path: Path | None, threshold: float,
                encoding: str | None) -> None:
    """Score and cluster the reports of INPUT_CSV (columns: report_id, given_name, father_name,
    full_name_alt, gender, birth_date, home_place, chinese_id, detention_year, facility,
    reporter_relationship, or headers as families write them; any may be blank; other columns are
    ignored). An XLSX workbook is read too (up to 100,000 rows)."""
    started = time.perf_counter()
    if out_dir.is_symlink():  # it could lead anywhere, to files someone else placed there
        raise click.ClickException(f"--out {out_dir} is a symbolic link: give the directory itself")
    output = RunOutput(out_dir)  # pairs.csv is written while the run clusters
    try:
        model = load_model(model_path)
        click.echo(f"model version {model.version}; reading the reports as they are prepared", err=True)
        # The file is read a chunk at a time during "prepare" (which includes reading it).
        notes: list[str] = []
        result = run_pipeline(iter_rows(input_csv, encoding, notes), model, progress=_Bars(), threshold=threshold,
                              on_scored=output.start_pairs)
        for note in notes:
            click.echo(escaped(note), err=True)  # they quote the file's headers
    except BaseException as exc:
        output.discard()
        if isinstance(exc, (CsvError, ModelError, DedupError, ValueError)):
            raise _fail(exc) from None
        if isinstance(exc, OSError):  # not the output: a temporary file, a worker process, the input mid-run
            raise click.ClickException(f"the run failed: {_os_reason(exc)}") from None
        raise
    try:
        start = time.perf_counter()
        output.finish(result.pairs, result.clusters)  # what is left of writing once clustering is done
        write_s = time.perf_counter() - start
    except (CsvError, ValueError) as exc:
        raise _fail(exc) from None
    except OSError as exc:
        raise click.ClickException(f"the output directory cannot be written: {_os_reason(exc)}") from None
    timings = {**result.timings, "write": write_s}
    click.echo("stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()) +
               f"; total {time.perf_counter() - started:.1f} s", err=True)
    click.echo(usage_line(), err=True)
    if result.counts.get("blocks_cut"):
        click.echo(cut_note(result.counts["blocks_cut"]), err=True)
    click.echo(f"{result.counts['reports']:,} reports, {result.counts['pairs']:,} pairs, "
               f"{result.counts['clusters']:,} clusters; written to {out_dir}")


@dedup_cli.command("train")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Train on the reports of this CSV (the columns of `flask dedup csv`).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the model file (JSON: probabilities and level codes only).")
@click.option("--version", "version", default="1", show_default=True, help="The model's version label.")
def train_command(csv_path: Path, out_path: Path, version: str) -> None:
    """Train a model (u by random sampling, m by EM; no labels needed) and save it."""
    started = time.perf_counter()
    try:
        notes: list[str] = []
        rows = read_rows(csv_path, notes=notes)
        for note in notes:
            click.echo(escaped(note), err=True)  # they quote the file's headers
        click.echo(f"read {len(rows):,} reports; training", err=True)
        model = train(rows, version=version)
    except (CsvError, DedupError, ValueError) as exc:
        raise _fail(exc) from None
    except OSError as exc:
        raise click.ClickException(f"the training failed: {_os_reason(exc)}") from None
    try:
        model.save(out_path)
    except ValueError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        raise click.ClickException(f"the model file cannot be written: {_os_reason(exc)}") from None
    click.echo(f"model version {model.version} trained on {len(rows):,} reports in "
               f"{time.perf_counter() - started:.1f} s; written to {out_path}")
