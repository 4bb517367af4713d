"""Coach mode's touch layout (issue 15.7), the phone as the coach's remote, in the real app
(Pilot clicks, which go through Textual's own hit test like a tap through xterm.js): a tap on
an athlete's button marks that athlete as their key does, stamped at the press; Mark, Undo,
End rep and Out run a whole rep without a keyboard; a served app opens with the buttons, tab
switches; 30 athletes are paged, never cut; a running rep repaints no button; a snapshot."""

from __future__ import annotations

import pytest
from textual import events
from textual.app import App
from textual.geometry import Size

from speedtimer.core.group import RepStatus
from speedtimer.formats.preset_toml import parse_preset
from speedtimer.formats.squad import squad_from_dict
from speedtimer.tui.screens import group_run
from speedtimer.tui.screens.group_run import GroupRunScreen
from speedtimer.tui.widgets.athlete_pad import (
    BUTTON_H,
    CONTROLS_W,
    MIN_BUTTON_W,
    AthletePad,
    PadButton,
    PadControls,
    plan,
)
from tests.conftest import FakeClock
from tests.tui.test_group_run import PRESET, _keys, build

PHONE = (88, 17)  # what textual-serve gives an 800x360 landscape phone (cells of 9 x 21 px)


@pytest.fixture(autouse=True)
def no_real_key_lag(request, monkeypatch):
    """As in test_group_run: the fake clock stands still while Pilot delivers a click."""
    if "real_lag" not in request.keywords:
        monkeypatch.setattr(group_run, "key_lag", lambda t: 0.0)


def rep(screen, name, index=0):
    return screen.session.group.rep(name, index)


def button(screen, name: str) -> str:
    """The selector of `name`'s button."""
    names = [r.name for r in screen.session.runners]
    return f"#pad-athlete-{names.index(name)}"


async def pad_on(pilot) -> GroupRunScreen:
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, GroupRunScreen)
    assert not screen.has_class("pad"), "a plain terminal keeps the table"
    await pilot.press("tab")
    await pilot.pause()
    assert screen.has_class("pad")
    return screen


async def test_a_tap_marks_that_athlete_as_their_key_does(tmp_path):
    clock = FakeClock()
    app = build(tmp_path, 4, clock)
    async with app.run_test(size=PHONE) as pilot:
        screen = await pad_on(pilot)
        clock.advance(71.0)
        await pilot.click(button(screen, "Ben"))
        assert rep(screen, "Ben").status is RepStatus.FINISHED
        assert rep(screen, "Ben").time_s == pytest.approx(71.0)
        assert [r.status for r in map(lambda n: rep(screen, n), ["Ana", "Cy", "Dee"])] == [
            RepStatus.RUNNING
        ] * 3
        await pilot.pause()
        ben = screen.query_one(button(screen, "Ben"), PadButton)
        assert "1:11.0" in str(ben.render()) and ben.has_class("done")
        assert "on track" in str(screen.query_one(button(screen, "Ana")).render())


async def test_a_whole_rep_from_the_buttons_mark_undo_end_rep(tmp_path):
    clock = FakeClock()
    app = build(tmp_path, 4, clock)
    async with app.run_test(size=PHONE) as pilot:
        screen = await pad_on(pilot)
        group = screen.session.group
        clock.advance(70.0)
        await pilot.click("#pad-lap")  # two cross together: Mark, Mark
        clock.advance(0.3)
        await pilot.click("#pad-lap")
        assert [round(m.offset_s, 1) for m in group.queue] == [70.0, 70.3]
        await pilot.pause()
        assert "2 waiting" in str(screen.query_one("#pad-lap").render())
        assert "tap an athlete" in str(screen.query_one("#queue").render())
        clock.advance(3.0)
        await pilot.click(button(screen, "Cy"))  # the oldest waiting mark is Cy's
        assert rep(screen, "Cy").time_s == pytest.approx(70.0)
        await pilot.click("#pad-undo")  # wrong athlete: the mark waits again, time kept
        assert rep(screen, "Cy").status is RepStatus.RUNNING and len(group.queue) == 2
        await pilot.click(button(screen, "Dee"))
        await pilot.click(button(screen, "Ana"))
        assert rep(screen, "Dee").time_s == pytest.approx(70.0)
        assert rep(screen, "Ana").time_s == pytest.approx(70.3)
        clock.advance(5.0)
        await pilot.click("#pad-skip")  # End rep: Ben and Cy did not finish it
        assert screen.session.timer.current.kind == "rest"
        assert [rep(screen, n).status for n in ("Ben", "Cy")] == [RepStatus.DNF] * 2
        await pilot.pause()
        ana = str(screen.query_one(button(screen, "Ana")).render())
        assert "last 1:10.3" in ana
        assert "last: DNF" in str(screen.query_one(button(screen, "Ben")).render())
        # In the rest there is nothing to mark or end: the controls say so (grey), and a tap
        # on them does nothing.
        assert screen.query_one("#pad-lap").has_class("off")
        await pilot.click("#pad-lap")
        assert group.queue == ()


