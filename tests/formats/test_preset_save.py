"""Presets written back to TOML load to the same schedule, and land only where they should."""

from __future__ import annotations

import os

import pytest

from speedtimer.config.paths import bundled_presets_dir
from speedtimer.core.schedule import build_schedule
from speedtimer.core.text import safe_stem
from speedtimer.formats.preset_save import (
    SaveError,
    free_path,
    preset_to_toml,
    save_preset,
)
from speedtimer.formats.preset_toml import load_folder, load_preset, parse_preset, preset_from_dict
from tests.reliability import tried

BUNDLED = sorted(bundled_presets_dir().glob("*.toml"))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_preset_round_trips(path, tmp_path):
    original = load_preset(path, bundled=True)
    saved = save_preset(original, tmp_path)
    again = load_preset(saved)
    assert build_schedule(again) == build_schedule(original)
    assert (again.name, again.description, again.category, again.tags) == (
        original.name,
        original.description,
        original.category,
        original.tags,
    )
    assert (again.countdown, again.halfway) == (original.countdown, original.halfway)
    assert again.steps == original.steps


def test_paces_keep_their_unit_and_odd_values_survive():
    text = """
name = "Mile pace"
[[steps]]
kind = "work"
until = "lap"
distance_m = 1609.344
target_pace = "6:02/mi"
label = 'quote " and \\\\ backslash, ünïcode'
[[steps]]
repeat = 3
skip_last_rest = true
label = "set"
steps = [{kind = "work", duration = 3725}, {kind = "rest", duration = 59}]
"""
    p = parse_preset(text)
    out = preset_to_toml(p)
    assert 'target_pace = "6:02/mi"' in out
    assert 'duration = "1:02:05"' in out and "duration = 59" in out
    back = parse_preset(out)
    assert back.steps == p.steps and build_schedule(back) == build_schedule(p)


@tried(
    "Security",
    "preset names turned into file names: ../../etc/passwd, /abs/path, '..', Windows paths, "
    "NUL/newline/tab, zero-width and bidi only, 300 characters, CON, nul, Com1, lpt9",
    "a safe stem of letters, digits and dashes (at most 60), Windows reserved names get "
    "-preset; the saved file is in the folder asked for",
)
@pytest.mark.parametrize(
    "name, stem",
    [
        ("8 x 400 m", "8-x-400-m"),
        ("../../etc/passwd", "etc-passwd"),
        ("/abs/path", "abs-path"),
        ("..", "preset"),
        ("Fartlek: Ünïcode ½", "fartlek-unicode-12"),
        ("C:\\Windows\\x", "c-windows-x"),
        ("\u200b\u202e\u00a0", "preset"),
        ("a" * 300, "a" * 60),
        ("CON", "con-preset"),
        ("nul", "nul-preset"),
        ("Com1", "com1-preset"),
        ("lpt9", "lpt9-preset"),
        ("console", "console"),
    ],
)
def test_file_names_never_leave_the_folder(name, stem, tmp_path):
    assert safe_stem(name) == stem
    p = preset_from_dict({"name": name, "steps": [{"kind": "work", "duration": 5}]})
    saved = save_preset(p, tmp_path)
    assert saved.parent == tmp_path and saved.name == f"{stem}.toml"


def test_saving_refuses_to_overwrite_unless_asked(tmp_path):
    p = parse_preset('name = "../Evil"\n[[steps]]\nkind = "work"\nduration = 5\n')
    first = save_preset(p, tmp_path)
    assert first == tmp_path / "evil.toml"
    with pytest.raises(FileExistsError):
        save_preset(p, tmp_path)
    assert free_path(tmp_path, p) == tmp_path / "evil-2.toml"
    again = save_preset(p, tmp_path, overwrite=True)
    assert again == first
    assert sorted(os.listdir(tmp_path)) == ["evil.toml"]  # no temp file left behind
    assert [x.name for x in load_folder(tmp_path)] == ["../Evil"]


def test_editing_in_place_only_inside_the_folder(tmp_path):
    p = parse_preset('name = "A"\n[[steps]]\nkind = "work"\nduration = 5\n')
    inside = tmp_path / "mine.toml"
    assert save_preset(p, tmp_path, path=inside) == inside
    with pytest.raises(SaveError, match="not in the presets folder"):
        save_preset(p, tmp_path, path=tmp_path.parent / "outside.toml")
    assert not (tmp_path.parent / "outside.toml").exists()


def test_unwritable_folder_gives_a_clear_error(tmp_path):
    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the folder should be")
    p = parse_preset('name = "A"\n[[steps]]\nkind = "work"\nduration = 5\n')
    with pytest.raises(SaveError, match="cannot write .*not-a-folder"):
        save_preset(p, folder)
    assert folder.read_text() == "a file where the folder should be"


# --- any preset the loader accepts survives a save ---------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from speedtimer.core.preset import CATEGORIES, KINDS, PresetError  # noqa: E402

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_pace = st.builds(
    lambda m, s, u: f"{m}:{s:02d}/{u}",
    st.integers(2, 12),
    st.integers(0, 59),
    st.sampled_from(["km", "mi"]),
)
_duration = st.one_of(
    st.integers(1, 86_400),
    st.builds(lambda m, s: f"{m}:{s:02d}", st.integers(0, 59), st.integers(0, 59)),
)


@st.composite
def _leaf(draw):
    d = {"kind": draw(st.sampled_from(KINDS))}
    if draw(st.booleans()):
        d["duration"] = draw(_duration)
    else:
        d["until"] = "lap"
    if draw(st.booleans()):
        d["distance_m"] = draw(st.one_of(st.integers(1, 42_195), st.floats(0.5, 42_195)))
        if draw(st.booleans()):
            d["target_pace"] = draw(_pace)
    if draw(st.booleans()):
        d["label"] = draw(_text)
    return d


def _block(children):
    return st.fixed_dictionaries(
        {"repeat": st.integers(1, 20), "steps": st.lists(children, min_size=1, max_size=3)},
        optional={"skip_last_rest": st.booleans(), "label": _text},
    )


_preset = st.fixed_dictionaries(
    {
        "name": _text.filter(str.strip),
        "steps": st.lists(st.recursive(_leaf(), _block, max_leaves=8), min_size=1, max_size=4),
    },
    optional={
        "description": _text,
        "category": st.sampled_from(CATEGORIES),
        "tags": st.lists(_text, max_size=3),
        "countdown": st.integers(0, 10),
        "halfway": st.booleans(),
    },
)


@settings(max_examples=150, deadline=None)
@given(_preset)
def test_any_valid_preset_round_trips_through_toml(data):
    try:
        original = preset_from_dict(data)
    except PresetError:
        return  # e.g. "0:00" or skip_last_rest leaving nothing: not a preset to save
    back = parse_preset(preset_to_toml(original))
    assert back.steps == original.steps
    assert build_schedule(back) == build_schedule(original)
    assert (back.name, back.description, back.category, back.tags) == (
        original.name,
        original.description,
        original.category,
        original.tags,
    )
