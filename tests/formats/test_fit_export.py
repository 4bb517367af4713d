"""FIT workout export, checked with Garmin's own decoder (garmin-fit-sdk), not with the writer.

The strongest check runs the decoded steps the way a watch does (repeat steps jump back until
their count is reached) and compares the result with speedtimer's own schedule.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from garmin_fit_sdk import Decoder, Stream
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speedtimer.config.paths import bundled_presets_dir
from speedtimer.core.paces import parse_race
from speedtimer.core.preset import KINDS, MILE_M, PresetError
from speedtimer.core.schedule import build_schedule
from speedtimer.core.targets import resolve_targets
from speedtimer.formats.fit_workout import (
    PACE_TOLERANCE,
    STEP_NAME_MAX,
    WORKOUT_NAME_MAX,
    write_fit_workout,
)
from speedtimer.formats.preset_toml import load_preset, preset_from_dict
from tests.conftest import REPO

BUNDLED = sorted(bundled_presets_dir().glob("*.toml"))
KIND_OF = {"warmup": "warmup", "active": "work", "rest": "rest", "cooldown": "cooldown"}
CREATED = datetime(2026, 11, 2, 7, 30, tzinfo=UTC)


def decode(path: Path) -> dict:
    """Messages of a FIT file that Garmin's SDK reads without a single complaint."""
    check = Decoder(Stream.from_file(str(path)))
    assert check.is_fit(), "not a FIT file"
    assert check.check_integrity(), "header or file CRC wrong"
    messages, errors = Decoder(Stream.from_file(str(path))).read()
    assert errors == []
    return messages


def export(preset, tmp_path: Path) -> tuple[dict, list[str]]:
    path = tmp_path / "workout.fit"
    notes = write_fit_workout(preset, path, created=CREATED)
    return decode(path), notes


def check_structure(steps: list[dict]) -> None:
    """Indexes in order; each repeat points back over whole steps/blocks, never into one."""
    for i, s in enumerate(steps):
        assert s["message_index"] == i
        if s["duration_type"] == "repeat_until_steps_cmplt":
            first = s["duration_step"]
            assert 0 <= first < i
            assert s["repeat_steps"] >= 2
            assert s["target_type"] == "open"
            assert "intensity" not in s
            for inner in steps[first:i]:
                if inner["duration_type"] == "repeat_until_steps_cmplt":
                    assert inner["duration_step"] >= first  # nested, not overlapping


def run_like_a_watch(steps: list[dict], limit: int = 20_000) -> list[dict]:
    """The steps in the order a watch runs them: a finished repeat resets for the next time."""
    done = {}
    flat, pc = [], 0
    while pc < len(steps):
        s = steps[pc]
        if s["duration_type"] == "repeat_until_steps_cmplt":
            done[pc] = done.get(pc, 0) + 1
            if done[pc] < s["repeat_steps"]:
                pc = s["duration_step"]
            else:
                done[pc] = 0
                pc += 1
            continue
        flat.append(s)
        assert len(flat) <= limit, "the repeats never finish"
        pc += 1
    return flat


def assert_runs_as_schedule(preset, messages: dict, lap_button: bool = False) -> None:
    steps = messages["workout_step_mesgs"]
    check_structure(steps)
    (workout,) = messages["workout_mesgs"]
    assert workout["num_valid_steps"] == len(steps)
    flat = run_like_a_watch(steps)
    planned = build_schedule(preset).steps
    assert len(flat) == len(planned)
    for got, want in zip(flat, planned, strict=True):
        assert KIND_OF[got["intensity"]] == want.kind
        if want.planned_s is None and want.distance_m and not lap_button:
            # a distance step: the watch laps at the distance (stored in cm)
            assert got["duration_type"] == "distance"
            assert got["duration_value"] == round(want.distance_m * 100)
        elif want.planned_s is None:
            assert got["duration_type"] == "open"
            assert "duration_value" not in got
        else:
            assert got["duration_type"] == "time"
            assert got["duration_value"] == want.planned_s * 1000  # ms
        if want.pace_s_per_km:
            assert got["target_type"] == "speed"
            assert got["target_value"] == 0  # custom range, not a zone
            speed = 1000 / want.pace_s_per_km
            low, high = got["custom_target_speed_low"], got["custom_target_speed_high"]
            if want.pace_hi_s_per_km is not None:  # a range is the range itself
                assert low == pytest.approx(1000 / want.pace_hi_s_per_km, abs=0.001)
                assert high == pytest.approx(speed, abs=0.001)
                continue
            assert low < speed < high
            assert low == pytest.approx(speed / (1 + PACE_TOLERANCE), abs=0.001)
            assert high == pytest.approx(speed / (1 - PACE_TOLERANCE), abs=0.001)
        else:
            assert got["target_type"] == "open"
        assert 0 < len(got["wkt_step_name"]) <= STEP_NAME_MAX


