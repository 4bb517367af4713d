"""Letting go of widgets that are gone but still watch a long-lived object.

`widget.watch(obj, ...)` and `data_bind` keep `(widget, callback)` on the watched object,
and Textual drops the entry only when that value changes (Textualize/textual#6666). A
Header watches the app's title, a TextArea the app's theme, each FooterKey its footer's
`compact`: values that never change here, so every screen that closed kept its header, keys
and their render caches alive for good, and Python's full garbage collections (which walk
them all) grew to pauses of 100-200 ms after a few visits to the history.
"""

from __future__ import annotations

from speedtimer.tui.textual_patches.degrade import degraded

# The upstream code this relies on: where Textual keeps the watchers (`__watchers` on the
# watched object, as a dict of lists of (node, callback)) and how it drops closed ones.
UPSTREAM = {
    "textual.reactive:_watch": "d0a0965fc6cea4d3",
    "textual.reactive:Reactive._check_watchers": "7264430bbdce0b5a",
}


def forget_closed_watchers(observed: object) -> None:
    """Drop the watchers of nodes that have closed, as Textual itself does when a watched
    value changes (Reactive._check_watchers, on the store reactive._watch keeps)."""
    watchers = getattr(observed, "__watchers", None)
    if watchers is None:
        return  # nothing watched it yet (or Textual keeps them elsewhere now: nothing to do)
    if not isinstance(watchers, dict):
        degraded("watchers", "the watcher store is no longer a dict")
        return
    for entries in watchers.values():
        try:
            entries[:] = [
                (node, callback)
                for node, callback in entries
                if not getattr(node, "_closing", False)
            ]
        except (TypeError, ValueError):
            degraded("watchers", "a watcher entry is no longer (node, callback)")
            return
