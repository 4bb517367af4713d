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
goes to whatever has the focus by then. A key typed alone goes through at once, as before.
A screen that never settles (a handler waiting on something) holds the next key at most
SETTLE_LIMIT_S, then the keys go on, in order: nothing is dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from textual import events
from textual.app import App

SETTLE_LIMIT_S = 1.0
_SPIN = 50  # checks at the loop's own pace before checking every POLL_S
_POLL_S = 0.002


class OrderedKeys(App):
    """Mix in before App: `class MyApp(OrderedKeys, App)`... or subclass it directly."""

    _key_backlog: deque[events.Event]
    _key_feeder: asyncio.Task | None = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
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
            event = backlog.popleft()
            try:
                await super().on_event(event)  # Textual's own: priority bindings, then focus
            except Exception as error:  # as the app's own message loop would have
                self._handle_exception(error)
                return
            await self._settle()

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