# --- every bundled preset -----------------------------------------------------------------


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_preset_runs_on_the_watch_as_in_speedtimer(path, tmp_path):
    preset = load_preset(path, bundled=True)
    messages, notes = export(preset, tmp_path)
    (file_id,) = messages["file_id_mesgs"]
    assert file_id["type"] == "workout"
    assert file_id["manufacturer"] == "development"
    assert file_id["time_created"] == CREATED
    assert file_id["serial_number"] > 0
    (workout,) = messages["workout_mesgs"]
    assert workout["sport"] == "running"
    assert workout["wkt_name"] == preset.name  # every bundled name fits
    assert_runs_as_schedule(preset, messages)
    assert all(isinstance(n, str) and n for n in notes)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_fit_tool_validator_agrees_but_for_the_step_count(path, tmp_path):
    """A second opinion: fit-tool's own rules for workout files (required fields and so on).

    It alone counts num_valid_steps without the repeat steps; Garmin's cookbook example
    ("Running 800m Repeats") counts them, and so does this export.
    """
    from fit_tool import FitFile, ProfileScope, validate_fit_file

    out = tmp_path / "w.fit"
    write_fit_workout(load_preset(path, bundled=True), out, created=CREATED)
    report = validate_fit_file(FitFile.from_file(str(out)), profile_scope=ProfileScope.FULL)
    errors = [f.message for f in report.errors]
    assert [e for e in errors if "repeat meta-steps excluded" not in e] == []


def test_bundled_presets_cover_what_the_export_must_handle():
    """Guards the test above: it only proves much while the presets use these features."""
    presets = [resolve_targets(load_preset(p, bundled=True), 50.0) for p in BUNDLED]
    steps = [s for p in presets for s in build_schedule(p).steps]
    assert any(s.is_open and s.pace_s_per_km for s in steps)
    assert {s.kind for s in steps} == {"warmup", "work", "rest", "cooldown"}
    assert any(s.set is not None for s in steps)  # nested repeats


def test_8x400_step_by_step(tmp_path):
    written = load_preset(bundled_presets_dir() / "8x400m-track.toml", bundled=True)
    preset = resolve_targets(written, parse_race("5k 18:45").vdot)  # 5k pace 3:45/km
    messages, notes = export(preset, tmp_path)
    steps = messages["workout_step_mesgs"]
    summary = [
        (
            s.get("intensity"),
            s["duration_type"],
            s.get("duration_value"),
            s.get("target_type"),
            s.get("repeat_steps"),
        )
        for s in steps
    ]
    assert summary == [
        ("warmup", "time", 720_000, "open", None),
        ("warmup", "time", 360_000, "open", None),
        ("warmup", "time", 180_000, "open", None),
        ("active", "distance", 40_000, "speed", None),  # 400 m (in cm), laps at the distance
        ("rest", "time", 90_000, "open", None),
        (None, "repeat_until_steps_cmplt", 3, "open", 7),  # back to step 3, 7 rounds in all
        ("active", "distance", 40_000, "speed", None),  # the 8th 400 m, with no jog after it
        ("cooldown", "time", 600_000, "open", None),
    ]
    rep = steps[3]
    assert rep["wkt_step_name"] == "400 m"
    assert rep["notes"] == "400 m @ 3:45/km, target 1:30"
    # 3:45/km +-3 %: 3:38.25/km (4.582 m/s) to 3:51.75/km (4.315 m/s), stored in mm/s
    assert rep["custom_target_value_low"] == round(1000 / (225 * 1.03) * 1000)
    assert rep["custom_target_value_high"] == round(1000 / (225 * 0.97) * 1000)
    assert steps[1]["wkt_step_name"] == "Drills: A-skips, B-skips, high…"
    assert steps[1]["notes"] == "Drills: A-skips, B-skips, high knees, butt kicks"
    assert any("skip_last_rest" in n and "8 x [400 m + Jog]" in n for n in notes)
    assert any("--lap-button" in n for n in notes)
    assert any("3:38-3:52/km" in n for n in notes)


