"""Textual's terminal driver, with an input thread that sleeps until there is something to do.

Textual's Linux driver reads the keyboard in a thread that wakes ten times a second even when
no key is pressed (`select(0.1)`), so that it can notice a lone Escape (the parser's
timeout) and the app quitting. On a laptop beside the track that is a quarter of speedtimer's
CPU while a step counts down. Here the thread sleeps until a key arrives, until the parser's
own timeout is due (a lone Escape still arrives at once), or until the app stops input: the
driver's exit event also writes to a pipe the thread waits on.

Everything else is Textual's own driver; only the wait differs. Textual's loop is copied from
`LinuxDriver.run_input_thread` (Textual 8.2.8, see `UPSTREAM`), closing feed included. Import
this module through `speedtimer.tui.textual_patches.quiet_driver_for`, which steps aside when
a private name it needs is gone.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder

from textual._loop import loop_last
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

# The upstream code this copies or relies on (sha256 of the source, first 16 hex digits):
# the loop copied, and the parser's timeout it reads (`_timeout_time`, `tick`).
UPSTREAM = {
    "textual.drivers.linux_driver:LinuxDriver.run_input_thread": "d796af6d69db337d",
    "textual._parser:Parser.tick": "44606084ad3bf7c1",
    "textual._parser:Parser.__init__": "a5bf8838a70ae8bb",
}

# Longest sleep with nothing to do: a safety net only, should a wake-up ever be missed.
IDLE_WAIT_S = 2.0


class _WakingEvent(threading.Event):
    """The driver's exit event, which also wakes the input thread from its sleep."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        with contextlib.suppress(OSError):
            os.write(self._wake_fd, b"x")


class QuietLinuxDriver(LinuxDriver):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self.exit_event = _WakingEvent(self._wake_w)

    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        fileno = self.fileno
        selector.register(fileno, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def wait() -> float:
            due = parser._timeout_time  # a lone Escape, waiting to be told from a sequence
            return IDLE_WAIT_S if due is None else max(0.0, min(IDLE_WAIT_S, due - get_time()))

        def process(ready, final: bool = False) -> None:
            keys = [(key, mask) for key, mask in ready if key.fd == fileno]
            if len(keys) < len(ready):
                with contextlib.suppress(OSError):
                    os.read(self._wake_r, 4096)
            for last, (_key, mask) in loop_last(keys):
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not data:
                        break  # stdin is a pipe that closed
                    for event in parser.feed(data):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(wait()))
            selector.unregister(fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            with contextlib.suppress(EOFError, ParseError):
                for _event in parser.feed(""):  # the parser's end, as Textual closes it
                    pass

    def close(self) -> None:
        super().close()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)


def usable() -> str | None:
    """None when the private names the quiet loop reads are there, else what is missing."""
    parser = XTermParser(False)
    for name in ("_timeout_time", "tick", "feed"):
        if not hasattr(parser, name):
            return f"XTermParser.{name} is gone"
    if not hasattr(LinuxDriver, "run_input_thread"):
        return "LinuxDriver.run_input_thread is gone"
    return None


def quiet_driver_for(driver_class: type) -> type:
    """Textual's choice of driver, with the quiet one in place of its plain Linux driver; the
    app asks only when no driver is named in TEXTUAL_DRIVER (`serve` names the web one)."""
    return QuietLinuxDriver if driver_class is LinuxDriver else driver_class
