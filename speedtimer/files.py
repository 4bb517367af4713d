"""Files in and out, the two ways every part of speedtimer uses: bounded reads, atomic writes.

Reading a file the user pointed at, without letting the file decide how much is read: a
preset, settings or export path may name a FIFO (opening it waits for a writer forever), a
device such as /dev/zero (endless bytes; `stat` says its size is 0) or a file far too large
to be what it claims. `read_regular_file` refuses all of these before reading anything, and
never reads more than the limit plus one byte even if the file grows while it is read.

Writing a file so that it is never half there: `atomic_writer` (and `atomic_write` for data
already in hand) writes a temporary file beside the target, flushes it to the disk, renames it
over the target and flushes the folder, so a crash, a full disk or a kill leaves either the old
file or the new one, never a cut one. Every writer of speedtimer (presets, FIT and exported
files, pending history, the settings template) goes through it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

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


@contextlib.contextmanager
def atomic_writer(
    path: Path | str, mode: str = "w", *, newline: str | None = None, exclusive: bool = False
) -> Iterator[IO[Any]]:
    """A file to write `path`'s new content into; it replaces `path` only when the block ends
    without an exception. OSError when the folder cannot be written (nothing is left behind).

    `exclusive`: `path` is only created, never replaced; FileExistsError if it is there by
    the end (another program made it meanwhile: theirs stays)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if "b" in mode:
            fh = os.fdopen(fd, mode)
        else:
            fh = os.fdopen(fd, mode, encoding="utf-8", newline=newline)
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            _link_new(tmp, path)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself, on the disk
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _link_new(tmp: str, path: Path) -> None:
    """Give the finished temporary file the name `path` only if nothing has it (a hard link
    is made or refused all at once), then drop the temporary name."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: rename, unless it is there already
        if path.exists():
            raise FileExistsError(f"{path} exists") from None
        os.replace(tmp, path)
        return
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def atomic_write(
    path: Path | str, data: str | bytes, *, newline: str | None = "\n", exclusive: bool = False
) -> None:
    """Replace `path` with `data` all at once (see `atomic_writer`); `exclusive`: only create it."""
    mode = "wb" if isinstance(data, bytes) else "w"
    newline = None if isinstance(data, bytes) else newline
    with atomic_writer(path, mode, newline=newline, exclusive=exclusive) as fh:
        fh.write(data)
