"""The menu filter matches whole tags and the starts of words (issue 12, bug 8): `track` lists
the track sessions, not the ones tagged `no-track`."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList

from speedtimer.config.paths import Paths
from speedtimer.formats.catalog import load_catalog
from speedtimer.tui.screens.menu import matches
from tests.helpers_app import quiet_app

EXTRA = """
name = "Road mile repeats"
category = "intervals"
tags = ["no-track", "roadwork"]
description = "Measured miles on a bike path."
[[steps]]
kind = "work"
duration = 60
"""


@pytest.fixture
def app_paths(tmp_path) -> Paths:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "road.toml").write_text(EXTRA)
    (extra / "broken-track.toml").write_text('name = "Broken"\n[[steps]]\nkind = "nope"\n')
    return Paths(
        config_dir=tmp_path / "config", data_dir=tmp_path / "data", extra_presets_dirs=(extra,)
    )


def listed(catalog, query: str) -> set[str]:
    words = query.casefold().split()
    return {e.display_name if e.broken else e.name for e in catalog.entries if matches(e, words)}


def test_track_finds_track_sessions_and_not_no_track(app_paths):
    catalog = load_catalog(app_paths)
    track = listed(catalog, "track")
    no_track = {p.name for p in catalog.presets if "no-track" in p.tags}
    assert no_track and not track & no_track
    assert {p.name for p in catalog.presets if "track" in p.tags} <= track
    assert "Road mile repeats" not in track


def test_whole_tags_word_starts_and_several_words(app_paths):
    catalog = load_catalog(app_paths)
    assert "Road mile repeats" in listed(catalog, "no-track")
    assert "Road mile repeats" in listed(catalog, "road")  # the start of the tag "roadwork"
    assert "Road mile repeats" not in listed(catalog, "work")  # not inside a word or tag
    assert "Road mile repeats" in listed(catalog, "bike miles")  # every word, any order
    assert listed(catalog, "tab") == {"Tabata 8 x 20/10"}  # typing is a prefix
    assert "Hill repeats 6 x 60 s" in listed(catalog, "hill")
    assert not listed(catalog, "ill")  # "hills", "drills": not from the middle
    assert "Broken" in listed(catalog, "broken")


def test_no_track_presets_never_match_track_whatever_their_text():
    """Every bundled preset tagged no-track: none of its own words is "track..."."""
    bundled = load_catalog(Paths(config_dir=Path("/nonexistent"), data_dir=Path("/x")))
    for entry in bundled.entries:
        if entry.broken or "no-track" not in entry.tags:
            continue
        assert not matches(entry, ["track"]), entry.name


async def test_typing_track_in_the_menu(app_paths, clock):
    app = quiet_app(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"track")
        await pilot.pause()
        options = app.screen.query_one("#preset-list", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        shown = "\n".join(prompts)
        assert "8 x 400 m track repeats" in shown and "5 x 1000 m" in shown
        for name in ("Fartlek speed play", "Tempo 3 x 8 min", "Road mile repeats"):
            assert name not in shown


def test_a_full_name_typed_finds_its_preset(app_paths):
    """Names with brackets, slashes and dots ("30-30s (2 x 10 x 30/30)") typed in full."""
    catalog = load_catalog(app_paths)
    for preset in catalog.presets:
        assert preset.name in listed(catalog, preset.name), preset.name
    assert "Road mile repeats" in listed(catalog, "(road, mile...)")
