"""Coach mode in the real app (Pilot): athlete keys, bunch marks, undo, out, end of rep, the
key event's own time, the group summary; snapshots of the group run screen at 100x30 (8
athletes) and 80x24 (12, compact), and of the group summary."""

from __future__ import annotations

import re

import pytest
from textual import events

from speedtimer.config.paths import Paths
from speedtimer.config.settings import Settings
from speedtimer.core.group import RepStatus
from speedtimer.formats.preset_toml import parse_preset
from speedtimer.formats.squad import squad_from_dict
from speedtimer.tui.app import make_app
from speedtimer.tui.screens import group_run
from speedtimer.tui.screens.group_run import GroupRunScreen, trend_text
from speedtimer.tui.screens.group_summary import GroupSummaryScreen
from tests.conftest import FakeClock, QuietAudio

PRESET = """
name = "6 x 400 m"
countdown = 3
[[steps]]
repeat = 6
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
NAMES = ["Ana", "Ben", "Cy", "Dee", "Eve", "Finn", "Gus", "Hal", "Ivy", "Jo", "Kai", "Lu"]
RACES = ["5k 19:57", "5k 18:30", "5k 21:00", "", "10k 40:00", "5k 22:10", "5k 17:50",
         "half 1:31:35", "5k 20:00", "5k 20:30", "5k 19:00", "5k 23:00"]  # fmt: skip


@pytest.fixture(autouse=True)
def no_real_key_lag(request, monkeypatch):
    """The fake clock stands still while Pilot delivers a key: the real lag (a fraction of a
    millisecond) would make times like 1:09.9/1:10.0 flicker. One test measures it."""
    if "real_lag" not in request.keywords:
        monkeypatch.setattr(group_run, "key_lag", lambda t: 0.0)


def squad(n: int):
    return squad_from_dict(
        {
            "name": "Tuesday",
            "athletes": [
                {"name": a, **({"race": r} if r else {})}
                for a, r in zip(NAMES[:n], RACES[:n], strict=True)
            ],
        }
    )


def build(tmp_path, n: int, clock: FakeClock):
    return make_app(
        Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data"),
        clock=clock,
        wall_clock=clock.wall,
        audio=QuietAudio(),
        settings=Settings(),
        record_history=False,
        get_ready_s=0,
        start_preset=parse_preset(PRESET),
        start_squad=squad(n),
    )


async def _keys(pilot, clock, *steps):
    """(seconds to wait, keys...) pairs: the coach's fingers at the finish line."""
    for wait, *keys in steps:
        clock.advance(wait)
        await pilot.press(*keys)


async def test_keys_marks_bunch_undo_and_all_in(tmp_path):
    clock = FakeClock()
    app = build(tmp_path, 3, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GroupRunScreen)
        group = screen.session.group
        await _keys(pilot, clock, (71.0, "2"), (0.5, "enter"), (0.0, "l"))
        assert [round(m.offset_s, 1) for m in group.queue] == [71.5, 71.5]
        assert "Unassigned: 1:11.5  1:11.5" in str(screen.query_one("#queue").render())
        await _keys(pilot, clock, (0.0, "x"))  # out asked for while marks wait: said first
        assert "Out: press the key" in str(screen.query_one("#queue").render())
        await _keys(pilot, clock, (0.0, "escape"))  # changed mind: the marks are shown again
        assert "Unassigned: 1:11.5  1:11.5" in str(screen.query_one("#queue").render())
        await _keys(pilot, clock, (2.0, "1"))  # the oldest waiting mark goes to Ana
        assert group.rep("Ana", 0).time_s == pytest.approx(71.5, abs=0.01)
        await _keys(pilot, clock, (0.5, "u"))  # wrong: back to the queue, time kept
        assert group.rep("Ana", 0).status is RepStatus.RUNNING and len(group.queue) == 2
        await _keys(pilot, clock, (0.5, "3"), (0.5, "1"))  # Cy had the first, Ana the second
        assert screen.session.timer.current.kind == "rest", "all three in: the rep ended"
        assert group.rep("Cy", 0).time_s == pytest.approx(71.5, abs=0.01)
        assert group.rep("Ben", 0).time_s == pytest.approx(71.0, abs=0.01)
        await _keys(pilot, clock, (0.5, "backspace"))  # undo of the last in reopens the rep
        assert screen.session.timer.current_index == 0


