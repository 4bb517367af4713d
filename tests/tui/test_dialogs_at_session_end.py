"""Every dialog that can be open over a running session, against every way the session moves on.

A session ends (or changes step) on its own clock while the runner may be looking at a
question: the app must never be left on a finished run screen that no key leaves (issue 12,
bug 1). Each test opens the dialog, then lets the fake clock make the transition happen.
"""

from __future__ import annotations

import sqlite3

import pytest
from textual.command import CommandPalette

from speedtimer.config.paths import Paths
from speedtimer.formats.quick import parse_quick
from speedtimer.tui.modals.confirm import ConfirmScreen
from speedtimer.tui.screens.menu import MenuScreen
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from tests.helpers_app import quiet_app


@pytest.fixture
def app_paths(tmp_path) -> Paths:
    return Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


def run_screen_of(app) -> RunScreen:
    return next(s for s in app.screen_stack if isinstance(s, RunScreen))


async def advance(pilot, clock, seconds: float) -> None:
    """Time passes: the run screen wakes (under any dialog) as its own timer would wake it."""
    clock.advance(seconds)
    run_screen_of(pilot.app).tick()
    await pilot.pause()
    await pilot.pause()


def start(app_paths, clock, quick: str, get_ready_s: float = 1):
    return quiet_app(app_paths, clock, start_preset=parse_quick(quick), get_ready_s=get_ready_s)


def saved_sessions(app_paths) -> list[tuple]:
    with sqlite3.connect(app_paths.history_db) as db:
        return db.execute("SELECT status, rpe FROM sessions").fetchall()


@pytest.mark.parametrize("leave", ["escape", "ctrl+s"])
async def test_reported_case_end_question_open_when_the_session_runs_out(app_paths, clock, leave):
    """`speedtimer --get-ready 1 run --quick '0:06 work'`, q at 2 s, left unanswered."""
    app = start(app_paths, clock, "0:06 work")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await advance(pilot, clock, 2)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await advance(pilot, clock, 6)  # the step runs out with the question open
        assert isinstance(app.screen, SummaryScreen)
        assert not any(isinstance(s, (RunScreen, ConfirmScreen)) for s in app.screen_stack)
        await pilot.press(leave)
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)
        assert [type(s) for s in app.screen_stack] == [MenuScreen]
        # and the menu works: a session can start again
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
    assert saved_sessions(app_paths)[0] == ("completed", None)


async def test_answering_yes_after_the_step_changed_under_the_question(app_paths, clock):
    app = start(app_paths, clock, "0:06 work, 0:06 rest, 0:06 work", get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await advance(pilot, clock, 2)
        await pilot.press("q")
        await pilot.pause()
        await advance(pilot, clock, 6)  # work -> rest under the dialog
        run = run_screen_of(app)
        assert isinstance(app.screen, ConfirmScreen)
        assert run.current_phase() == "rest"
        assert "End this session" in app.screen.question  # the end question, still asking
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert "ended early" in str(app.screen.query_one("#summary-title").content)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)


async def test_answering_no_after_a_step_change_keeps_the_session_going(app_paths, clock):
    app = start(app_paths, clock, "0:06 work, 0:06 rest", get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        await advance(pilot, clock, 7)
        await pilot.press("n")
        await pilot.pause()
        run = run_screen_of(app)
        assert app.screen is run and run.current_phase() == "rest"
        await advance(pilot, clock, 6)
        assert isinstance(app.screen, SummaryScreen)


async def test_end_question_open_through_the_whole_get_ready(app_paths, clock):
    app = start(app_paths, clock, "0:04 work", get_ready_s=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        await advance(pilot, clock, 3.5)  # get-ready -> first step under the dialog
        assert isinstance(app.screen, ConfirmScreen)
        await advance(pilot, clock, 4)  # and the session ends
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)


async def test_command_palette_open_when_the_session_ends(app_paths, clock):
    app = start(app_paths, clock, "0:05 work", get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await advance(pilot, clock, 6)
        assert isinstance(app.screen, SummaryScreen)
        assert not any(isinstance(s, CommandPalette) for s in app.screen_stack)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)


async def test_end_question_and_palette_stacked_when_the_session_ends(app_paths, clock):
    app = start(app_paths, clock, "0:05 work", get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await advance(pilot, clock, 6)
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)


async def test_keys_in_a_burst_as_the_session_ends(app_paths, clock):
    """q, then the session ends, then y and escape arrive in one burst: the summary, then the
    menu; the stray y lands nowhere that matters."""
    app = start(app_paths, clock, "0:05 work", get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("q")
        clock.advance(6)
        run_screen_of(app).tick()
        await pilot.press("y", "escape")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)
    assert saved_sessions(app_paths)[0][0] == "completed"


async def test_history_is_not_offered_over_a_running_session(app_paths, clock):
    """The History command would put a screen (and its own dialogs) over the run screen,
    which the session's end closes: it is offered on the menu and the summary only."""
    app = start(app_paths, clock, "0:05 work", get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "History" not in titles and "Quit" in titles
        await advance(pilot, clock, 6)
        assert isinstance(app.screen, SummaryScreen)
        assert "History" in [c.title for c in app.get_system_commands(app.screen)]
        await pilot.press("escape")
        await pilot.pause()
        assert "History" in [c.title for c in app.get_system_commands(app.screen)]


@pytest.mark.parametrize(
    ("signal_status", "saved"), [("aborted", "aborted"), ("interrupted", "interrupted")]
)
async def test_a_signal_with_the_end_question_open(app_paths, clock, signal_status, saved):
    """SIGTERM / SIGHUP (app-level) while the question is open: the session ends as the
    signal says, the app closes, and the history has it with its finished step."""
    app = start(app_paths, clock, "0:05 work, 0:30 rest", get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await advance(pilot, clock, 6)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        app._on_signal(signal_status)
        await pilot.pause()
    assert app.return_code == 0
    assert [s[0] for s in saved_sessions(app_paths)] == [saved]


async def test_quit_with_the_end_question_open(app_paths, clock):
    """ctrl+q (the app's priority key) with the question open closes the app at once."""
    app = start(app_paths, clock, "0:05 work, 0:30 rest", get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
