"""A streaming XLSX (Office Open XML) writer for large tables of text.

xlsxwriter builds every cell through several Python calls (about 8 µs a cell here), which is over
a minute for a million-person export. A release has few distinct rows apart from its pseudonyms,
so this writer renders each distinct row once and streams the sheet: it writes only shared or
inline strings, never a formula, a number or a hyperlink, and no document properties (no author,
no creation time). The package parts are the ones xlsxwriter writes, minus the optional ones.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

MAX_ROWS = 1_048_576  # rows in one worksheet, header included

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Characters XML 1.0 cannot carry at all.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    # A literal CR would be read back as LF (XML end-of-line handling); a character reference is not.
    return escape(_INVALID_XML.sub("\ufffd", value), {"\r": "&#13;"})


class SharedStrings:
    """The workbook's shared string table: each distinct text stored once, cells refer by index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.uses = 0

    def cell(self, value: str) -> str:
        position = self.index.setdefault(value, len(self.index))
        return f'<c t="s"><v>{position}</v></c>'

    def cells(self, values: Iterable[str]) -> str:
        return "".join(self.cell(v) for v in values)

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{_text(v)}</t></si>' for v in self.index)
        return f'{_HEAD}<sst xmlns="{_NS}" count="{self.uses}" uniqueCount="{len(self.index)}">{items}</sst>'


class Workbook:
    """Sheets are written one at a time, each from an iterable of rendered rows (cells only):
    shared-string cells from `strings.cells`, or inline-string cells a caller renders itself."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.strings = SharedStrings()
        self.sheets: list[str] = []

    def add_sheet(self, name: str, rows: Iterable[str], *, columns: int, uses: int) -> None:
        """`rows` are the cells of each row, already rendered; `uses` counts shared-string cells."""
        number = len(self.sheets) + 1
        self.sheets.append(name)
        self.strings.uses += uses
        with self.zip.open(f"xl/worksheets/sheet{number}.xml", "w") as raw:
            raw.write(f'{_HEAD}<worksheet xmlns="{_NS}" xmlns:r="{_REL}">'
                      f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                      f'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                      f'<cols><col min="1" max="{columns}" width="18" customWidth="1"/></cols>'
                      f"<sheetData>".encode())
            chunk: list[str] = []
            for position, cells in enumerate(rows, start=1):
                chunk.append(f'<row r="{position}">{cells}</row>')
                if len(chunk) == 20_000:
                    raw.write("".join(chunk).encode())
                    chunk.clear()
            raw.write(("".join(chunk) + "</sheetData></worksheet>").encode())

    def close(self) -> None:
        sheets = "".join(f'<sheet name="{_text(name)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, name in enumerate(self.sheets, start=1))
        count = len(self.sheets)
        sheet_rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                             for i in range(1, count + 1))
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
                            for i in range(1, count + 1))
        parts = {
            "[Content_Types].xml":
                f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                f'<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
                f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
                f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
                f"{overrides}</Types>",
            "_rels/.rels":
                f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            "xl/workbook.xml":
                f'{_HEAD}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>',
            "xl/_rels/workbook.xml.rels":
                f'{_HEAD}<Relationships xmlns="{_PKG}">{sheet_rels}'
                f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                f'<Relationship Id="rId{count + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
                f"</Relationships>",
            # One font, no fills or borders, the "Text" number format (@) on every cell style, so a
            # cell someone types into later stays text too.
            "xl/styles.xml":
                f'{_HEAD}<styleSheet xmlns="{_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
                f'</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
                f'<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/>'
                f'<top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="49" '
                f'fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="49" '
                f'fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
                f'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                f"</styleSheet>",
            "xl/sharedStrings.xml": self.strings.xml(),
        }
        for name, text in parts.items():
            self.zip.writestr(name, text.encode())
        self.zip.close()


def sheet_names(base: str, rows: int) -> Sequence[str]:
    """"persons", then "persons 2"... when the data rows do not fit one sheet."""
    per_sheet = MAX_ROWS - 1
    count = max(1, -(-rows // per_sheet))
    return [base] + [f"{base} {i}" for i in range(2, count + 1)]
