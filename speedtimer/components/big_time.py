"""The countdown in digits as large as the terminal allows.

Textual's `Digits` draws a 3-row font; from two metres away on a bigger terminal that is too
small, so when there is room this widget draws the same value in a solid block font scaled by a
whole factor. When there is not (the compact 40x12 layout) it is plain `Digits`.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Digits

# 3x5 pixel glyphs; "#" is lit. Colon and dot are one pixel wide.
_GLYPHS = {
    "0": ["###", "#.#", "#.#", "#.#", "###"],
    "1": [".#.", "##.", ".#.", ".#.", "###"],
    "2": ["###", "..#", "###", "#..", "###"],
    "3": ["###", "..#", ".##", "..#", "###"],
    "4": ["#.#", "#.#", "###", "..#", "..#"],
    "5": ["###", "#..", "###", "..#", "###"],
    "6": ["###", "#..", "###", "#.#", "###"],
    "7": ["###", "..#", ".#.", ".#.", ".#."],
    "8": ["###", "#.#", "###", "#.#", "###"],
    "9": ["###", "#.#", "###", "..#", "###"],
    ":": [".", "#", ".", "#", "."],
    ".": [".", ".", ".", ".", "#"],
    "+": ["...", ".#.", "###", ".#.", "..."],
    "-": ["...", "...", "###", "...", "..."],
    " ": [".", ".", ".", ".", "."],
}
GLYPH_ROWS = 5


def block_width(value: str, scale: int) -> int:
    """Columns needed: each pixel is 2*scale wide, one pixel of gap between glyphs."""
    pixels = sum(len(_GLYPHS.get(ch, _GLYPHS[" "])[0]) for ch in value)
    gaps = max(0, len(value) - 1)
    return (pixels + gaps) * 2 * scale


def render_block(value: str, scale: int) -> list[str]:
    rows = []
    for r in range(GLYPH_ROWS):
        parts = []
        for ch in value:
            glyph = _GLYPHS.get(ch, _GLYPHS[" "])
            parts.append(
                "".join("█" * 2 * scale if px == "#" else " " * 2 * scale for px in glyph[r])
            )
        line = (" " * 2 * scale).join(parts)
        rows.extend([line] * scale)
    return rows


def fit_scale(value: str, width: int, height: int) -> int:
    """The largest block scale that fits; 0 means fall back to 3-row Digits."""
    scale = 0
    while block_width(value, scale + 1) <= width and GLYPH_ROWS * (scale + 1) <= height:
        scale += 1
        if scale >= 12:
            break
    return scale


class BigTime(Digits):
    """Digits that grow with the space given (set its height in CSS, e.g. 1fr)."""

    DEFAULT_CSS = """
    BigTime {
        width: 1fr;
        height: 1fr;
        text-align: left;
    }
    """

    @property
    def scale(self) -> int:
        size = self.content_region.size
        # Size the font for the widest value this step could show, so it doesn't jump around.
        return fit_scale(self._sizing_value(), size.width, size.height)

    def _sizing_value(self) -> str:
        return "8" * sum(ch.isdigit() for ch in self.value) + "".join(
            ch for ch in self.value if not ch.isdigit()
        )

    def on_resize(self) -> None:
        # The scale and the centring depend on the size, not only on the value.
        self.refresh()

    def render(self):
        scale = self.scale
        if scale == 0:
            return super().render()
        # Centred by hand: Textual renders a Rich renderable at its measured width, which
        # would leave the digits hugging the left edge.
        width, height = self.content_region.size
        lines = [line.center(width) for line in render_block(self.value, scale)]
        top = max(0, (height - len(lines)) // 2)
        text = "\n" * top + "\n".join(lines)
        return Text(text, style=self.rich_style, no_wrap=True, overflow="crop")

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(3, container.height)
