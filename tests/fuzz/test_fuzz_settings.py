"""Settings files that try to break start-up: every key with values of every type, the real
template damaged byte by byte, garbage, huge and special files, and the app started on one.

A bad setting only ever costs that setting: `load_settings` never raises, each problem names
the file and the key, every other key keeps its value, and the app still opens its menu.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speedtimer.config.paths import Paths
from speedtimer.config.settings import KEYS, Settings, load_settings
from speedtimer.config.template import settings_template
from tests.helpers_config import app_bindings, deep_check
from tests.reliability import tried

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
DEFAULTS = Settings()
FIELD = {"get_ready": "get_ready_s"}  # file key -> Settings attribute, where they differ

ANY_VALUE = st.deferred(
    lambda: st.one_of(
        st.integers(),
        st.sampled_from([-1, 0, 3, 10, 11, 60, 61, 2**63 - 1, -(2**63)]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([math.nan, math.inf]),
        st.booleans(),
        st.text(max_size=20),
        st.sampled_from(
            ["", " ", "nord", "[/]", "~", "~nobody-here-xyz/x", "a\x00b", "/dev/zero", "..",
             "../../etc", "\x1b[2J", "ctrl+", ",,,", "f99", "space,p", "/" * 300]
        ),
        st.datetimes(),
        st.lists(st.one_of(st.text(max_size=8), st.integers()), max_size=3),
        st.dictionaries(st.text(max_size=8), ANY_VALUE, max_size=3),
    )
)  # fmt: skip
SETTINGS_DATA = st.dictionaries(
    st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), ANY_VALUE, max_size=8
)


@tried(
    "Settings file",
    "settings files of every known key (and unknown ones) set to values of every type: "
    "huge and edge ints, NaN, inf, floats, booleans, datetimes, lists, tables, markup, "
    "ESC, NUL, '~nobody/x', /dev/zero, long paths",
    "load_settings never raised; each bad key gave one problem naming the file and that "
    "key and fell back to its default; every valid key kept its value",
)
@FUZZ
@given(SETTINGS_DATA)
def test_any_settings_file_gives_settings_and_per_key_problems(tmp_path, data):
    path = tmp_path / "settings.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    result, problems = load_settings(path)
    assert isinstance(result, Settings)
    for problem in problems:
        assert problem.startswith(f"{path}: "), problem
    for key in data:
        named = [p for p in problems if p.startswith((f"{path}: {key}:", f"{path}: {key}."))]
        if key not in KEYS or key in ("sounds", "keys", "phrases", "runner"):  # tables: per entry
            continue
        value = getattr(result, FIELD.get(key, key))
        if named:  # a bad value: the default stands
            assert value == getattr(DEFAULTS, FIELD.get(key, key)), (key, value)
        else:
            assert key in result.from_file
    # and what the app checks later (themes, binding ids, sound files) never raises either
    for problem in deep_check(result, Paths(tmp_path, tmp_path).sounds_dir):
        assert problem.startswith(f"{path}: "), problem


def _uncommented_template() -> str:
    text = settings_template(
        default_data_dir=Path("/tmp/speedtimer-data"),
        sounds_dir=Path("/tmp/sounds"),
        bindings=app_bindings(),
    )
    return re.sub(r"(?m)^# (?=\[|[a-z_]+ = )", "", text)


TEMPLATE = _uncommented_template()


@st.composite
def damaged_template(draw) -> bytes:
    raw = bytearray(TEMPLATE.encode("utf-8"))
    for _ in range(draw(st.integers(1, 8))):
        if not raw:
            break
        at = draw(st.integers(0, len(raw) - 1))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if op == "flip":
            raw[at] = draw(st.integers(0, 255))
        elif op == "insert":
            raw[at:at] = draw(
                st.one_of(st.binary(max_size=6), st.sampled_from([b"[", b'"', b"=", b"\n[keys]\n"]))
            )
        elif op == "delete":
            del raw[at : at + draw(st.integers(1, 30))]
        else:
            del raw[at:]
    return bytes(raw)


@tried(
    "Settings file",
    "the real settings template, every line uncommented, then damaged byte by byte (flips, "
    "inserted brackets, quotes and tables, deletions, truncations)",
    "settings or one TOML/encoding problem with file, line and column; never an exception",
)
@FUZZ
@given(damaged_template())
def test_damaged_template_never_raises(tmp_path, raw):
    path = tmp_path / "settings.toml"
    path.write_bytes(raw)
    result, problems = load_settings(path)
    assert isinstance(result, Settings)
    assert all(p.startswith(f"{path}") for p in problems)


def test_the_uncommented_template_loads_without_problems(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(TEMPLATE, encoding="utf-8")
    assert load_settings(path)[1] == []


def _fifo(path: Path) -> None:
    os.mkfifo(path)


SPECIAL = {
    "empty": (lambda p: p.write_bytes(b""), None),
    "binary garbage": (lambda p: p.write_bytes(b"\xff\xfe\x00\x81garbage"), "cannot read"),
    "10 MB": (lambda p: p.write_bytes(b"#" * 10_000_000), "settings files are limited to"),
    "a FIFO": (_fifo, "it is a FIFO (named pipe), not a regular file"),
    "a symlink to /dev/zero": (lambda p: p.symlink_to("/dev/zero"), "character device"),
    "a folder": (lambda p: p.mkdir(), "it is a folder"),
    "a 5000-digit number": (lambda p: p.write_text("get_ready = " + "1" * 5000), "too many"),
    "100,000 nested arrays": (
        lambda p: p.write_text("presets_dirs = " + "[" * 100_000 + "]" * 100_000),
        "nests too deeply",
    ),
}


@tried(
    "Settings file",
    "special settings files: empty, binary garbage, 10 MB, a FIFO, a symlink to /dev/zero, "
    "a folder, a 5000-digit number, 100,000 nested arrays",
    "one problem naming the file and what is wrong, every setting at its default, at once "
    "(nothing read past 1 MiB, the FIFO never waited on)",
)
@pytest.mark.parametrize("case", sorted(SPECIAL))
def test_special_settings_files_give_defaults_and_one_problem(tmp_path, case):
    make, words = SPECIAL[case]
    path = tmp_path / "settings.toml"
    make(path)
    result, problems = load_settings(path)
    assert result == Settings(file=path)
    if words is None:
        assert problems == []
    else:
        (problem,) = problems
        assert problem.startswith(f"{path}") and words in problem, problem
        assert "default" in problem


@tried(
    "Settings file",
    "folder settings that name no folder: '~nobody-here/x' (no such user), a NUL byte, "
    "a list holding a number",
    "that setting reported and defaulted; the others kept; no RuntimeError or ValueError",
)
@pytest.mark.parametrize(
    "line, key",
    [
        ('data_dir = "~nobody-here-xyz/runs"', "data_dir"),
        ('data_dir = "/tmp/a\\u0000b"', "data_dir"),
        ('presets_dirs = ["~nobody-here-xyz/p"]', "presets_dirs"),
        ('presets_dirs = ["ok", "a\\u0000b"]', "presets_dirs"),
        ('presets_dirs = ["ok", 3]', "presets_dirs"),
    ],
)
def test_folders_that_cannot_be_folders_are_per_key_problems(tmp_path, line, key):
    path = tmp_path / "settings.toml"
    path.write_text(f"mute = true\n{line}\n", encoding="utf-8")
    result, problems = load_settings(path)
    (problem,) = problems
    assert problem.startswith(f"{path}: {key}: expected ")
    assert result.mute is True and getattr(result, key) == getattr(DEFAULTS, key)


GARBAGE_SETTINGS = f"""
get_ready = "{"9" * 50}"
countdown = nan
halfway = 1979-05-27T07:32:00Z
mute = "[/]"
theme = "[@click=app.quit]quit[/]"
data_dir = "~nobody-here-xyz/data"
presets_dirs = ["a\\u0000b", 5]
unknown_thing = {{a = [1, [2, [3]]]}}

