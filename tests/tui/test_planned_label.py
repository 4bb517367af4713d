"""The history detail says a session's plan as the summary said it (issue 12, bug 10, the same
class): lap steps counted at their target pace make it an estimate (`~`), and lap steps with
no pace are named as left out, rather than a bare time that reads as exact and complete."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from speedtimer.config.paths import Paths
from speedtimer.formats.quick import parse_quick
from speedtimer.history.rows import SessionDetail
from speedtimer.history.store import HistoryStore
from speedtimer.tui.screens.history_detail import HistoryDetailScreen, planned_label
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from tests.helpers_app import preset_paths, quiet_app, start_preset

PRESET = """
name = "Planned label"
tags = ["plannedonly"]
countdown = 0

[[steps]]
kind = "work"
duration = 20

[[steps]]
kind = "work"
until = "lap"
distance_m = 400
target_pace = "3:45/km"

[[steps]]
kind = "cooldown"
until = "lap"
distance_m = 1000
"""
LABEL = "~1:50 + 1 x 1 km"  # 20 s timed, 400 m at 3:45/km = 1:30 estimated, 1 km left out


async def at(pilot, clock, seconds: float, *keys: str) -> None:
    run = next(s for s in pilot.app.screen_stack if isinstance(s, RunScreen))
    clock.now = clock._start + seconds
    run.tick()
    await pilot.pause()
    if keys:
        await pilot.press(*keys)
        await pilot.pause()


def summary_totals(app) -> str:
    assert isinstance(app.screen, SummaryScreen)
    return str(app.screen.query_one("#summary-totals", Static).content)


async def detail_totals(paths: Paths, clock) -> str:
    with HistoryStore.open(paths.history_db) as store:
        [s] = store.list_sessions(limit=5)
        detail = store.get_session(s.id)
        app = quiet_app(paths, clock, record_history=False)
        async with app.run_test(size=(120, 40)) as pilot:
            app.push_screen(HistoryDetailScreen(detail, store))
            await pilot.pause()
            await pilot.pause()
            return str(app.screen.query_one("#detail-totals", Static).content)


@pytest.mark.parametrize("ended", ["completed", "ended early"])
async def test_a_preset_run_says_the_same_plan_in_the_summary_and_the_detail(
    tmp_path, clock, ended
):
    paths = preset_paths(tmp_path, PRESET)
    app = quiet_app(paths, clock, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_preset(app, pilot, "plannedonly")
        if ended == "completed":
            await at(pilot, clock, 110, "l")  # the 400 m in 1:30
            await at(pilot, clock, 400, "l")  # the cool-down
        else:
            await at(pilot, clock, 30, "q", "y")
        summary = summary_totals(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert f"Planned {LABEL}" in summary
    assert f"Planned {LABEL} · " in await detail_totals(paths, clock)


async def test_a_quick_session_run_to_the_end_says_it_from_its_steps(tmp_path, clock):
    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    quick = parse_quick("0:20 work, 400m @3:45/km, 1km cooldown")
    app = quiet_app(paths, clock, start_preset=quick, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await at(pilot, clock, 110, "l")
        await at(pilot, clock, 400, "l")
        summary = summary_totals(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert f"Planned {LABEL}" in summary
    assert f"Planned {LABEL} · " in await detail_totals(paths, clock)


def detail(planned: float | None, toml: str, status: str = "aborted") -> SessionDetail:
    from datetime import UTC, datetime

    start = datetime(2026, 1, 1, tzinfo=UTC)
    return SessionDetail(
        id=1, uuid="u", preset_name="x", started_at=start, utc_offset_min=0, ended_at=start,
        status=status, planned_s=planned, active_s=1, work_s=1, reps_done=0, reps_planned=1,
        paused_s=0, rpe=None, note="", preset_toml=toml,
    )  # fmt: skip


@pytest.mark.parametrize(
    "planned, toml, shown",
    [
        (110, PRESET, LABEL),
        (999, PRESET, "16:39"),  # the stored plan is not this file's: the stored time stands
        (110, "not = [toml", "1:50"),  # an imported session's text may be anything
        (110, 'name = "x"\n[[steps]]\nkind = "work"\nduration = -5\n', "1:50"),
        (110, "", "1:50"),
        (float("nan"), PRESET, "--:--"),
    ],
)
def test_the_label_only_when_it_adds_up_to_the_stored_plan(planned, toml, shown):
    assert planned_label(detail(planned, toml)) == shown
