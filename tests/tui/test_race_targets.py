"""The runner's race in the app: the menu line, setting it (key and palette), sessions whose
targets come from it, "start with…" for one session, and what the history keeps."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from speedtimer.config.paths import Paths
from speedtimer.config.settings import load_settings
from speedtimer.core.paces import parse_race
from speedtimer.sound.audio import NullAudio
from speedtimer.tui.app import make_app
from speedtimer.tui.modals.text_prompt import TextPrompt
from speedtimer.tui.screens.menu import MenuScreen
from speedtimer.tui.screens.run import RunScreen

RACE_PRESET = """
name = "Race pace probe"
category = "intervals"
tags = ["raceprobe"]
countdown = 0

[[steps]]
repeat = 2
skip_last_rest = true
  [[steps.steps]]
  kind = "work"
  until = "lap"
  distance_m = 400
  target_pace = "5k"
  [[steps.steps]]
  kind = "rest"
  duration = 30
"""


@pytest.fixture
def app_paths(tmp_path) -> Paths:
    folder = tmp_path / "extra-presets"
    folder.mkdir()
    (folder / "race.toml").write_text(RACE_PRESET)
    return Paths(
        config_dir=tmp_path / "config", data_dir=tmp_path / "data", extra_presets_dirs=(folder,)
    )


def build(app_paths, clock, **kw):
    return make_app(
        app_paths,
        clock=clock,
        wall_clock=clock.wall,
        audio=NullAudio("test: no sound"),
        get_ready_s=kw.pop("get_ready_s", 1),
        **kw,
    )


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def start_probe(pilot, *keys: str) -> None:
    await pilot.press(*"raceprobe")
    await pilot.press(*keys)
    await pilot.pause()


async def run_two_reps(pilot, clock, split: float) -> RunScreen:
    screen = pilot.app.screen
    assert isinstance(screen, RunScreen)
    clock.advance(1)  # get ready
    screen.tick()
    await pilot.pause()
    for rep in range(2):
        clock.advance(split)
        screen.tick()
        await pilot.press("l")
        await pilot.pause()
        if rep == 0:
            clock.advance(30)
            screen.tick()
            await pilot.pause()
    return screen


async def test_race_set_from_the_menu_is_shown_saved_and_used(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        assert "Race: none set" in text_of(menu, "#race-line")
        await start_probe(pilot)
        assert "none set, so none shown" in text_of(menu, "#details")

        await pilot.press("ctrl+t")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        await pilot.press(*"5k 9:00", "enter")  # faster than any world record
        await pilot.pause()
        assert app.screen is prompt
        assert "faster than the model covers" in text_of(prompt, "#prompt-problem")
        field = prompt.query_one("#prompt-input", Input)
        field.value = ""
        await pilot.press(*"5k 20:00", "enter")
        await pilot.pause()
        assert app.screen is menu
        assert app.race is not None and app.race.text == "5k 20:00"
        line = text_of(menu, "#race-line")
        assert "5k 20:00" in line and "VDOT 49.8" in line
        assert "Targets from your race 5k 20:00" in text_of(menu, "#details")
        # 2 x 400 m at 5k pace (4:00/km) = 2 x 1:36, plus one 30 s rest ("~": an estimate)
        assert "Race pace probe  (~3:42)" in str(
            [str(o.prompt) for o in menu.query_one("#preset-list").options]
        )

    settings, problems = load_settings(app_paths.settings_file)
    assert problems == [] and settings.race == parse_race("5k 20:00")
    text = app_paths.settings_file.read_text()
    lines = text.splitlines()
    assert lines.count("[runner]") == 1 and "# [runner]" not in lines  # the template's lines


async def test_escape_leaves_the_race_and_empty_clears_it(app_paths, clock):
    app_paths.config_dir.mkdir(parents=True)
    app_paths.settings_file.write_text('# mine\nmute = true\n\n[runner]\nrace = "10k 41:21"\n')
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        assert "10k 41:21" in text_of(app.screen, "#race-line")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.screen.query_one("#prompt-input", Input).value == "10k 41:21"
        await pilot.press("escape")
        await pilot.pause()
        assert app.race is not None and app.race.text == "10k 41:21"
        await pilot.press("ctrl+t")
        await pilot.pause()
        app.screen.query_one("#prompt-input", Input).value = ""
        await pilot.press("enter")
        await pilot.pause()
        assert app.race is None
        assert "Race: none set" in text_of(app.screen, "#race-line")
    assert app_paths.settings_file.read_text() == '# mine\nmute = true\n\n[runner]\nrace = ""\n'


async def test_palette_offers_the_race_and_start_with(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_probe(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Set my race" in titles and "Start with…" in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Set my race")
        command.callback()
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)


async def test_no_race_the_preset_runs_without_targets_and_says_so_once(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_probe(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, RunScreen)
        hint = text_of(screen, "#status")  # on the run screen: no notice covers a session
        assert "No race set" in hint and "ctrl+t" in hint
        assert not [n for n in notes(app) if "no race" in n.lower()]
        clock.advance(1)
        screen.tick()
        await pilot.pause()
        assert "5k pace: no race set" in text_of(screen, "#step-label")
        assert "target" not in text_of(screen, "#step-label")
        screen.session.abort("aborted")
        await pilot.pause()
        app.pop_screen()
        await pilot.pause()
        while not isinstance(app.screen, MenuScreen):
            app.pop_screen()
            await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert "No race set" not in text_of(app.screen, "#status")  # said once an app run


async def test_a_session_keeps_the_targets_and_race_it_was_run_with(app_paths, clock):
    app_paths.config_dir.mkdir(parents=True)
    app_paths.settings_file.write_text('[runner]\nrace = "5k 20:00"\n')
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_probe(pilot, "enter")
        screen = app.screen
        clock.advance(1)
        screen.tick()
        await pilot.pause()
        label = text_of(screen, "#step-label")
        assert "target 1:36 (4:00/km, 5k pace)" in label
        clock.advance(94.5)
        screen.tick()
        await pilot.press("l")
        await pilot.pause()
        assert "-0:01.5" in text_of(screen, "#splits")  # the delta to the resolved target
        screen.session.abort("aborted")
        await pilot.pause()
    with sqlite3.connect(app_paths.history_db) as db:
        race, vdot = db.execute("SELECT race, vdot FROM sessions").fetchone()
        targets = [r[0] for r in db.execute("SELECT target_s FROM steps WHERE kind = 'work'")]
    assert race == "5k 20:00" and vdot == pytest.approx(49.8, abs=0.1)
    assert targets[0] == pytest.approx(96.0, abs=0.05)


@pytest.mark.parametrize(
    ("answer", "label", "target"),
    [("84s", "target 1:24", 84.0), ("3:40/km", "target 1:28 (3:40/km)", 88.0)],
)
async def test_start_with_one_target_for_every_work_rep(app_paths, clock, answer, label, target):
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_probe(pilot, "ctrl+o")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        await pilot.press(*"fast", "enter")
        await pilot.pause()
        assert "not a target" in text_of(prompt, "#prompt-problem")
        prompt.query_one("#prompt-input", Input).value = ""
        await pilot.press(*answer, "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        clock.advance(1)
        screen.tick()
        await pilot.pause()
        assert label in text_of(screen, "#step-label")
        screen.session.abort("aborted")
        await pilot.pause()
    assert app.race is None  # this session only
    with sqlite3.connect(app_paths.history_db) as db:
        (stored,) = db.execute("SELECT target_s FROM steps WHERE kind = 'work'").fetchone()
    assert stored == pytest.approx(target)


async def test_start_with_a_race_is_for_this_session_only(app_paths, clock):
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_probe(pilot, "ctrl+o")
        await pilot.press(*"5k 20:00", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        assert screen.session.race is not None and screen.session.race.text == "5k 20:00"
        clock.advance(1)
        screen.tick()
        await pilot.pause()
        assert "target 1:36" in text_of(screen, "#step-label")
        screen.session.abort("aborted")
        await pilot.pause()
    assert app.race is None
    assert not Path(app_paths.settings_file).read_text().count("5k 20:00")


async def test_keys_in_a_burst_reach_the_prompt(app_paths, clock):
    """ctrl+t and the race typed at once: every key lands in the prompt, none in the filter."""
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+t", *"mile 5:50", "enter")
        await pilot.pause()
        assert app.race is not None and app.race.text == "mile 5:50"
        assert app.screen.query_one("#filter", Input).value == ""


async def test_summary_and_history_detail_keep_the_race_after_it_changes(app_paths, clock):
    from speedtimer.tui.screens.summary import SummaryScreen
    from tests.tui.test_history_screen import open_history

    app_paths.config_dir.mkdir(parents=True)
    app_paths.settings_file.write_text('[runner]\nrace = "5k 20:00"\n')
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_probe(pilot, "enter")
        await run_two_reps(pilot, clock, split=97.0)  # 1 s slower than 1:36 each
        summary = app.screen
        assert isinstance(summary, SummaryScreen)
        totals = text_of(summary, "#summary-totals")
        assert "vs target +0:01.0 a rep" in totals
        assert "targets from 5k 20:00 (VDOT 49.8)" in totals
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.set_race(parse_race("5k 18:00"))  # faster now: new sessions, new targets
        await pilot.pause()
        await open_history(pilot)
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        detail = app.screen
        totals = text_of(detail, "#detail-totals")
        assert "Reps vs target: +0:01.0 on average" in totals
        assert "targets from 5k 20:00 (VDOT 49.8)" in totals
        shown = " ".join(str(w.content) for w in detail.query(Static))
        assert "5k 18:00" not in shown


async def test_editor_totals_count_race_derived_reps_for_the_runners_race(app_paths, clock):
    app_paths.config_dir.mkdir(parents=True)
    app_paths.settings_file.write_text('[runner]\nrace = "5k 20:00"\n')
    app = build(app_paths, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_probe(pilot, "ctrl+e")
        await pilot.pause()
        outline = text_of(app.screen, "#editor-outline")
        # 2 x 400 m at 5k pace (1:36 each) and one 30 s rest, as the menu counts them
        assert outline.startswith("Total ~3:42 · 2 work reps · work 3:12")
        assert "400 m @ 5k pace" in outline
