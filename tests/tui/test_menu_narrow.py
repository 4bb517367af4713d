"""The menu at the sizes runners use: the details beside the list, under it, or left out."""

from __future__ import annotations

import pytest

from tests.helpers_app import screen_text
from tests.tui.test_editor import app_paths, build  # noqa: F401


@pytest.mark.parametrize(
    ("size", "layout"), [((80, 24), "beside"), ((60, 20), "under"), ((40, 12), "none")]
)
async def test_details_follow_the_width(app_paths, clock, size, layout):  # noqa: F811
    app = build(app_paths, clock)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*"10 x 1 min")
        await pilot.pause()
        menu = app.screen
        listing, details = menu.query_one("#menu-left").region, menu.query_one("#menu-right")
        if layout == "beside":
            assert details.region.x >= listing.right - 1 and details.region.width >= 30
        elif layout == "under":
            assert details.region.y >= listing.bottom and details.region.width == size[0]
        else:
            assert not details.region.area and listing.width == size[0]
        text = screen_text(app)
        assert "10 x 1 min on / 1 min off  (47:00)" in text  # one line, not wrapped
        await pilot.press(*"zzz")
        await pilot.pause()
        assert "No preset matches the filter." in screen_text(app)