async def test_end_early_out_and_summary(tmp_path):
    clock = FakeClock()
    app = build(tmp_path, 3, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        group = screen.session.group
        await _keys(pilot, clock, (70.0, "1"), (5.0, "n"))
        assert group.rep("Ben", 0).status is RepStatus.DNF
        await _keys(pilot, clock, (1.0, "x", "3"))  # Cy stops for the day
        assert group.is_out("Cy")
        clock.advance(90)
        screen.tick()
        await _keys(pilot, clock, (75.0, "1"), (1.0, "2"))
        assert screen.session.timer.current.kind == "rest", "Cy is out: two in of two"
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        summary = app.screen
        assert isinstance(summary, GroupSummaryScreen)
        rows = {r.name: r for r in summary.table.rows}
        assert [c[0] for c in rows["Ana"].cells] == [70.0, 76.0]  # rep 2 began 1 s before
        assert [c[2] for c in rows["Ben"].cells] == ["dnf", "finished"]
        assert [c[2] for c in rows["Cy"].cells] == ["dnf", "out"]
        assert rows["Ana"].fade == pytest.approx(6.0)
        assert summary.table.medians == (70.0, 76.5)
        # Ana's target: 400 m at her 5k pace (19:57 -> 95.76 s per 400 m)
        assert rows["Ana"].cells[0][1] == pytest.approx(70.0 - 95.76, abs=0.1)


@pytest.mark.real_lag
async def test_a_mark_is_stamped_at_the_key_not_when_it_is_handled(tmp_path):
    clock = FakeClock()
    app = build(tmp_path, 2, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        clock.advance(60.0)
        key = events.Key("1", "1")
        key.time -= 0.25  # the key waited a quarter second behind a redraw
        await screen._on_key(key)
        assert screen.session.group.rep("Ana", 0).time_s == pytest.approx(59.75, abs=0.01)


async def test_thirty_athletes_overflow_is_said(tmp_path):
    clock = FakeClock()
    names = [f"Runner {i}" for i in range(30)]
    app = make_app(
        Paths(config_dir=tmp_path / "c", data_dir=tmp_path / "d"),
        clock=clock,
        audio=QuietAudio(),
        settings=Settings(),
        record_history=False,
        get_ready_s=0,
        start_preset=parse_preset(PRESET),
        start_squad=squad_from_dict({"name": "Big", "athletes": [{"name": n} for n in names]}),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = app.export_screenshot().replace("&#160;", " ")
        more = re.search(r"\+(\d+) more \(keys still work\)", shown)
        assert more, "the rows that do not fit are counted"
        assert shown.count("Runner ") + int(more.group(1)) == 30
        last = app.screen.session.runners[-1]
        assert last.key == "C"  # 1..9, 0, the free lower-case letters, then capitals
        await pilot.press(last.key)  # the 30th athlete's key, past the visible rows
        assert app.screen.session.group.rep("Runner 29", 0).status is RepStatus.FINISHED
        await pilot.pause()
        overflow = str(app.screen.query_one("#overflow").render())
        assert "in: Runner 29 " in overflow, overflow  # the coach sees the key was taken


def test_trend_shows_fade():
    assert trend_text([70.0]) == ""
    assert trend_text([70.0, 71.0, 73.0]).endswith("+3.0")
    assert trend_text([70.0, 71.0, 73.0])[:3] == "▁▃█"


async def _run_reps(pilot, clock, n):
    screen = pilot.app.screen
    order = "2134567890ac"[:n]
    for rep in range(2):
        await _keys(pilot, clock, (70.0 + rep, order[0]), (0.4, "enter"), (0.0, "enter"))
        await _keys(pilot, clock, *[(0.9, k) for k in order[1:]])
        screen.tick()
        clock.advance(90)
        screen.tick()
    await _keys(pilot, clock, (68.0, "2"), (1.0, "enter"))
    screen.tick()
    await pilot.pause()


def test_snapshot_group_100x30(snap_compare, tmp_path):
    clock = FakeClock()
    assert snap_compare(
        build(tmp_path, 8, clock),
        terminal_size=(100, 30),
        run_before=lambda pilot: _run_reps(pilot, clock, 8),
    )


def test_snapshot_group_80x24_twelve(snap_compare, tmp_path):
    clock = FakeClock()
    assert snap_compare(
        build(tmp_path, 12, clock),
        terminal_size=(80, 24),
        run_before=lambda pilot: _run_reps(pilot, clock, 12),
    )


def test_snapshot_group_summary(snap_compare, tmp_path):
    clock = FakeClock()

    async def to_summary(pilot):
        await _run_reps(pilot, clock, 8)
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        clock.advance(1.0)  # past the burst guard: the summary's keys are shown as usable
        await pilot.pause(0.3)

    assert snap_compare(build(tmp_path, 8, clock), terminal_size=(100, 30), run_before=to_summary)


async def test_a_rep_inside_an_athletes_target_range_is_on_target(tmp_path):
    clock = FakeClock()
    app = build(tmp_path, 2, clock)
    app.start_preset = parse_preset(PRESET.replace('target_pace = "5k"', 'target_pace = "E"'))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        session = app.screen.session
        ana, ben = session.runners
        lo, hi = ana.ranges[0]
        assert lo < hi
        await _keys(pilot, clock, ((lo + hi) / 2, "1"))  # Ana inside her range
        await _keys(pilot, clock, (hi + 3 - (lo + hi) / 2, "2"))  # Ben: 3 s past Ana's slow end
        assert session.delta(ana, 0, (lo + hi) / 2) == 0.0
        assert session.delta(ben, 0, hi + 3) == pytest.approx(hi + 3 - ben.ranges[0][1])
        assert session.delta(ben, 0, ben.ranges[0][0] - 2) == pytest.approx(-2.0)


async def test_a_running_rep_repaints_rows_without_laying_out_the_screen(tmp_path, monkeypatch):
    """Every athlete's time changes each second: the rows repaint, the screen is not laid out
    again (a layout pass a second was half the CPU the group screen used)."""
    from textual.widget import Widget

    clock = FakeClock()
    app = build(tmp_path, 12, clock)
    layouts: list[str] = []
    refresh = Widget.refresh

    def counted(self, *args, layout=False, **kw):
        if layout:
            layouts.append(str(self.id))
        return refresh(self, *args, layout=layout, **kw)

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        await _keys(pilot, clock, (5.0, "1"))  # a row changes, as at the track
        monkeypatch.setattr(Widget, "refresh", counted)
        for _ in range(20):
            clock.advance(1.0)
            screen.refresh_display()
            await pilot.pause()
        assert layouts == [], layouts
        assert "0:25" in str(screen.query_one("#athletes-times").render())


async def test_a_running_rep_draws_only_the_times_again(tmp_path, monkeypatch):
    """Each second only the column of running times is drawn again: the names, the last
    results, targets, deltas and trends change with marks, not with the clock (their rows are
    not even worked out again then)."""
    from textual.widgets import Static

    clock = FakeClock()
    app = build(tmp_path, 12, clock)
    updated: list[str] = []
    update = Static.update

    def counted(self, *args, **kw):
        updated.append(str(self.id))
        return update(self, *args, **kw)

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        await _keys(pilot, clock, (5.0, "1"))
        rows = screen._row
        worked_out: list[str] = []
        monkeypatch.setattr(screen, "_row", lambda r, *a: worked_out.append(r.name) or rows(r, *a))
        monkeypatch.setattr(Static, "update", counted)
        for _ in range(10):
            clock.advance(1.0)
            screen.refresh_display()
            await pilot.pause()
        athletes = [u for u in updated if u.startswith("athletes")]
        assert athletes == ["athletes-times"] * 10
        assert worked_out == []
        await _keys(pilot, clock, (0.5, "2"))  # a mark: Runner 1's row says so
        assert "athletes-rest" in updated[-3:] or "athletes-times" in updated[-3:]
        assert len(worked_out) == 12
