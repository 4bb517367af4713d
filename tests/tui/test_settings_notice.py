"""Every problem in the settings file: one short notice in the app that points at
`speedtimer config show`, which lists each problem in full."""

from __future__ import annotations

from speedtimer.config.paths import Paths
from speedtimer.config.settings import problems_notice
from speedtimer.sound.audio import NullAudio
from speedtimer.tui.app import SpeedTimerApp, make_app
from speedtimer.tui.keymap import binding_ids
from speedtimer.tui.screens.menu import MenuScreen
from tests.cli.test_cli import run
from tests.helpers_app import notices, screen_text

FIVE = """\
get_ready = "soon"
theme = "nrod"
colour = "red"
[keys]
lapp = "k"
[sounds]
work = "/no/such/file.wav"
"""


def test_the_notice_names_each_setting_and_stays_short(tmp_path):
    file = tmp_path / "settings.toml"
    problems = [
        f"{file}: theme: expected a Textual theme name (did you mean 'nord'?), one of a, b",
        f"{file}: keys.lapp: no key binding has the id 'lapp'; did you mean 'lap'? ids: "
        + ", ".join(sorted(binding_ids(SpeedTimerApp))),
        f"{file}:3:7: TOML syntax error: invalid value",
        f"{file}: get_ready: expected whole seconds 0-60, got a string ('soon')",
        f"{file}: mute: expected true or false",
        f"{file}: halfway: expected true or false",
    ]
    text = problems_notice(problems, file)
    assert text.startswith(f"Settings: 6 problems in {file}: ")
    assert "theme (did you mean 'nord'?), keys.lapp (did you mean 'lap'?), the file, " in text
    assert "get_ready and 2 more." in text
    assert "`speedtimer config show` lists each problem in full" in text
    assert "preset_edit" not in text and len(text) < 300
    one = problems_notice(problems[:1], file)
    assert one.startswith(f"Settings: 1 problem in {file}: theme (did you mean 'nord'?).")


async def test_five_problems_give_one_notice_that_fits(tmp_path, clock):
    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    paths.config_dir.mkdir(parents=True)
    paths.settings_file.write_text(FIVE)
    app = make_app(paths, clock=clock, wall_clock=clock.wall, audio=None, mute=True)
    app._audio = None  # the real start-up: sound files are checked with the settings
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)
        # (the machine's own sound may fail meanwhile: that notice is not the settings')
        messages = [n.message for n in app._notifications if "Sound unavailable" not in n.message]
        assert len(messages) == 1, messages
        [notice] = messages
        assert "Settings: 5 problems" in notice
        for name in ("get_ready", "theme (did you mean 'nord'?)", "colour", "keys.lapp"):
            assert name in notice
        assert "and 1 more" in notice and "speedtimer config show" in notice
        shown = " ".join(screen_text(app).split())
        assert "Settings: 5 problems" in shown and "lists each problem in full." in shown
        _ = app.audio  # the sound helper starts: no second notice about the same file
        await pilot.pause()
        assert not any("Sound override" in n.message for n in app._notifications)
        app._audio = NullAudio("test")


def test_config_show_lists_each_problem_in_full(tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(FIVE)
    out = run("--config-dir", str(config), "config", "show")
    assert out.returncode == 1
    warnings = [line for line in out.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 5, out.stderr
    text = out.stderr
    assert "get_ready: expected whole seconds 0-60, got a string ('soon')" in text
    assert "theme: expected a Textual theme name (did you mean 'nord'?)" in text
    assert "colour: unknown setting" in text
    assert "keys.lapp: no key binding has the id 'lapp'; did you mean 'lap'?" in text
    assert ", ".join(sorted(binding_ids(SpeedTimerApp))) in text  # every binding id, in full
    assert "/no/such/file.wav" in text


async def test_a_notice_steps_aside_while_a_session_runs(tmp_path, clock):
    """Started within the notice's 15 s, a session is not covered by it: it comes back on the
    summary. A problem found during the session (the voice's) waits likewise."""
    from speedtimer.tui.screens.run import RunScreen
    from speedtimer.tui.screens.summary import SummaryScreen
    from tests.conftest import QuietAudio
    from tests.faults.test_faults_history import PRESET
    from tests.helpers_app import preset_paths, start_preset

    paths = preset_paths(tmp_path, PRESET)
    paths.config_dir.mkdir(parents=True)
    paths.settings_file.write_text(
        'theme = "nrod"\nvoice = true\n'
        'voice_command = ["no-such-speaker", "-w", "{file}", "{text}"]\n'
    )
    app = make_app(paths, clock=clock, wall_clock=clock.wall, audio=QuietAudio(), get_ready_s=0)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        assert [m for m in notices(app) if m.startswith("Settings:")]
        run = await start_preset(app, pilot, "faultonly")
        await pilot.pause()
        assert notices(app) == []  # the step, target and progress are not covered
        text = screen_text(app)
        assert "Settings:" not in text and "Voice unavailable" not in text
        assert str(run.query_one("#status").content) == RunScreen.VOICE_STATUS
        await pilot.press("m")  # a key's own answer still shows at once
        await pilot.pause()
        assert notices(app) == ["Sound off"]
        while run.is_attached:
            clock.advance(10)
            run.tick()
            await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        said = notices(app)
        assert any(m.startswith("Settings: 1 problem") for m in said)
        assert any(m.startswith("Voice unavailable") for m in said)
        assert "Sound off" not in said[1:]  # a key's answer is not said again
