"""The history screen's session detail: export a FIT or TCX activity, attach a watch's heart
rate, and see it per step (issue 16), through the real app under Pilot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from garmin_fit_sdk import Decoder, Stream
from textual.widgets import DataTable, Input

from speedtimer.config.paths import Paths
from speedtimer.history.store import HistoryStore
from speedtimer.tui.screens.history_detail import HistoryDetailScreen
from tests.history.test_activity_export import make_watch_fit
from tests.tui.test_history_screen import SIZE, build, fill, open_history, settle, text


@pytest.fixture
def hpaths(tmp_path) -> Paths:
    return Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


@pytest.fixture
def history(hpaths) -> dict[str, int]:
    with HistoryStore.open(hpaths.history_db) as store:
        return fill(store)


async def _open_detail(pilot) -> HistoryDetailScreen:
    await open_history(pilot)
    await pilot.press("enter")
    await settle(pilot)
    detail = pilot.app.screen
    assert isinstance(detail, HistoryDetailScreen)
    return detail


def _notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_export_writes_a_fit_and_a_tcx_file_and_never_over_the_first(hpaths, history):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        detail = await _open_detail(pilot)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("f")
        await settle(pilot)
        (fit,) = sorted(hpaths.exports_dir.glob("*.fit"))
        messages, errors = Decoder(Stream.from_file(str(fit))).read()
        assert errors == [] and len(messages["lap_mesgs"]) == len(detail.detail.steps)
        assert any(f"Exported to {fit}" in n for n in _notes(app))

        await pilot.press("x")
        await pilot.pause()
        await pilot.press("f")
        await settle(pilot)
        assert len(list(hpaths.exports_dir.glob("*.fit"))) == 2  # a second name, not over it
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("t")
        await settle(pilot)
        (tcx,) = hpaths.exports_dir.glob("*.tcx")
        assert "<TrainingCenterDatabase" in tcx.read_text()
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("escape")  # cancel writes nothing
        await settle(pilot)
        assert len(list(hpaths.exports_dir.iterdir())) == 3


async def test_attach_a_watch_file_shows_heart_rate_per_step_and_refuses_the_wrong_one(
    hpaths, history, tmp_path
):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        detail = await _open_detail(pilot)
        assert "h: attach" in text(detail, "#detail-hr")
        steps = detail.detail.steps
        start = steps[0].started_at

        wrong = make_watch_fit(tmp_path / "old.fit", start - timedelta(days=2), 600)
        await pilot.press("h")
        await pilot.pause()
        pilot.app.screen.query_one(Input).value = str(wrong)
        await pilot.press("enter")
        await settle(pilot)
        assert any("does not overlap the session" in n for n in _notes(app))
        with HistoryStore.open(hpaths.history_db) as store:
            assert store.heart_rate(detail.detail.id) is None

        seconds = int((steps[-1].ended_at - start).total_seconds()) + 60
        watch = make_watch_fit(tmp_path / "watch.fit", start, seconds, bpm=lambda i: 140)
        await pilot.press("h")
        await pilot.pause()
        pilot.app.screen.query_one(Input).value = str(watch)
        await pilot.press("enter")
        await settle(pilot)
        assert (
            text(detail, "#detail-hr") == "Heart rate: from watch.fit · average 140 · max 140 bpm"
        )
        table = detail.query_one("#detail-steps", DataTable)
        first = [str(c) for c in table.get_row_at(0)]
        assert first[-1] == "140/140"
        assert any("covers" in n for n in _notes(app))
        with HistoryStore.open(hpaths.history_db) as store:
            assert store.heart_rate(detail.detail.id).per_step[0].avg_bpm == 140
