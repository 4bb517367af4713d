"""Preset files that try to break the loader: the bundled presets mutated key by key and byte
by byte, garbage, huge and special files, every limit at its boundary, and a menu full of them.

Every case goes through the real loader on a real file in a temp folder. The only exception
that may come out is PresetError, whose message starts with the file and, for a file that is
valid TOML, names the key path of the problem.
"""

from __future__ import annotations

import math
import os
import tomllib
import tracemalloc
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speedtimer.config.paths import Paths
from speedtimer.core.preset import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_STEPS,
    MAX_TEXT,
    MAX_TOTAL_SECONDS,
    BrokenPreset,
    Preset,
    PresetError,
)
from speedtimer.core.schedule import build_schedule
from speedtimer.core.text import printable
from speedtimer.formats.catalog import load_catalog
from speedtimer.formats.preset_toml import load_folder, load_preset
from tests.conftest import REPO
from tests.reliability import tried

BUNDLED = sorted((REPO / "presets").glob("*.toml"))
BUNDLED_DATA = [tomllib.loads(p.read_text(encoding="utf-8")) for p in BUNDLED]
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def load_or_error(path: Path) -> Preset | PresetError:
    """The loader's answer; anything but a Preset or a PresetError fails the test."""
    try:
        preset = load_preset(path)
    except PresetError as exc:
        text = str(exc)
        assert text.startswith(f"{path}: "), text
        assert exc.message and "Traceback" not in text
        if exc.key:
            assert text.startswith(f"{path}: {printable(exc.key)}: "), text
        return exc
    assert isinstance(preset, Preset)
    assert build_schedule(preset).steps  # a preset that loads can be run
    return preset


# --- structured mutations of the bundled presets ---------------------------------------------

# TOML values of every type, and the awkward ones: huge, negative, NaN, infinity, long text
ODD_VALUES = st.one_of(
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**63 - 1),
    st.sampled_from([0, -1, 10**9, 10**18, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, 5e-324]),
    st.text(max_size=30),
    st.sampled_from(["NaN", "inf", "1e400", "99:99:99", "-1:00", "lap", "", " ", "１:３０"]),
    st.text(min_size=MAX_TEXT - 2, max_size=MAX_TEXT + 2, alphabet="a走\u200b"),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.datetimes(),
)


def _paths_in(data: object, prefix: str = "") -> list[tuple[str, object, object]]:
    """(key path, container, key) for every value in the TOML data."""
    out: list[tuple[str, object, object]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            here = f"{prefix}.{k}" if prefix else k
            out.append((here, data, k))
            out += _paths_in(v, here)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            here = f"{prefix}[{i}]"
            out.append((here, data, i))
            out += _paths_in(v, here)
    return out


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


@st.composite
def mutated_preset(draw) -> tuple[dict, list[str]]:
    """A bundled preset with 1-3 keys dropped, renamed, retyped or set to odd values, or a
    block's repeat made huge or nested very deep. Returns the data and the mutated paths."""
    data = tomllib.loads(tomli_w.dumps(draw(st.sampled_from(BUNDLED_DATA))))  # a deep copy
    changed: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        places = _paths_in(data)
        if not places:
            break
        path, container, key = draw(st.sampled_from(places))
        op = draw(st.sampled_from(["drop", "rename", "retype", "repeat", "nest", "dup"]))
        if op == "drop":
            del container[key]
        elif op == "rename" and isinstance(key, str):
            new = draw(st.sampled_from([key.upper(), key + "s", key[:-1], "ste ps", "名前", ""]))
            container[new] = container.pop(key)
            path = f"{_parent(path)}.{new}".lstrip(".")
        elif op == "repeat" and isinstance(container, dict) and "steps" in container:
            container["repeat"] = draw(st.sampled_from([10**9, 2**63 - 1, 1001, 1000, -5]))
            path = f"{_parent(path)}.repeat".lstrip(".") if key != "repeat" else path
        elif (
            op == "nest"
            and isinstance(container, dict)
            and isinstance(container.get("steps"), list)
        ):
            inner: dict = {"kind": "work", "duration": 1}
            for _ in range(draw(st.integers(1, MAX_DEPTH + 3))):
                inner = {"repeat": draw(st.sampled_from([1, 2, 1000])), "steps": [inner]}
            container["steps"] = [*container["steps"], inner]
        elif op == "dup" and isinstance(container, list):
            container.extend([container[key]] * draw(st.sampled_from([1, 50, 3000])))
        else:
            container[key] = draw(ODD_VALUES)
        changed.append(path)
    return data, changed


def _relates(error_key: str, changed: list[str]) -> bool:
    """The error points at (or inside, or around) something the mutation touched."""
    if error_key == "steps":  # e.g. skip_last_rest leaving nothing to run after a change
        return True
    for path in changed:
        parent = _parent(path)
        if error_key.startswith(parent) or path.startswith(error_key):
            return True
    return False


@tried(
    "Preset files",
    "bundled presets mutated: keys dropped, renamed (case, plural, unicode, empty) or retyped "
    "(huge and 64-bit-edge ints, NaN, inf, floats, datetimes, lists, tables, text around the "
    "2000-char limit), repeat = 10^9 / 2^63-1 / 1001, blocks nested up to 11 deep, step "
    "lists duplicated 3000 times",
    "each file loaded or raised PresetError naming the file and the key path it broke at; "
    "nothing else was raised",
)
@FUZZ
@given(mutated_preset())
def test_mutated_bundled_presets_load_or_name_the_key(tmp_path, case):
    data, changed = case
    path = tmp_path / "mutated.toml"
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):  # e.g. a key tomli-w cannot write: nothing to load
        return
    path.write_text(text, encoding="utf-8")
    result = load_or_error(path)
    if isinstance(result, PresetError):
        if not result.key:  # valid TOML: only its size is a problem of the whole file
            assert "presets are limited to" in result.message, result
            return
        assert _relates(result.key, changed), (result.key, changed)


