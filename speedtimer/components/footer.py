"""Textual's Footer, minus a leak a long session makes big and rebuilds that change nothing.

LeanFooter: Footer recomposes its keys whenever the bindings change (on the run screen: every
step, every pause). Each FooterKey it makes is bound to the footer's `compact` reactive, and
Textual keeps that watcher (and so the removed key, its styles and message queue) until
`compact` changes, which it never does: about 10 KB per step, 20 MB over a 2-hour session.
After each recompose the watchers of keys no longer mounted are dropped.

QuietFooter: Footer recomposes (a dozen new widgets, each styled) on every bindings refresh,
and a screen that opens sends several (each focus change is one); the run screen sends one at
every step. It rebuilds once per refresh, and only when a key, its label or its enabled state
changed: that was most of the time the history screen took to show its first rows.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class LeanFooter(Footer):
    async def recompose(self) -> None:
        await super().recompose()
        watchers = getattr(self, "__watchers", {})  # Textual's own name for them
        for entries in watchers.values():
            entries[:] = [(node, callback) for node, callback in entries if _alive(node)]


def _alive(node: object) -> bool:
    return getattr(node, "is_attached", True) and not getattr(node, "_closing", False)


class QuietFooter(LeanFooter):
    """Rebuilds only when a key, its label or its enabled state changed (see above)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None
        self._rebuild_pending = False
        # Build the keys with the screen's first frame, not one refresh later: the later
        # rebuild (if any) then falls while the screen waits for its data anyway.
        self.set_reactive(Footer._bindings_ready, True)

    def _signature(self) -> tuple:
        keys = tuple(
            (binding.key, binding.description, binding.action, enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )
        return (keys, self.compact, self.show_command_palette)

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached or self._signature() == self._shown:
            return
        await self.recompose()

    def compose(self) -> ComposeResult:
        self._shown = self._signature() if self._bindings_ready else None
        yield from super().compose()
