"""The real Textual app driven by Pilot, with a fake clock: menu, run screen, summary."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static

from speedtimer.config.paths import Paths
from speedtimer.sound.audio import NullAudio
from speedtimer.tui.app import make_app
from speedtimer.tui.modals.confirm import ConfirmScreen
from speedtimer.tui.screens.menu import MenuScreen
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from speedtimer.tui.widgets.big_time import BigTime
from tests.helpers_app import after_first_frame

SHORT = """
name = "Short test session"
category = "intervals"
tags = ["testonly"]
countdown = 3
description = "Two laps and a rest, for tests."

[[steps]]
kind = "warmup"
duration = 10
label = "Jog"

[[steps]]
repeat = 2
skip_last_rest = true
  [[steps.steps]]
  kind = "work"
  until = "lap"
  distance_m = 400
  target_pace = "3:45/km"
  label = "400 m"
  [[steps.steps]]
  kind = "rest"
  duration = 30
  label = "Jog back"

[[steps]]
kind = "cooldown"
duration = 5
"""


class SilentAudio(NullAudio):
    """No sound device in these tests; records what the app asked for."""

    def __init__(self) -> None:
        super().__init__("test: no sound")


@pytest.fixture
def presets_dir(tmp_path) -> Path:
    folder = tmp_path / "extra-presets"
    folder.mkdir()
    (folder / "short.toml").write_text(SHORT)
    (folder / "broken.toml").write_text(
        'name = "Broken one"\n[[steps]]\nkind = "work"\nduraton = 5\n'
    )
    return folder


@pytest.fixture
def app_paths(tmp_path, presets_dir) -> Paths:
    return Paths(
        config_dir=tmp_path / "config",
        data_dir=tmp_path / "data",
        extra_presets_dirs=(presets_dir,),
    )


def build(app_paths, clock, **kw):
    return make_app(
        app_paths,
        clock=clock,
        wall_clock=clock.wall,
        audio=SilentAudio(),
        get_ready_s=kw.pop("get_ready_s", 3),
        **kw,
    )


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def open_short(pilot) -> RunScreen:
    await pilot.press(*"testonly")
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, RunScreen)
    return screen


async def advance(pilot, screen: RunScreen, clock, seconds: float) -> None:
    clock.advance(seconds)
    screen.tick()
    await pilot.pause()


# --- menu ------------------------------------------------------------------------------------


async def test_menu_lists_groups_filters_and_shows_details(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, MenuScreen)
        options = screen.query_one("#preset-list", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "INTERVALS" in prompts and "HILLS" in prompts and "TABATA" in prompts
        assert any("8 x 400 m track repeats" in p for p in prompts)
        assert any("Broken one (broken)" in p for p in prompts)

        await pilot.press(*"tabata")
        await pilot.pause()
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert prompts[0] == "TABATA"
        assert len([p for p in prompts if p.startswith("  ")]) == 1
        details = text_of(screen, "#details")
        assert "Tabata 8 x 20/10" in details
        assert "8 x [" in details  # the outline
        assert "work reps" in details


async def test_broken_preset_is_listed_with_its_error_and_cannot_start(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"broken")
        await pilot.pause()
        details = text_of(app.screen, "#details")
        assert "broken" in details
        assert "steps[0].duraton" in details and "did you mean 'duration'" in details
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)


async def test_arrow_keys_move_selection_while_typing(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"track")
        first = text_of(app.screen, "#details")
        await pilot.press("down")
        await pilot.pause()
        second = text_of(app.screen, "#details")
        assert first != second
        assert app.screen.query_one("#filter", Input).has_focus


# --- run screen ------------------------------------------------------------------------------


async def test_whole_session_phases_laps_and_summary(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_short(pilot)
        band = screen.query_one("#band")
        assert band.has_class("phase-ready")
        assert "GET READY" in text_of(screen, "#phase")
        assert screen.query_one("#clock", BigTime).value == "0:03"

        await advance(pilot, screen, clock, 3)
        assert band.has_class("phase-warmup")
        assert screen.query_one("#clock", BigTime).value == "0:10"
        assert "Next: 400 m lap, target 1:30" in text_of(screen, "#next")

        await advance(pilot, screen, clock, 4.2)
        assert screen.query_one("#clock", BigTime).value == "0:06"

        await advance(pilot, screen, clock, 5.8)  # warm-up over at 10 s
        assert band.has_class("phase-work")
        assert "WORK" in text_of(screen, "#phase")
        assert "Rep 1/2" in text_of(screen, "#position")
        assert "target 1:30" in text_of(screen, "#step-label")

        await advance(pilot, screen, clock, 88.4)
        assert screen.query_one("#clock", BigTime).value == "1:28"  # counts up
        await pilot.press("l")
        await pilot.pause()
        assert band.has_class("phase-rest")
        splits = text_of(screen, "#splits")
        assert "1:28.4" in splits and "3:41/km" in splits and "-0:01.6" in splits

        await advance(pilot, screen, clock, 30)
        assert band.has_class("phase-work") and "Rep 2/2" in text_of(screen, "#position")
        await advance(pilot, screen, clock, 91)
        await pilot.press("enter")  # enter laps too
        await pilot.pause()
        assert band.has_class("phase-cooldown")  # skip_last_rest: no rest after the last rep

        await advance(pilot, screen, clock, 5)
        assert isinstance(app.screen, SummaryScreen)
        summary = app.screen
        assert "Session complete" in text_of(summary, "#summary-title")
        assert "Reps 2/2" in text_of(summary, "#summary-totals")
        splits = text_of(summary, "#summary-splits")
        assert "1 1:28.4 -1.6" in splits and "2 1:31.0 +1.0" in splits
        assert "avg 1:29.7  best 1:28.4  worst 1:31.0  fade +2.6 s (+2.9%)" in splits
        # Each jump of the fake clock skips the pips that would now be stale; changes still cue,
        # and a lap that ends a rep sounds as the next step's cue, not a blip on top of it.
        assert summary.session.cues_played == [
            "warmup",
            "work",
            "rest",
            "work",
            "cooldown",
            "finished",
        ]

        await pilot.press("1", "1")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "1 (very easy) to 10" in text_of(summary, "#rpe-error")
        await pilot.press("backspace", "backspace", "7", "tab")
        await pilot.press(*"felt strong")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)

        # ... and the runner finds it in the history screen, with its splits
        from tests.tui.test_history_screen import open_history, table_rows

        history = await open_history(pilot)
        rows = table_rows(history)
        assert len(rows) == 1
        assert rows[0][1:3] == ["Short test session", "completed"] and rows[0][-1] == "7"
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        detail = app.screen
        shown = " ".join(str(w.content) for w in detail.query(Static))
        assert "1:28.4" in shown and "1:31.0" in shown  # the two lap splits
        assert "felt strong" in shown

    with sqlite3.connect(app_paths.history_db) as db:
        row = db.execute("SELECT preset_name, status, rpe, note FROM sessions").fetchone()
        steps = db.execute("SELECT COUNT(*) FROM steps").fetchone()[0]
    assert row == ("Short test session", "completed", 7, "felt strong")
    assert steps == 5


async def test_pause_resume_and_hidden_keys(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_short(pilot)
        await advance(pilot, screen, clock, 5)  # 2 s into the warm-up
        shown = {b.binding.id for b in app.active_bindings.values() if b.enabled}
        assert {"pause", "lap", "skip", "back", "add_time", "abort"} <= shown
        assert "resume" not in shown

        await pilot.press("space")
        await pilot.pause()
        band = screen.query_one("#band")
        assert band.has_class("phase-paused")
        assert "PAUSED · WARM-UP" in text_of(screen, "#phase")
        shown = {b.binding.id for b in app.active_bindings.values() if b.enabled}
        assert "resume" in shown and "pause" not in shown and "lap" not in shown

        await advance(pilot, screen, clock, 60)  # a long pause changes nothing
        assert screen.query_one("#clock", BigTime).value == "0:08"
        await pilot.press("space")
        await pilot.pause()
        assert band.has_class("phase-warmup")
        await advance(pilot, screen, clock, 7.5)
        assert screen.query_one("#clock", BigTime).value == "0:01"
        assert screen.session.timer.active_elapsed(clock.now) == pytest.approx(9.5)


async def test_skip_back_and_add_time(app_paths, clock):
    app = build(app_paths, clock, get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_short(pilot)
        clock_widget = screen.query_one("#clock", BigTime)
        await pilot.press("plus")
        await pilot.pause()
        assert clock_widget.value == "0:20"
        await pilot.press("minus")
        await pilot.pause()
        assert clock_widget.value == "0:10"
        await pilot.press("n")
        await pilot.pause()
        assert screen.query_one("#band").has_class("phase-work")
        shown = {b.binding.id for b in app.active_bindings.values() if b.enabled}
        assert "add_time" not in shown  # no time to add to an open step
        await advance(pilot, screen, clock, 1)
        await pilot.press("b")  # within 2 s: back to the warm-up
        await pilot.pause()
        assert screen.query_one("#band").has_class("phase-warmup")
        assert clock_widget.value == "0:10"


async def test_abort_needs_confirmation(app_paths, clock):
    app = build(app_paths, clock, get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_short(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # an accidental enter keeps the session going
        await pilot.pause()
        assert app.screen is screen and not screen.session.timer.done
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and not screen.session.timer.done
        await advance(pilot, screen, clock, 4)
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert "ended early" in text_of(app.screen, "#summary-title")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)
    with sqlite3.connect(app_paths.history_db) as db:
        (status,) = db.execute("SELECT status FROM sessions").fetchone()
        how, actual = db.execute("SELECT ended_how, actual_s FROM steps").fetchone()
    assert status == "aborted"
    assert (how, actual) == ("aborted", pytest.approx(4))


async def test_compact_layout_and_resize(app_paths, clock):
    app = build(app_paths, clock, get_ready_s=0)
    async with app.run_test(size=(40, 12)) as pilot:
        screen = await open_short(pilot)
        assert screen.has_class("compact")
        assert "WARM-UP" in text_of(screen, "#phase")
        small = screen.query_one("#clock", BigTime).scale
        assert screen.query_one("#clock").region.height >= 3
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert not screen.has_class("compact")
        assert screen.query_one("#clock", BigTime).scale >= max(2, small + 1)
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert screen.has_class("compact")
        await advance(pilot, screen, clock, 10)
        assert screen.query_one("#band").has_class("phase-work")


async def test_silent_cue_falls_back_to_bell_and_flash(app_paths, clock):
    app = build(app_paths, clock, get_ready_s=0)
    bells = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.bell = lambda: bells.append(clock.now)
        screen = await open_short(pilot)
        band = screen.query_one("#band")
        added: list[str] = []
        add_class = band.add_class
        band.add_class = lambda *names, **kw: (added.extend(names), add_class(*names, **kw))[1]
        await advance(pilot, screen, clock, 7)  # pip at 3 s left
        assert bells == [1000.0, 1007.0]  # warm-up start, then the 3-s pip
        # The flash lasts a quarter of a real second: a loaded machine may be past it by
        # the time the test looks, so see it go on, then go off again.
        assert added.count("flash") == 1
        for _ in range(100):
            if not band.has_class("flash"):
                break
            await pilot.pause(0.02)
        assert not band.has_class("flash") and band.has_class("phase-warmup")


async def test_run_command_starts_directly(app_paths, clock, presets_dir):
    from speedtimer.formats.preset_toml import load_preset

    preset = load_preset(presets_dir / "short.toml")
    app = build(app_paths, clock, start_preset=preset)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert app.screen.session.preset.name == "Short test session"


async def test_keys_can_be_remapped_in_the_settings_file(app_paths, clock):
    app_paths.config_dir.mkdir(parents=True)
    app_paths.settings_file.write_text('get_ready = 0\n[keys]\nlap = "k"\nskip = "j"\n')
    app = make_app(app_paths, clock=clock, wall_clock=clock.wall, audio=SilentAudio())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_short(pilot)
        assert screen.query_one("#band").has_class("phase-warmup")  # get_ready = 0 from settings
        await pilot.press("j")
        await pilot.pause()
        assert screen.query_one("#band").has_class("phase-work")
        await pilot.press("l")  # no longer the lap key
        await pilot.pause()
        assert screen.query_one("#band").has_class("phase-work")
        await pilot.press("k")
        await pilot.pause()
        assert screen.query_one("#band").has_class("phase-rest")


async def test_bad_settings_are_reported_and_only_bad_keys_fall_back(app_paths, clock, caplog):
    app_paths.config_dir.mkdir(parents=True)
    app_paths.settings_file.write_text('get_ready = "soon"\nmute = true\n')
    app = make_app(app_paths, clock=clock, wall_clock=clock.wall, audio=SilentAudio())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        [message] = [n.message for n in app._notifications]
        assert "settings.toml: get_ready." in message and "config show" in message
        log = caplog.text  # the log file's lines
        assert "settings.toml: get_ready: expected whole seconds 0-60" in log
        assert app.get_ready_s == 5 and app.muted is True


async def test_start_up_closes_crashed_sessions_and_imports_pending_ones(app_paths, clock):
    """Without opening the history screen: a session a killed process left 'in_progress'
    becomes 'interrupted', a session kept in a pending file goes into the database, and a
    pending file that cannot be read is reported and left where it is."""
    import json
    import subprocess
    import sys
    from datetime import UTC, datetime

    from speedtimer.history.recorder import pending_dir
    from speedtimer.history.store import HistoryStore

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    db = app_paths.history_db
    with HistoryStore.open(db) as store:
        crashed = store.start_session(
            uuid="crashed-1", preset_name="Short test session", preset_toml="",
            started_at=datetime(2026, 11, 1, 7, 0, tzinfo=UTC), planned_s=100,
            reps_planned=2, pid=proc.pid,
        )  # fmt: skip
    with HistoryStore.open(app_paths.data_dir / "elsewhere.sqlite3") as other:
        sid = other.start_session(
            uuid="pending-1", preset_name="Saved later", preset_toml="",
            started_at=datetime(2026, 10, 30, 7, 0, tzinfo=UTC), planned_s=60, reps_planned=1,
        )  # fmt: skip
        other.finish_session(
            sid, status="completed", ended_at=datetime(2026, 10, 30, 7, 1, tzinfo=UTC),
            active_s=60.0, work_s=60.0, reps_done=1, paused_s=0.0,
        )  # fmt: skip
        exported = next(iter(other.export_sessions()))
    folder = pending_dir(db)
    folder.mkdir()
    (folder / "pending-1.json").write_text(json.dumps({"session": exported}), encoding="utf-8")
    (folder / "torn.json").write_text('{"session": {', encoding="utf-8")

    app = build(app_paths, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await after_first_frame(app, pilot)  # the history is tidied then, not at the start
        messages = [n.message for n in app._notifications]
    assert any("torn.json" in m and "not valid JSON" in m for m in messages), messages
    assert sorted(p.name for p in folder.iterdir()) == ["torn.json"]
    with HistoryStore.open(db) as store:
        assert store.get_session(crashed).status == "interrupted"
        imported = store.session_id_for_uuid("pending-1")
        assert imported is not None and store.get_session(imported).status == "completed"


async def test_big_clock_takes_the_phase_colour_even_when_its_value_stays(app_paths, clock):
    """Pausing keeps the digits but turns the band grey: the drawn lines must follow."""
    app = build(app_paths, clock, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_short(pilot)
        await advance(pilot, screen, clock, 1.5)
        big = screen.query_one("#clock", BigTime)
        assert big.scale > 0
        before = big.render_line(big.content_region.height // 2)
        await pilot.press("space")
        await pilot.pause()
        assert big.value == "0:09"
        after = big.render_line(big.content_region.height // 2)
        assert after.text == before.text
        assert [s.style for s in after] != [s.style for s in before]
        assert list(after)[0].style == big.rich_style


async def test_rpe_typed_in_a_burst_is_saved_with_ctrl_s(app_paths, clock):
    """Keys that arrive together (a fast typist, a terminal paste) reach the RPE field before
    ctrl+s saves: the save binding waits its turn behind the keys typed into the field."""
    from textual import events

    app = build(app_paths, clock, get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_short(pilot)
        await pilot.press("q", "y")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        for key, char in [("8", "8"), ("ctrl+s", None)]:
            app.post_message(events.Key(key, char))  # no wait between them
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)
    with sqlite3.connect(app_paths.history_db) as db:
        assert db.execute("SELECT rpe FROM sessions").fetchone() == (8,)


async def test_progress_bar_runs_no_timer_of_its_own(app_paths, clock):
    """Textual's ProgressBar recomputes an ETA every second and repaints for it: a second
    wake-up and frame a second. The run screen's bar changes only when the screen sets it."""
    app = build(app_paths, clock, get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_short(pilot)
        bar = screen.query_one("#progress")
        assert not [t for t in bar._timers if t._active.is_set()]
        await advance(pilot, screen, clock, 5)
        timer = screen.session.timer
        done, left = timer.active_elapsed(clock.now), timer.remaining_estimate(clock.now)
        assert bar.percentage == pytest.approx(round(100 * done / (done + left)) / 100)


async def test_clock_repaints_only_the_glyphs_that_change(app_paths, clock):
    from speedtimer.tui.widgets.big_time import render_block

    def drawn(big: BigTime) -> list[str]:
        height = big.content_region.height
        return [t.strip() for t in (big.render_line(y).text for y in range(height)) if t.strip()]

    app = build(app_paths, clock, get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_short(pilot)
        big = screen.query_one("#clock", BigTime)
        assert big.value == "0:10" and big.scale >= 1
        await advance(pilot, screen, clock, 1)
        assert drawn(big) == [line.strip() for line in render_block("0:09", big.scale)]
        seen: list = []
        big.refresh = lambda *regions, **kw: seen.append((regions, kw)) or big
        clock.advance(1)
        screen.tick()
        assert big.value == "0:08"
        ((regions, kw),) = seen
        (region,) = regions
        glyph = len(render_block("0", big.scale)[0])
        assert region.width <= glyph  # the last digit only, not the whole band
        assert region.right > big.content_region.width // 2 and not kw.get("layout")
        assert drawn(big) == [line.strip() for line in render_block("0:08", big.scale)]
        del big.refresh
        await advance(pilot, screen, clock, 1)  # with Textual's own refresh: still right
        assert drawn(big) == [line.strip() for line in render_block("0:07", big.scale)]


async def test_menu_filter_does_not_expand_every_schedule_per_key(app_paths, clock, monkeypatch):
    """Each key typed rebuilds the list from the preset index: no schedule is worked out for
    it at all; a catalog read anew works out only the changed file's (it shows its new time)."""
    from speedtimer.core import schedule

    expanded: list[str] = []
    real = schedule.build_schedule

    def counting(preset):
        expanded.append(preset.name)
        return real(preset)

    monkeypatch.setattr(schedule, "build_schedule", counting)
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.pause()
        options = screen.query_one("#preset-list", OptionList)
        listed = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "  Short test session  (~3:45)" in listed  # two 400 m at their target pace
        expanded.clear()
        await pilot.press(*"test", "backspace", "backspace", "backspace", "backspace")
        await pilot.pause()
        assert expanded == []

        source = app_paths.extra_presets_dirs[0] / "short.toml"
        source.write_text(SHORT.replace("duration = 5\n", "duration = 605\n"))
        screen.reload()
        await pilot.pause()
        assert expanded == ["Short test session"]  # the changed file, read once
        listed = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        (line,) = [p for p in listed if "Short test session" in p]
        assert line.endswith("(~13:45)")  # ten minutes more cool-down than before