# --- byte-level damage ---------------------------------------------------------------------


@st.composite
def damaged_bytes(draw) -> bytes:
    raw = bytearray(draw(st.sampled_from(BUNDLED)).read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "splice"]))
        at = draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[at] = draw(st.integers(0, 255))
        elif op == "insert":
            raw[at:at] = draw(
                st.one_of(
                    st.binary(max_size=8),
                    st.sampled_from(
                        [b"[", b"]]", b"{", b'"', b"'''", b"\\u", b"\x00", b"\xef\xbb\xbf",
                         b"\r", b"=", b"\n[[steps]]\n", b"\xc0\x80", b"\xed\xa0\x80"]
                    ),
                )
            )  # fmt: skip
        elif op == "delete":
            del raw[at : at + draw(st.integers(1, 40))]
        elif op == "truncate":
            del raw[at:]
        else:
            raw[at:at] = raw[: draw(st.integers(0, 200))]
    return bytes(raw)


@tried(
    "Preset files",
    "bundled preset files damaged byte by byte: bit flips, inserted brackets, quotes, NUL, "
    "BOM, CR, overlong and surrogate UTF-8, deletions, truncations, spliced copies",
    "each file loaded or raised PresetError naming the file (TOML errors with line and "
    "column); nothing else was raised",
)
@FUZZ
@given(damaged_bytes())
def test_damaged_bytes_load_or_give_a_preset_error(tmp_path, raw):
    path = tmp_path / "damaged.toml"
    path.write_bytes(raw)
    load_or_error(path)


@tried(
    "Preset files",
    "random binary garbage and random text as a preset file",
    "PresetError naming the file (not UTF-8 with its byte, or a TOML error); nothing else",
)
@FUZZ
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(str.encode)))
def test_garbage_gives_a_preset_error(tmp_path, raw):
    path = tmp_path / "garbage.toml"
    path.write_bytes(raw)
    result = load_or_error(path)
    assert isinstance(result, PresetError)


# --- special and huge files ----------------------------------------------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _symlink_to(target: str):
    return lambda path: path.symlink_to(target)


SPECIAL_FILES = {
    "empty": (lambda p: p.write_bytes(b""), "missing: every preset needs a name"),
    "only a BOM": (lambda p: p.write_bytes(b"\xef\xbb\xbf"), "TOML syntax error"),
    "only whitespace": (lambda p: p.write_text(" \n\t\n"), "missing: every preset needs a name"),
    "a PNG": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200)), "not UTF-8"),
    "NUL bytes": (lambda p: p.write_bytes(b"\x00" * 100), "TOML syntax error"),
    "10 MB": (lambda p: p.write_bytes(b"#" * 10_000_000), "presets are limited to 262144"),
    "sparse 64 GB": (lambda p: os.truncate(_touch(p), 64 << 30), "presets are limited to"),
    "a FIFO": (_fifo, "it is a FIFO (named pipe), not a regular file"),
    "a symlink to /dev/zero": (_symlink_to("/dev/zero"), "it is a character device"),
    "a symlink to /dev/urandom": (_symlink_to("/dev/urandom"), "it is a character device"),
    "a dangling symlink": (_symlink_to("/nonexistent/x.toml"), "cannot read file"),
    "a folder": (lambda p: p.mkdir(), "it is a folder, not a regular file"),
    "a number of 5000 digits": (
        lambda p: p.write_text('name = "x"\ncountdown = ' + "9" * 5000 + "\n"),
        "a number has too many digits",
    ),
    "100,000 nested arrays": (
        lambda p: p.write_text('name = "x"\ntags = ' + "[" * 100_000 + "]" * 100_000),
        "too deeply",
    ),
    "50,000 nested inline tables": (
        lambda p: p.write_text('name = "x"\na = ' + "{b=" * 50_000 + "1" + "}" * 50_000),
        "too deeply",
    ),
    "20,000 keys": (
        lambda p: p.write_text("".join(f"k{i} = 1\n" for i in range(20_000))),
        "unknown key 'k0'",
    ),
}


