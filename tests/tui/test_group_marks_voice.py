"""Spoken marks on the group screen (issue 15.4): `speak_marks` in the settings, `V` to turn
them on or off, the status line that says so, and athlete keys (one at a time and in a burst)
said as "Ana 4" by the real espeak-ng. The sound device is QuietAudio, which records what it
was asked to play; the clock is fake."""

from __future__ import annotations

import shutil

import pytest

from speedtimer.formats.squad import key_problem, squad_from_dict
from speedtimer.tui.app import make_app
from speedtimer.tui.screens.group_run import GroupRunScreen
from speedtimer.tui.screens.run import RunScreen
from tests.conftest import QuietAudio
from tests.tui.test_app_voice import (
    PRESET,
    WAIT_S,
    app_paths,
    notifications,
    run_for,
    write_settings,
)

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
__all__ = ["app_paths"]  # the fixture, from the solo voice tests
SQUAD = {"name": "Two", "athletes": [{"name": "Ana"}, {"name": "Ben"}, {"name": "Cid"}]}


def make_group_app(app_paths, clock, audio):
    from speedtimer.formats.preset_toml import parse_preset

    return make_app(
        app_paths, clock=clock, wall_clock=clock.wall, audio=audio, record_history=False,
        start_preset=parse_preset(PRESET), start_squad=squad_from_dict(SQUAD),
    )  # fmt: skip


def status(screen) -> str:
    return str(screen.query_one("#status").content)


def marks_said(screen) -> list[str]:
    return [m.text for m in screen.session.marks_said]


@needs_espeak
async def test_speak_marks_from_the_settings_says_each_key_and_v_shift_turns_it_off(
    app_paths, clock
):
    write_settings(app_paths, "voice = true\nspeak_marks = true\nget_ready = 5\n")
    audio = QuietAudio()
    app = make_group_app(app_paths, clock, audio)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GroupRunScreen)
        assert status(screen) == GroupRunScreen.MARKS_STATUS
        assert app.voice.wait_idle(WAIT_S)
        await run_for(pilot, screen, clock, 5 + 4.3)  # 4.3 s into the 12 s hill sprint
        await pilot.press("1")
        assert app.voice.wait_idle(WAIT_S)
        await run_for(pilot, screen, clock, 0.5)
        assert marks_said(screen) == ["Ana 4"]
        assert any(name.startswith("say-") for name in audio.played)
        await pilot.press("V")  # shift+v
        await pilot.pause()
        assert not screen.session.marks.on and app.speak_marks is False
        assert "Marks not spoken" in notifications(app)
        assert status(screen) == ""
        await pilot.press("2")
        assert app.voice.wait_idle(WAIT_S)
        await run_for(pilot, screen, clock, 2)
        assert marks_said(screen) == ["Ana 4"]  # Ben's mark is not said
        assert screen.session.reps(screen.session.runners[1])[0].splits  # but it is taken


@needs_espeak
async def test_off_by_default_then_v_shift_turns_it_on_and_a_burst_is_said_once_each(
    app_paths, clock
):
    write_settings(app_paths, "voice = true\nget_ready = 5\n")
    audio = QuietAudio()
    app = make_group_app(app_paths, clock, audio)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert status(screen) == "" and not screen.session.marks.on
        # not in the footer (the athletes' keys need it): in the palette's key panel, V
        shown = {k: b.binding.description for k, b in screen.active_bindings.items()}
        assert shown.get("V") == "Say marks"
        assert app.voice.wait_idle(WAIT_S)
        await run_for(pilot, screen, clock, 5 + 2.2)
        await pilot.press("3")  # off: not said
        assert app.voice.wait_idle(WAIT_S)
        await run_for(pilot, screen, clock, 1)
        assert marks_said(screen) == []
        await pilot.press("V")
        await pilot.pause()
        assert screen.session.marks.on and app.speak_marks is True
        assert status(screen) == GroupRunScreen.MARKS_STATUS
        await run_for(pilot, screen, clock, 2)
        await pilot.press("1", "2")  # Ana and Ben cross together, one burst of keys
        assert app.voice.wait_idle(WAIT_S)
        await run_for(pilot, screen, clock, 3)
        # each said once, in order: in one phrase, or one after the other when the first was
        # rendered before the second key came (a few milliseconds)
        assert ", ".join(marks_said(screen)) == "Ana 5, Ben 5"
        await pilot.press("v")  # the voice off: the status line says marks wait for it
        await pilot.pause()
        assert status(screen) == GroupRunScreen.MARKS_NO_VOICE


def test_no_athlete_can_have_a_key_the_group_screen_uses():
    """Every one-character key the group run screen binds (its own and the solo screen's it
    inherits: V for spoken marks among them) is refused as an athlete key."""
    keys = set()
    for cls in (GroupRunScreen, RunScreen):
        for binding in cls.BINDINGS:
            for key in binding.key.split(","):
                char = {"space": " ", "plus": "+", "minus": "-", "equals_sign": "="}.get(key, key)
                if len(char) == 1:
                    keys.add(char)
    assert "V" in keys
    for char in keys:
        assert key_problem(char), f"{char!r} is bound on the group screen but allowed"