[sounds]
work = "/dev/zero"
rest = "/etc/shadow"
pip = "~nobody-here-xyz/pip.wav"
lap = "\\u001b[2J.wav"
nope = "x.wav"

[keys]
pause = "[/]"
start = ",,,"
skip = "ctrl+"
"[/]" = "x"
quit = "\\u001b"
"""


@tried(
    "Settings file",
    "the app started on a settings file where every key is wrong (markup, a click action, "
    "NaN, a datetime, an unknown user's home, NUL, /dev/zero and /etc/shadow as cue sounds, "
    "unbindable keys)",
    "the menu opened with every bundled preset; one plain-text notice naming the file and "
    "pointing at `config show`, each problem in full in the log; no action ran, nothing "
    "written to the settings file",
)
async def test_the_app_starts_on_a_garbage_settings_file(tmp_path, caplog):
    from speedtimer.tui.app import make_app
    from speedtimer.tui.screens.menu import MenuScreen
    from tests.conftest import FakeClock

    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    paths.config_dir.mkdir(parents=True)
    paths.settings_file.write_text(GARBAGE_SETTINGS, encoding="utf-8")
    before = paths.settings_file.read_bytes()
    clock = FakeClock()
    app = make_app(paths, clock=clock, wall_clock=clock.wall, mute=True)
    async with app.run_test(size=(110, 40), notifications=True) as pilot:
        for _ in range(3):
            await pilot.pause()
        _ = app.audio  # resolves the cue files, as the app does after its first frame
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)
        assert app.is_running
        assert len(app.catalog.presets) >= 10
        messages = [n.message for n in app._notifications]
        # one short notice for them all, naming the file; config show and the log say each
        [notice] = [m for m in messages if m.startswith("Settings:")]
        assert str(paths.settings_file) in notice and "speedtimer config show" in notice
        assert notice.count(",") < 12 and len(notice) < 400
        log = caplog.text  # the log file's lines
        for key in ("get_ready", "countdown", "halfway", "mute", "data_dir", "presets_dirs"):
            assert f"settings.toml: {key}:" in log, key
        assert "theme:" in log
        assert "'work' cue ignored: /dev/zero: not a regular file" in log
        assert "'rest' cue ignored: /etc/shadow: not a 16-bit PCM WAV" in log
        assert "keys.[/]" in log
    assert paths.settings_file.read_bytes() == before
