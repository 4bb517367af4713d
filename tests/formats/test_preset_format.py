"""The preset file format: the bundled presets, and every error a hand-written file can hit.

Every file here is real TOML written to tmp_path and read with load_preset / load_folder, the
same path the app takes. Error tests check the whole contract of a message: the file, the key
path and what was expected.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from speedtimer.core.preset import (
    CATEGORIES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_REPEAT,
    MAX_STEPS,
    MILE_M,
    BrokenPreset,
    Preset,
    PresetError,
    Repeat,
    Step,
    parse_duration,
    parse_pace,
)
from speedtimer.core.schedule import build_schedule
from speedtimer.core.targets import resolve_targets
from speedtimer.formats.preset_toml import load_folder, load_preset, parse_preset, preset_from_dict
from tests.reliability import tried

PRESETS_DIR = Path(__file__).resolve().parents[2] / "presets"
BUNDLED = sorted(PRESETS_DIR.glob("*.toml"))

HEAD = 'name = "Test"\n'
WARMUP = '[[steps]]\nkind = "warmup"\nduration = "10:00"\n'


def write(tmp_path: Path, text: str | bytes, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str | bytes, name: str = "bad.toml") -> tuple[str, Path]:
    path = write(tmp_path, text, name)
    with pytest.raises(PresetError) as info:
        load_preset(path)
    return str(info.value), path


def step_error(tmp_path: Path, step_body: str) -> str:
    """Error text for a file whose second step is `step_body`; asserts it points at steps[1]."""
    message, path = load_error(tmp_path, HEAD + WARMUP + "[[steps]]\n" + step_body)
    assert message.startswith(f"{path}: steps[1]"), message
    return message


def walk(items):
    for item in items:
        yield item
        if isinstance(item, Repeat):
            yield from walk(item.steps)


def nesting(items) -> int:
    return max((1 + nesting(i.steps) for i in items if isinstance(i, Repeat)), default=0)


# --- the bundled presets ------------------------------------------------------------------------


def test_there_are_enough_bundled_presets():
    assert len(BUNDLED) >= 11


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_preset_loads_and_is_complete(path: Path):
    preset = load_preset(path, bundled=True)
    assert isinstance(preset, Preset)
    assert preset.read_only and preset.source == path
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.toml", path.name), "lowercase-hyphenated"
    assert preset.category in CATEGORIES and preset.category != "custom"
    assert len(preset.description) >= 100, "say what, why and how hard"
    assert preset.tags
    assert 0 <= preset.countdown <= 10

    steps = build_schedule(preset).steps
    assert steps[0].kind == "warmup"
    assert steps[-1].kind == "cooldown"
    assert sum(s.planned_s or 0 for s in steps if s.kind == "warmup") >= 10 * 60
    assert sum(s.planned_s or 0 for s in steps if s.kind == "cooldown") >= 5 * 60
    assert any(s.kind == "work" for s in steps)
    # Warm-up, then the session, then cool-down: no warm-up or cool-down in the middle.
    kinds = [s.kind for s in steps]
    first_main = next(i for i, k in enumerate(kinds) if k not in ("warmup",))
    last_main = max(i for i, k in enumerate(kinds) if k != "cooldown")
    assert "warmup" not in kinds[first_main:]
    assert "cooldown" not in kinds[: last_main + 1]
    # The session never ends its main part on a rest.
    assert kinds[last_main] == "work"
    for s in steps:
        assert s.label, f"step {s.index} of {path.name} has no label"


def test_bundled_folder_loads_clean_with_unique_names():
    entries = load_folder(PRESETS_DIR, bundled=True)
    assert [e for e in entries if isinstance(e, BrokenPreset)] == []
    assert len(entries) == len(BUNDLED) >= 10
    names = [e.name for e in entries]
    assert len(set(n.casefold() for n in names)) == len(names)
    assert all(e.bundled for e in entries)


def test_bundled_presets_cover_the_session_types():
    presets = [load_preset(p) for p in BUNDLED]
    categories = {p.category for p in presets}
    for needed in ("intervals", "hills", "plyometrics", "strides", "tabata", "fartlek"):
        assert needed in categories
    assert any(nesting(p.steps) >= 2 for p in presets), "one preset with sets of reps"


def _bundled(stem: str) -> Preset:
    return load_preset(PRESETS_DIR / f"{stem}.toml", bundled=True)


def test_8x400_is_lap_ended_with_distance_and_pace():
    preset = _bundled("8x400m-track")
    sched = build_schedule(preset)
    work = [s for s in sched.steps if s.kind == "work"]
    assert len(work) == 8
    assert all(s.is_open and s.distance_m == 400 and s.pace_symbol == "5k" for s in work)
    assert all(s.pace_s_per_km is None for s in work)  # no race: no made-up target
    ran = build_schedule(resolve_targets(preset, 50.0))  # 5k in 19:57
    assert all(s.target_s == pytest.approx(95.8, abs=0.5) for s in ran.steps if s.kind == "work")
    rests = [s for s in sched.steps if s.kind == "rest"]
    assert [s.planned_s for s in rests] == [90] * 7  # skip_last_rest: no jog after the 8th


def test_6x200_is_lap_ended_with_distance_and_pace():
    work = [s for s in build_schedule(_bundled("6x200m-track")).steps if s.kind == "work"]
    assert len(work) == 6
    assert all(s.is_open and s.distance_m == 200 and s.pace_symbol == "mile" for s in work)


def test_nested_sets_preset_shape():
    preset = _bundled("3x4x200m-sets")
    (outer,) = [i for i in preset.steps if isinstance(i, Repeat)]
    assert outer.count == 3 and outer.skip_last_rest
    inner = outer.steps[0]
    assert isinstance(inner, Repeat) and inner.count == 4 and inner.skip_last_rest
    assert [s.duration_s for s in inner.steps] == [None, 60]
    assert inner.steps[0].distance_m == 200
    set_rest = outer.steps[1]
    assert isinstance(set_rest, Step) and set_rest.kind == "rest" and set_rest.duration_s == 180


def test_plyometrics_names_each_exercise():
    labels = " ".join(s.label for s in walk(_bundled("plyometrics-circuit").steps))
    for exercise in ("A-skip", "B-skip", "Bounding", "skip", "Squat jump", "Box jump"):
        assert exercise in labels


def test_tabata_is_8_x_20_10():
    sched = build_schedule(_bundled("tabata"))
    work = [s.planned_s for s in sched.steps if s.kind == "work"]
    rest = [s.planned_s for s in sched.steps if s.kind == "rest"]
    assert work == [20] * 8 and rest == [10] * 7


def test_30_30s_is_two_sets_of_ten():
    sched = build_schedule(_bundled("30-30s"))
    work = [s for s in sched.steps if s.kind == "work"]
    assert len(work) == 20 and {s.planned_s for s in work} == {30}
    set_breaks = [s for s in sched.steps if s.planned_s == 180 and s.kind == "rest"]
    assert len(set_breaks) == 1


def test_hill_sprints_and_strides_walk_back():
    for stem, reps in (("hill-sprints", 8), ("strides", 6)):
        sched = build_schedule(_bundled(stem))
        work = [s for s in sched.steps if s.kind == "work"]
        assert len(work) == reps and all(10 <= s.planned_s <= 30 for s in work)
        rests = [s for s in sched.steps if s.kind == "rest"]
        assert all("walk" in s.label.lower() for s in rests)


# --- scalar parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [(90, 90), ("90", 90), (" 90 ", 90), ("1:30", 90), ("0:45", 45), ("12:00", 720),
     ("99:59", 5999), ("1:05:00", 3900), ("24:00:00", 86400)],
)  # fmt: skip
def test_durations(raw, seconds):
    assert parse_duration(raw) == seconds


@pytest.mark.parametrize(
    ("raw", "s_per_km"),
    [("3:45/km", 225.0), ("3:45 / km", 225.0), ("10:00/km", 600.0),
     ("6:00/mi", 360 * 1000 / MILE_M)],
)  # fmt: skip
def test_paces(raw, s_per_km):
    assert parse_pace(raw) == pytest.approx(s_per_km)


def test_target_time_is_distance_times_pace(tmp_path):
    path = write(
        tmp_path,
        HEAD + '[[steps]]\nkind = "work"\nuntil = "lap"\ndistance_m = 400\n'
        'target_pace = "3:45/km"\n',
        "ok.toml",
    )
    (step,) = load_preset(path).steps
    assert step.duration_s is None and step.target_s == pytest.approx(90.0)


# --- error messages -------------------------------------------------------------------------------


def test_unknown_key_deep_in_a_block_suggests_the_right_one(tmp_path):
    text = HEAD + WARMUP + (
        "[[steps]]\nrepeat = 4\n"
        '  [[steps.steps]]\n  kind = "work"\n  duraton = 60\n'
    )  # fmt: skip
    message, path = load_error(tmp_path, text)
    assert message.startswith(f"{path}: steps[1].steps[0].duraton: ")
    assert "unknown key 'duraton'" in message
    assert "did you mean 'duration'?" in message
    assert "allowed here: kind, duration, until" in message


@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        (HEAD + 'catagory = "hills"\n' + WARMUP, "catagory", "category"),
        (HEAD + WARMUP + "[[steps]]\nrepeats = 2\nsteps = [{kind='work', duration=5}]\n",
         "steps[1].repeats", "repeat"),
        (HEAD + WARMUP + "[[steps]]\nrepeat = 2\nskip_last_rests = true\n"
         "steps = [{kind='work', duration=5}]\n", "steps[1].skip_last_rests", "skip_last_rest"),
        (HEAD + WARMUP + '[[steps]]\nkind = "work"\nduration = 5\ntarget_pase = "3:00/km"\n',
         "steps[1].target_pase", "target_pace"),
    ],
)  # fmt: skip
def test_unknown_keys_at_every_level(tmp_path, text, key, hint):
    message, path = load_error(tmp_path, text)
    assert message.startswith(f"{path}: {key}: unknown key")
    assert f"did you mean {hint!r}?" in message


def test_unknown_key_without_a_close_match_lists_the_allowed_ones(tmp_path):
    message, path = load_error(tmp_path, HEAD + 'colour = "red"\n' + WARMUP)
    assert message.startswith(f"{path}: colour: unknown key 'colour'; allowed here: name,")
    assert "did you mean" not in message


@tried(
    "Preset files",
    "each key of a preset, step and block given a value of the wrong type or range "
    "(strings for numbers, floats, booleans, lists for tables, unknown kinds)",
    "refused with the file, the exact key path and what was expected",
)
@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('name = 5\n' + WARMUP, "name", "expected a string, got an integer (5)"),
        (HEAD + 'description = ["a"]\n' + WARMUP, "description", "expected a string, got a list"),
        (HEAD + 'tags = "track"\n' + WARMUP, "tags", "expected a list of strings, got a string"),
        (HEAD + "tags = [1, 2]\n" + WARMUP, "tags", "expected a list of strings"),
        (HEAD + 'countdown = "3"\n' + WARMUP, "countdown", "integer 0-10, got a string"),
        (HEAD + "countdown = true\n" + WARMUP, "countdown", "integer 0-10, got a boolean"),
        (HEAD + "countdown = 11\n" + WARMUP, "countdown", "expected an integer 0-10, got 11"),
        (HEAD + "countdown = -1\n" + WARMUP, "countdown", "expected an integer 0-10, got -1"),
        (HEAD + 'halfway = "yes"\n' + WARMUP, "halfway", "expected true or false, got a string"),
        (HEAD + 'steps = "run"\n', "steps", "expected a list of tables ([[steps]]), got a string"),
        (HEAD + "steps = [1, 2]\n", "steps", "expected a list of tables"),
        (HEAD + WARMUP + '[[steps]]\nrepeat = "4"\nsteps = [{kind="work", duration=5}]\n',
         "steps[1].repeat", "expected an integer >= 1, got a string ('4')"),
        (HEAD + WARMUP + '[[steps]]\nrepeat = 2.5\nsteps = [{kind="work", duration=5}]\n',
         "steps[1].repeat", "expected an integer >= 1, got a number (2.5)"),
        (HEAD + WARMUP + '[[steps]]\nrepeat = true\nsteps = [{kind="work", duration=5}]\n',
         "steps[1].repeat", "expected an integer >= 1, got a boolean"),
        (HEAD + WARMUP + '[[steps]]\nrepeat = 2\nskip_last_rest = "yes"\n'
         'steps = [{kind="work", duration=5}]\n',
         "steps[1].skip_last_rest", "expected true or false, got a string"),
        (HEAD + WARMUP + '[[steps]]\nrepeat = 2\nsteps = {kind="work", duration=5}\n',
         "steps[1].steps", "expected a list of tables ([[steps[1].steps]]), got a table"),
        (HEAD + WARMUP + '[[steps]]\nkind = "sprint"\nduration = 5\n',
         "steps[1].kind", "expected one of warmup, work, rest, cooldown; got 'sprint'"),
        (HEAD + WARMUP + '[[steps]]\nkind = 1\nduration = 5\n',
         "steps[1].kind", "expected one of warmup, work, rest, cooldown; got 1"),
        (HEAD + WARMUP + '[[steps]]\nkind = "work"\nduration = 1.5\n',
         "steps[1].duration", "expected whole seconds (e.g. 90)"),
        (HEAD + WARMUP + '[[steps]]\nkind = "work"\nduration = true\n',
         "steps[1].duration", "got a boolean (True)"),
        (HEAD + WARMUP + '[[steps]]\nkind = "work"\nduration = 5\nlabel = 3\n',
         "steps[1].label", "expected a string, got an integer (3)"),
        (HEAD + WARMUP + '[[steps]]\nkind = "work"\nuntil = "lap"\ndistance_m = "400"\n',
         "steps[1].distance_m", "expected metres as a number, got a string ('400')"),
        (HEAD + WARMUP + '[[steps]]\nkind = "work"\nuntil = "lap"\ndistance_m = true\n',
         "steps[1].distance_m", "expected metres as a number, got a boolean"),
    ],
)  # fmt: skip
def test_wrong_types(tmp_path, text, key, expected):
    message, path = load_error(tmp_path, text)
    assert message.startswith(f"{path}: {key}: "), message
    assert expected in message


@pytest.mark.parametrize("value", ["0", "-30", '"0"', '"0:00"', '"0:00:00"'])
def test_zero_or_negative_duration(tmp_path, value):
    message = step_error(tmp_path, f'kind = "work"\nduration = {value}\n')
    assert ": steps[1].duration: " in message
    assert "must be more than zero" in message or "expected whole seconds" in message
    if value in ("0", '"0:00"'):
        assert "duration must be more than zero" in message


@pytest.mark.parametrize(
    "value", ["1:75", "1:5", "90s", "1m30", "1:60:00", "1.30", ":30", "", "1:30:", "²", "-1:00"]
)
def test_bad_clock_strings(tmp_path, value):
    message = step_error(tmp_path, f'kind = "work"\nduration = "{value}"\n')
    assert ": steps[1].duration: " in message
    assert 'a time like "1:30" or "1:05:00"' in message
    assert repr(value) in message


def test_seconds_out_of_range_says_it_is_not_a_valid_time(tmp_path):
    message = step_error(tmp_path, 'kind = "work"\nduration = "1:75"\n')
    assert "'1:75' is not a valid time" in message


def test_duration_over_24_hours(tmp_path):
    message = step_error(tmp_path, 'kind = "work"\nduration = "24:00:01"\n')
    assert "longer than the 24 hour limit" in message


@pytest.mark.parametrize("count", [0, -1, MAX_REPEAT + 1])
def test_repeat_out_of_range(tmp_path, count):
    message = step_error(tmp_path, f'repeat = {count}\nsteps = [{{kind="work", duration=5}}]\n')
    assert f"steps[1].repeat: expected 1 to {MAX_REPEAT}, got {count}" in message


def test_block_without_repeat(tmp_path):
    message = step_error(tmp_path, 'steps = [{kind="work", duration=5}]\n')
    assert "steps[1].repeat: missing: a block with steps needs repeat = N" in message


def test_block_without_steps(tmp_path):
    message = step_error(tmp_path, "repeat = 3\n")
    assert "steps[1].steps: missing: a repeat block needs" in message


def test_empty_steps_list_at_top(tmp_path):
    message, path = load_error(tmp_path, HEAD + "steps = []\n")
    assert message == f"{path}: steps: is empty: expected at least one step"


def test_empty_steps_list_in_a_block(tmp_path):
    message = step_error(tmp_path, "repeat = 3\nsteps = []\n")
    assert message.endswith("steps[1].steps: is empty: expected at least one step")


def test_missing_steps(tmp_path):
    message, path = load_error(tmp_path, HEAD)
    assert message.startswith(f"{path}: steps: missing")
    assert "[[steps]]" in message


def test_both_duration_and_until(tmp_path):
    message = step_error(tmp_path, 'kind = "work"\nduration = 60\nuntil = "lap"\n')
    assert message.endswith(
        "steps[1]: has both duration and until: a step is either timed or lap-ended"
    )


def test_neither_duration_nor_until(tmp_path):
    message = step_error(tmp_path, 'kind = "work"\nlabel = "Go"\n')
    assert 'steps[1]: needs duration (e.g. duration = "1:30") or until = "lap"' in message


@pytest.mark.parametrize(("value", "shown"), [('"finish"', "'finish'"), ("true", "True")])
def test_until_must_be_lap(tmp_path, value, shown):
    message = step_error(tmp_path, f'kind = "work"\nuntil = {value}\n')
    assert 'steps[1].until: expected "lap", got' in message
    assert shown in message


def test_missing_kind(tmp_path):
    message = step_error(tmp_path, "duration = 60\n")
    assert "steps[1].kind: missing: expected one of warmup, work, rest, cooldown" in message


@pytest.mark.parametrize(
    "value",
    ['"3:75/km"', '"3:45/mile"', '"3:45/KM"', '"fast"', "345", '"0:00/km"', '"3:13-3:78/km"',
     '"3:13-/km"', '"0:00-3:00/km"', '"3:13-3:18-3:20/km"'],
)  # fmt: skip
def test_bad_pace(tmp_path, value):
    message = step_error(
        tmp_path, f'kind = "work"\nuntil = "lap"\ndistance_m = 400\ntarget_pace = {value}\n'
    )
    assert "steps[1].target_pace: " in message
    assert (
        'a pace like "3:45/km", "6:00/mi", "3:30" (per km) or a range like "3:13-3:18/km"'
        in message
        or "pace must be more than zero" in message
    )


@pytest.mark.parametrize(
    "value, fast, slow, unit, saved",
    [
        ("3:30", 210, None, "km", "3:30/km"),  # bare: per km, as in the editor and icu import
        ("3:13-3:18/km", 193, 198, "km", "3:13-3:18/km"),
        ("3:18 - 3:13/km", 193, 198, "km", "3:13-3:18/km"),
        ("3:13–3:18", 193, 198, "km", "3:13-3:18/km"),
        ("6:00-6:10/mi", 360 / 1.609344, 370 / 1.609344, "mi", "6:00-6:10/mi"),
        ("3:15-3:15/km", 195, None, "km", "3:15/km"),
    ],
)
def test_pace_forms(value, fast, slow, unit, saved):
    from speedtimer.formats.preset_save import preset_to_toml

    data = {"name": "p", "steps": [
        {"kind": "work", "until": "lap", "distance_m": 400, "target_pace": value},
    ]}  # fmt: skip
    step = preset_from_dict(data).steps[0]
    assert step.pace_s_per_km == pytest.approx(fast) and step.pace_unit == unit
    assert step.pace_hi_s_per_km == (None if slow is None else pytest.approx(slow))
    assert f'target_pace = "{saved}"' in preset_to_toml(preset_from_dict(data))


@pytest.mark.parametrize("timing", ['duration = "20:00"', 'until = "lap"'])
def test_target_pace_without_distance_is_shown_not_timed(timing):
    step = preset_from_dict(
        tomllib.loads(f'name = "t"\n[[steps]]\nkind = "work"\n{timing}\ntarget_pace = "4:30/km"\n')
    ).steps[0]
    assert step.pace_s_per_km == 270 and step.target_s is None


def test_target_text_lap_button_and_section(tmp_path):
    from speedtimer.formats.preset_save import preset_to_toml

    text = (
        'name = "t"\n[[steps]]\nkind = "work"\nduration = 60\ntarget_text = "Z2 HR"\n'
        'lap_button = true\nsection = "Main set"\n'
    )
    preset = parse_preset(text)
    step = preset.steps[0]
    assert (step.target_text, step.lap_button, step.section) == ("Z2 HR", True, "Main set")
    assert parse_preset(preset_to_toml(preset)).steps == preset.steps
    assert "steps[1].lap_button: expected true or false, got a string ('yes')" in step_error(
        tmp_path, 'kind = "work"\nduration = 60\nlap_button = "yes"\n'
    )
    assert "steps[1].target_text: is longer than 200 characters" in step_error(
        tmp_path, f'kind = "work"\nduration = 60\ntarget_text = "{"x" * 201}"\n'
    )
    assert "steps[1].target_text: expected a string, got an integer (2)" in step_error(
        tmp_path, 'kind = "work"\nduration = 60\ntarget_text = 2\n'
    )
    assert "control character" in step_error(
        tmp_path, 'kind = "work"\nduration = 60\ntarget_text = "Z2\\nHR"\n'
    )


@pytest.mark.parametrize("value", ["0", "-400", "100001", "nan", "inf"])
def test_distance_out_of_range(tmp_path, value):
    message = step_error(tmp_path, f'kind = "work"\nuntil = "lap"\ndistance_m = {value}\n')
    assert "steps[1].distance_m: expected more than 0 and at most 100000" in message


def test_missing_name(tmp_path):
    message, path = load_error(tmp_path, 'category = "hills"\n' + WARMUP)
    assert message.startswith(f"{path}: name: missing: every preset needs a name")


def test_blank_name(tmp_path):
    message, path = load_error(tmp_path, 'name = "   "\n' + WARMUP)
    assert message == f"{path}: name: must not be empty"


def test_bad_category(tmp_path):
    message, path = load_error(tmp_path, HEAD + 'category = "speed"\n' + WARMUP)
    assert message.startswith(f"{path}: category: expected one of intervals, hills,")
    assert "got 'speed'" in message


def test_text_too_long(tmp_path):
    message = step_error(tmp_path, f'kind = "work"\nduration = 5\nlabel = "{"x" * 2001}"\n')
    assert message.endswith("steps[1].label: is longer than 2000 characters")


def test_toml_syntax_error_keeps_line_and_column(tmp_path):
    message, path = load_error(tmp_path, HEAD + WARMUP + '[[steps]\nkind = "work"\n')
    assert message.startswith(f"{path}: TOML syntax error: ")
    assert "(at line 5, column 8)" in message


def test_toml_syntax_error_on_a_value(tmp_path):
    message, path = load_error(
        tmp_path, HEAD + WARMUP + '[[steps]]\nkind = "work"\nduration = 1:30\n'
    )
    assert message.startswith(f"{path}: TOML syntax error: ")
    assert "line 7" in message


def test_not_utf8(tmp_path):
    message, path = load_error(tmp_path, b'name = "Caf\xe9"\n' + WARMUP.encode())
    assert message == f"{path}: not UTF-8 text (byte 11): is this a TOML file?"


def test_file_too_large(tmp_path):
    text = HEAD + WARMUP + "# " + "x" * MAX_FILE_BYTES + "\n"
    message, path = load_error(tmp_path, text)
    assert message.startswith(f"{path}: file is {len(text)} bytes; presets are limited to ")
    assert str(MAX_FILE_BYTES) in message


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(PresetError) as info:
        load_preset(path)
    assert str(info.value).startswith(f"{path}: cannot read file: ")


def _nested(depth: int) -> str:
    """`depth` repeat blocks inside one another, written as real [[steps.steps...]] tables."""
    lines = [HEAD]
    for level in range(1, depth + 1):
        lines.append(f"[[{'.'.join(['steps'] * level)}]]\nrepeat = 1\n")
    lines.append(f'[[{".".join(["steps"] * (depth + 1))}]]\nkind = "work"\nduration = 5\n')
    return "".join(lines)


def test_nesting_up_to_the_limit_loads(tmp_path):
    preset = load_preset(write(tmp_path, _nested(MAX_DEPTH), "deep.toml"))
    assert nesting(preset.steps) == MAX_DEPTH
    assert len(build_schedule(preset).steps) == 1


def test_nesting_too_deep(tmp_path):
    message, path = load_error(tmp_path, _nested(MAX_DEPTH + 1))
    key = ".".join(["steps[0]"] * (MAX_DEPTH + 1)) + ".steps"
    assert message == (f"{path}: {key}: repeat blocks nest deeper than the limit of {MAX_DEPTH}")


def test_deeply_nested_toml_arrays_are_an_error_not_a_crash(tmp_path):
    message, path = load_error(tmp_path, HEAD + "tags = " + "[" * 3000 + "]" * 3000 + "\n")
    assert message.startswith(f"{path}: ")
    assert "too deeply" in message


def test_too_many_steps(tmp_path):
    text = HEAD + (
        "[[steps]]\nrepeat = 1000\n"
        "  [[steps.steps]]\n  repeat = 6\n"
        '    [[steps.steps.steps]]\n    kind = "work"\n    duration = 5\n'
    )  # fmt: skip
    message, path = load_error(tmp_path, text)
    assert message == f"{path}: steps[0]: the preset expands to more than {MAX_STEPS} steps"


def test_exactly_the_step_limit_loads(tmp_path):
    text = HEAD + (
        "[[steps]]\nrepeat = 1000\n"
        "  [[steps.steps]]\n  repeat = 5\n"
        '    [[steps.steps.steps]]\n    kind = "work"\n    duration = 5\n'
    )  # fmt: skip
    preset = load_preset(write(tmp_path, text, "big.toml"))
    assert len(build_schedule(preset).steps) == MAX_STEPS


def test_error_carries_its_parts(tmp_path):
    path = write(tmp_path, HEAD + WARMUP + '[[steps]]\nkind = "work"\nduration = "1:75"\n')
    with pytest.raises(PresetError) as info:
        load_preset(path)
    err = info.value
    assert err.path == str(path)
    assert err.key == "steps[1].duration"
    assert "not a valid time" in err.message
    assert isinstance(err, ValueError)


# --- whole folders --------------------------------------------------------------------------------

GOOD = HEAD.replace("Test", "Good one") + WARMUP + '[[steps]]\nkind = "work"\nduration = 60\n'


def test_load_folder_returns_good_and_broken_side_by_side(tmp_path):
    write(tmp_path, GOOD, "b-good.toml")
    write(tmp_path, 'name = "Broken one"\n' + WARMUP + '[[steps]]\nkind = "work"\n', "a-bad.toml")
    write(tmp_path, 'name = "Syntax"\n[[steps]\n', "c-syntax.toml")
    write(tmp_path, b"\xff\xfe\x00junk", "d-binary.toml")
    write(tmp_path, GOOD, ".hidden.toml")
    write(tmp_path, "not a preset", "notes.txt")

    entries = load_folder(tmp_path)
    assert [e.source.name for e in entries] == [
        "a-bad.toml",
        "b-good.toml",
        "c-syntax.toml",
        "d-binary.toml",
    ]
    bad, good, syntax, binary = entries

    assert isinstance(good, Preset) and good.name == "Good one" and not good.bundled
    assert len(good.steps) == 2

    assert isinstance(bad, BrokenPreset)
    assert bad.name == "Broken one" and bad.display_name == "Broken one"
    assert str(bad.error).startswith(f"{tmp_path / 'a-bad.toml'}: steps[1]: needs duration")

    assert isinstance(syntax, BrokenPreset) and syntax.display_name == "Syntax"
    assert "TOML syntax error" in str(syntax.error) and "line 2" in str(syntax.error)

    assert isinstance(binary, BrokenPreset)
    assert binary.name == "" and binary.display_name == "d-binary"
    assert "not UTF-8" in str(binary.error)


def test_load_folder_marks_bundled(tmp_path):
    write(tmp_path, GOOD, "good.toml")
    (entry,) = load_folder(tmp_path, bundled=True)
    assert entry.bundled and entry.read_only


def test_load_folder_of_a_missing_folder_is_empty(tmp_path):
    assert load_folder(tmp_path / "nowhere") == []


def test_load_folder_survives_a_directory_named_like_a_preset(tmp_path):
    (tmp_path / "odd.toml").mkdir()
    (entry,) = load_folder(tmp_path)
    assert isinstance(entry, BrokenPreset)
    assert "cannot read file" in str(entry.error)


def test_a_preset_whose_only_steps_are_skipped_rests_is_rejected(tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text(
        'name = "Only rest"\n[[steps]]\nrepeat = 1\nskip_last_rest = true\n'
        '  [[steps.steps]]\n  kind = "rest"\n  duration = 60\n'
    )
    with pytest.raises(PresetError) as err:
        load_preset(path)
    assert str(err.value) == (
        f"{path}: steps: nothing left to run: skip_last_rest removes every step of this preset"
    )
