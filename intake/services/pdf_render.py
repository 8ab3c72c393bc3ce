"""Render the first page of the PDF on stdin to a PNG on stdout, in a process of its own.

Run by `pdf_copies.first_page_png` as `python -I pdf_render.py MAX_SIDE SECONDS MEMORY_MB`: a
family's PDF can make pdfium work for minutes (a 44 KB file of a million drawn lines took five) or
allocate gigabytes, and neither can be interrupted inside the library. Here the process limits
itself (CPU seconds and address space) before it reads anything, and its parent also waits only so
long. It imports nothing from intake, so `-I` (no script directory, no environment paths) is safe.
Exit status 0 with the PNG on stdout; 2 when the PDF cannot be rendered (no pages, unreadable).
"""

from __future__ import annotations

import io
import resource
import sys


def _limit(seconds: int, memory_mb: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    if memory_mb > 0:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))


def main(argv: list[str]) -> int:
    max_side, seconds, memory_mb = (int(v) for v in argv[1:4])
    _limit(seconds, memory_mb)
    import pypdfium2 as pdfium

    data = sys.stdin.buffer.read()
    try:
        pdf = pdfium.PdfDocument(data)
        if len(pdf) == 0:
            return 2
        page = pdf[0]
        width, height = page.get_size()
        scale = min(2.0, max_side / max(width, height, 1))
        image = page.render(scale=scale).to_pil()
        if max(image.size) > max_side + 1:  # never more pixels than asked for
            return 2
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG")
    except Exception:  # noqa: BLE001 - the parent only needs to know it failed; nothing about the file is printed
        return 2
    sys.stdout.buffer.write(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
