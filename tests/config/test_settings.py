"""The settings file as a runner meets it: created once with commented defaults, every key
taking effect in the real app, bad values reported with only those keys defaulted, the file
never rewritten."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from speedtimer.config.paths import Paths, resolve_paths, sounds_dir
from speedtimer.config.settings import (
    DEFAULT_VOICE_COMMAND,
    KEY_DOCS,
    KEYS,
    Settings,
    load_settings,
)
from speedtimer.config.template import create_settings_file
from speedtimer.core.phrases import DEFAULT_PHRASES, PHRASE_KEYS
from speedtimer.formats.catalog import load_catalog
from speedtimer.formats.preset_save import preset_to_toml, save_preset
from speedtimer.formats.preset_toml import load_preset
from speedtimer.sound.audio import NullAudio
from speedtimer.tui.app import make_app
from speedtimer.tui.screens.run import RunScreen
from tests.conftest import REPO
from tests.helpers_app import after_first_frame
from tests.helpers_config import app_bindings, deep_check
from tests.reliability import tried

DOCS = REPO / "docs" / "settings.md"

NO_CUE_KEYS = """
name = "Cue defaults probe"
tags = ["probe-default"]
[[steps]]
kind = "work"
duration = 30
"""

OWN_CUE_KEYS = """
name = "Cue own probe"
tags = ["probe-own"]
countdown = 2
halfway = false
[[steps]]
kind = "work"
duration = 30
"""


class CueLog(NullAudio):
    """Stands in for the sound device only: records which cues the session asked it to play."""

    def __init__(self) -> None:
        super().__init__(None)
        self.available = True
        self.played: list[str] = []

    def play(self, cue: str, *, at: float | None = None) -> bool:
        self.played.append(cue)
        return True


@pytest.fixture
def probe_dir(tmp_path) -> Path:
    folder = tmp_path / "probe-presets"
    folder.mkdir()
    (folder / "defaults.toml").write_text(NO_CUE_KEYS)
    (folder / "own.toml").write_text(OWN_CUE_KEYS)
    return folder


@pytest.fixture
def cfg(tmp_path, probe_dir) -> Paths:
    return Paths(
        config_dir=tmp_path / "config",
        data_dir=tmp_path / "data",
        extra_presets_dirs=(probe_dir,),
    )


def write_settings(paths: Paths, text: str) -> Path:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text(text, encoding="utf-8")
    return paths.settings_file


def defaults_of(settings: Settings) -> Settings:
    return replace(settings, file=None, from_file=frozenset())


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


# --- the file as first created -------------------------------------------------------------


async def test_first_start_creates_a_commented_file_that_loads_as_all_defaults(cfg, clock):
    assert not cfg.settings_file.exists()
    app = make_app(cfg, clock=clock, wall_clock=clock.wall, audio=NullAudio("test"))
    async with app.run_test(size=(80, 24)) as pilot:
        await after_first_frame(app, pilot)  # written after the first frame, off the UI
        assert notifications(app) == []  # a fresh file has nothing to complain about
    text = cfg.settings_file.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert all(line.startswith("#") for line in lines), "every setting is commented out"
    for key in KEYS:  # each key is there, at its default, after a line saying what it does
        at = next(i for i, line in enumerate(lines) if re.match(rf"# \[?{key}\]?( =|$)", line))
        assert not re.match(r"# [\w\[]+( =|\]$)", lines[at - 1]), f"{key} has no explanation"
    settings, problems = load_settings(cfg.settings_file)
    assert problems == []
    assert defaults_of(settings) == Settings()
    assert settings.from_file == frozenset()


def test_uncommenting_every_setting_still_gives_the_defaults(tmp_path):
    """The commented values are the real defaults: a user who uncomments them changes nothing."""
    path = tmp_path / "settings.toml"
    assert create_settings_file(path, sounds_dir=sounds_dir(), bindings=app_bindings())
    setting_line = re.compile(r"^# ((\[\w+\])|([\w.]+ = .*))$")
    text = "\n".join(
        line[2:] if setting_line.match(line) else line for line in path.read_text().splitlines()
    )
    path.write_text(text)
    settings, problems = load_settings(path)
    assert problems == []
    assert deep_check(settings, sounds_dir()) == []
    assert set(settings.from_file) == set(KEYS)  # really read from the file, every one
    data_default = resolve_paths(config_dir=tmp_path / "elsewhere")[0].data_dir
    assert settings.data_dir == data_default
    assert settings.keys == {bid: keys for bid, (keys, _) in app_bindings().items()}
    assert defaults_of(replace(settings, data_dir=None, sounds={}, keys={})) == Settings()


def test_an_existing_file_is_never_overwritten(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("get_ready = 'soon'\n")
    assert create_settings_file(path, sounds_dir=sounds_dir(), bindings=app_bindings()) is False
    assert path.read_text() == "get_ready = 'soon'\n"


async def test_the_app_never_rewrites_a_bad_file(cfg, clock):
    original = 'get_ready = "soon"\ntheme = "nrod"\n[keys]\nlapp = "k"\n'
    write_settings(cfg, original)
    app = make_app(cfg, clock=clock, wall_clock=clock.wall, audio=NullAudio("test"))
    async with app.run_test(size=(80, 24)) as pilot:
        await after_first_frame(app, pilot)  # where a first run's file is written
    assert cfg.settings_file.read_text() == original


# --- each key's effect, in the app -----------------------------------------------------------


async def test_theme_is_applied_at_start(cfg, clock):
    write_settings(cfg, 'theme = "nord"\n')
    app = make_app(cfg, clock=clock, wall_clock=clock.wall, audio=NullAudio("test"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "nord"
        assert notifications(app) == []


async def test_bad_theme_is_reported_and_the_other_settings_still_apply(cfg, clock):
    write_settings(cfg, 'theme = "nrod"\nget_ready = 0\nmute = true\n')
    app = make_app(cfg, clock=clock, wall_clock=clock.wall, audio=NullAudio("test"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        (message,) = notifications(app)
        assert str(cfg.settings_file) in message
        assert ": theme (did you mean 'nord'?)." in message
        assert "`speedtimer config show` lists each problem in full" in message
        assert app.get_ready_s == 0 and app.muted is True


async def test_unknown_binding_id_is_reported_and_the_good_ones_apply(cfg, clock):
    write_settings(cfg, 'get_ready = 0\n[keys]\nlapp = "k"\nskip = "j"\n')
    app = make_app(cfg, clock=clock, wall_clock=clock.wall, audio=NullAudio("test"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        (message,) = notifications(app)
        assert ": keys.lapp (did you mean 'lap'?)." in message
        assert "speedtimer config show" in message and "preset_edit" not in message
        await pilot.press(*"probe-own", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        await pilot.press("j")  # remapped skip: the only step ends, the session is done
        await pilot.pause()
        assert screen.session.timer.done


async def run_probe(cfg, clock, tag: str) -> list[str]:
    """Choose a probe preset in the menu, run its 30 s step and return the cues played."""
    audio = CueLog()
    app = make_app(cfg, clock=clock, wall_clock=clock.wall, audio=audio, get_ready_s=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*tag, "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        for _ in range(30):
            clock.advance(1)
            screen.tick()
            await pilot.pause()
        assert screen.session.timer.done
    return audio.played


async def test_default_countdown_and_halfway_fill_in_only_what_a_preset_left_out(cfg, clock):
    write_settings(cfg, "countdown = 5\nhalfway = true\n")
    played = await run_probe(cfg, clock, "probe-default")
    assert played.count("pip") == 5  # the settings' countdown
    assert "halfway" in played  # the settings' halfway
    played = await run_probe(cfg, clock, "probe-own")
    assert played.count("pip") == 2  # the preset's own countdown = 2 wins
    assert "halfway" not in played  # and its own halfway = false


async def test_without_settings_the_built_in_countdown_applies(cfg, clock):
    played = await run_probe(cfg, clock, "probe-default")
    assert played.count("pip") == 3 and "halfway" not in played


def test_saving_a_loaded_preset_never_writes_the_settings_default_into_it(cfg, tmp_path):
    settings = Settings(countdown=7, halfway=True)
    catalog = load_catalog(cfg, settings)
    defaulted = catalog.find("Cue defaults probe")
    own = catalog.find("Cue own probe")
    assert (defaulted.countdown, defaulted.halfway) == (7, True)
    assert (own.countdown, own.halfway) == (2, False)
    text = preset_to_toml(defaulted)
    assert "countdown" not in text and "halfway" not in text
    assert "countdown = 2" in preset_to_toml(own)
    saved = load_preset(save_preset(defaulted, tmp_path / "out"))
    assert saved.unset == {"countdown", "halfway"}
    assert (saved.countdown, saved.halfway) == (3, False)  # the file's own defaults again
    assert load_catalog(cfg, settings).find(str(saved.source)).countdown == 7


def test_catalog_reads_the_settings_file_when_not_given_settings(cfg):
    write_settings(cfg, "countdown = 6\n")
    assert load_catalog(cfg).find("Cue defaults probe").countdown == 6
    assert load_catalog(cfg).find("Cue own probe").countdown == 2


# --- bad values ------------------------------------------------------------------------------

GOOD = {
    "get_ready": ("0", "get_ready_s", 0),
    "countdown": ("7", "countdown", 7),
    "halfway": ("true", "halfway", True),
    "mute": ("true", "mute", True),
    "theme": ('"nord"', "theme", "nord"),
    "data_dir": ('"/srv/runs"', "data_dir", Path("/srv/runs")),
    "presets_dirs": ('["/srv/p"]', "presets_dirs", (Path("/srv/p"),)),
    "voice": ("true", "voice", True),
    "voice_command": (
        '["espeak-ng", "-w", "{file}", "{text}"]',
        "voice_command",
        ("espeak-ng", "-w", "{file}", "{text}"),
    ),
    "voice_name": ('"en-us"', "voice_name", "en-us"),
    "voice_speed": ("200", "voice_speed", 200),
}
COMMAND_EXPECTED = 'expected a list of strings, e.g. ["espeak-ng", "-w", "{file}", "{text}"]'

BAD = [
    ("get_ready", '"soon"', "expected whole seconds 0-60, got a string ('soon')", 5),
    ("get_ready", "61", "expected whole seconds 0-60, got an integer (61)", 5),
    ("countdown", "11", "expected an integer 0-10, got an integer (11)", 3),
    ("countdown", "true", "expected an integer 0-10, got a boolean (True)", 3),
    ("halfway", '"yes"', "expected true or false, got a string ('yes')", False),
    ("mute", "1", "expected true or false, got an integer (1)", False),
    ("theme", "3", 'expected a theme name such as "nord", got an integer (3)', "textual-dark"),
    ("data_dir", "[]", "expected a folder as a string, got a list ([])", None),
    ("presets_dirs", '"/one"', "expected a list of folders", ()),
    ("voice", '"on"', "expected true or false, got a string ('on')", False),
    ("voice_command", "[]", COMMAND_EXPECTED + ", got a list ([])", DEFAULT_VOICE_COMMAND),
    ("voice_command", "7", COMMAND_EXPECTED + ", got an integer (7)", DEFAULT_VOICE_COMMAND),
    (
        "voice_command",
        '["espeak-ng", "{text}"]',
        COMMAND_EXPECTED + " that holds {file}, got a list",
        DEFAULT_VOICE_COMMAND,
    ),
    (
        "voice_command",
        '"say {txt} -o {file}"',
        COMMAND_EXPECTED + " with the placeholders {text}, {file}, {voice}, {speed} "
        "(unknown: {txt}), got a string",
        DEFAULT_VOICE_COMMAND,
    ),
    ("voice_name", '""', 'expected a voice name such as "en-us", got a string', "en"),
    ("voice_speed", "500", "expected words per minute 80-450, got an integer (500)", 175),
    ("voice_speed", "1.5", "expected words per minute 80-450, got a number (1.5)", 175),
]


@tried(
    "Settings file",
    "each setting given a value of the wrong type or range, beside valid values for all the others",
    "one problem naming the file, key, what was expected and what was found; only that key "
    "fell back to its default",
)
@pytest.mark.parametrize("key, raw, expected, default", BAD, ids=[f"{b[0]}={b[1]}" for b in BAD])
def test_a_bad_value_is_reported_and_only_it_falls_back(tmp_path, key, raw, expected, default):
    lines = [f"{k} = {v}" for k, (v, _, _) in GOOD.items() if k != key]
    path = tmp_path / "settings.toml"
    path.write_text("\n".join([f"{key} = {raw}", *lines]) + "\n")
    settings, problems = load_settings(path)
    (problem,) = problems
    assert problem.startswith(f"{path}: {key}: {expected}")
    assert "using the default" in problem
    field = GOOD[key][1]
    assert getattr(settings, field) == default
    for k, (_, attr, value) in GOOD.items():
        if k != key:
            assert getattr(settings, attr) == value, f"good {k} lost because of bad {key}"


def test_unknown_keys_and_bad_table_entries_are_named(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('get_redy = 3\nmute = true\n[sounds]\nwork = 5\nrest = "r.wav"\n')
    settings, problems = load_settings(path)
    assert problems == [
        f"{path}: get_redy: unknown setting; did you mean 'get_ready'? known settings: "
        f"{', '.join(KEYS)}; ignored",
        f"{path}: sounds.work: expected a non-empty string, got an integer (5); ignored",
    ]
    assert settings.mute is True and settings.sounds == {"rest": "r.wav"}


def test_invalid_toml_gives_one_message_with_line_and_column_and_all_defaults(tmp_path):
    path = tmp_path / "settings.toml"
    text = "mute = true\ncountdown = 5\ntheme = nord\n"
    path.write_text(text)
    settings, problems = load_settings(path)
    assert problems == [
        f"{path}:3:9: TOML syntax error: Invalid value; every setting uses its default"
    ]
    assert defaults_of(settings) == Settings()
    assert path.read_text() == text


def test_relative_and_home_folders(tmp_path):
    path = tmp_path / "cfg" / "settings.toml"
    path.parent.mkdir()
    path.write_text('data_dir = "history"\npresets_dirs = ["~/runs", "/abs"]\n')
    settings, _ = load_settings(path)
    assert settings.data_dir == tmp_path / "cfg" / "history"
    assert settings.presets_dirs == (Path.home() / "runs", Path("/abs"))


# --- folders: flag > env > file > default ----------------------------------------------------


def test_folder_precedence(tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "settings.toml").write_text(f'data_dir = "{tmp_path / "file-data"}"\n')
    env = {"SPEEDTIMER_CONFIG_DIR": str(cfg)}
    paths, sources = resolve_paths(env=env)
    assert paths.data_dir == tmp_path / "file-data" and sources["data_dir"] == "file"
    assert sources["config_dir"] == "env"
    env["SPEEDTIMER_DATA_DIR"] = str(tmp_path / "env-data")
    paths, sources = resolve_paths(env=env)
    assert paths.data_dir == tmp_path / "env-data" and sources["data_dir"] == "env"
    paths, sources = resolve_paths(env=env, data_dir=tmp_path / "flag-data")
    assert paths.data_dir == tmp_path / "flag-data" and sources["data_dir"] == "flag"
    paths, sources = resolve_paths(env={}, config_dir=tmp_path / "empty")
    assert sources["data_dir"] == "default"
    assert paths.data_dir == Path.home() / ".local" / "share" / "speedtimer"


# --- documentation ---------------------------------------------------------------------------


def test_every_key_is_documented_in_the_table():
    text = DOCS.read_text(encoding="utf-8")
    rows = {m.group(1) for m in re.finditer(r"^\| `(\[?\w+\]?)` \|", text, re.MULTILINE)}
    assert {k.strip("[]") for k in rows} == set(KEYS)
    for doc in KEY_DOCS:
        assert doc.meaning.rstrip(".") in text, f"{doc.name}: docs and template disagree"
    assert "docs/settings.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_docs_list_every_phrase_with_its_default():
    text = DOCS.read_text(encoding="utf-8")
    for key in PHRASE_KEYS:
        assert f"| `{key}` | `{_toml(DEFAULT_PHRASES[key])}` |" in text, key


def _toml(value: str) -> str:
    return '"' + value + '"'


# --- the voice's settings --------------------------------------------------------------------


def test_phrases_replace_only_the_defaults_they_name_and_empty_switches_one_off(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('[phrases]\nwork = "{what}, rep {rep}. Go."\nten_seconds = ""\n')
    settings, problems = load_settings(path)
    assert problems == []
    assert settings.phrases == {
        **DEFAULT_PHRASES,
        "work": "{what}, rep {rep}. Go.",
        "ten_seconds": "",
    }
    assert "phrases" in settings.from_file


def test_bad_phrases_are_named_and_keep_their_default(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(
        'voice = true\n[phrases]\nwrok = "Go"\nwork = "Rep {rpe}."\nrest = 5\n'
        'halfway = "Half {"\nfinished = "Done in {minutes} minutes."\n'
    )
    settings, problems = load_settings(path)
    assert problems == [
        f"{path}: phrases.wrok: no phrase has that name; did you mean 'work'? phrases: "
        f"{', '.join(PHRASE_KEYS)}; ignored",
        f"{path}: phrases.work: unknown placeholder {{rpe}}; did you mean {{rep}}? placeholders:"
        " {rep}, {reps}, {set}, {sets}, {what}, {label}, {distance}, {duration}, {target}; "
        "got 'Rep {rpe}.'; using the default 'Rep {rep} of {reps}. {what}. Go.'",
        f'{path}: phrases.rest: expected a string ("" switches it off), got an integer (5); '
        "using the default 'Rest. {duration}.'",
        f"{path}: phrases.halfway: not a phrase template (Single '{{' encountered in format "
        "string); write a literal brace as {{ or }}; got 'Half {'; using the default "
        "'Halfway.'",
    ]
    assert settings.voice is True  # the good settings stay
    assert settings.phrases == {**DEFAULT_PHRASES, "finished": "Done in {minutes} minutes."}
    path.write_text('phrases = "loud"\n')
    settings, problems = load_settings(path)
    assert problems == [
        f"{path}: phrases: expected a table [phrases], got a string ('loud'); ignored"
    ]
    assert settings.phrases == DEFAULT_PHRASES


def test_a_voice_command_string_is_split_like_a_shell(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("voice_command = \"espeak-ng -v '{voice}' -w {file} -- {text}\"\n")
    settings, problems = load_settings(path)
    assert problems == []
    assert settings.voice_command == ("espeak-ng", "-v", "{voice}", "-w", "{file}", "--", "{text}")


def test_with_the_voice_on_a_missing_speech_command_is_a_problem(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('voice = true\nvoice_command = ["no-such-speaker", "{file}", "{text}"]\n')
    settings, problems = load_settings(path)
    assert problems == []  # cheap reading checks the form only
    (problem,) = deep_check(settings, sounds_dir())
    assert problem == (
        f"{path}: voice_command: the speech command 'no-such-speaker' was not found; "
        "the voice stays silent (beeps only) until it is installed"
    )
    path.write_text('voice = false\nvoice_command = ["no-such-speaker", "{file}", "{text}"]\n')
    assert deep_check(load_settings(path)[0], sounds_dir()) == []  # off: nothing to say


def test_settings_doc_lists_every_cue_name_in_order():
    """docs/settings.md names the [sounds] keys: exactly the app's cues (core/cues.py)."""
    import re

    from speedtimer.core.cues import CUE_NAMES

    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    m = re.search(r"\*\*`\[sounds\]`\*\*: cue names are ((?:`\w+`(?:, )?)+)\.", text)
    assert m, "the [sounds] entry of docs/settings.md no longer lists the cue names"
    assert re.findall(r"`(\w+)`", m.group(1)) == list(CUE_NAMES)


