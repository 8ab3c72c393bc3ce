"""The data dictionary of a release: every column, its level, the values it shows and what they
mean, how the data were protected, and the bias notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .hierarchies import SENSITIVE, Hierarchy
from .notes import BIAS_NOTES

PSEUDONYM = "person"
PSEUDONYM_MEANING = ("A random name for the person, made for this export only: it means nothing, and the same "
                     "person has a different one in every other export.")


def build(hierarchies: Sequence[Hierarchy], levels: Sequence[int], shown: Sequence[set[int]],
          privacy: dict[str, Any]) -> dict[str, Any]:
    """`shown[i]`: the node ids column i shows in this release."""
    columns: list[dict[str, Any]] = [{"name": PSEUDONYM, "meaning": PSEUDONYM_MEANING, "quasi_identifier": False}]
    for h, level, nodes in zip(hierarchies, levels, shown, strict=True):
        columns.append({
            "name": h.column,
            "meaning": h.meaning,
            "quasi_identifier": True,
            "sensitive": h.column == SENSITIVE,
            "hierarchy": list(h.level_names),
            "level": h.level_names[level],
            "values": [{"value": h.labels[n], "meaning": h.descriptions[n]} for n in sorted(nodes, key=h.labels.__getitem__)],
        })
    return {
        "columns": columns,
        "protection": (
            f"Every column but {PSEUDONYM} counts as a quasi-identifier (the adversary may know any of them). "
            f"Each combination of values is shared by at least {privacy['k']} persons, and persons equal in every "
            f"column but status have at least {privacy['l']} different statuses. A row with \"*\" in every column "
            f"but status is suppressed: it stands for a person whose values would have been too rare."),
        "bias_notes": [{"title": str(title), "text": str(text)} for title, text in BIAS_NOTES],
    }


def sheet_rows(dictionary: dict[str, Any]) -> list[list[str]]:
    """The dictionary as rows for a spreadsheet: column, level, value, meaning."""
    rows = [["column", "level", "value", "meaning"]]
    for column in dictionary["columns"]:
        rows.append([column["name"], column.get("level", ""), "", column["meaning"]])
        rows += [[column["name"], column["level"], v["value"], v["meaning"]] for v in column.get("values", [])]
    rows.append(["", "", "", ""])
    rows.append(["protection", "", "", dictionary["protection"]])
    rows += [["bias", "", note["title"], note["text"]] for note in dictionary["bias_notes"]]
    return rows


def markdown(dictionary: dict[str, Any], title: str) -> str:
    out = [f"# {title}", "", "## Columns", ""]
    for column in dictionary["columns"]:
        level = f" (level: {column['level']} of {' > '.join(column['hierarchy'])})" if "level" in column else ""
        out += [f"### {column['name']}{level}", "", column["meaning"], ""]
        out += [f"- `{v['value']}`: {v['meaning']}" for v in column.get("values", [])]
        out.append("")
    out += ["## Protection", "", dictionary["protection"], "", "## What these data cannot say", ""]
    for note in dictionary["bias_notes"]:
        out += [f"**{note['title']}.** {note['text']}", ""]
    return "\n".join(out)
