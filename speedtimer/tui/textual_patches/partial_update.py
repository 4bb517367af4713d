"""A screen update that renders only the widgets under what changed.

Each second a run screen changes in two or three small places: the big clock's digits, the
totals line and, on the group screen, the column of running times. Textual draws a partial
update by taking the rectangle around all the changed places and rendering every widget that
overlaps that rectangle: with the clock near the top and the totals at the bottom that is every
widget on the screen (twenty on the group screen), every second, for a few dozen changed cells.
Here only the widgets that overlap one of the changed places themselves are rendered (eight on
the group screen, counted in tests/tui/test_textual_patches.py).

What reaches the terminal is the same: Textual writes only the changed places (the update's
spans), a widget that overlaps none of them has no cell in them, and where it is missing the
widget behind it fills its slot, which is outside every span too. A test compares the bytes
written with and without the patch.

Copied from `Compositor.render_partial_update` (Textual 8.2.8, see `UPSTREAM`); the lines
added narrow the compositor's list of visible widgets for the one call that renders, and put it
back. The line cuts are worked out from the whole list first, as Textual would.
"""

from __future__ import annotations

from speedtimer.tui.textual_patches.degrade import degraded

# The upstream code this copies or relies on (sha256 of the source, first 16 hex digits): the
# method copied, the renderer it calls (which reads `visible_widgets` once), the cache it
# narrows for that call, and the cuts that must come from the whole list.
UPSTREAM = {
    "textual._compositor:Compositor.render_partial_update": "888dccc892d8ecc2",
    "textual._compositor:Compositor._render_chops": "ca8c3359d7afd017",
    "textual._compositor:Compositor._get_renders": "8ac93299aa5d3bef",
    "textual._compositor:Compositor.visible_widgets": "6eddec5f271628f7",
    "textual._compositor:Compositor.cuts": "205385a66fdabffe",
}

# Textual's own method, kept when the patch goes in (the tests draw with both).
TEXTUALS_OWN = None

NEEDS = ("render_partial_update", "_render_chops", "_regions_to_spans", "cuts", "visible_widgets")


def render_partial_update(self):  # type: ignore[no-untyped-def]
    """`Compositor.render_partial_update`, rendering only the widgets under a changed place."""
    from textual._compositor import ChopsUpdate
    from textual.geometry import Region

    screen_region = self.size.region
    update_regions = self._dirty_regions.copy()
    self._dirty_regions.clear()
    if update_regions:
        # Create a crop region that surrounds all updates.
        crop = Region.from_union(update_regions).intersection(screen_region)
        spans = list(self._regions_to_spans(update_regions))
        is_rendered_line = {y for y, _, _ in spans}.__contains__
    else:
        return None
    cuts = self.cuts  # from every visible widget, before the list is narrowed
    visible = self.visible_widgets
    places = [place for place in (r.intersection(crop) for r in update_regions) if place]
    narrowed = {
        widget: (region, clip)
        for widget, (region, clip) in visible.items()
        if any(place.overlaps(region.intersection(clip)) for place in places)
    }
    self._visible_widgets = narrowed
    try:
        chops = self._render_chops(crop, is_rendered_line)
    finally:
        if self._visible_widgets is narrowed:  # not dropped by Textual meanwhile
            self._visible_widgets = visible
    chop_ends = [cut_set[1:] for cut_set in cuts]
    return ChopsUpdate(chops, spans, chop_ends)


def install() -> bool:
    """Over the compositor this was written for; Textual's own update otherwise (one log
    line). True when the patch is in place."""
    try:
        from textual._compositor import ChopsUpdate, Compositor  # noqa: F401
    except ImportError as exc:
        degraded("partial_update", f"cannot import {exc.name}")
        return False
    current = Compositor.__dict__.get("render_partial_update")
    if getattr(current, "__speedtimer_patch__", False):
        return True
    missing = [name for name in NEEDS if name not in Compositor.__dict__]
    if missing or "_visible_widgets" not in Compositor().__dict__:
        degraded("partial_update", f"Compositor has no {(missing or ['_visible_widgets'])[0]}")
        return False
    global TEXTUALS_OWN
    TEXTUALS_OWN = current
    render_partial_update.__speedtimer_patch__ = True  # type: ignore[attr-defined]
    Compositor.render_partial_update = render_partial_update  # type: ignore[method-assign]
    return True
