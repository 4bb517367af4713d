"""Issue 12, bug 13, the command-line items: each as a runner sees it, in a real process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from speedtimer.formats.quick import QuickError, parse_quick
from tests.conftest import REPO


def run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable, "-m", "speedtimer",
            "--config-dir", str(tmp_path / "config"), "--data-dir", str(tmp_path / "data"),
            *args,
        ],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )  # fmt: skip


@pytest.mark.parametrize("preset", ["3 sets of 4 x 200 m", "30-30s"])
def test_presets_show_step_column_stays_in_line(tmp_path, preset):
    out = run(tmp_path, "presets", "show", preset)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("#  PHASE"))
    column = lines[header].index("STEP")
    rows = [line for line in lines[header + 1 :] if line[:3].strip().isdigit()]
    assert any("· Set" in r for r in rows)  # the long "Rep 1/4 · Set 1/3" rows are there
    for row in rows:
        assert row[column - 2 : column] == "  " and row[column] != " ", row


def test_presets_show_with_long_positions_keeps_the_column(tmp_path):
    folder = tmp_path / "config" / "presets"
    folder.mkdir(parents=True)
    (folder / "big.toml").write_text(
        'name = "Big sets"\n[[steps]]\nrepeat = 12\n  [[steps.steps]]\n  repeat = 12\n'
        '    [[steps.steps.steps]]\n    kind = "work"\n    label = "Go"\n    duration = 5\n'
    )
    lines = run(tmp_path, "presets", "show", "Big sets").stdout.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("#  PHASE"))
    row = next(line for line in lines if "Rep 10/12 · Set 12/12" in line)
    assert row.index("Go", row.index("Set 12/12")) == header.index("STEP")


def test_presets_list_broken_line_says_the_path_once(tmp_path):
    folder = tmp_path / "config" / "presets"
    folder.mkdir(parents=True)
    (folder / "bad.toml").write_text('name = "Bad"\n[[steps]]\nkind = "nope"\nduration = 5\n')
    (folder / "worse.toml").write_text("not = [toml")
    out = run(tmp_path, "presets", "list")
    broken = [line for line in out.stdout.splitlines() if line.startswith("BROKEN")]
    assert len(broken) == 2
    for line in broken:
        assert line.count(str(folder)) == 1, line
    assert any("bad.toml: steps[0].kind: expected one of" in line for line in broken)


def test_plain_mode_names_an_unlabelled_step_once(tmp_path):
    out = run(tmp_path, "--mute", "--get-ready", "0", "run", "--plain", "--quick", "1s wu, 1s")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:2] == ["Warm-up: 0:01", "Work: 0:01"]
    labelled = run(
        tmp_path, "--mute", "--get-ready", "0", "run", "--plain", "--quick", '1s "Jog" wu'
    )
    assert labelled.stdout.splitlines()[0] == "Warm-up: Jog 0:01"


@pytest.mark.parametrize("quick", ["8 x 400", "8x(400, 90 rest)", "200", "6x 1000 rest"])
def test_a_bare_distance_like_number_asks_for_a_unit(quick):
    with pytest.raises(QuickError) as err:
        parse_quick(quick)
    assert "has no unit" in str(err.value) and "m for metres" in str(err.value)


@pytest.mark.parametrize(
    ("quick", "seconds"), [("90", 90), ("8x 45", 45), ("120", 120), ("400s", 400), ("6:40", 400)]
)
def test_other_bare_numbers_and_units_are_seconds(quick, seconds):
    preset = parse_quick(quick)
    first = preset.steps[0]
    step = first.steps[0] if hasattr(first, "steps") else first
    assert step.duration_s == seconds


def test_run_quick_8_x_400_says_what_to_write(tmp_path):
    out = run(tmp_path, "run", "--plain", "--quick", "8 x 400")
    assert out.returncode == 1
    assert "'400' has no unit" in out.stderr and "400m" in out.stderr and "400s" in out.stderr
    assert "  8 x 400\n      ^" in out.stderr  # the caret under the number
