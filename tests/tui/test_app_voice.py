"""The voice in the real app, driven by Pilot with a fake clock: the `v` key, the settings and
flag that turn it on, the notice when there is no speech command.

Speech is rendered by the real espeak-ng into the test's cache folder; the sound device is
replaced by QuietAudio, which records the sounds asked for.
"""

from __future__ import annotations

import shutil

import pytest

from speedtimer.cli.main import build_parser
from speedtimer.config.paths import Paths
from speedtimer.tui.app import make_app
from speedtimer.tui.screens.run import RunScreen
from tests.conftest import QuietAudio

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
WAIT_S = 10.0

PRESET = """
name = "Voice probe"
tags = ["voiceprobe"]
countdown = 3
[[steps]]
repeat = 3
  [[steps.steps]]
  kind = "work"
  label = "Hill sprint"
  duration = 12
  [[steps.steps]]
  kind = "rest"
  duration = 20
"""


@pytest.fixture
def app_paths(tmp_path) -> Paths:
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "probe.toml").write_text(PRESET)
    return Paths(
        config_dir=tmp_path / "config",
        data_dir=tmp_path / "data",
        extra_presets_dirs=(folder,),
        cache_dir=tmp_path / "cache",
    )


def write_settings(paths: Paths, text: str) -> None:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text(text)


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


def spoken(audio: QuietAudio) -> list[str]:
    return [name for name in audio.played if name.startswith("say-")]


async def start(pilot) -> RunScreen:
    await pilot.press(*"voiceprobe", "enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, RunScreen)
    return screen


async def run_for(pilot, screen: RunScreen, clock, seconds: float) -> None:
    """Wake when the screen would, as the real timer does, for `seconds` of session time."""
    end = clock.now + seconds
    while True:
        wake = screen.session.next_wake()
        if wake is None or wake > end:
            break
        clock.now = max(clock.now, wake)
        screen.tick()
    clock.now = end
    screen.tick()
    await pilot.pause()


async def test_v_turns_the_voice_on_and_off_and_the_footer_shows_it(app_paths, clock):
    audio = QuietAudio()
    app = make_app(app_paths, clock=clock, wall_clock=clock.wall, audio=audio, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start(pilot)
        bindings = {b.binding.id: b for b in screen.active_bindings.values()}
        assert bindings["voice"].binding.key == "v" and bindings["voice"].enabled
        assert bindings["voice"].binding.description == "Voice"
        assert not screen.session.voice_on and app.voice_on is False
        await run_for(pilot, screen, clock, 5)
        assert spoken(audio) == [] and audio.loaded == {}  # off by default: nothing rendered

        await pilot.press("v")
        await pilot.pause()
        assert "Voice on" in notifications(app)
        assert screen.session.voice_on and app.voice_on
        assert app.voice.wait_idle(WAIT_S)
        await run_for(pilot, screen, clock, 7 + 20)  # the rest of rep 1 and the rest
        said = [sp.text for sp in screen.session.speech_sent]
        assert said == ["Rest. 20 seconds.", "Rep 2 of 3. Hill sprint. Go."]
        assert spoken(audio) == [app.voice.sound(t) for t in said]

        await pilot.press("v")
        await pilot.pause()
        assert "Voice off" in notifications(app) and app.voice_on is False
        await run_for(pilot, screen, clock, 32)
        assert len(screen.session.speech_sent) == 2  # nothing more said


async def test_voice_from_the_settings_speaks_from_the_first_step(app_paths, clock):
    write_settings(app_paths, 'voice = true\nget_ready = 5\n[phrases]\nrest = "Easy now."\n')
    audio = QuietAudio()
    app = make_app(app_paths, clock=clock, wall_clock=clock.wall, audio=audio)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start(pilot)
        assert app.voice.wait_idle(WAIT_S)
        await run_for(pilot, screen, clock, 5 + 12 + 20 + 1)
        said = [sp.text for sp in screen.session.speech_sent]
        # "Rep 1 of 3. Hill sprint. Go." does not fit the 5 s get-ready before its pips:
        # it follows the work cue
        assert said == ["Rep 1 of 3. Hill sprint. Go.", "Easy now.", "Rep 2 of 3. Hill sprint. Go."]
        assert notifications(app) == []
        assert list(app_paths.speech_cache_dir.glob("*.wav"))  # the cache is where it was put


async def test_the_no_voice_flag_wins_over_the_settings(app_paths, clock):
    write_settings(app_paths, "voice = true\n")
    args = build_parser().parse_args(["--no-voice"])
    assert args.voice is False
    app = make_app(app_paths, clock=clock, wall_clock=clock.wall, audio=QuietAudio(), voice=False)
    assert app.voice_on is False
    app = make_app(app_paths, clock=clock, wall_clock=clock.wall, audio=QuietAudio())
    assert app.voice_on is True


async def test_a_speech_command_that_does_not_exist_gives_one_notice_and_beeps(app_paths, clock):
    write_settings(
        app_paths, 'voice = true\nvoice_command = ["no-such-speaker", "-w", "{file}", "{text}"]\n'
    )
    audio = QuietAudio()
    app = make_app(app_paths, clock=clock, wall_clock=clock.wall, audio=audio, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start(pilot)
        await run_for(pilot, screen, clock, 40)
        await pilot.pause()
        # during the session only the status line says it: nothing covers the run screen
        assert notifications(app) == []
        assert str(screen.query_one("#status").content) == RunScreen.VOICE_STATUS
        await pilot.press("q", "y")  # the session ends: the notice, once
        await pilot.pause()
        assert notifications(app) == [
            "Voice unavailable: the speech command 'no-such-speaker' was not found: "
            "check voice_command; beeps only."
        ]
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")  # the same preset again (the filter still holds it)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        assert audio.played[:4] == ["work", "pip", "pip", "pip"]  # the cues, all of them
        assert spoken(audio) == [] and screen.session.speech_sent == []
        await pilot.press("v")  # off
        await pilot.press("v")  # on again: it says why it cannot
        await pilot.pause()
        assert notifications(app)[-1].startswith("Voice unavailable: the speech command")
        assert not screen.session.voice_on


async def test_no_espeak_ng_on_the_path_gives_one_notice(app_paths, clock, tmp_path, monkeypatch):
    empty = tmp_path / "no-programs"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    write_settings(app_paths, "voice = true\n")
    audio = QuietAudio()
    app = make_app(app_paths, clock=clock, wall_clock=clock.wall, audio=audio, get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start(pilot)
        await run_for(pilot, screen, clock, 40)
        assert notifications(app) == []  # held while the session runs
        await pilot.press("q", "y")
        await pilot.pause()
        (notice,) = notifications(app)
        assert "the speech command 'espeak-ng' was not found" in notice
        assert "sudo apt-get install espeak-ng" in notice and notice.endswith("beeps only.")
        assert audio.played.count("pip") >= 6 and spoken(audio) == []