async def test_out_from_the_buttons_and_cancel(tmp_path):
    clock = FakeClock()
    app = build(tmp_path, 3, clock)
    async with app.run_test(size=PHONE) as pilot:
        screen = await pad_on(pilot)
        await pilot.click("#pad-out")
        await pilot.pause()
        assert "Cancel out" in str(screen.query_one("#pad-out").render())
        clock.advance(1.0)
        await pilot.click("#pad-out")  # changed mind
        await pilot.pause()
        assert "Out…" in str(screen.query_one("#pad-out").render())
        clock.advance(10.0)
        await pilot.click(button(screen, "Ana"))  # a finish, not an out
        assert rep(screen, "Ana").status is RepStatus.FINISHED
        clock.advance(1.0)
        await pilot.click("#pad-out")
        await pilot.click(button(screen, "Cy"))  # Cy stops for the day
        assert screen.session.group.is_out("Cy")
        await pilot.pause()
        assert "out" in str(screen.query_one(button(screen, "Cy")).render())


@pytest.mark.real_lag
async def test_a_tap_is_stamped_at_the_press_not_when_it_is_handled(tmp_path):
    clock = FakeClock()
    app = build(tmp_path, 2, clock)
    async with app.run_test(size=PHONE) as pilot:
        screen = await pad_on(pilot)
        clock.advance(60.0)
        ben = screen.query_one(button(screen, "Ben"), PadButton)
        press = events.MouseDown(ben, 2, 1, 0, 0, 1, False, False, False)
        press.time -= 0.25  # the tap waited a quarter second behind a redraw
        ben.post_message(press)
        await pilot.pause()
        assert rep(screen, "Ben").time_s == pytest.approx(59.75, abs=0.01)


