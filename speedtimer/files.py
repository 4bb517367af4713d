"""Reading a file the user pointed at, without letting the file decide how much is read.

A preset, settings or export path may name a FIFO (opening it waits for a writer forever), a
device such as /dev/zero (endless bytes; `stat` says its size is 0) or a file far too large
to be what it claims. `read_regular_file` refuses all of these before reading anything, and
never reads more than the limit plus one byte even if the file grows while it is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileRefused(Exception):
    """The path is not a regular file of an acceptable size; the message says which."""


def _not_regular(mode: int) -> FileRefused:
    kind = next((name for test, name in _KINDS if test(mode)), None)
    what = f"it is {kind}, not a regular file" if kind else "it is not a regular file"
    return FileRefused(f"cannot read file: {what}")


def read_regular_file(path: Path | str, limit: int, noun: str = "files") -> bytes:
    """The bytes of a regular file of at most `limit` bytes (symlinks are followed).

    Raises FileRefused for anything else ("file is N bytes; presets are limited to M") and
    OSError when the file cannot be read at all.
    """
    path = Path(path)
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(st.st_mode)
    if st.st_size > limit:
        raise FileRefused(f"file is {st.st_size} bytes; {noun} are limited to {limit}")
    # O_NONBLOCK: should the path be swapped for a FIFO after the stat, opening it still
    # returns at once, and the fstat below refuses it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(st.st_mode)
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise FileRefused(f"file is more than {limit} bytes; {noun} are limited to {limit}")
    return data
