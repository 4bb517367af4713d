"""A fix for a Textual memory leak, put in place when the app module loads.

`StylesCache.get_inner_outer` is an instance method under `functools.lru_cache(1024)`, so
the cache keeps up to 1,024 StylesCache objects alive, each with the rendered lines of a
widget long gone (Textualize/textual#6665, open). Every screen opened and closed left some
thirty behind: about 9,000 objects a visit to the history, walked by every full garbage
collection. The result depends on the two colours only, so it is cached on them alone.
"""

from __future__ import annotations

from functools import lru_cache

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    return Style(background=base_background + background), Style(background=base_background)


def _get_inner_outer(
    self: StylesCache, base_background: Color, background: Color
) -> tuple[Style, Style]:
    return _inner_outer(base_background, background)


def install() -> None:
    """Only over the method this was written for (a Textual that fixed it has no cache on it)."""
    current = StylesCache.__dict__.get("get_inner_outer")
    if current is not _get_inner_outer and hasattr(current, "cache_info"):
        StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign]
