"""Letting go of widgets that are gone but still watch a long-lived object.

`widget.watch(obj, ...)` and `data_bind` keep `(widget, callback)` on the watched object,
and Textual drops the entry only when that value changes (Textualize/textual#6666). A
Header watches the app's title, a TextArea the app's theme, each FooterKey its footer's
`compact`: values that never change here, so every screen that closed kept its header, keys
and their render caches alive for good, and Python's full garbage collections (which walk
them all) grew to pauses of 100-200 ms after a few visits to the history.
"""

from __future__ import annotations


def forget_closed_watchers(observed: object) -> None:
    """Drop the watchers of nodes that have closed, as Textual itself does when a watched
    value changes (Reactive._check_watchers, on the store reactive._watch keeps)."""
    watchers: dict[str, list] = getattr(observed, "__watchers", {})
    for entries in watchers.values():
        entries[:] = [(node, callback) for node, callback in entries if not node._closing]
