"""Long runs: nothing may grow while a session runs for hours, and every step must be saved.

* A 2-hour preset through the real app shell (Pilot) on a fake clock that jumps to each of the
  run screen's wake-ups, as the real clock would bring them, and lets the screen draw: widgets,
  live Textual timers, asyncio tasks, threads and traced memory are counted near the start and
  near the end and must stay flat.
* The real app in tmux on the real clock (benchmarks/soak.py): its RSS at the start and at the
  end, and every step in the history. CI runs 20 s of it; the 10-minute run is marked `slow`
  and is what `python -m benchmarks --soak` runs (or `./test -m slow`).
"""

from __future__ import annotations

import asyncio
import gc
import shutil
import sqlite3
import threading
import tracemalloc

import pytest

from benchmarks.soak import soak_in_tmux
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from tests.helpers_app import preset_paths, quiet_app, start_preset
from tests.reliability import tried

TWO_HOURS = """
name = "Two hour soak"
tags = ["soakonly"]
[[steps]]
kind = "warmup"
duration = "10:00"
[[steps]]
repeat = 50
  [[steps.steps]]
  kind = "work"
  duration = 60
  label = "Hard"
  [[steps.steps]]
  kind = "rest"
  duration = 60
  label = "Easy"
[[steps]]
kind = "cooldown"
duration = "10:00"
"""
TWO_HOUR_STEPS = 102
DRAW_EVERY = 60  # wake-ups between frames: a frame about every minute of session time


def live_timers(app) -> int:
    nodes = [app, *app.screen_stack]
    for screen in app.screen_stack:
        nodes += list(screen.walk_children())
    return sum(
        1
        for node in nodes
        for t in list(node._timers)
        if t._task is not None and not t._task.done()
    )


def counts(app) -> dict[str, int]:
    gc.collect()
    return {
        "widgets": len(list(app.screen.walk_children())),
        "timers": live_timers(app),
        "tasks": len(asyncio.all_tasks()),
        "threads": threading.active_count(),
        "traced_kb": tracemalloc.get_traced_memory()[0] // 1024,  # allocated since minute 10
    }


@tried(
    "Soak",
    "a 2-hour preset (102 steps) through the real app shell (Pilot), a fake clock jumping to "
    "each of the screen's ~7,600 wake-ups",
    "widgets, live timers, asyncio tasks and threads the same at minute 10 and minute 110, "
    "under 1 MB allocated and kept in between (tracemalloc); every step in the history",
)
async def test_two_hour_session_through_the_app_stays_flat(tmp_path, clock):
    paths = preset_paths(tmp_path, TWO_HOURS)
    app = quiet_app(paths, clock, get_ready_s=0)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await start_preset(app, pilot, "soakonly")
            start = clock.now
            marks: dict[int, dict[str, int]] = {}
            wakes = 0
            while isinstance(app.screen, RunScreen):
                at = screen.session.next_wake()
                assert at is not None and at > clock.now - 1e-9
                clock.now = at
                screen.tick()
                wakes += 1
                if wakes % DRAW_EVERY == 0:
                    await pilot.pause()
                minute = int((clock.now - start) // 60)
                if minute in (10, 60, 110) and minute not in marks:
                    await pilot.pause()
                    if minute == 10:  # warmed up: from here on, what is allocated and kept
                        tracemalloc.start()
                    marks[minute] = counts(app)
            await pilot.pause()
            assert isinstance(app.screen, SummaryScreen)
            assert "Session complete" in str(app.screen.query_one("#summary-title").content)
            await pilot.press("escape")
            await pilot.pause()
    finally:
        tracemalloc.stop()
    early, late = marks[10], marks[110]
    print(f"\n2-hour Pilot soak: {wakes} wake-ups; minute 10 {early}; 60 {marks[60]}; 110 {late}")
    for key in ("widgets", "timers", "tasks", "threads"):
        assert late[key] <= early[key], (key, early, late)
    assert late["traced_kb"] < 1024, (early, late)  # kept from minute 10 to 110
    assert late["traced_kb"] - marks[60]["traced_kb"] < 512, (marks[60], late)
    assert wakes > 7200
    with sqlite3.connect(paths.history_db) as db:
        assert db.execute("SELECT status FROM sessions").fetchall() == [("completed",)]
        kinds = db.execute("SELECT kind, ended_how, actual_s FROM steps ORDER BY idx").fetchall()
    assert len(kinds) == TWO_HOUR_STEPS
    assert all(how == "time" for _, how, _ in kinds)
    assert sum(actual for *_, actual in kinds) == pytest.approx(7200)


needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def check_soak(result: dict, capsys) -> None:
    with capsys.disabled():
        print(f"\n{result['summary']}")
    assert result["status"] == "completed"
    assert result["steps_recorded"] == result["steps_planned"]
    assert result["notices_on_screen"] == []
    # Flat: a few MB of slack for the allocator, far below what a leak per second would add.
    assert result["rss_end_mb"] - result["rss_start_mb"] < max(8.0, 0.15 * result["rss_start_mb"])


@tried(
    "Soak",
    "20 s of real time in tmux, the real app and sound helper (CI's short soak)",
    "RSS at the start and end printed and flat within a few MB; every step in the history",
)
@needs_tmux
def test_real_time_soak_short(tmp_path, capsys):
    check_soak(soak_in_tmux(tmp_path, seconds=20), capsys)


@tried(
    "Soak",
    "10 minutes of real time in tmux, the real app and sound helper (`python -m benchmarks "
    "--soak`, marked slow)",
    "RSS at the start and end printed and flat within a few MB; every step in the history",
)
@needs_tmux
@pytest.mark.slow
def test_real_time_soak_10_minutes(tmp_path, capsys):
    check_soak(soak_in_tmux(tmp_path, seconds=600), capsys)


@tried(
    "Soak",
    "40 pauses and resumes in one session (Pilot): the footer rebuilds its keys each time",
    "the keys it drops are freed: as many FooterKey objects alive after 40 as after 10",
)
async def test_many_pauses_leave_no_dead_footer_keys(tmp_path, clock):
    from textual.widgets._footer import FooterKey

    paths = preset_paths(tmp_path, TWO_HOURS)
    app = quiet_app(paths, clock, get_ready_s=0)

    def alive_keys() -> int:
        gc.collect()
        return sum(isinstance(o, FooterKey) for o in gc.get_objects())

    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_preset(app, pilot, "soakonly")
        alive = {}
        for n in range(1, 41):
            screen.action_pause() if n % 2 else screen.action_resume()
            clock.advance(1)
            await pilot.pause()
            if n in (10, 40):
                alive[n] = alive_keys()
        assert screen.session.timer.state.name == "RUNNING"
    assert alive[40] <= alive[10], alive
