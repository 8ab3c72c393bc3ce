"""Copies the review face makes from a family's file in a child process of their own: a PDF's first
page (pdf_render.py) and an image's viewing copy the public face deferred (image_render.py).

Neither pdfium nor Pillow's decoders can be stopped from inside, and a crafted file can keep them
busy for minutes or make them allocate gigabytes. The child limits its own CPU seconds and address
space (INTAKE_PDF_RENDER_SECONDS and INTAKE_PDF_RENDER_MEMORY_MB, which bound both kinds of copy)
before it reads the file; the parent waits only so long. `python -I`: the scripts import nothing
from intake, and nothing from the environment or the working directory is imported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..config import setting

RENDER_SECONDS = 15  # CPU seconds for one copy (a phone scan's page or a 40-megapixel PNG: about 1)
RENDER_MEMORY_MB = 1024  # address space of the child


def run(script: str, args: list[str], data: bytes) -> bytes | None:
    """The child's stdout when it exits with status 0; None when it fails or runs out of time."""
    seconds = int(setting("INTAKE_PDF_RENDER_SECONDS", RENDER_SECONDS))
    memory = int(setting("INTAKE_PDF_RENDER_MEMORY_MB", RENDER_MEMORY_MB))
    command = [sys.executable, "-I", str(Path(__file__).with_name(script)), *args, str(seconds), str(memory)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=seconds + 5, check=False)
    except subprocess.TimeoutExpired:  # run() has killed the child
        return None
    return done.stdout if done.returncode == 0 else None
