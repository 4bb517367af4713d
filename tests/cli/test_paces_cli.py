"""`speedtimer paces RACE` as a runner and a script use it: a real process, real output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "speedtimer", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=REPO,
        timeout=60,
    )


def test_json_is_exactly_the_documented_shape():
    out = run("paces", "5k 19:57", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"vdot", "race_times", "paces"}
    assert data["vdot"] == pytest.approx(50.0, abs=0.1)
    assert list(data["race_times"]) == ["1500m", "mile", "3k", "5k", "10k", "half", "marathon"]
    assert all(isinstance(v, int | float) for v in data["race_times"].values())
    assert data["race_times"]["5k"] == pytest.approx(1197, abs=1)
    assert data["race_times"]["10k"] == pytest.approx(41 * 60 + 21, abs=3)
    assert data["race_times"]["marathon"] == pytest.approx(3 * 3600 + 10 * 60 + 49, abs=3)
    assert set(data["paces"]) == {"E", "M", "T", "I", "R"}
    fast, slow = data["paces"]["E"]
    assert fast < slow
    assert data["paces"]["T"] == pytest.approx(255, abs=3)
    assert data["paces"]["I"] == pytest.approx(235, abs=3)
    assert data["paces"]["R"] < data["paces"]["I"] < data["paces"]["T"] < data["paces"]["M"]


@pytest.mark.parametrize(
    "race", ["10k 41:21", "half 1:31:35", "HM 1:31:35", "M 3:10:49", "5000m 19:57", "5 km 19:57"]
)
def test_equivalent_races_agree(race):
    out = run("paces", race, "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["vdot"] == pytest.approx(50.0, abs=0.2)


def test_text_table_has_every_zone_per_km_mile_400_and_200():
    out = run("paces", "mile", "5:50")  # unquoted words are one race too
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "VDOT 50." in text or "VDOT 49.9" in text
    assert "per km" in text and "per mile" in text and "400 m" in text and "200 m" in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()[:2].strip()}
    assert "4:15" in lines["T"]  # threshold per km
    assert "3:55" in lines["I"] and "1:34" in lines["I"]  # interval per km and per 400 m
    assert "-" in lines["E"]  # easy is a range
    assert "3:10:4" in text  # the marathon equivalent


def test_paces_after_global_options_works_too(tmp_path):
    out = run("--config-dir", str(tmp_path), "paces", "3000m 11:33")
    assert out.returncode == 0, out.stderr
    assert "VDOT 5" in out.stdout or "VDOT 49" in out.stdout


@pytest.mark.parametrize(
    ("race", "words"),
    [
        ("800m 2:00", "shorter than the model covers"),
        ("100k 8:00:00", "longer than the model covers"),
        ("5k 8:00", "faster than the model covers"),
        ("5k 2:00:00", "slower than the model covers"),
        ("5k 19:77", "not a valid time"),
        ("fivek 19:57", "not a race distance"),
    ],
)
def test_clear_refusals(race, words):
    out = run("paces", race)
    assert out.returncode == 1
    assert words in out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout == ""


# --- race-derived targets on the command line ------------------------------------------------


@pytest.fixture
def dirs(tmp_path):
    return ["--config-dir", str(tmp_path / "cfg"), "--data-dir", str(tmp_path / "data")]


def test_run_plain_with_race_resolves_and_records_it(tmp_path, dirs):
    import sqlite3

    quick = "lap 20m @5k"  # 20 m at 5k pace: the plain mode laps it at its target time
    out = run(*dirs, "--mute", "--get-ready", "0", "run", "--quick", quick, "--plain",
              "--race", "5k 20:00")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Targets from your race 5k 20:00 (VDOT 49.8)" in out.stdout
    assert "target 0:05 (4:00/km, 5k pace)" in out.stdout
    with sqlite3.connect(tmp_path / "data" / "history.sqlite3") as db:
        assert db.execute("SELECT race FROM sessions").fetchone() == ("5k 20:00",)
        (target,) = db.execute("SELECT target_s FROM steps").fetchone()
    assert target == pytest.approx(4.8, abs=0.01)


def test_run_plain_without_race_says_how_to_set_one(dirs):
    out = run(*dirs, "--mute", "--get-ready", "0", "run", "--quick", "lap 10m @I", "--plain")
    assert out.returncode == 0, out.stderr
    assert "none is set" in out.stdout and "--race" in out.stdout
    assert "target" not in out.stdout.split("none is set")[1]


def test_run_target_sets_every_work_rep(dirs):
    out = run(*dirs, "--mute", "--get-ready", "0", "run", "--quick", "lap 10m @I, 1s rest",
              "--plain", "--target", "2s")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "target 0:02" in out.stdout


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--race", "5k 9:00", "--race: '5k 9:00' is faster"),
        ("--target", "quick", "--target: 'quick' is not a target"),
        ("--target", "5k 19:00", "a race goes in --race"),
    ],
)
def test_run_refuses_bad_race_or_target(dirs, flag, value, words):
    out = run(*dirs, "run", "8 x 400", flag, value)
    assert out.returncode == 1
    assert words in out.stderr and "Traceback" not in out.stderr


def test_export_icu_and_fit_get_absolute_paces_for_the_race(tmp_path, dirs):
    out = run(*dirs, "presets", "export", "8 x 400", "--format", "icu", "--race", "5k 20:00")
    assert out.returncode == 0, out.stderr
    assert "4:00/km Pace" in out.stdout
    assert "5k 20:00" in out.stderr
    bare = run(*dirs, "presets", "export", "8 x 400", "--format", "icu")
    assert bare.returncode == 0 and "Pace" not in bare.stdout and "no race set" in bare.stderr
    toml = run(*dirs, "presets", "export", "8 x 400", "--format", "toml", "--race", "5k 20:00")
    assert 'target_pace = "5k"' in toml.stdout  # the file keeps what a coach means
    fit = tmp_path / "w.fit"
    out = run(*dirs, "presets", "export", "8 x 400", "--format", "fit", "-o", str(fit),
              "--race", "5k 20:00")  # fmt: skip
    assert out.returncode == 0, out.stderr
    from garmin_fit_sdk import Decoder, Stream

    messages, errors = Decoder(Stream.from_file(str(fit))).read()
    assert errors == []
    reps = [s for s in messages["workout_step_mesgs"] if s.get("target_type") == "speed"]
    assert reps, "the 5k-pace reps carry a speed band"
    low = reps[0]["custom_target_speed_low"]
    high = reps[0]["custom_target_speed_high"]
    assert low < 1000 / 240 < high  # 4:00/km = 4.17 m/s inside the band


def test_paces_without_a_race_uses_the_settings_race_or_says_how(tmp_path):
    cfg = tmp_path / "cfg"
    out = run("--config-dir", str(cfg), "paces")
    assert out.returncode == 2 and "set [runner] race" in out.stderr
    cfg.mkdir()
    (cfg / "settings.toml").write_text('[runner]\nrace = "10k 41:21"\n')
    out = run("--config-dir", str(cfg), "paces", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["vdot"] == pytest.approx(50.0, abs=0.2)
    env_run = subprocess.run(
        [sys.executable, "-m", "speedtimer", "paces"],
        capture_output=True, text=True, cwd=REPO, timeout=60,
        env={**os.environ, "SPEEDTIMER_CONFIG_DIR": str(cfg)},
    )  # fmt: skip
    assert env_run.returncode == 0 and "10k 41:21: VDOT 50" in env_run.stdout


def test_config_show_lists_the_race_with_its_vdot(tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "settings.toml").write_text('[runner]\nrace = "half 1:31:35"\n')
    out = run("--config-dir", str(cfg), "config", "show")
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if "runner.race" in x)
    assert "half 1:31:35 (VDOT 50.0)" in line


def test_presets_list_counts_race_derived_reps_at_their_target(tmp_path):
    cfg = tmp_path / "cfg"
    line = next(
        x for x in run("--config-dir", str(cfg), "presets", "list").stdout.splitlines()
        if x.startswith("8 x 400")
    )  # fmt: skip
    assert " 41:30 " in line  # no race: the reps have no target time to count
    cfg.mkdir(exist_ok=True)
    (cfg / "settings.toml").write_text('[runner]\nrace = "5k 20:00"\n')
    line = next(
        x for x in run("--config-dir", str(cfg), "presets", "list").stdout.splitlines()
        if x.startswith("8 x 400")
    )  # fmt: skip
    assert " ~54:18 " in line  # + 8 x 1:36 at 5k pace, an estimate (~)


def test_run_target_on_a_preset_without_distances_says_it_changes_nothing(dirs):
    out = run(*dirs, "--mute", "--get-ready", "0", "run", "--quick", "1s", "--plain",
              "--target", "3:40/km")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "note: every work rep at 3:40/km changes nothing" in out.stdout