def test_lap_button_for_the_track_and_where_the_step_was_written_so(tmp_path):
    written = load_preset(bundled_presets_dir() / "8x400m-track.toml", bundled=True)
    preset = resolve_targets(written, parse_race("5k 18:45").vdot)  # 5k pace 3:45/km
    path = tmp_path / "track.fit"
    notes = write_fit_workout(preset, path, created=CREATED, lap_button=True)
    messages = decode(path)
    assert_runs_as_schedule(preset, messages, lap_button=True)
    rep = messages["workout_step_mesgs"][3]
    assert rep["duration_type"] == "open"
    assert rep["notes"] == "400 m @ 3:45/km, target 1:30 · press lap to end"
    assert any("lap-button steps" in n for n in notes)
    # a step written with lap_button (intervals.icu's press lap) waits for it anyway
    one = preset_from_dict(
        {"name": "x", "steps": [
            {"kind": "work", "until": "lap", "distance_m": 400, "lap_button": True},
            {"kind": "rest", "until": "lap", "distance_m": 200},
        ]}
    )  # fmt: skip
    messages, _ = export(one, tmp_path)
    assert [s["duration_type"] for s in messages["workout_step_mesgs"]] == ["open", "distance"]
    assert [s["intensity"] for s in messages["workout_step_mesgs"]] == ["active", "rest"]


def test_a_pace_range_is_the_speed_range_and_target_text_is_in_the_notes(tmp_path):
    preset = preset_from_dict(
        {"name": "x", "steps": [
            {"kind": "work", "duration": "20:00", "target_pace": "3:13-3:18/km",
             "target_text": "Z4 HR"},
        ]}
    )  # fmt: skip
    messages, notes = export(preset, tmp_path)
    (step,) = messages["workout_step_mesgs"]
    assert step["target_type"] == "speed"
    assert step["custom_target_speed_low"] == pytest.approx(1000 / 198, abs=0.001)
    assert step["custom_target_speed_high"] == pytest.approx(1000 / 193, abs=0.001)
    assert step["notes"] == "@ 3:13-3:18/km · Z4 HR"
    assert any("Z4 HR" in n for n in notes)


def test_nested_sets_with_skipped_rests_step_by_step(tmp_path):
    """3 sets of 4 x 200 m: both blocks skip their last rest, the inner one in every set."""
    preset = load_preset(bundled_presets_dir() / "3x4x200m-sets.toml", bundled=True)
    messages, notes = export(preset, tmp_path)
    steps = messages["workout_step_mesgs"]
    shape = [
        (
            i,
            s.get("intensity") or f"repeat {s['duration_step']}-{i - 1} {s['repeat_steps']}x",
            s.get("duration_value") if s.get("intensity") else None,
        )
        for i, s in enumerate(steps)
    ]
    assert shape == [
        (0, "warmup", 720_000),
        (1, "warmup", 360_000),
        (2, "warmup", 180_000),
        (3, "active", 20_000),  # 200 m, in cm
        (4, "rest", 60_000),  # jog
        (5, "repeat 3-4 3x", None),
        (6, "active", 20_000),  # 4th 200 m of the set: no jog after it
        (7, "rest", 180_000),  # set break
        (8, "repeat 3-7 2x", None),  # sets 1 and 2; the outer repeat spans the inner one
        (9, "active", 20_000),  # set 3, written out: no set break after it
        (10, "rest", 60_000),
        (11, "repeat 9-10 3x", None),
        (12, "active", 20_000),
        (13, "cooldown", 600_000),
    ]
    assert steps[8]["wkt_step_name"] == "Set"
    assert steps[5]["wkt_step_name"] == "4 x 200 m"
    assert any("'4 x 200 m', 'Set'" in n for n in notes)


# --- particular cases ---------------------------------------------------------------------


def preset(*steps: dict, **top) -> object:
    return preset_from_dict({"name": "Test", **top, "steps": list(steps)})


