"""RPE and notes per athlete from the group summary (issue 15.5) when the coach types fast:
every key of the answers posted at once, as a terminal read delivers a burst, while the
questions follow one another. Each answer must go to its own athlete, none lost, none taken by
the summary behind the prompts (its f, escape)."""

from __future__ import annotations

from speedtimer.tui.modals.text_prompt import TextPrompt
from speedtimer.tui.screens.group_summary import GroupSummaryScreen
from tests.conftest import FakeClock
from tests.tui.test_group_history import build, flush, no_real_key_lag, press, rows
from tests.tui.test_key_bursts import burst, wait_until

__all__ = ["no_real_key_lag"]  # the fixture


async def summary_of_a_session(pilot, app, clock) -> GroupSummaryScreen:
    await pilot.pause()
    await press(pilot, clock, 70.0, "1", "2", "3")
    await press(pilot, clock, 1.0, "q", "y")
    await pilot.pause()
    assert isinstance(app.screen, GroupSummaryScreen)
    clock.advance(1.0)  # past the summary's guard against the last finish's burst
    return app.screen


async def test_answers_typed_in_one_burst_go_to_each_athlete_in_turn(tmp_path):
    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        summary = await summary_of_a_session(pilot, app, clock)
        # Ana "7 felt fine", Ben skipped, Cy "4 f easy" (an f and an escape-free note)
        await burst(pilot, "f", "7 felt fine", "enter", "enter", "4 f easy", "enter")
        await wait_until(pilot, lambda: app.screen is summary)
        shown = str(summary.query_one("#group-feedback").render())
        assert "Ana: 7 felt fine" in shown and "Cy: 4 f easy" in shown and "Ben" not in shown
        flush(summary)
    got = rows(paths, "SELECT athlete, rpe, note FROM sessions ORDER BY athlete")
    assert got == [("Ana", 7, "felt fine"), ("Ben", None, ""), ("Cy", 4, "f easy")]


async def test_escape_in_a_burst_stops_the_questions_and_keeps_the_answers_before_it(tmp_path):
    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        summary = await summary_of_a_session(pilot, app, clock)
        await burst(pilot, "f", "8", "enter", "escape")
        await wait_until(pilot, lambda: app.screen is summary)
        assert not isinstance(app.screen, TextPrompt)
        assert "Ana: 8" in str(summary.query_one("#group-feedback").render())
        flush(summary)
    got = rows(paths, "SELECT athlete, rpe, note FROM sessions ORDER BY athlete")
    assert got == [("Ana", 8, ""), ("Ben", None, ""), ("Cy", None, "")]
