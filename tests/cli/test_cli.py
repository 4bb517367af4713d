"""The CLI as people and scripts use it: real processes, real files, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

BAD = 'name = "Bad"\n[[steps]]\nkind = "work"\nduration = "1:75"\n'


def run(
    *args: str, env: dict | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "speedtimer", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or REPO,
        timeout=60,
    )


@pytest.fixture
def dirs(tmp_path):
    cfg, data, cache = tmp_path / "cfg", tmp_path / "data", tmp_path / "cache"
    return ["--config-dir", str(cfg), "--data-dir", str(data), "--cache-dir", str(cache)]


def test_version():
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("speedtimer 0.")


def test_presets_list_shows_bundled_and_broken(tmp_path, dirs):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "bad.toml").write_text(BAD)
    out = run(*dirs, "--presets-dir", str(extra), "presets", "list")
    assert out.returncode == 0, out.stderr
    assert "8 x 400 m track repeats" in out.stdout
    assert "Tabata" in out.stdout
    bad_line = next(line for line in out.stdout.splitlines() if line.startswith("BROKEN"))
    assert "bad.toml" in bad_line and "steps[0].duration" in bad_line and "1:75" in bad_line
    assert "Traceback" not in out.stderr


def test_presets_dir_from_environment(tmp_path, dirs):
    extra = tmp_path / "envpresets"
    extra.mkdir()
    (extra / "mine.toml").write_text(
        'name = "My hill session"\ncategory = "hills"\n[[steps]]\nkind = "work"\nduration = 30\n'
    )
    out = run(*dirs, "presets", "list", env={"SPEEDTIMER_PRESETS_DIR": str(extra)})
    assert "My hill session" in out.stdout


def test_presets_show_json(dirs):
    out = run(*dirs, "presets", "show", "8 x 400 m track repeats", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["name"] == "8 x 400 m track repeats"
    works = [s for s in data["steps"] if s["kind"] == "work"]
    assert len(works) == 8
    assert works[2]["planned_s"] is None
    assert works[2]["rep"] == 3 and works[2]["rep_count"] == 8
    assert works[0]["distance_m"] == 400 and works[0]["target_pace_symbol"] == "5k"
    assert works[0]["target_s"] is None  # no race known: no made-up target
    assert data["race"] is None and data["vdot"] is None
    raced = json.loads(
        run(*dirs, "presets", "show", "8 x 400", "--json", "--race", "5k 18:45").stdout
    )
    rep = [s for s in raced["steps"] if s["kind"] == "work"][0]
    assert rep["target_s"] == pytest.approx(90, abs=0.1)
    assert rep["target_pace_s_per_km"] == pytest.approx(225, abs=0.1)
    assert rep["target_pace_symbol"] == "5k"
    assert raced["race"] == "5k 18:45" and raced["vdot"] == pytest.approx(53.7, abs=0.3)
    timed = sum(s["planned_s"] for s in data["steps"] if s["planned_s"] is not None)
    assert data["total_planned_s"] == timed


def test_presets_show_table_by_file_path(dirs):
    out = run(*dirs, "presets", "show", str(REPO / "presets" / "tabata.toml"))
    assert out.returncode == 0, out.stderr
    assert "Rep 8/8" in out.stdout
    assert "\nTotal: 27:50\n" in out.stdout  # the one totals label (all timed: exact)


def test_presets_show_unknown_name_is_a_clear_error(dirs):
    out = run(*dirs, "presets", "show", "no such preset")
    assert out.returncode == 1
    assert "no preset called 'no such preset'" in out.stderr
    assert "Traceback" not in out.stderr


def test_validate_all_bundled_presets():
    files = sorted(str(p) for p in (REPO / "presets").glob("*.toml"))
    out = run("presets", "validate", *files)
    assert out.returncode == 0, out.stdout
    assert out.stdout.count("OK ") == len(files)


def test_validate_reports_each_bad_file_and_exits_1(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD)
    garbage = tmp_path / "garbage.toml"
    garbage.write_bytes(b"\x00\xff\xfe binary")
    syntax = tmp_path / "syntax.toml"
    syntax.write_text('name = "x"\n[[steps]\n')
    good = REPO / "presets" / "strides.toml"
    out = run("presets", "validate", str(good), str(bad), str(garbage), str(syntax))
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0].startswith(f"OK {good}: Strides")
    assert "steps[0].duration" in lines[1]
    assert "not UTF-8" in lines[2]
    assert "line 2" in lines[3]
    assert "Traceback" not in out.stdout + out.stderr


def test_wheel_carries_bundled_presets_and_sounds(tmp_path):
    """Installed from a wheel (not a checkout), the bundled presets must still be found."""
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if build.returncode != 0 and "hatchling" in build.stderr:
        build = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "-w",
                str(tmp_path / "dist"),
                str(REPO),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("speedtimer-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        zf.extractall(site)
    assert "speedtimer/_bundled/presets/8x400m-track.toml" in names
    assert "speedtimer/_bundled/sounds/work.wav" in names
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import speedtimer.config.paths as p; "
            "print(p.bundled_presets_dir()); print(p.sounds_dir())",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(site)},
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    presets_dir, sounds = out.stdout.split()
    assert presets_dir.startswith(str(site)) and Path(presets_dir, "tabata.toml").is_file()
    assert sounds.startswith(str(site)) and Path(sounds, "pip.wav").is_file()


def test_no_home_folder_touched(tmp_path, dirs, _isolated_home):
    out = run(*dirs, "presets", "list")
    assert out.returncode == 0
    assert not any(_isolated_home.rglob("*")), "presets list wrote into HOME"


def test_opening_the_app_parses_without_the_subcommands_modules():
    """No command on the line: the app opens without importing the subcommands' modules
    (start-up time); a mistake still gets the full parser's message."""
    code = (
        "import sys; from speedtimer.cli.main import parse_args; "
        "a = parse_args(['--mute', '--data-dir', 'd', '--get-ready', '3']); "
        "print(a.func, a.mute, a.data_dir, a.get_ready); "
        "print(sorted(m for m in sys.modules if m.startswith(('speedtimer.cli.history', "
        "'speedtimer.cli.presets', 'speedtimer.cli.config'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, timeout=60)  # fmt: skip
    assert out.stdout.splitlines() == ["None True d 3", "[]"], out.stderr
    for argv, message in [
        (["--get-ready", "abc"], "argument --get-ready: invalid int value: 'abc'"),
        (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ]:
        out = subprocess.run([sys.executable, "-m", "speedtimer", *argv], capture_output=True,
                             text=True, cwd=REPO, timeout=60)  # fmt: skip
        assert out.returncode == 2 and message in out.stderr
        assert "{presets,run,config,history}" in out.stderr or "COMMAND" in out.stderr