def test_a_block_that_ends_on_work_keeps_every_round(tmp_path):
    p = preset(
        {
            "repeat": 4,
            "skip_last_rest": True,
            "steps": [
                {"kind": "rest", "duration": 30},
                {"kind": "work", "duration": 60},
            ],
        }
    )
    messages, notes = export(p, tmp_path)
    steps = messages["workout_step_mesgs"]
    assert [s["duration_type"] for s in steps] == ["time", "time", "repeat_until_steps_cmplt"]
    assert steps[2]["repeat_steps"] == 4
    assert not any("skip_last_rest" in n for n in notes)
    assert_runs_as_schedule(p, messages)


def test_a_block_of_rests_loses_only_its_last_round(tmp_path):
    p = preset(
        {"kind": "work", "until": "lap"},
        {"repeat": 3, "skip_last_rest": True, "steps": [{"kind": "rest", "duration": 30}]},
        {"kind": "cooldown", "duration": 60},
    )
    messages, _ = export(p, tmp_path)
    assert [s.get("repeat_steps") for s in messages["workout_step_mesgs"]] == [
        None,
        None,
        2,
        None,
    ]
    assert_runs_as_schedule(p, messages)


def test_a_single_round_is_written_without_a_repeat(tmp_path):
    p = preset(
        {
            "repeat": 1,
            "steps": [{"kind": "work", "duration": 60}, {"kind": "rest", "duration": 60}],
        }
    )
    messages, _ = export(p, tmp_path)
    assert [s["duration_type"] for s in messages["workout_step_mesgs"]] == ["time", "time"]


def test_mile_pace_becomes_the_same_speed(tmp_path):
    p = preset(
        {
            "kind": "work",
            "until": "lap",
            "distance_m": 1609.344,
            "target_pace": "6:00/mi",
            "label": "Mile",
        }
    )
    messages, notes = export(p, tmp_path)
    (step,) = messages["workout_step_mesgs"]
    speed = MILE_M / 360  # 4.4704 m/s
    assert step["custom_target_speed_low"] == pytest.approx(speed / 1.03, abs=0.001)
    assert step["custom_target_speed_high"] == pytest.approx(speed / 0.97, abs=0.001)
    assert step["wkt_step_name"] == "1609.34 m Mile"
    assert step["notes"] == "Mile · 1609.34 m @ 6:00/mi, target 6:00"
    assert any("5:49-6:11/mi" in n for n in notes)


def test_a_timed_step_with_a_pace_gets_the_speed_range_too(tmp_path):
    p = preset({"kind": "work", "duration": 240, "distance_m": 1000, "target_pace": "4:00/km"})
    messages, _ = export(p, tmp_path)
    (step,) = messages["workout_step_mesgs"]
    assert (step["duration_type"], step["duration_value"]) == ("time", 240_000)
    assert step["target_type"] == "speed"
    assert step["custom_target_speed_low"] < 1000 / 240 < step["custom_target_speed_high"]
    assert step["wkt_step_name"] == "1000 m"


def test_long_and_odd_text_is_cut_to_what_fit_holds(tmp_path):
    label = "Ünïcødé strides along the back straight, then float the bend " * 8
    p = preset(
        {"kind": "work", "duration": 20, "label": label + "tail"},
        {"kind": "rest", "duration": 20},
        name="A very long session name that no watch screen could ever show in full",
        description="é" * 400,
    )
    # the loader refuses control characters now; the FIT writer still keeps NUL out itself
    p = replace(p, steps=(replace(p.steps[0], label=label + "\x00tail"), *p.steps[1:]))
    messages, notes = export(p, tmp_path)
    (workout,) = messages["workout_mesgs"]
    assert len(workout["wkt_name"]) <= WORKOUT_NAME_MAX
    assert workout["wkt_name"].endswith("…")
    assert len(workout["wkt_description"].encode()) <= 254
    work, rest = messages["workout_step_mesgs"]
    assert len(work["wkt_step_name"]) <= STEP_NAME_MAX
    assert work["wkt_step_name"].startswith("Ünïcødé strides along the")
    assert len(work["notes"].encode()) <= 254
    assert "\x00" not in work["notes"]
    assert rest["wkt_step_name"] == "Rest"  # no label: the kind's name
    assert any("workout name is shortened" in n for n in notes)
    assert any("step name(s)" in n for n in notes)
    assert any("description is cut" in n for n in notes)


def test_halfway_cue_is_reported_as_lost(tmp_path):
    _, notes = export(preset({"kind": "work", "duration": 60}, halfway=True), tmp_path)
    assert any("halfway" in n for n in notes)
    _, notes = export(preset({"kind": "work", "duration": 60}), tmp_path)
    assert notes == []


