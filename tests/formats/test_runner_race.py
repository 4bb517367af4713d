"""Setting the runner's race in the settings file: only the race line changes, the file always
reads back, and a file that is not a plain settings file is never touched."""

from __future__ import annotations

import os
import tomllib

import pytest

from speedtimer.config.paths import sounds_dir
from speedtimer.config.settings import load_settings
from speedtimer.config.template import create_settings_file
from speedtimer.formats.preset_save import SaveError
from speedtimer.formats.runner_race import save_race, with_race
from tests.helpers_config import app_bindings


def test_the_created_template_gets_its_commented_lines_uncommented(tmp_path):
    path = tmp_path / "settings.toml"
    assert create_settings_file(path, sounds_dir=sounds_dir(), bindings=app_bindings())
    before = path.read_text().splitlines()
    save_race(path, "5k 19:57")
    after = path.read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [("# [runner]", "[runner]"), ('# race = ""', 'race = "5k 19:57"')]
    settings, problems = load_settings(path)
    assert problems == [] and settings.race.text == "5k 19:57"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", '\n[runner]\nrace = "10k 41:21"\n'),
        ("mute = true", 'mute = true\n\n[runner]\nrace = "10k 41:21"\n'),
        ('[runner]\nrace = "5k 20:00"  # old\n', '[runner]\nrace = "10k 41:21"\n'),
        ('[runner]\n[keys]\nlap = "l"\n', '[runner]\nrace = "10k 41:21"\n[keys]\nlap = "l"\n'),
        ('[keys]\nrace = "x"\n', '[keys]\nrace = "x"\n\n[runner]\nrace = "10k 41:21"\n'),
    ],
)
def test_only_the_race_line_changes(text, expected):
    assert with_race(text, "10k 41:21") == expected
    assert tomllib.loads(expected)["runner"]["race"] == "10k 41:21"


def test_a_file_that_would_change_otherwise_is_left_alone(tmp_path):
    path = tmp_path / "settings.toml"
    # a plain key after the commented template lines: uncommenting them would move it
    original = '# [runner]\n# race = ""\nmute = true\n'
    path.write_text(original)
    with pytest.raises(SaveError, match="set it by hand"):
        save_race(path, "5k 19:57")
    assert path.read_text() == original


def test_a_broken_file_is_not_rewritten(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("mute = = true\n")
    with pytest.raises(SaveError):
        save_race(path, "5k 19:57")
    assert path.read_text() == "mute = = true\n"


def test_a_fifo_is_refused_without_waiting(tmp_path):
    path = tmp_path / "settings.toml"
    os.mkfifo(path)
    with pytest.raises(SaveError, match="cannot set the race"):
        save_race(path, "5k 19:57")
