"""Files an operator names on the command line (a list to import, a checkpoint, a key file): read
only if they are regular files, and never more than a stated size.

A FIFO would block the command forever, a device such as /dev/zero would fill the memory, and a
directory gives a confusing error from deep inside a parser. The file is opened without blocking,
checked with fstat on the descriptor that is then read (so what is checked is what is read), and
at most `max_bytes` + 1 bytes are read, so a file larger than its limit is refused without being
read whole.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class LocalFileError(ValueError):
    """The file cannot be used; the message is one line naming the file, never its content."""


def check_regular(path: str | Path, what: str = "the file") -> int:
    """The size of `path` if it is a regular file (symbolic links followed); LocalFileError if not."""
    try:
        info = os.stat(path)
    except OSError:
        raise LocalFileError(f"{what} {path} cannot be read") from None
    if not stat.S_ISREG(info.st_mode):
        raise LocalFileError(f"{what} {path} is not a regular file (a directory, device or pipe)")
    return info.st_size


def read_regular(path: str | Path, max_bytes: int, what: str = "the file") -> bytes:
    """The bytes of `path`, a regular file of at most `max_bytes`; LocalFileError (one line) if not."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        raise LocalFileError(f"{what} {path} cannot be read") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LocalFileError(f"{what} {path} is not a regular file (a directory, device or pipe)")
        if info.st_size > max_bytes:
            raise LocalFileError(f"{what} {path} is larger than the {_size(max_bytes)} limit")
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:  # grew while being read
            raise LocalFileError(f"{what} {path} is larger than the {_size(max_bytes)} limit")
        return b"".join(chunks)
    except OSError:
        raise LocalFileError(f"{what} {path} cannot be read") from None
    finally:
        os.close(fd)


def _size(limit: int) -> str:
    return f"{limit // 1048576} MB" if limit >= 1048576 else f"{limit:,} bytes"


def read_json(path: str | Path, max_bytes: int, what: str = "the file") -> object:
    """The JSON value in `path` (a regular file of at most `max_bytes`, UTF-8); LocalFileError if
    it cannot be read or parsed, nesting too deep for the parser included (a RecursionError)."""
    import json

    data = read_regular(path, max_bytes, what)
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        raise LocalFileError(f"{what} {path} is not valid JSON") from None


MAX_KEY_FILE = 16 * 1024 * 1024  # a keystore of thousands of key versions is a few megabytes
