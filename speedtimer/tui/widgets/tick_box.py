"""A checkbox whose state reads without colour: a tick when on, an empty box when off.

Textual's Checkbox draws the same `X` either way and tells on from off by colour alone, which
a colour-blind runner, a monochrome terminal or a sunlit screen cannot see.
"""

from __future__ import annotations

from textual.widgets import Checkbox

ON = "✓"
OFF = " "


class TickBox(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        return ON if self.value else OFF
