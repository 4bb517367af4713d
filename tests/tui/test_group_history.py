"""Coach mode's history (issue 15.6), through the real app and a real SQLite file: one session
per athlete, linked by a group id, written as each step ends (a crash keeps finished reps),
each athlete's own split and target; a late assignment or an undo that reopens a rep saves
that row again, never twice; `history list --athlete`, JSON and CSV export carry it."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from speedtimer.cli.main import main
from speedtimer.config.paths import Paths
from speedtimer.config.settings import Settings
from speedtimer.formats.preset_toml import parse_preset
from speedtimer.formats.squad import squad_from_dict
from speedtimer.history.schema import SCHEMA_VERSION
from speedtimer.tui.app import make_app
from speedtimer.tui.screens import group_run
from tests.conftest import FakeClock, QuietAudio

PRESET = """
name = "3 x 400 m"
countdown = 3
[[steps]]
repeat = 3
skip_last_rest = true
[[steps.steps]]
kind = "work"
until = "lap"
distance_m = 400
target_pace = "5k"
[[steps.steps]]
kind = "rest"
duration = 90
"""


@pytest.fixture(autouse=True)
def no_real_key_lag(monkeypatch):
    monkeypatch.setattr(group_run, "key_lag", lambda t: 0.0)


def build(tmp_path, clock):
    squad = squad_from_dict(
        {
            "name": "Tuesday",
            "athletes": [
                {"name": "Ana", "race": "5k 19:57"},
                {"name": "Ben", "race": "5k 18:00"},
                {"name": "Cy"},
            ],
        }
    )
    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    app = make_app(
        paths,
        clock=clock,
        wall_clock=clock.wall,
        audio=QuietAudio(),
        settings=Settings(),
        record_history=True,
        get_ready_s=0,
        start_preset=parse_preset(PRESET),
        start_squad=squad,
    )
    return app, paths


def rows(paths: Paths, sql: str, *args):
    with sqlite3.connect(paths.history_db) as c:
        return c.execute(sql, args).fetchall()


def flush(screen):
    for recorder in screen.session.recorders.values():
        assert recorder.flush(5.0)


async def press(pilot, clock, wait, *keys):
    clock.advance(wait)
    await pilot.press(*keys)


async def test_one_session_per_athlete_written_as_it_goes(tmp_path):
    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        # rep 1: Ben, then a bunch of two (marks, assigned to Cy and Ana), all in
        await press(pilot, clock, 70.0, "2")
        await press(pilot, clock, 1.0, "enter", "enter")
        await press(pilot, clock, 1.0, "3", "1")
        assert screen.session.timer.current.kind == "rest"
        flush(screen)
        # written as it goes: every athlete has rep 1 while the session still runs
        got = rows(
            paths,
            "SELECT s.athlete, s.status, st.split_s, st.target_s, st.ended_how FROM sessions s"
            " JOIN steps st ON st.session_id = s.id WHERE st.kind = 'work' ORDER BY s.athlete",
        )
        assert got == [
            ("Ana", "in_progress", pytest.approx(71.0), pytest.approx(95.76, abs=0.1), "lap"),
            ("Ben", "in_progress", pytest.approx(70.0), pytest.approx(86.4, abs=0.1), "lap"),
            ("Cy", "in_progress", pytest.approx(71.0), None, "lap"),
        ]
        # undo of the last assignment reopens rep 1; Ana comes in later: her row is replaced
        await press(pilot, clock, 2.0, "u")
        assert screen.session.timer.current.kind == "work"
        await press(pilot, clock, 0.0, "u", "u")  # Cy's back in the queue, one mark dropped
        await press(pilot, clock, 0.0, "3")  # Cy takes the bunch's remaining mark
        await press(pilot, clock, 1.0, "1")  # Ana crosses a second later
        flush(screen)
        ana = rows(
            paths,
            "SELECT st.idx, st.split_s FROM sessions s JOIN steps st ON st.session_id = s.id"
            " WHERE s.athlete = 'Ana' AND st.kind = 'work'",
        )
        assert ana == [(0, pytest.approx(75.0))], "replaced, not counted twice"
        # rep 2: the coach ends it with Cy still out (DNF), then Cy stops for the day
        clock.advance(90)
        screen.tick()
        await press(pilot, clock, 72.0, "1", "2")
        await press(pilot, clock, 3.0, "n")
        await press(pilot, clock, 1.0, "x", "3")
        clock.advance(90)
        screen.tick()
        await press(pilot, clock, 73.0, "1", "2")  # rep 3: Cy is out, two of two in
        await pilot.pause()
        flush(screen)
    sessions = rows(
        paths, "SELECT athlete, squad, group_id, status, reps_done FROM sessions ORDER BY athlete"
    )
    assert [s[0] for s in sessions] == ["Ana", "Ben", "Cy"]
    assert len({s[2] for s in sessions}) == 1 and sessions[0][2]
    assert {s[1] for s in sessions} == {"Tuesday"}
    assert [s[3] for s in sessions] == ["completed"] * 3
    assert [s[4] for s in sessions] == [3, 3, 1]
    cy = rows(
        paths,
        "SELECT st.kind, st.ended_how FROM sessions s JOIN steps st ON st.session_id = s.id"
        " WHERE s.athlete = 'Cy' ORDER BY st.idx",
    )
    assert cy == [("work", "lap"), ("rest", "time"), ("work", "skipped")], "no rows once out"
    assert rows(paths, "PRAGMA user_version")[0][0] == SCHEMA_VERSION == 7

    # the command line: history list --athlete, JSON and CSV export
    env = ["--data-dir", str(paths.data_dir), "--config-dir", str(paths.config_dir)]
    assert main([*env, "history", "list", "--athlete", "ben"]) == 0
    assert main([*env, "history", "list", "--athlete", "Nobody"]) == 0
    out = tmp_path / "all.json"
    assert main([*env, "history", "export", "--output", str(out)]) == 0
    exported = json.loads(out.read_text())["sessions"]
    assert sorted(s["athlete"] for s in exported) == ["Ana", "Ben", "Cy"]
    assert {s["group_id"] for s in exported} == {sessions[0][2]}
    out = tmp_path / "all.csv"
    assert main([*env, "history", "export", "--format", "csv", "--output", str(out)]) == 0
    table = list(csv.DictReader(io.StringIO(out.read_text())))
    assert sorted(r["athlete"] for r in table) == ["Ana", "Ben", "Cy"]
    assert {r["group_id"] for r in table} == {sessions[0][2]}


async def test_list_by_athlete_prints_only_theirs(tmp_path, capsys):
    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await press(pilot, clock, 70.0, "1", "2", "3")
        flush(app.screen)
    env = ["--data-dir", str(paths.data_dir), "--config-dir", str(paths.config_dir)]
    capsys.readouterr()
    assert main([*env, "history", "list", "--athlete", "ana"]) == 0
    shown = capsys.readouterr().out
    assert shown.count("3 x 400 m") == 1
    assert main([*env, "history", "list", "--athlete", "Nobody"]) == 0
    assert "No sessions match." in capsys.readouterr().out


async def test_export_group_as_the_athletes_by_reps_table(tmp_path, capsys):
    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        await press(pilot, clock, 70.0, "2")
        await press(pilot, clock, 1.5, "1")
        await press(pilot, clock, 2.0, "n")  # Cy did not finish
        clock.advance(90)
        screen.tick()
        await press(pilot, clock, 72.0, "1", "2")
        await press(pilot, clock, 1.0, "3")
        flush(screen)
        group_id = screen.session.group_id
    env = ["--data-dir", str(paths.data_dir), "--config-dir", str(paths.config_dir)]
    for group in (group_id, "last"):
        capsys.readouterr()
        assert main([*env, "history", "export", "--group", group, "--format", "csv"]) == 0
        table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
        assert table[0] == [
            "athlete", "rep1_s", "rep1_delta_s", "rep2_s", "rep2_delta_s",
            "avg_s", "best_s", "worst_s", "fade_s",
        ]  # fmt: skip
        assert table[1] == [
            "Ana",
            "71.5",
            "-24.26",
            "72.0",
            "-23.76",
            "71.75",
            "71.5",
            "72.0",
            "0.5",
        ]
        assert table[2][:5] == ["Ben", "70.0", "-16.4", "72.0", "-14.4"]
        assert table[3] == ["Cy", "DNF", "", "73.0", "", "73.0", "73.0", "73.0", ""]
        assert table[4][:5] == ["median", "70.75", "", "72.0", ""]
    assert main([*env, "history", "export", "--group", group_id]) == 1
    assert "add --format csv" in capsys.readouterr().err
    assert main([*env, "history", "export", "--group", "nope", "--format", "csv"]) == 1
    assert "no group run 'nope'" in capsys.readouterr().err


async def test_each_athletes_target_range_is_their_own(tmp_path):
    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    app.start_preset = parse_preset(PRESET.replace('target_pace = "5k"', 'target_pace = "E"'))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await press(pilot, clock, 110.0, "1", "2", "3")
        flush(app.screen)
    got = dict(
        (a, (lo, hi))
        for a, lo, hi in rows(
            paths,
            "SELECT s.athlete, st.target_lo_s, st.target_hi_s FROM sessions s"
            " JOIN steps st ON st.session_id = s.id WHERE st.kind = 'work'",
        )
    )
    assert got["Cy"] == (None, None), "no race: no target"
    (ana_lo, ana_hi), (ben_lo, ben_hi) = got["Ana"], got["Ben"]
    assert ana_lo < ana_hi and ben_lo < ben_hi and ben_hi < ana_hi, "E pace from each one's race"


async def test_the_history_screen_filter_finds_an_athlete_or_a_squad(tmp_path):
    from tests.tui.test_history_screen import open_history, settle, table_rows

    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await press(pilot, clock, 70.0, "1", "2", "3")
        flush(app.screen)
        await press(pilot, clock, 1.0, "q", "y")  # end the session; the summary
        await pilot.pause()
        await press(pilot, clock, 1.0, "escape")
        await pilot.pause()
        screen = await open_history(pilot)
        await settle(pilot)
        assert len(table_rows(screen)) == 3, "one session per athlete"
        await pilot.press("slash", *"BEN")
        await settle(pilot)
        assert len(table_rows(screen)) == 1
        assert "3 x 400 m · Ben" in table_rows(screen)[0], "whose session it is"
        await pilot.press("backspace", "backspace", "backspace", *"tues")
        await settle(pilot)
        assert len(table_rows(screen)) == 3


async def test_rpe_and_note_per_athlete_from_the_group_summary(tmp_path):
    from speedtimer.tui.modals.text_prompt import TextPrompt
    from speedtimer.tui.screens.group_summary import GroupSummaryScreen

    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await press(pilot, clock, 70.0, "1", "2", "3")
        await press(pilot, clock, 1.0, "q", "y")
        await pilot.pause()
        assert isinstance(app.screen, GroupSummaryScreen)
        summary = app.screen
        await pilot.press("enter", "f")  # the burst of the last finish: taken by nothing
        await pilot.pause()
        assert app.screen is summary
        clock.advance(1.0)
        await pilot.press("f", *"7 strong last rep", "enter")  # Ana
        await pilot.pause()
        await pilot.press("enter")  # Ben: skipped
        await pilot.pause()
        await pilot.press(*"11", "enter")  # Cy: refused, said why
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        assert "1 (very easy) to 10" in str(app.screen.query_one("#prompt-problem").render())
        await pilot.press("backspace", "backspace", *"4 easy", "enter")
        await pilot.pause()
        assert app.screen is summary
        shown = str(summary.query_one("#group-feedback").render())
        assert "Ana: 7 strong last rep" in shown and "Cy: 4 easy" in shown
        flush(summary)
    got = rows(paths, "SELECT athlete, rpe, note FROM sessions ORDER BY athlete")
    assert got == [("Ana", 7, "strong last rep"), ("Ben", None, ""), ("Cy", 4, "easy")]


def test_feedback_reads_rpe_then_note():
    from speedtimer.tui.screens.group_summary import parse_feedback

    assert parse_feedback("7 felt good") == ((7, "felt good"), "")
    assert parse_feedback("felt good") == ((None, "felt good"), "")
    assert parse_feedback("10") == ((10, ""), "")
    assert parse_feedback("0 x")[0] is None and parse_feedback("12")[0] is None
    assert parse_feedback("x" * 600)[0] is None


async def test_a_group_session_opens_as_athletes_by_reps_from_the_history(tmp_path):
    from speedtimer.tui.modals.group_table import GroupTableScreen
    from speedtimer.tui.screens.history_detail import HistoryDetailScreen
    from tests.helpers_app import screen_text
    from tests.tui.test_history_screen import open_history, settle

    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await press(pilot, clock, 70.0, "2")
        await press(pilot, clock, 1.0, "1")
        await press(pilot, clock, 1.0, "3")
        flush(app.screen)
        await press(pilot, clock, 1.0, "q", "y")
        await pilot.pause()
        await press(pilot, clock, 1.0, "escape")
        await pilot.pause()
        await open_history(pilot)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, HistoryDetailScreen)
        assert " · " in str(detail.query_one("#detail-title").render()), "whose session"
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, GroupTableScreen)
        shown = screen_text(app)
        for name, time in (("Ana", "1:11.0"), ("Ben", "1:10.0"), ("Cy", "1:12.0")):
            assert name in shown and time in shown, shown
        assert "Tuesday: 3 athletes" in str(app.screen.query_one("#group-history-title").render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is detail


async def test_the_runners_own_trends_leave_the_athletes_sessions_out(tmp_path):
    from datetime import timedelta

    from speedtimer.history.store import HistoryStore

    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await press(pilot, clock, 70.0, "1", "2", "3")
        flush(app.screen)
        await press(pilot, clock, 1.0, "q", "y")
        await pilot.pause()
        flush(app.screen)
    with HistoryStore.open(paths.history_db) as store:
        assert store.count_sessions() == 3
        now = clock.wall() + timedelta(hours=1)
        assert sum(w.sessions for w in store.weekly_trends(now=now)) == 0, "the coach ran none"
        assert store.target_deltas(now=now) == []
        assert store.preset_split_stats("3 x 400 m").best_avg_split is None


async def test_the_trends_follow_the_highlighted_athlete(tmp_path):
    from tests.tui.test_history_screen import open_history, settle

    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await press(pilot, clock, 70.0, "1", "2", "3")
        flush(app.screen)
        await press(pilot, clock, 1.0, "q", "y")
        await pilot.pause()
        await press(pilot, clock, 1.0, "escape")
        await pilot.pause()
        screen = await open_history(pilot)
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        title = str(screen.query_one("#trends-title").render())
        athlete = screen.highlighted().athlete
        assert athlete and f"Trends · {athlete}" in title, title
        week = screen.query_one("#trends-sessions-stats").render()
        assert "this week 1" in str(week), "that athlete's one session"