# --- the runner's race -------------------------------------------------------------------------


def test_runner_race_is_read_and_a_bad_one_is_reported_not_fatal(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('mute = true\n[runner]\nrace = "10k 41:21"\n')
    settings, problems = load_settings(path)
    assert problems == []
    assert settings.race is not None and settings.race.text == "10k 41:21"
    assert settings.race.vdot == pytest.approx(50, abs=0.2)
    assert "runner" in settings.from_file
    path.write_text('mute = true\n[runner]\nrace = "5k 9:00"\nshoe = "x"\n')
    settings, problems = load_settings(path)
    assert settings.race is None and settings.mute is True  # the rest still applies
    assert any("runner.race" in p and "faster than the model covers" in p for p in problems)
    assert any("runner.shoe" in p and "unknown" in p for p in problems)
    path.write_text('runner = "5k 20:00"\n')
    settings, problems = load_settings(path)
    assert settings.race is None and any("expected a table [runner]" in p for p in problems)


FULL_DISK_CHILD = """
import resource, signal, sys
from pathlib import Path
from speedtimer.config.paths import sounds_dir
from speedtimer.config.template import create_settings_file
from tests.helpers_config import app_bindings
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
print(create_settings_file(Path(sys.argv[1]), sounds_dir=sounds_dir(), bindings=app_bindings()))
"""


@tried(
    "settings",
    "settings.toml created on a disk that fills up part way (the kernel refuses every byte past "
    "512, 1,024, 2,048 or 3,000, as a full disk does), then created again with room",
    "no settings.toml at all after the failed write (no cut file, no temporary file left); the "
    "next start wrote the whole template, which loads with no problem",
)
@pytest.mark.parametrize("room", [512, 1024, 2048, 3000])
def test_a_full_disk_never_leaves_a_cut_settings_file(tmp_path, room):
    import subprocess
    import sys

    path = tmp_path / "config" / "settings.toml"
    out = subprocess.run(
        [sys.executable, "-c", FULL_DISK_CHILD, str(path), str(room)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert out.stdout.strip() == "False", out.stderr
    assert sorted(p.name for p in path.parent.iterdir()) == []  # not cut, not half there
    assert create_settings_file(path, sounds_dir=sounds_dir(), bindings=app_bindings())
    settings, problems = load_settings(path)
    assert problems == [] and len(path.read_bytes()) > 3000
    assert settings == load_settings(path)[0]


def test_a_settings_file_made_while_the_template_is_written_is_kept(tmp_path, monkeypatch):
    """The user's editor (or another speedtimer) creates settings.toml between the check and
    the rename: theirs stays, the template is dropped, no temporary file is left."""
    import speedtimer.files as files

    path = tmp_path / "settings.toml"
    real_fsync = files.os.fsync

    def someone_writes_meanwhile(fd):
        real_fsync(fd)
        if not path.exists():
            path.write_text("theme = 'mine'\n")

    monkeypatch.setattr(files.os, "fsync", someone_writes_meanwhile)
    assert create_settings_file(path, sounds_dir=sounds_dir(), bindings=app_bindings()) is False
    assert path.read_text() == "theme = 'mine'\n"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_speak_marks_is_off_by_default_read_as_a_boolean_and_a_bad_value_is_named(tmp_path):
    """Coach mode's spoken marks (issue 15.4): off unless the file says true."""
    path = tmp_path / "settings.toml"
    assert load_settings(path)[0].speak_marks is False
    path.write_text("speak_marks = true\n")
    settings, problems = load_settings(path)
    assert settings.speak_marks is True and problems == [] and "speak_marks" in settings.from_file
    path.write_text('speak_marks = "yes"\n')
    settings, problems = load_settings(path)
    assert settings.speak_marks is False
    assert problems == [
        f"{path}: speak_marks: expected true or false, got a string ('yes'); using the default "
        "false"
    ]