def _touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path


@tried(
    "Preset files",
    "special files as presets: empty, BOM only, whitespace, PNG, NUL bytes, 10 MB, a sparse "
    "64 GB file, a FIFO, symlinks to /dev/zero and /dev/urandom, a dangling symlink, a "
    "folder, a 5000-digit number, 100,000 nested arrays, 50,000 nested inline tables, 20,000 keys",
    "PresetError naming the file and the problem, at once: nothing read past the size limit, "
    "the FIFO never opened for a blocking read, no RecursionError, ValueError or MemoryError",
)
@pytest.mark.parametrize("case", sorted(SPECIAL_FILES))
def test_special_and_huge_files_are_refused_cleanly(tmp_path, case):
    make, words = SPECIAL_FILES[case]
    path = tmp_path / "special.toml"
    make(path)
    result = load_or_error(path)
    assert isinstance(result, PresetError)
    assert words in str(result)
    # the folder as a whole still loads, with this file listed as broken
    (tmp_path / "good.toml").write_bytes(BUNDLED[0].read_bytes())
    entries = load_folder(tmp_path)
    assert [type(e) for e in entries] == [Preset, BrokenPreset]


# --- limits at their boundaries ------------------------------------------------------------

HEAD = 'name = "Limit"\n'


def _blocks(counts: list[int], duration: int = 1) -> str:
    """Blocks nested as `counts` (outermost first) around one timed step."""
    text = HEAD
    for level, count in enumerate(counts, start=1):
        text += f"[[{'.'.join(['steps'] * level)}]]\nrepeat = {count}\n"
    level = len(counts) + 1
    return text + f'[[{".".join(["steps"] * level)}]]\nkind = "work"\nduration = {duration}\n'


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "limit.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _padded(size: int) -> bytes:
    body = (HEAD + '[[steps]]\nkind = "work"\nduration = 5\n').encode()
    return body + b"#" * (size - len(body) - 1) + b"\n"


LIMITS = {
    # name: (at the limit: loads, one past it: the message)
    "file size": (
        _padded(MAX_FILE_BYTES),
        _padded(MAX_FILE_BYTES + 1),
        f"file is {MAX_FILE_BYTES + 1} bytes; presets are limited to {MAX_FILE_BYTES}",
    ),
    "nesting depth": (
        _blocks([1] * MAX_DEPTH),
        _blocks([1] * (MAX_DEPTH + 1)),
        f"repeat blocks nest deeper than the limit of {MAX_DEPTH}",
    ),
    "steps after expanding": (
        _blocks([1000, 5]),
        _blocks([1000, 5]) + '[[steps]]\nkind = "rest"\nduration = 1\n',
        f"steps[1]: the preset expands to more than {MAX_STEPS} steps",
    ),
    "repeat count": (_blocks([1000]), _blocks([1001]), "steps[0].repeat: expected 1 to 1000"),
    "total time": (
        _blocks([2, 1], 24 * 3600),
        _blocks([2, 1], 24 * 3600) + '[[steps]]\nkind = "rest"\nduration = 1\n',
        f"steps[1]: the timed steps add up to more than {MAX_TOTAL_SECONDS // 3600} hours",
    ),
    "one step": (
        HEAD + '[[steps]]\nkind = "work"\nduration = "24:00:00"\n',
        HEAD + '[[steps]]\nkind = "work"\nduration = 86401\n',
        "steps[0].duration: duration 86401 is longer than the 24 hour limit for one step",
    ),
    "label length": (
        HEAD + f'[[steps]]\nkind = "work"\nduration = 5\nlabel = "{"走" * MAX_TEXT}"\n',
        HEAD + f'[[steps]]\nkind = "work"\nduration = 5\nlabel = "{"走" * (MAX_TEXT + 1)}"\n',
        f"steps[0].label: is longer than {MAX_TEXT} characters",
    ),
}