async def test_a_served_app_opens_with_the_buttons_and_tab_brings_the_table(tmp_path, monkeypatch):
    monkeypatch.setattr(App, "is_web", property(lambda self: True))  # as under textual-serve
    clock = FakeClock()
    app = build(tmp_path, 8, clock)
    async with app.run_test(size=PHONE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.has_class("pad")
        assert screen.query_one("#pad").display and not screen.query_one("#athletes").display
        assert "tap an athlete at the finish" in str(screen.query_one("#step-label").render())
        await pilot.press("tab")
        await pilot.pause()
        assert not screen.has_class("pad") and screen.query_one("#athletes").display
        assert "Ana" in str(screen.query_one("#athletes-names").render())
        assert "athletes' keys mark the finish" in str(screen.query_one("#step-label").render())
        await pilot.press("tab")
        await pilot.pause()
        assert screen.has_class("pad")


@pytest.mark.parametrize("size", [(88, 17), (93, 18), (74, 17), (100, 30), (40, 40), (34, 16)])
@pytest.mark.parametrize("count", [1, 3, 8, 12, 30])
async def test_every_button_is_thumb_sized_and_every_athlete_reachable(tmp_path, size, count):
    """3 rows (63 CSS px on a phone) by 15 columns or more, whatever the screen and squad;
    athletes beyond a page are on the next ones (More says which), none is cut."""
    clock = FakeClock()
    app = build(tmp_path, 1, clock)
    names = [f"Runner {i}" for i in range(count)]
    app.start_squad = squad_from_dict({"name": "S", "athletes": [{"name": n} for n in names]})
    async with app.run_test(size=size) as pilot:
        screen = await pad_on(pilot)
        pad = screen.query_one(AthletePad)
        seen: set[str] = set()
        for page in range(pad.pages):
            await pilot.pause()
            for b in screen.query(PadButton):
                if not b.display:
                    continue
                assert b.region.height >= BUTTON_H, (b.id, b.region)
                least = MIN_BUTTON_W if b.action == "athlete" else CONTROLS_W - 1
                assert b.region.width >= least, (b.id, b.region)
                assert b.region.right <= size[0] and b.region.bottom <= size[1] - 1, b.region
                if b.action == "athlete":
                    seen.add(b.key)
            if pad.pages > 1:
                more = str(screen.query_one("#pad-page").render())
                assert f"of {count}" in more
                clock.advance(1.0)  # a page at a time, not a double tap
                await pilot.click("#pad-page")
            else:
                assert not screen.query_one("#pad-page").display
            assert page < pad.pages
        assert seen == {r.key for r in screen.session.runners}


def test_the_plan_for_a_phone_held_sideways():
    eight = plan(Size(88, 17), 8)
    assert (eight.columns, eight.rows, eight.band) == (4, 2, 9)  # 4 + 4, the clock big
    thirty = plan(Size(88, 17), 30)
    assert thirty.per_page == 12 and thirty.band >= 5  # three pages, the clock still there


async def test_a_running_rep_repaints_no_button(tmp_path, monkeypatch):
    """The lead measures this screen's CPU: once the buttons are drawn, the seconds ticking
    by change no button (a running athlete shows "on track", the clock has the time), and
    the screen is never laid out again."""
    from textual.widget import Widget

    clock = FakeClock()
    app = build(tmp_path, 12, clock)
    updates: list[str] = []
    layouts: list[str] = []
    update = PadButton.update
    refresh = Widget.refresh

    def counted_update(self, *args, **kw):
        updates.append(str(self.id))
        return update(self, *args, **kw)

    def counted_refresh(self, *args, layout=False, **kw):
        if layout:
            layouts.append(str(self.id))
        return refresh(self, *args, layout=layout, **kw)

    async with app.run_test(size=PHONE) as pilot:
        screen = await pad_on(pilot)
        await _keys(pilot, clock, (5.0, "1"))
        await pilot.pause()
        monkeypatch.setattr(PadButton, "update", counted_update)
        monkeypatch.setattr(Widget, "refresh", counted_refresh)
        for _ in range(20):
            clock.advance(1.0)
            screen.refresh_display()
            await pilot.pause()
        assert updates == [] and layouts == [], (updates, layouts)
        await _keys(pilot, clock, (0.0, "2"))  # a mark repaints that athlete's button only
        assert updates == ["pad-athlete-1"], updates


async def test_keys_still_work_and_show_on_the_buttons(tmp_path):
    """A coach with a keyboard and the buttons: a key marks, its button shows it."""
    clock = FakeClock()
    app = build(tmp_path, 3, clock)
    app.start_preset = parse_preset(PRESET)
    async with app.run_test(size=PHONE) as pilot:
        screen = await pad_on(pilot)
        await _keys(pilot, clock, (65.0, "3"))
        await pilot.pause()
        assert "1:05.0" in str(screen.query_one(button(screen, "Cy")).render())
        assert screen.query_one(PadControls).query_one("#pad-undo").has_class("off") is False


def test_snapshot_group_pad_phone(snap_compare, tmp_path):
    clock = FakeClock()

    async def run_before(pilot):
        await pilot.pause()
        await pilot.press("tab")
        await _keys(pilot, clock, (70.0, "2"), (0.4, "enter"), (0.9, "4"), (0.0, "x"))
        await pilot.pause()

    assert snap_compare(build(tmp_path, 8, clock), terminal_size=PHONE, run_before=run_before)


async def test_a_terminal_too_small_for_the_buttons_keeps_the_table(tmp_path, monkeypatch):
    monkeypatch.setattr(App, "is_web", property(lambda self: True))
    clock = FakeClock()
    app = build(tmp_path, 8, clock)
    async with app.run_test(size=(80, 14)) as pilot:  # a phone at ?fontsize=24
        await pilot.pause()
        screen = app.screen
        assert not screen.has_class("pad") and screen.query_one("#athletes").display
        await pilot.press("tab")
        await pilot.pause()
        assert not screen.has_class("pad")
        await _keys(pilot, clock, (61.0, "1"))  # keys work as ever
        assert rep(screen, "Ana").time_s == pytest.approx(61.0)
        await pilot.resize_terminal(88, 17)  # room again: the buttons come back
        await pilot.pause()
        assert screen.has_class("pad")


async def test_a_click_on_a_row_of_the_table_marks_that_athlete(tmp_path):
    """With a mouse in a terminal (or a tap through a browser on the table): the row is the
    target. The header and the lines below the rows mark nobody."""
    clock = FakeClock()
    app = build(tmp_path, 3, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        clock.advance(64.0)
        await pilot.click("#athletes", offset=(10, 0))  # the header
        await pilot.click("#athletes", offset=(10, 5))  # below the last row
        assert [rep(screen, n).status for n in ("Ana", "Ben", "Cy")] == [RepStatus.RUNNING] * 3
        await pilot.click("#athletes", offset=(10, 2))  # Ben's row
        assert rep(screen, "Ben").time_s == pytest.approx(64.0)
        assert rep(screen, "Ana").status is RepStatus.RUNNING
        await pilot.click("#athletes", offset=(30, 1))
        assert rep(screen, "Ana").time_s == pytest.approx(64.0)


async def test_a_double_tap_on_end_rep_ends_the_rep_not_the_rest(tmp_path):
    """Fingers bounce: End rep, Out and More tapped twice in a moment count once (a burst of
    taps reaching the screen after the rep ended must not end the rest too)."""
    clock = FakeClock()
    app = build(tmp_path, 2, clock)
    async with app.run_test(size=PHONE) as pilot:
        screen = await pad_on(pilot)
        clock.advance(70.0)
        await pilot.click("#pad-skip")
        clock.advance(0.2)
        await pilot.click("#pad-skip")
        timer = screen.session.timer
        assert timer.current.kind == "rest" and timer.current_index == 1
        await pilot.pause()
        assert "End rest" in str(screen.query_one("#pad-skip").render())
        clock.advance(1.0)
        await pilot.click("#pad-skip")  # a real second tap, a second later: ends the rest
        assert timer.current.kind == "work" and timer.current_index == 2
        clock.advance(0.1)
        await pilot.click("#pad-lap")  # Mark is no control to bounce: a bunch is quick
        clock.advance(0.1)
        await pilot.click("#pad-lap")
        assert len(screen.session.group.queue) == 2


@pytest.mark.parametrize("seed", range(2))
async def test_taps_and_keys_leave_the_group_in_the_same_state(tmp_path, seed):
    """The same random coach, once with the keyboard and once with the buttons: after every
    action both sessions are in the same state (the marks, the queue, the outs, the timer),
    so a tap is exactly its key."""
    import random

    rng = random.Random(seed)
    moves = []
    for _ in range(30):
        wait = round(rng.uniform(0.7, 25.0), 1)
        kind = rng.choices(["athlete", "lap", "undo", "skip", "out"], [8, 3, 2, 1, 1])[0]
        moves.append((wait, kind, rng.randrange(5)))

    async def play(taps: bool, folder: str) -> list[tuple]:
        clock = FakeClock()
        app = build(tmp_path / folder, 5, clock)
        states = []
        async with app.run_test(size=PHONE) as pilot:
            screen = await pad_on(pilot)
            runners = screen.session.runners
            for wait, kind, who in moves:
                clock.advance(wait)
                screen.tick()
                if screen.session.timer.done:
                    break
                key = {"lap": "enter", "undo": "u", "skip": "n", "out": "x"}.get(kind)
                if kind == "athlete":
                    if taps:
                        await pilot.click(f"#pad-athlete-{who}")
                    else:
                        await pilot.press(runners[who].key)
                elif taps:
                    await pilot.click(f"#pad-{kind}")
                    if kind == "out":
                        await pilot.click(f"#pad-athlete-{who}")
                else:
                    await pilot.press(key)
                    if kind == "out":
                        await pilot.press(runners[who].key)
                await pilot.pause()
                states.append(screen.session.group.state())
        return states

    keys = await play(False, "keys")
    taps = await play(True, "taps")
    assert len(keys) > 10
    assert taps == keys


HILLS = """
name = "Hills"
countdown = 0
[[steps]]
repeat = 2
[[steps.steps]]
kind = "work"
duration = 60
label = "Hill"
[[steps.steps]]
kind = "rest"
duration = 90
"""


async def test_on_a_timed_step_a_tap_takes_a_split(tmp_path):
    clock = FakeClock()
    app = build(tmp_path, 2, clock)
    app.start_preset = parse_preset(HILLS)
    async with app.run_test(size=PHONE) as pilot:
        screen = await pad_on(pilot)
        assert "tap an athlete for a split" in str(screen.query_one("#step-label").render())
        clock.advance(20.0)
        await pilot.click(button(screen, "Ana"))
        clock.advance(22.5)
        await pilot.click(button(screen, "Ana"))
        assert rep(screen, "Ana").status is RepStatus.TIMED
        assert rep(screen, "Ana").splits == pytest.approx((20.0, 22.5))
        await pilot.pause()
        assert "split 0:42.5" in str(screen.query_one(button(screen, "Ana")).render())
        assert "on track" in str(screen.query_one(button(screen, "Ben")).render())


ONE_REP = """
name = "One 400"
countdown = 0
[[steps]]
kind = "work"
until = "lap"
distance_m = 400
"""


async def test_a_burst_of_taps_that_ends_the_session_loses_nothing_and_adds_nothing(tmp_path):
    """The last athletes in, tapped in one burst with a bounce or two: the taps queued behind
    the one that ended the session reach a screen that is gone, and change nothing."""
    from speedtimer.tui.screens.group_summary import GroupSummaryScreen

    clock = FakeClock()
    app = build(tmp_path, 3, clock)
    app.start_preset = parse_preset(ONE_REP)
    async with app.run_test(size=PHONE) as pilot:
        screen = await pad_on(pilot)
        clock.advance(80.0)
        taps = [0, 0, 1, 2, 2, 1, 0]  # Ana bounces; Cy's tap ends the session; more follow
        for i in taps:
            b = screen.query_one(f"#pad-athlete-{i}", PadButton)
            b.post_message(events.MouseDown(b, 2, 1, 0, 0, 1, False, False, False))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, GroupSummaryScreen)
        group = screen.session.group
        assert [group.rep(n, 0).splits for n in ("Ana", "Ben", "Cy")] == [(80.0,)] * 3
