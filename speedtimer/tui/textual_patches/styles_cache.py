"""A fix for a Textual memory leak, put in place when the app module loads.

`StylesCache.get_inner_outer` is an instance method under `functools.lru_cache(1024)`, so
the cache keeps up to 1,024 StylesCache objects alive, each with the rendered lines of a
widget long gone (Textualize/textual#6665, open). Every screen opened and closed left some
thirty behind: about 9,000 objects a visit to the history, walked by every full garbage
collection. The result depends on the two colours only, so it is cached on them alone.
"""

from __future__ import annotations

from functools import lru_cache

from speedtimer.tui.textual_patches.degrade import degraded

# The upstream code this relies on: the method it replaces (sha256 of its source).
UPSTREAM = {
    "textual._styles_cache:StylesCache.get_inner_outer": "d2509f3e796680df",
}


def install() -> bool:
    """Only over the method this was written for (a Textual that fixed it has no cache on it).
    True when the fix is in place."""
    try:
        from textual._styles_cache import StylesCache
        from textual.color import Color  # noqa: F401 - the types _inner_outer works on
        from textual.style import Style
    except ImportError as exc:
        degraded("styles_cache", f"cannot import {exc.name}")
        return False

    @lru_cache(1024)
    def inner_outer(base_background, background) -> tuple[Style, Style]:
        return Style(background=base_background + background), Style(background=base_background)

    def get_inner_outer(self, base_background, background) -> tuple[Style, Style]:
        return inner_outer(base_background, background)

    current = StylesCache.__dict__.get("get_inner_outer")
    if getattr(current, "__speedtimer_patch__", False):
        return True
    if current is None:
        degraded("styles_cache", "StylesCache.get_inner_outer is gone")
        return False
    if not hasattr(current, "cache_info"):
        return False  # fixed upstream: nothing to do, nothing to say
    get_inner_outer.__speedtimer_patch__ = True  # type: ignore[attr-defined]
    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign]
    return True
