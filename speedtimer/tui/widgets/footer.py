"""A Footer that rebuilds only when the keys it shows change, and lets the old keys go.

Textual's Footer recomposes (a dozen new widgets, each styled) on every bindings refresh,
and a screen that opens sends several (each focus change is one). Rebuilding once per
refresh, and only when a key, its label or its enabled state changed, was most of the time
the history screen took to show its first rows.

Each rebuild also leaked the keys it replaced (see watchers.py): they are let go after it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from speedtimer.tui.textual_patches.watchers import forget_closed_watchers


class QuietFooter(Footer):
    def __init__(self, *args, with_first_frame: bool = True, **kwargs) -> None:
        """`with_first_frame`: build the keys with the screen's first frame, not one refresh
        later: the later rebuild (if any) then falls while the screen waits for its data
        anyway. False: the frame after (the app's first screen, whose first frame is what
        a start waits for: the keys cost a third of it)."""
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None
        self._rebuild_pending = False
        if with_first_frame:
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

    async def recompose(self) -> None:
        await super().recompose()
        forget_closed_watchers(self)  # the old keys' `compact` bindings

    def compose(self) -> ComposeResult:
        self._shown = self._signature() if self._bindings_ready else None
        yield from super().compose()
