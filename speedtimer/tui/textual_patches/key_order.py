"""Keys typed in one burst reach the widget that has the focus when each key's turn comes.

Textual hands every key to the widget focused at the moment the key arrives, by putting it in
that widget's queue. Keys that arrive together (over SSH, through `serve` on a slow link, typed
faster than a busy machine draws) are all queued before the first is handled, so when one of
them moves the focus (Enter from the RPE field to the note, Tab, ctrl+e opening the editor),
the keys after it still go to the old place: the note typed into the RPE box, whose
restriction drops it, or ctrl+s acting before the text before it is in the field.

`OrderedKeys` lets one key at a time through, for every screen at once: the next key waits
until the previous one and everything it caused are done (messages bubbling up to the screen
and the app, a focus move, a screen pushed and mounted, callbacks after its refresh), then
goes to whatever has the focus by then. A key typed alone goes through at once, as before,
unless the screen is not yet mounted (keys typed at start-up wait for the first screen).
A screen that never settles (a handler waiting on something) holds the next key at most
SETTLE_LIMIT_S, then the keys go on, in order: nothing is dropped.

"Done" is read off Textual's private message queues (each widget's queue, counted until the
message is handled), the screen's callbacks waiting for a refresh and the callbacks due after
a message; should those be gone (another Textual), keys go straight through as Textual sends
them, and the log says so once.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections import deque

from textual import events
from textual.app import App
from textual.message_pump import MessagePump
from textual.screen import Screen

from speedtimer.tui.textual_patches.degrade import degraded

UPSTREAM = {
    "textual.app:App.on_event": "3dbf14d694916fe3",
    "textual.message_pump:MessagePump._process_messages_loop": "8b26d5edccbb994f",
    "textual.message_pump:MessagePump._flush_next_callbacks": "52f874c952d9a45c",
    "textual.screen:Screen._invoke_and_clear_callbacks": "73ddb9fc12c345dc",
}

SETTLE_LIMIT_S = 1.0
_SPIN = 50  # checks at the loop's own pace before checking every POLL_S
_POLL_S = 0.002


class OrderedKeys(App):
    """Mix in before App: `class MyApp(OrderedKeys, App)`... or subclass it directly."""

    _key_backlog: deque[events.Event]
    _key_feeder: asyncio.Task | None = None

    async def on_event(self, event: events.Event) -> None:
        ordered = isinstance(event, events.Key | events.Paste) and not event.is_forwarded
        if ordered and _missing():
            degraded("key_order", _missing() or "")
            ordered = False
        if ordered:
            if "_key_backlog" not in self.__dict__:
                self._key_backlog = deque()
            self._key_backlog.append(event)
            if self._key_feeder is None or self._key_feeder.done():
                self._key_feeder = asyncio.create_task(self._feed_keys())
            return
        await super().on_event(event)

    async def _feed_keys(self) -> None:
        backlog = self._key_backlog
        while backlog and not self._closing:
            if not self._screen_mounted():
                # typed at start-up: not before the first screen is mounted and has put the
                # focus where keys go (the key would find no one to take it)
                await self._settle()
            event = backlog.popleft()
            try:
                await super().on_event(event)  # Textual's own: priority bindings, then focus
            except Exception as error:  # as the app's own message loop would have
                self._handle_exception(error)
                return
            await self._settle()

    def _screen_mounted(self) -> bool:
        try:
            return self.screen.is_mounted
        except Exception:  # no screen yet
            return False

    async def _settle(self) -> None:
        """Until no queue of the app or of the screen now on top holds anything, twice in a row."""
        deadline = time.monotonic() + SETTLE_LIMIT_S
        quiet = checks = 0
        while quiet < 2 and time.monotonic() < deadline and not self._closing:
            await asyncio.sleep(0 if checks < _SPIN else _POLL_S)
            checks += 1
            quiet = 0 if self._busy() else quiet + 1

    def _busy(self) -> bool:
        try:
            screen = self.screen
        except Exception:  # no screen yet, or the app closing
            return False
        if getattr(screen, "_callbacks", None):  # call_after_refresh, waiting for a refresh
            return True
        return any(_pending(pump) for pump in (self, *screen.walk_children(with_self=True)))


def _pending(pump: object) -> bool:
    """Messages queued or being handled, or callbacks due after the current message."""
    if getattr(pump, "_next_callbacks", None):
        return True
    queue = pump.__dict__.get("_message_queue")  # made lazily: none made, none pending
    if queue is None:
        return False
    return bool(getattr(queue, "_unfinished_tasks", queue.qsize()))


@functools.cache
def _missing() -> str | None:
    """What this patch needs of Textual and cannot find, or None."""
    queue = inspect.getattr_static(MessagePump, "_message_queue", None)
    if getattr(queue, "attrname", None) != "_message_queue":  # a cached property, kept in __dict__
        return "widgets' message queues are no longer where they were"
    if not hasattr(Screen, "_invoke_and_clear_callbacks"):
        return "screens no longer keep callbacks for after a refresh"
    return None


def usable() -> str | None:
    return _missing()
