"""Cues and the voice work in coach mode as in a solo run (issue 15.4): the group screen speaks
the steps from the settings' voice, with the same planner."""

from __future__ import annotations

import shutil

import pytest

from speedtimer.formats.squad import squad_from_dict
from speedtimer.tui.app import make_app
from speedtimer.tui.screens.group_run import GroupRunScreen
from tests.conftest import QuietAudio
from tests.tui.test_app_voice import WAIT_S, app_paths, notifications, run_for, write_settings

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
__all__ = ["app_paths"]  # the fixture, from the solo voice tests


async def test_the_group_screen_speaks_like_the_solo_one(app_paths, clock):
    from speedtimer.formats.preset_toml import parse_preset
    from tests.tui.test_app_voice import PRESET

    write_settings(app_paths, 'voice = true\nget_ready = 5\n[phrases]\nrest = "Easy now."\n')
    audio = QuietAudio()
    app = make_app(
        app_paths, clock=clock, wall_clock=clock.wall, audio=audio, record_history=False,
        start_preset=parse_preset(PRESET),
        start_squad=squad_from_dict({"name": "Two", "athletes": [{"name": "A"}, {"name": "B"}]}),
    )  # fmt: skip
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GroupRunScreen)
        assert app.voice.wait_idle(WAIT_S)
        await run_for(pilot, screen, clock, 5 + 12 + 20 + 1)
        said = [sp.text for sp in screen.session.speech_sent]
        assert said == ["Rep 1 of 3. Hill sprint. Go.", "Easy now.", "Rep 2 of 3. Hill sprint. Go."]
        assert "pips" in audio.played or any(not p.startswith("say-") for p in audio.played)
        assert notifications(app) == []
