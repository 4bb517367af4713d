"""The countdown in digits as large as the terminal allows.

Textual's `Digits` draws a 3-row font; from two metres away on a bigger terminal that is too
small, so when there is room this widget draws the same value in a solid block font scaled by a
whole factor. When there is not (the compact 40x12 layout) it is plain `Digits`.
"""

from __future__ import annotations

from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
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


@lru_cache(maxsize=256)
def _glyph_rows(ch: str, scale: int) -> tuple[str, ...]:
    """One glyph's five pixel rows at a scale, as text (each pixel 2*scale wide)."""
    glyph = _GLYPHS.get(ch, _GLYPHS[" "])
    on, off = "█" * 2 * scale, " " * 2 * scale
    return tuple("".join(on if px == "#" else off for px in row) for row in glyph)


def render_block(value: str, scale: int) -> list[str]:
    """The value's lines; each pixel row repeats `scale` times (the same string object)."""
    gap = " " * 2 * scale
    glyphs = [_glyph_rows(ch, scale) for ch in value]
    rows = []
    for r in range(GLYPH_ROWS):
        line = gap.join(g[r] for g in glyphs)
        rows.extend([line] * scale)
    return rows


def glyph_offset(value: str, index: int, scale: int) -> int:
    """Where glyph `index` of `value` starts in its block line (the line's width for the end)."""
    return sum(len(_GLYPHS.get(ch, _GLYPHS[" "])[0]) + 1 for ch in value[:index]) * 2 * scale


@lru_cache(maxsize=64)
def fit_scale(value: str, width: int, height: int) -> int:
    """The largest block scale that fits; 0 means fall back to 3-row Digits."""
    scale = 0
    while block_width(value, scale + 1) <= width and GLYPH_ROWS * (scale + 1) <= height:
        scale += 1
        if scale >= 12:
            break
    return scale


def _centre(line: str, width: int) -> str:
    left = max(0, (width - len(line)) // 2)
    return (" " * left + line).ljust(width)[:width]


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

    _lines: list[Strip] = []
    _block_at: tuple[int, int, int] = (0, 0, 0)  # scale, first row, first column
    _lines_key: tuple | None = None

    _style: Style | None = None

    def notify_style_update(self) -> None:
        # a new phase colour: the cached lines carry the old style
        self._lines_key = None
        self._style = None
        super().notify_style_update()

    def on_resize(self) -> None:
        # The scale and the centring depend on the size, not only on the value.
        self.refresh()

    def update(self, value: str) -> None:
        """Repaint only the glyphs that changed (usually the last digit, once a second).

        Marking the whole widget dirty made Textual compose every line of the band behind it
        each second; a region the size of one glyph is most of a running session's frame cost
        saved. Anything else (another length, size or style, the 3-row fallback) repaints in
        full as Digits does."""
        old = self.value
        width, height = self.content_region.size
        if (
            not isinstance(value, str)
            or self._lines_key != (old, width, height)
            or len(value) != len(old)
            or block_width(value, 1) != block_width(old, 1)
        ):
            super().update(value)
            return
        changed = [i for i, (x, y) in enumerate(zip(old, value, strict=True)) if x != y]
        if not changed:
            return
        self._value = value
        before = self._block_at
        if not self._build(width, height) or self._block_at != before:
            self.refresh()  # the block moved or shrank (not with same-width glyphs): all of it
            return
        # Same glyph widths, so the block keeps its place: the changed glyphs' columns.
        scale, top, left = self._block_at
        x0 = left + glyph_offset(value, changed[0], scale)
        x1 = left + glyph_offset(value, changed[-1] + 1, scale) - 2 * scale  # no gap after
        self.refresh(Region(x0, top, x1 - x0, GLYPH_ROWS * scale))

    def _build(self, width: int, height: int) -> bool:
        """The block lines for the current value and size; False when only Digits fits."""
        scale = self.scale
        if scale == 0:
            self._lines_key = None
            return False
        if self._style is None:  # working out the widget's style is not cheap: once per colour
            self._style = self.rich_style
        style = self._style
        # Centred by hand: the block is drawn at the full width of the widget. A pixel row
        # repeated `scale` times is one strip, shared.
        strips: dict[str, Strip] = {}

        def strip(line: str) -> Strip:
            if line not in strips:
                strips[line] = Strip([Segment(_centre(line, width), style)], width)
            return strips[line]

        block = [strip(line) for line in render_block(self.value, scale)]
        top = max(0, (height - len(block)) // 2)
        blank = Strip([Segment(" " * width, style)], width)
        self._lines = [blank] * top + block
        self._lines += [blank] * max(0, height - len(self._lines))
        self._block_at = (scale, top, max(0, (width - block_width(self.value, scale)) // 2))
        self._lines_key = (self.value, width, height)
        return True

    def render_line(self, y: int) -> Strip:
        """The block font line by line (Textual's line API), each line built once per value.

        Going through render() would turn a screenful of text into Content and strips every
        second; this draws one plain segment per line, which keeps a running session's CPU
        use low. The 3-row `Digits` fallback keeps Digits' own rendering."""
        width, height = self.content_region.size
        # The style is not part of the key: asking for rich_style on every line was a third
        # of the screen's CPU use. notify_style_update() drops the lines when it changes.
        if (self.value, width, height) != self._lines_key and not self._build(width, height):
            return super().render_line(y)
        return self._lines[y] if 0 <= y < len(self._lines) else Strip.blank(width)

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(3, container.height)
