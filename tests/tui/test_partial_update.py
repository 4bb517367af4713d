"""The partial screen update (textual_patches.partial_update): the same bytes reach the terminal
as with Textual's own update, from fewer widgets rendered, on the real group and solo run
screens as the clock runs, with marks, a notice over the screen and a resize."""

from __future__ import annotations

import pytest
from textual.widget import Widget

from speedtimer.tui.textual_patches import degrade, partial_update
from tests.conftest import FakeClock
from tests.tui.test_group_run import _keys, build


class Checked:
    """Every partial update the app draws, drawn twice from the same changed places: by the
    patch (what the app gets) and by Textual's own method; the bytes for the terminal of each
    and how many widgets each rendered."""

    def __init__(self, app, rendered: list[str]) -> None:
        self.app, self.rendered = app, rendered
        self.updates: list[tuple[str, str, int, int]] = []
        checked = self

        def draw(compositor):  # a function, so that it binds as the compositor's method
            return checked.draw_with(compositor)

        self.draw = draw

    def draw_with(self, compositor):
        places = set(compositor._dirty_regions)
        self.rendered.clear()
        ours = partial_update.render_partial_update(compositor)
        n_ours = len(self.rendered)
        self.rendered.clear()
        compositor._dirty_regions = set(places)
        theirs = partial_update.TEXTUALS_OWN(compositor)
        n_theirs = len(self.rendered)
        assert compositor._dirty_regions == set()
        if ours is None or theirs is None:
            assert ours is None and theirs is None
            return None
        console = self.app.console
        self.updates.append(
            (ours.render_segments(console), theirs.render_segments(console), n_ours, n_theirs)
        )
        return ours


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    names: list[str] = []
    render_lines = Widget.render_lines

    def counted(self, crop):
        names.append(f"{type(self).__name__}#{self.id}")
        return render_lines(self, crop)

    monkeypatch.setattr(Widget, "render_lines", counted)
    return names


async def test_group_screen_updates_write_the_same_bytes_from_fewer_widgets(
    tmp_path, rendered, monkeypatch
):
    from textual._compositor import Compositor

    assert partial_update.install() is True  # in place on the pinned Textual
    clock = FakeClock()
    app = build(tmp_path, 12, clock)
    checked = Checked(app, rendered)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        monkeypatch.setattr(Compositor, "render_partial_update", checked.draw)
        screen = app.screen
        for second in range(12):
            clock.advance(1.0)
            if second == 3:
                await _keys(pilot, clock, (0.2, "1"), (0.3, "enter"))
            if second == 6:
                app.notify("A notice over the run screen", timeout=30)
            if second == 9:
                await pilot.resize_terminal(80, 24)
            await pilot.pause()
            screen.refresh_display()
            await pilot.pause()
    assert len(checked.updates) >= 6  # most seconds are partial updates (a resize is not)
    for n, (ours, theirs, _, _) in enumerate(checked.updates):
        assert ours == theirs, n
    # Each second: the clock, the totals and the running times, not the whole screen.
    counts = [(n_ours, n_theirs) for _, _, n_ours, n_theirs in checked.updates]
    assert all(ours <= theirs for ours, theirs in counts), counts
    assert min(ours for ours, _ in counts) <= 8, counts
    assert sum(ours for ours, _ in counts) < 0.6 * sum(theirs for _, theirs in counts), counts


async def test_solo_screen_updates_write_the_same_bytes(tmp_path, rendered, monkeypatch):
    from textual._compositor import Compositor

    from speedtimer.config.paths import Paths
    from speedtimer.config.settings import Settings
    from speedtimer.formats.preset_toml import parse_preset
    from tests.helpers_app import quiet_app

    clock = FakeClock()
    preset = parse_preset(
        'name = "Solo"\n[[steps]]\nkind = "work"\nduration = 600\ntarget_pace = "4:00"\n'
        'distance_m = 2000\n[[steps]]\nkind = "rest"\nduration = 60\n'
    )
    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    app = quiet_app(
        paths, clock, settings=Settings(), record_history=False, get_ready_s=0, start_preset=preset
    )
    checked = Checked(app, rendered)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        monkeypatch.setattr(Compositor, "render_partial_update", checked.draw)
        for second in range(8):
            clock.advance(1.0 if second != 4 else 55.5)  # into the rest, a new colour
            app.screen.refresh_display()
            await pilot.pause()
    assert len(checked.updates) >= 4  # most seconds are partial updates
    for n, (ours, theirs, n_ours, n_theirs) in enumerate(checked.updates):
        assert ours == theirs, n
        assert n_ours <= n_theirs


def test_steps_aside_when_the_compositor_changed(monkeypatch, caplog):
    import logging

    from textual._compositor import Compositor

    caplog.set_level(logging.WARNING)
    degrade._said.discard("partial_update")
    monkeypatch.setattr(Compositor, "render_partial_update", partial_update.TEXTUALS_OWN)
    monkeypatch.delattr(Compositor, "_regions_to_spans")
    assert partial_update.install() is False
    assert Compositor.__dict__["render_partial_update"] is partial_update.TEXTUALS_OWN
    lines = [r.getMessage() for r in caplog.records if r.name == "speedtimer.textual_patches"]
    assert len(lines) == 1 and "'partial_update' is off" in lines[0], lines
    assert "_regions_to_spans" in lines[0]