@tried(
    "Preset files",
    "every limit at its boundary: file size 262,144 bytes, nesting 8 deep, 5,000 steps "
    "after expanding, repeat 1,000, one step 24 h, the session's timed steps 48 h, labels "
    "2,000 characters",
    "at the limit the preset loads; one past it the file is refused with the limit's "
    "message and key path",
)
@pytest.mark.parametrize("limit", sorted(LIMITS))
def test_each_limit_at_its_boundary(tmp_path, limit):
    ok, too_much, message = LIMITS[limit]
    assert isinstance(load_or_error(_write(tmp_path, ok)), Preset)
    error = load_or_error(_write(tmp_path, too_much))
    assert isinstance(error, PresetError)
    assert message in str(error)


@tried(
    "Preset files",
    "blocks of repeat = 1000 nested 2, 4 and 8 deep (10^6 to 10^24 steps if expanded)",
    "refused with the step limit before anything is expanded: under 5 MB of memory used",
)
@pytest.mark.parametrize("depth", [2, 4, 8])
def test_huge_expansions_are_refused_without_building_them(tmp_path, depth):
    path = _write(tmp_path, _blocks([1000] * depth))
    tracemalloc.start()
    try:
        error = load_or_error(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(error, PresetError) and "more than 5000 steps" in str(error)
    assert peak < 5_000_000


CONTROL = {
    "ESC in a label": ('label = "clear \\u001b[2J"', "steps[0].label", "U+001B (ESC)"),
    "OSC title in a label": ('label = "\\u001b]0;pwned\\u0007"', "steps[0].label", "U+001B"),
    "C1 CSI in a label": ('label = "x\\u009b31m"', "steps[0].label", "U+009B"),
    "BEL in the name": (None, "name", "U+0007 (BEL)"),
    "NUL in a tag": (None, "tags[1]", "U+0000 (NUL)"),
    "CR in the description": (None, "description", "U+000D (CR)"),
    "DEL in a block label": (None, "steps[0].label", "U+007F (DEL)"),
}


def _control_case(case: str) -> str:
    step = '[[steps]]\nkind = "work"\nduration = 5\n'
    line, _, _ = CONTROL[case]
    if line is not None:
        return HEAD + step + line + "\n"
    if case == "BEL in the name":
        return 'name = "ding\\u0007"\n' + step
    if case == "NUL in a tag":
        return HEAD + 'tags = ["ok", "a\\u0000b"]\n' + step
    if case == "CR in the description":
        return HEAD + 'description = "line\\rover"\n' + step
    block = '[[steps]]\nrepeat = 2\nlabel = "x\\u007f"\n'
    return HEAD + block + '[[steps.steps]]\nkind = "work"\nduration = 5\n'


@tried(
    "Preset files",
    "control characters in text (ESC clear-screen, OSC window title, C1 CSI, BEL, NUL, CR, "
    "DEL) in labels, name, tags, description, block labels",
    "refused with the key path, the character and its place; such text never reaches the "
    "screen (description keeps newlines and tabs)",
)
@pytest.mark.parametrize("case", sorted(CONTROL))
def test_control_characters_in_text_are_refused_with_the_key(tmp_path, case):
    _, key, char = CONTROL[case]
    error = load_or_error(_write(tmp_path, _control_case(case)))
    assert isinstance(error, PresetError)
    assert error.key == key and char in error.message


def test_description_keeps_newlines_and_tabs_and_labels_keep_bidi_and_zero_width(tmp_path):
    text = (
        'name = "Ok"\ndescription = "two\\nlines\\tand a tab"\n'
        '[[steps]]\nkind = "work"\nduration = 5\nlabel = "\\u202eRTL\\u202c zero\\u200bwidth"\n'
    )
    preset = load_or_error(_write(tmp_path, text))
    assert isinstance(preset, Preset)
    assert preset.description == "two\nlines\tand a tab"
    assert preset.steps[0].label == "\u202eRTL\u202c zero\u200bwidth"


@tried(
    "Preset files",
    "a presets folder whose name holds a NUL byte, or that is not a folder (settings "
    "presets_dirs, --presets-dir)",
    "listed as empty: the bundled and other presets still load",
)
@pytest.mark.parametrize("folder", ["a\x00b", "file-not-folder"])
def test_odd_preset_folders_never_hide_the_others(tmp_path, folder):
    target = tmp_path / folder if "\x00" not in folder else Path(str(tmp_path) + "/" + folder)
    if folder == "file-not-folder":
        target.write_text("x")
    paths = Paths(tmp_path / "cfg", tmp_path / "data", extra_presets_dirs=(target,))
    catalog = load_catalog(paths)
    assert len(catalog.presets) == len(BUNDLED) and catalog.broken == []


# --- the menu --------------------------------------------------------------------------------


@tried(
    "Preset files",
    "the app started on a presets folder of good files mixed with generated broken ones "
    "(mutated keys, binary garbage, a FIFO, /dev/zero, 10 MB, too deep, a 5000-digit number)",
    "the menu opened; every good preset listed and runnable; every broken file listed under "
    "Broken files with its own error",
)
async def test_menu_lists_good_presets_and_every_broken_file_with_its_error(tmp_path):
    from speedtimer.sound.audio import NullAudio
    from speedtimer.tui.app import make_app
    from speedtimer.tui.screens.menu import MenuScreen
    from speedtimer.tui.screens.run import RunScreen
    from tests.conftest import FakeClock

    folder = tmp_path / "mixed"
    folder.mkdir()
    good = {}
    for src in BUNDLED[:3]:
        data = tomllib.loads(src.read_text(encoding="utf-8"))
        data["name"] = f"Mixed {src.stem}"
        good[f"good-{src.stem}.toml"] = data["name"]
        (folder / f"good-{src.stem}.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    broken = {
        "bad-kind.toml": ('name = "Bad kind"\n[[steps]]\nkind = "sprnt"\nduration = 5\n',
                          "steps[0].kind: expected one of warmup"),
        "bad-garbage.toml": (os.urandom(64) + b"\xff", "not UTF-8"),
        "bad-huge.toml": (b"#" * 10_000_000, "presets are limited to"),
        "bad-deep.toml": (_blocks([1] * (MAX_DEPTH + 1)), "nest deeper than the limit"),
        "bad-digits.toml": ('name = "Digits"\ncountdown = ' + "1" * 5000, "too many digits"),
        "bad-fifo.toml": (None, "FIFO"),
        "bad-zero.toml": (None, "character device"),
    }  # fmt: skip
    for name, (content, _) in broken.items():
        path = folder / name
        if name == "bad-fifo.toml":
            os.mkfifo(path)
        elif name == "bad-zero.toml":
            path.symlink_to("/dev/zero")
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    clock = FakeClock()
    paths = Paths(tmp_path / "cfg", tmp_path / "data", extra_presets_dirs=(folder,))
    app = make_app(paths, clock=clock, wall_clock=clock.wall, audio=NullAudio(), mute=True)
    async with app.run_test(size=(110, 40)) as pilot:
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        prompts = _prompts(menu)
        for name in good.values():
            assert any(name in p for p in prompts), name
        assert "BROKEN FILES" in prompts
        shown_broken = {b.source.name: str(b.error) for b in app.catalog.broken}
        assert set(shown_broken) == set(broken)
        for name, (_, words) in broken.items():
            assert words in shown_broken[name], (name, shown_broken[name])
        # each broken file shows its error in the details pane when selected
        await pilot.press(*"broken")
        await pilot.pause()
        details = []
        for _ in broken:
            details.append(str(menu.query_one("#details").content))
            await pilot.press("down")
            await pilot.pause()
        for name, (_, words) in broken.items():
            assert any(words in d for d in details), name
        for _ in "broken":
            await pilot.press("backspace")
        await pilot.press(*"Mixed")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)


