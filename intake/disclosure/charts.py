"""Bar charts of count tables as self-contained SVG: drawn on the server with matplotlib, text as
paths (no font to fetch), no script, no link, no metadata naming the software or the time."""

from __future__ import annotations

import io
import re

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from .statistics import HIDDEN_SECONDARY, HIDDEN_SMALL, CountTable

# The only URLs an SVG may hold are the XML namespace names, which nothing fetches.
_NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink",
               "http://purl.org/dc/elements/1.1/", "http://creativecommons.org/ns#",
               "http://www.w3.org/1999/02/22-rdf-syntax-ns#")
_FORBIDDEN = re.compile(r"<script|<foreignObject|<a[\s>]|@import|@font-face|javascript:|\bon\w+\s*=", re.I)


def bar_chart(table: CountTable, *, width: float = 7.0) -> str:
    """A horizontal bar chart of what `table` may show: hidden cells get no bar, only their mark."""
    shown = table.shown()
    labels = list(table.labels)
    values = [int(v) if v.isdigit() else 0 for v in shown]
    settings = {"svg.fonttype": "path", "svg.hashsalt": "intake", "font.family": "DejaVu Sans",
                "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(settings):
        figure = Figure(figsize=(width, 0.9 + 0.28 * len(labels)), layout="constrained")
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        positions = range(len(labels))[::-1]
        axes.barh(list(positions), values, color="#31688e", height=0.7)
        axes.set_yticks(list(positions), labels)
        axes.set_title(table.title, loc="left", fontsize=10)
        axes.set_xlabel("persons")
        peak = max(values, default=0) or 1
        for position, value, text in zip(positions, values, shown, strict=True):
            mark = text if text in (HIDDEN_SMALL, HIDDEN_SECONDARY) else str(value)
            axes.annotate(mark, (value, position), xytext=(3, 0), textcoords="offset points", va="center",
                          fontsize=8, color="#333333")
        axes.set_xlim(0, peak * 1.15)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Creator": None, "Date": None, "Format": None,
                                                        "Type": None})
    return clean(buffer.getvalue())


def clean(svg: str) -> str:
    """The <svg> element alone (no XML prolog, no DOCTYPE naming a DTD to fetch), ready to inline
    in a page, after a last check: ValueError if it holds anything that could run or fetch."""
    svg = svg[svg.index("<svg"):]
    if _FORBIDDEN.search(svg):
        raise ValueError("the chart holds script, a link or an external resource")
    for url in re.findall(r"https?://[^\s\"'<>)]+", svg):
        if url not in _NAMESPACES:
            raise ValueError("the chart refers to an outside address")
    return svg
