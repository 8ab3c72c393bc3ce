#!/usr/bin/env python3
"""Check an anonymised export from intake: signature, checksums, and the k and l it claims.

    python standalone_verify.py EXPORT_DIR --public-key export-key.pub
    python standalone_verify.py EXPORT_DIR --public-key 3b6a27bc...   (the key's hex, as the research page shows it)

Needs Python 3.11+ and the `cryptography` package; reads Parquet too when `pyarrow` is installed
(otherwise only its checksum is checked). This one file is all a recipient needs: copy it
anywhere. It does not trust the manifest's figures: it recomputes, from each data file,
- k: the smallest group of rows equal in every column but the pseudonym;
- l: the fewest distinct values of the sensitive column among rows equal in every other column;
- the record-weighted average re-identification risk (groups / rows) and the suppressed rows;
and checks that every format holds the same rows in the same order.

Exit status 0 when everything holds, 1 otherwise. The public key may be a PEM file, 32 raw bytes,
or their hex or base64 text.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import math
import re
import stat
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "intake-export/1"
MANIFEST = "manifest.json"
SUPPRESSED = "*"

# A spreadsheet evaluates a cell that starts with one of these as a formula (OWASP, "CSV
# Injection"); the full-width forms are read as formulas by some East Asian locales.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


_FIRST = frozenset(c[0] for c in FORMULA_START) | {" "}
# Excel opens a .csv with the list separator of the computer's region (";" in Turkish, Russian,
# German...), and honours quotation marks only at the start of a piece: a cell's text after a ";"
# or a line break can start a cell of its own. Such a piece that would start a formula gets the
# apostrophe too (spaces before it ignored, as for the whole cell).
_PIECE_FORMULA = re.compile(r"(?<=[;\r\n])(?= *[=+\-@\t＝＋－＠])")


def neutralise(value: str) -> str:
    """A cell value safe to open in a spreadsheet: one that would start a formula (leading spaces
    ignored) gets a leading apostrophe, which spreadsheets show as text; so does each piece of it
    after a semicolon or a line break that would."""
    if not value:
        return value
    if value[0] in _FIRST and value.lstrip(" ").startswith(FORMULA_START):
        value = "'" + value
    if ";" in value or "\n" in value or "\r" in value:
        value = _PIECE_FORMULA.sub("'", value)
    return value


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """What a signature covers: the JSON with sorted keys, no spaces, UTF-8, without "signature"."""
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(data: bytes) -> Ed25519PublicKey:
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(text)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM file does not hold an Ed25519 public key")
        return key
    if len(data) == 32:
        return Ed25519PublicKey.from_public_bytes(data)
    for decode in (bytes.fromhex, base64.b64decode):
        try:
            raw = decode(text.decode("ascii"))
        except ValueError:
            continue
        if len(raw) == 32:
            return Ed25519PublicKey.from_public_bytes(raw)
    raise ValueError("not an Ed25519 public key (PEM, 32 raw bytes, or their hex or base64)")


def verify_signature(document: dict[str, Any], public_key: Ed25519PublicKey) -> None:
    """Raises ValueError unless `document` carries a valid Ed25519 signature by `public_key`."""
    signature = document.get("signature")
    if not isinstance(signature, dict) or signature.get("algorithm") != "Ed25519":
        raise ValueError("no Ed25519 signature")
    if signature.get("key_id") != key_id(public_key):
        raise ValueError(f"signed by key {signature.get('key_id')}, not by the key given ({key_id(public_key)})")
    value = signature.get("value")
    try:
        if not isinstance(value, str):
            raise ValueError
        public_key.verify(base64.b64decode(value, validate=True), canonical_bytes(document))
    except (InvalidSignature, ValueError):
        raise ValueError("the signature does not match: the manifest was altered or signed by another key") from None


# --- reading the data files -------------------------------------------------------------------

def read_csv(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.reader(handle)


def read_json(path: Path) -> Iterator[list[str]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    yield list(document["columns"])
    for row in document["rows"]:
        yield [neutralise(v) if isinstance(v, str) else v for v in row]


def read_parquet(path: Path) -> Iterator[list[str]]:
    import pyarrow.parquet as pq  # optional: only when installed

    table = pq.read_table(path)
    yield list(table.column_names)
    columns = [table.column(name).to_pylist() for name in table.column_names]
    for row in zip(*columns, strict=True):
        yield [neutralise(v) if isinstance(v, str) else v for v in row]


_X = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _column_index(reference: str) -> int:
    letters = "".join(ch for ch in reference if ch.isalpha())
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch.upper()) - 64
    return index - 1


def read_xlsx(path: Path, sheets: list[str]) -> Iterator[list[str]]:
    """The rows of the named sheets, one after the other (the header of later sheets skipped)."""
    with zipfile.ZipFile(path) as archive:
        strings = []
        if "xl/sharedStrings.xml" in archive.namelist():
            for item in ET.fromstring(archive.read("xl/sharedStrings.xml")).iter(f"{_X}si"):
                strings.append("".join(t.text or "" for t in item.iter(f"{_X}t")))
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        by_name = {s.get("name"): targets[s.get(f"{_R}id")] for s in workbook.iter(f"{_X}sheet")}
        for number, name in enumerate(sheets):
            if name not in by_name:
                raise ValueError(f"the XLSX has no sheet {name!r}")
            with archive.open("xl/" + by_name[name].lstrip("/").removeprefix("xl/")) as sheet:
                header = True
                for _, element in ET.iterparse(sheet):
                    if element.tag != f"{_X}row":
                        continue
                    row = _xlsx_row(element, strings)
                    element.clear()
                    if header and number > 0:  # later sheets repeat the header
                        header = False
                        continue
                    header = False
                    yield row


def _xlsx_row(element: ET.Element, strings: list[str]) -> list[str]:
    row: list[str] = []
    for cell in element.iter(f"{_X}c"):
        if cell.find(f"{_X}f") is not None:
            raise ValueError("the XLSX holds a formula")
        kind = cell.get("t")
        if kind == "s":
            value = strings[int(cell.findtext(f"{_X}v") or "")]
        elif kind == "inlineStr":
            value = "".join(t.text or "" for t in cell.iter(f"{_X}t"))
        else:
            raise ValueError("the XLSX holds a cell that is not text")
        if cell.get("r"):
            row.extend([""] * (_column_index(cell.get("r", "")) - len(row)))
        row.append(value)
    return row


# --- measuring ------------------------------------------------------------------------------

@dataclass
class TableFigures:
    rows: int = 0
    k: int = 0
    l: int = 0
    classes: int = 0
    suppressed: int = 0
    average_risk: float = 0.0
    digest: str = ""
    problems: list[str] = field(default_factory=list)


def measure(rows: Iterator[list[str]], columns: list[str], pseudonym: str, sensitive: str) -> TableFigures:
    figures = TableFigures()
    header = next(rows, None)
    if header != columns:
        figures.problems.append(f"columns are {header}, the manifest says {columns}")
        return figures
    qi = [i for i, name in enumerate(columns) if name != pseudonym]
    others = [i for i in qi if columns[i] != sensitive]
    s = columns.index(sensitive)
    if len(qi) < 2 or sensitive not in columns:
        figures.problems.append("the manifest names too few columns to measure")
        return figures
    quasi = itemgetter(*qi)
    suppressed = tuple(SUPPRESSED for _ in others)
    classes: Counter[tuple[str, ...]] = Counter()
    digest = hashlib.sha256()
    width = len(columns)
    for row in rows:
        figures.rows += 1
        if len(row) != width or "" in row or None in row:
            figures.problems.append(f"row {figures.rows} has an empty or missing cell")
            continue
        digest.update(("\x1f".join(row) + "\x1e").encode("utf-8"))
        classes[quasi(row)] += 1
    groups: dict[tuple[str, ...], set[str]] = {}
    status_at = qi.index(s)
    for key, count in classes.items():
        other = key[:status_at] + key[status_at + 1:]
        groups.setdefault(other, set()).add(key[status_at])
        if other == suppressed:
            figures.suppressed += count
    if figures.rows:
        figures.k = min(classes.values())
        figures.l = min(len(v) for v in groups.values())
        figures.classes = len(classes)
        figures.average_risk = len(classes) / figures.rows
    figures.digest = digest.hexdigest()
    return figures


# --- the whole check ------------------------------------------------------------------------

@dataclass
class Report:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def good(self, text: str) -> None:
        self.lines.append(f"ok    {text}")

    def bad(self, text: str) -> None:
        self.ok = False
        self.lines.append(f"FAIL  {text}")

    def note(self, text: str) -> None:
        self.lines.append(f"note  {text}")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


MAX_MANIFEST = 16 * 1024 * 1024  # a manifest is a few kilobytes


def _regular(path: Path) -> int | None:
    """The size of `path` if it is a regular file and not a symbolic link (which could lead to any
    file of the recipient's); None otherwise."""
    try:
        info = path.lstat()
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify(directory: Path, public_key: Ed25519PublicKey) -> Report:
    report = Report()
    size = _regular(directory / MANIFEST)
    if size is None or size > MAX_MANIFEST:
        report.bad(f"cannot read {MANIFEST}: " + ("missing, or not a regular file (a symbolic link is not followed)"
                                                  if size is None else f"larger than {MAX_MANIFEST // 1048576} MB"))
        return report
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as error:
        report.bad(f"cannot read {MANIFEST}: {error.__class__.__name__}")
        return report
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        report.bad(f"{MANIFEST} is not an {FORMAT} manifest")
        return report
    try:
        verify_signature(manifest, public_key)
        report.good(f"signature by key {key_id(public_key)}")
    except ValueError as error:
        report.bad(f"signature: {error}")
        return report  # nothing else in an unsigned manifest can be trusted
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
            isinstance(e, dict) and isinstance(e.get("sha256"), str) and type(e.get("bytes")) is int
            for e in files.values()):
        report.bad(f"{MANIFEST} does not list its files with a checksum and size each")
        return report
    intact: set[str] = set()
    for name, entry in sorted(files.items()):
        path = directory / name
        if Path(name).name != name or name in ("", ".", ".."):  # "../../etc/passwd" is never opened
            report.bad(f"{name!r}: not a plain file name")
            continue
        size = _regular(path)
        if size is None:
            report.bad(f"{name}: missing, or not a regular file (a symbolic link is not followed)")
            continue
        if size != entry["bytes"] or _sha256(path) != entry["sha256"]:  # the size first: nothing huge is read
            report.bad(f"{name}: checksum does not match (altered or damaged)")
            continue
        intact.add(name)
        report.good(f"{name}: SHA-256 {entry['sha256'][:16]}...")
    extra = sorted(p.name for p in directory.iterdir() if p.name not in files and p.name != MANIFEST)
    if extra:
        # Names as repr() shows them: a received file's name can hold escape sequences and line breaks.
        report.note(f"files not in the manifest (not checked): {', '.join(map(repr, extra))}")
    try:
        _check_tables(directory, manifest, intact, report)
    except (KeyError, TypeError, ValueError, AttributeError) as error:  # a signed but malformed manifest
        report.bad(f"{MANIFEST} lacks what the check needs or holds the wrong type ({error.__class__.__name__})")
    return report