def test_the_file_is_replaced_whole(tmp_path):
    path = tmp_path / "w.fit"
    path.write_bytes(b"old content that is longer than nothing" * 100)
    write_fit_workout(preset({"kind": "work", "duration": 60}), path, created=CREATED)
    decode(path)
    assert [p.name for p in tmp_path.iterdir()] == ["w.fit"]  # no temp file left


# --- any valid preset, nested blocks included ---------------------------------------------

_pace = st.builds(
    lambda m, s, u: f"{m}:{s:02d}/{u}",
    st.integers(2, 9),
    st.integers(0, 59),
    st.sampled_from(["km", "mi"]),
)


@st.composite
def _leaf(draw):
    d = {"kind": draw(st.sampled_from(KINDS))}
    if draw(st.booleans()):
        d["duration"] = draw(st.integers(1, 3600))
    else:
        d["until"] = "lap"
    if draw(st.booleans()):
        d["distance_m"] = draw(st.integers(50, 10_000))
        if draw(st.booleans()):
            d["target_pace"] = draw(_pace)
    if draw(st.booleans()):
        d["label"] = draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=50))
    return d


def _block(children):
    return st.fixed_dictionaries(
        {
            "repeat": st.integers(1, 4),
            "skip_last_rest": st.booleans(),
            "steps": st.lists(children, min_size=1, max_size=3),
        },
        optional={"label": st.text(max_size=12)},
    )


_presets = st.fixed_dictionaries(
    {
        "name": st.text(min_size=1, max_size=50).filter(str.strip),
        "steps": st.lists(st.recursive(_leaf(), _block, max_leaves=10), min_size=1, max_size=4),
    }
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_presets)
def test_any_preset_runs_on_the_watch_as_in_speedtimer(tmp_path_factory, data):
    try:
        p = preset_from_dict(data)
    except PresetError:
        return  # skip_last_rest leaving nothing, and the like: not a preset to export
    messages, _ = export(p, tmp_path_factory.mktemp("fit"))
    assert_runs_as_schedule(p, messages)


def test_nested_skipped_rests_reach_into_inner_blocks(tmp_path):
    """The outer block's last round ends on the inner block's rest: both are dropped."""
    p = preset(
        {
            "repeat": 2,
            "skip_last_rest": True,
            "steps": [
                {
                    "repeat": 3,
                    "steps": [
                        {"kind": "work", "duration": 30},
                        {"kind": "rest", "duration": 30},
                        {"repeat": 2, "steps": [{"kind": "rest", "duration": 10}]},
                    ],
                }
            ],
        },
        {"kind": "cooldown", "duration": 60},
    )
    messages, _ = export(p, tmp_path)
    assert_runs_as_schedule(p, messages)
    flat = run_like_a_watch(messages["workout_step_mesgs"])
    assert [KIND_OF[s["intensity"]] for s in flat[-2:]] == ["work", "cooldown"]


# --- the command line ---------------------------------------------------------------------


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "speedtimer", "--config-dir", str(cwd / "cfg"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )


def test_cli_writes_a_fit_file(tmp_path):
    out = cli(
        "presets", "export", "8x400m-track", "--format", "fit", "--output", "w.fit", cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert "w.fit" in out.stdout
    assert "note: skip_last_rest" in out.stderr
    assert "Traceback" not in out.stderr
    messages = decode(tmp_path / "w.fit")
    assert messages["workout_mesgs"][0]["wkt_name"] == "8 x 400 m track repeats"


def test_cli_refuses_fit_to_the_terminal(tmp_path):
    out = cli("presets", "export", "8x400m-track", "--format", "fit", cwd=tmp_path)
    assert out.returncode != 0
    assert "--output FILE" in out.stderr
    assert "binary" in out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout == ""


@pytest.mark.parametrize(
    ("output", "message"),
    [("missing/w.fit", "does not exist"), (".", "is a folder")],
)
def test_cli_says_why_it_cannot_write(tmp_path, output, message):
    out = cli("presets", "export", "tabata", "--format", "fit", "-o", output, cwd=tmp_path)
    assert out.returncode == 1
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_version_and_parser_do_not_load_the_fit_library():
    code = (
        "import sys; from speedtimer.cli.main import build_parser, main; build_parser(); "
        "main(['--version']); assert 'fit_tool' not in sys.modules, 'fit_tool imported'"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