def _prompts(menu) -> list[str]:
    options = menu.query_one("#preset-list")
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


@tried(
    "Preset files",
    "the command line on the same files: presets list with file names holding ESC and OSC "
    "sequences, presets show and run of '~nobody-here/x.toml' (a user that does not exist)",
    "file names listed with their control characters spelled out (\\x1b); a clear 'cannot "
    "read file' error and exit 1, no RuntimeError",
    cases=3,
)
def test_the_command_line_spells_out_control_characters(tmp_path, capsys):
    from speedtimer.cli.main import main

    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "\x1b]0;pwned\x07.toml").write_text("broken = [")
    good = (HEAD + '[[steps]]\nkind = "work"\nduration = 5\n').replace("Limit", "Odd file")
    (folder / "odd\x1b[2J.toml").write_text(good)
    dirs = ["--config-dir", str(tmp_path / "c"), "--data-dir", str(tmp_path / "d")]
    assert main([*dirs, "--presets-dir", str(folder), "presets", "list"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07.toml: TOML syntax error" in out
    assert "odd\\x1b[2J.toml" in out
    for command in (["presets", "show"], ["run", "--plain"]):
        assert main([*dirs, *command[:1], *command[1:2], "~nobody-here-xyz/x.toml"]) == 1
        err = capsys.readouterr().err
        assert "~nobody-here-xyz/x.toml: cannot read file" in err