def _check_tables(directory: Path, manifest: dict[str, Any], intact: set[str], report: Report) -> None:
    columns = [c["name"] for c in manifest["columns"]]
    pseudonym, sensitive = manifest["pseudonym_column"], manifest["sensitive_attribute"]
    claimed, model = manifest["measured"], manifest["privacy_model"]
    if set(manifest["quasi_identifiers"]) != set(columns) - {pseudonym}:
        report.bad("the manifest does not count every column but the pseudonym as a quasi-identifier")
    all_top = all(level == SUPPRESSED for name, level in manifest["recoding"].items() if name != sensitive)
    digests: dict[str, str] = {}
    for name, entry in sorted(manifest["files"].items()):
        kind = entry.get("format")
        if kind not in ("csv", "json", "xlsx", "parquet") or name not in intact:
            continue
        try:
            if kind == "csv":
                rows = read_csv(directory / name)
            elif kind == "json":
                rows = read_json(directory / name)
            elif kind == "xlsx":
                rows = read_xlsx(directory / name, entry["sheets"])
            else:
                try:
                    import pyarrow.parquet  # noqa: F401
                except ImportError:
                    report.note(f"{name}: pyarrow is not installed, so only its checksum was checked")
                    continue
                rows = read_parquet(directory / name)
            figures = measure(rows, columns, pseudonym, sensitive)
        except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile, ET.ParseError) as error:
            report.bad(f"{name}: cannot be read ({error})")
            continue
        for problem in figures.problems[:5]:
            report.bad(f"{name}: {problem}")
        checks = [
            ("rows", figures.rows == manifest["row_count"], figures.rows, manifest["row_count"]),
            ("k", figures.k == claimed["k"] and figures.k >= model["k"], figures.k, claimed["k"]),
            ("l", figures.l == claimed["l"] and figures.l >= model["l"], figures.l, claimed["l"]),
            ("classes", figures.classes == claimed["classes"], figures.classes, claimed["classes"]),
            ("average risk", _close(figures.average_risk, claimed["average_risk"])
             and figures.average_risk < model["max_average_risk"], figures.average_risk, claimed["average_risk"]),
            ("suppressed rows", all_top or (figures.suppressed == claimed["suppressed"]
                                             and figures.suppressed <= model["max_suppression"] * figures.rows),
             figures.suppressed, claimed["suppressed"]),
        ]
        for label, ok, found, stated in checks:
            if not ok:
                report.bad(f"{name}: {label} is {found}, the manifest states {stated} (limits: k>={model['k']}, "
                           f"l>={model['l']}, risk<{model['max_average_risk']}, suppression<={model['max_suppression']})")
        if not figures.problems and all(ok for _, ok, _, _ in checks):
            report.good(f"{name}: {figures.rows} rows, k={figures.k}, l={figures.l}, "
                        f"average risk {figures.average_risk:.4f}, {figures.suppressed} suppressed")
        digests[name] = figures.digest
    if len(set(digests.values())) > 1:
        report.bad("the formats do not hold the same rows: " + ", ".join(sorted(digests)))
    elif len(digests) > 1:
        report.good(f"{len(digests)} formats hold the same rows in the same order")


def read_key_argument(value: str) -> bytes:
    """The key named by --public-key: the file's bytes when a file has that name, else the text itself
    when it is a key's 64 hex digits or 44 base64 characters (copied from the page that lists the export)."""
    path = Path(value)
    if path.is_file():
        return path.read_bytes()
    text = value.strip()
    if re.fullmatch(r"[0-9A-Fa-f]{64}|[A-Za-z0-9+/]{43}=", text):
        return text.encode("ascii")
    return path.read_bytes()  # the file's own error: no such file, a directory...


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check an anonymised export: signature, checksums, k and l.")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--public-key", required=True,
                        help="the exporter's Ed25519 public key: a file, or the key itself as hex (as the "
                             "research page shows it) or base64")
    args = parser.parse_args(argv)
    try:
        public_key = load_public_key(read_key_argument(args.public_key))
    except (OSError, ValueError) as error:
        print(f"FAIL  public key: {error}")
        return 1
    report = verify(args.directory, public_key)
    print("\n".join(report.lines))
    print("export verified" if report.ok else "export NOT verified")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
