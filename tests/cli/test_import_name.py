"""`presets import FILE --name N`: N replaces the workout's own name; the old name does not
slide into the description (issue 12, bug 4)."""

from __future__ import annotations

import dataclasses

import pytest

from speedtimer.cli.main import main
from speedtimer.formats.intervals_icu import parse_icu, to_icu
from speedtimer.formats.preset_toml import load_preset
from speedtimer.formats.quick import parse_quick

WORKOUT = (
    "Tuesday track\nFast but relaxed, even splits.\n\nMain set 6x\n- 400mtr 3:45/km Pace\n- 90s\n"
)


@pytest.fixture
def dirs(tmp_path) -> list[str]:
    return ["--config-dir", str(tmp_path / "config"), "--data-dir", str(tmp_path / "data")]


def test_icu_name_given_drops_the_files_own_name():
    mine = parse_icu(WORKOUT, name="Mine").preset
    assert mine.name == "Mine"
    assert mine.description == "Fast but relaxed, even splits."
    theirs = parse_icu(WORKOUT).preset
    assert theirs.name == "Tuesday track"
    assert theirs.description == mine.description


def test_icu_name_given_and_a_name_only_header():
    preset = parse_icu("Tuesday track\n\n- 10m\n", name="Mine").preset
    assert (preset.name, preset.description) == ("Mine", "")


def test_cli_import_with_name_keeps_the_description(tmp_path, dirs, capsys):
    source = tmp_path / "workout.txt"
    source.write_text(WORKOUT)
    assert main([*dirs, "presets", "import", str(source), "--name", "My track"]) == 0
    saved = load_preset(tmp_path / "config" / "presets" / "my-track.toml")
    assert saved.name == "My track"
    assert saved.description == "Fast but relaxed, even splits."
    assert "Tuesday" not in saved.description


def test_an_exported_preset_imports_under_a_new_name_with_its_own_description(tmp_path):
    preset = parse_quick("10:00 wu, 4x(1:00 work, 1:00 rest)", name="Original")
    preset = dataclasses.replace(preset, description="Short and sharp.")
    text, _ = to_icu(preset)
    again = parse_icu(text, name="Renamed").preset
    assert (again.name, again.description) == ("Renamed", "Short and sharp.")
