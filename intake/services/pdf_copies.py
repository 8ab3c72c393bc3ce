"""The two copies of a PDF a reviewer may ask for, made from the sealed original on request:

- the clean copy (download only): without the document information dictionary and XMP metadata
  (document and page level), without the EXIF/XMP/comment segments of the JPEG photos embedded in
  it (a phone's scan carries the GPS position there), and without active content: the document's
  open action and additional actions, its JavaScript and embedded files, links' and form fields'
  actions, and XFA forms (which hold scripts). Pages, text and images are kept. Made by pikepdf
  in a child process bounded like the first page's rendering (pdf_clean, run by render_child).
- the first page as a PNG, rendered on the server within MAX_RENDER_SIDE pixels a side, in a child
  process bounded in CPU time, memory and wall-clock time (pdf_render, run by render_child): pdfium
  cannot be stopped from inside, and a 44 KB PDF of a million drawn lines kept it busy for five minutes.

An encrypted, damaged or otherwise unreadable PDF gives InvalidInput: the page says to download
the original instead. Neither copy is kept.
"""

from __future__ import annotations

from ..wording import said
from . import render_child
from .errors import InvalidInput

MAX_RENDER_SIDE = 1600


def clean_pdf(data: bytes) -> bytes:
    """The clean copy (pdf_clean), made in a child process limited in CPU time, memory and
    wall-clock time (render_child): qpdf inflates a PDF's object streams to read it at all."""
    copy = render_child.run("pdf_clean.py", [], data)
    if copy is None or not copy.startswith(b"%PDF"):
        raise InvalidInput(said("this PDF cannot be read: download the original"))
    return copy


def first_page_png(data: bytes) -> bytes:
    """The first page as a PNG of at most MAX_RENDER_SIDE pixels a side, rendered by pypdfium2 in
    a child process (pdf_render, run by render_child) limited in CPU time, memory and wall-clock time."""
    png = render_child.run("pdf_render.py", [str(MAX_RENDER_SIDE)], data)
    if png is None or not png.startswith(b"\x89PNG"):
        raise InvalidInput(said("this PDF cannot be rendered: download it instead"))
    return png
