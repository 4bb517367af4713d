"""intervals.icu workout text: what import reads (and notes it skips), what export writes, and
that every bundled preset survives the trip out and back."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speedtimer.core.paces import parse_race
from speedtimer.core.preset import KINDS, MAX_FILE_BYTES, MILE_M, PresetError, Repeat, Step
from speedtimer.core.schedule import build_schedule
from speedtimer.core.targets import resolve_targets
from speedtimer.formats.intervals_icu import IcuError, load_icu, parse_icu, to_icu
from speedtimer.formats.preset_toml import load_preset, preset_from_dict
from speedtimer.formats.quick import parse_quick

REPO = Path(__file__).resolve().parents[2]
BUNDLED = sorted((REPO / "presets").glob("*.toml"))

TRACK = """\
Track Tuesday

Eight laps at 5 km pace.

Warmup
- Easy jog 10m
- Drills 5m30s

Main set 8x
- 400mtr 3:45/km Pace press lap
- Jog 1m30

Cooldown
- 10m
"""


def steps_of(text: str) -> tuple:
    return parse_icu(text).preset.steps


def one(line: str) -> Step:
    steps = steps_of(line)
    assert len(steps) == 1 and isinstance(steps[0], Step), steps
    return steps[0]


def run_of(preset) -> list[tuple]:
    """What the runner does, step by step: unrolling may change rep counters, not this."""
    return [
        (s.kind, s.label, s.planned_s, s.distance_m, s.pace_s_per_km)
        for s in build_schedule(preset).steps
    ]


# --- import ----------------------------------------------------------------------------------


def test_a_typical_workout():
    result = parse_icu(TRACK)
    p = result.preset
    assert p.name == "Track Tuesday" and p.description == "Eight laps at 5 km pace."
    assert p.steps == (
        Step("warmup", "Easy jog", 600, section="Warmup"),
        Step("warmup", "Drills", 330),
        Repeat(
            8,
            (
                Step("work", "", None, distance_m=400.0, pace_s_per_km=225.0, lap_button=True),
                Step("rest", "Jog", 90),
            ),
            label="Main set",
        ),
        Step("cooldown", "", 600, section="Cooldown"),
    )
    # every kind that no intensity= gave is reported with its reason
    assert result.notes == [
        "line 6: read as warmup: under the 'Warmup' header",
        "line 7: read as warmup: under the 'Warmup' header",
        "line 10: read as work: the hardest step of this repeat",
        "line 11: read as rest: the recovery word 'jog'",
        "line 14: read as cooldown: under the 'Cooldown' header",
    ]


@pytest.mark.parametrize(
    "token, seconds",
    [
        ("30s", 30),
        ("90s", 90),
        ("5m", 300),
        ("1h", 3600),
        ("1m30", 90),
        ("5m30s", 330),
        ("1h2m30s", 3750),
        ("1h30m", 5400),
        ("5'", 300),
        ('30"', 30),
        ("1'30\"", 90),
        ("400m", 24000),  # as in intervals.icu: m is minutes, metres are mtr
    ],
)
def test_times(token, seconds):
    assert one(f"- {token}").duration_s == seconds


@pytest.mark.parametrize(
    "token, metres",
    [
        ("400mtr", 400),
        ("400meters", 400),
        ("1km", 1000),
        ("0.4km", 400),
        ("1mi", MILE_M),
        ("1.5miles", 1.5 * MILE_M),
        ("200yds", 200 * 0.9144),
    ],
)
def test_distances_make_open_steps(token, metres):
    step = one(f"- {token}")
    assert step.distance_m == pytest.approx(metres) and step.duration_s is None


@pytest.mark.parametrize(
    "line, label",
    [
        ("- press lap", ""),
        ("- Press lap", ""),
        ("- lap", ""),
        ("- lap press Z2", ""),
        ("- Walk to the start press lap", "Walk to the start"),
        ("- Stride lap", "Stride"),
        ("- 400mtr lap", ""),
    ],
)
def test_press_lap_makes_an_open_step(line, label):
    step = one(line)
    assert step.duration_s is None and step.label == label


def test_lap_inside_a_prompt_is_just_a_word():
    assert one("- Last lap fast 1m").label == "Last lap fast"


def test_press_lap_on_a_timed_step_keeps_the_time_with_a_note():
    result = parse_icu("- Press lap 15m Z1 Pace")
    assert result.preset.steps[0].duration_s == 900
    assert any("press lap on a timed step" in n for n in result.notes)


@pytest.mark.parametrize(
    "line, pace, unit, note",
    [
        ("- 1km 4:00/km Pace", 240, "km", None),
        ("- 1km 4:00/km", 240, "km", None),
        ("- 1mi 6:00/mi Pace", 360 * 1000 / MILE_M, "mi", None),
        ("- 1km 1:30/400m Pace", 225, "km", "converted to per km"),
        ("- 1km 4:00 Pace", 240, "km", "has no unit"),
    ],
)
def test_pace_targets(line, pace, unit, note):
    result = parse_icu(line)
    step = result.preset.steps[0]
    assert step.pace_s_per_km == pytest.approx(pace) and step.pace_unit == unit
    assert step.pace_hi_s_per_km is None
    pace_notes = [n for n in result.notes if "pace" in n]
    assert (note is None and not pace_notes) or any(note in n for n in pace_notes)


@pytest.mark.parametrize(
    "line, fast, slow, unit",
    [
        ("- 1km 3:50-3:40/km Pace", 220, 230, "km"),
        ("- 2km 3:13-3:18/km", 193, 198, "km"),
        ("- 1mi 6:10-6:00/mi Pace", 360 * 1000 / MILE_M, 370 * 1000 / MILE_M, "mi"),
        ("- 10m 3:00/100m-4:00/100m Pace", 1800, 2400, "km"),
    ],
)
def test_pace_ranges_stay_ranges(line, fast, slow, unit):
    step = parse_icu(line).preset.steps[0]
    assert step.pace_s_per_km == pytest.approx(fast)
    assert step.pace_hi_s_per_km == pytest.approx(slow)
    assert step.pace_unit == unit


def test_a_timed_step_keeps_its_pace():
    result = parse_icu("- Tempo 20m 4:30/km Pace")
    step = result.preset.steps[0]
    assert (step.duration_s, step.pace_s_per_km, step.distance_m) == (1200, 270, None)
    assert not any("pace" in n for n in result.notes)


@pytest.mark.parametrize(
    "value, kind",
    [
        ("warmup", "warmup"),
        ("active", "work"),
        ("interval", "work"),
        ("recovery", "rest"),
        ("rest", "rest"),
        ("cooldown", "cooldown"),
    ],
)
def test_intensity_sets_the_kind(value, kind):
    assert one(f"- Jog 1m intensity={value}").kind == kind


def test_kinds_are_guessed_from_headers_and_labels():
    steps = steps_of("Warm up\n- 5m\n\n- Easy jog 2m\n- Walk 1m\n- Hard 1m\n\nCool Down\n- 5m\n")
    assert [s.kind for s in steps] == ["warmup", "rest", "rest", "work", "cooldown"]


@pytest.mark.parametrize(
    "line, text",
    [
        ("- Spin 10m 75% 90rpm", "75% 90rpm"),
        ("- 5m Z2 HR", "Z2 HR"),
        ("- 5m Z2-Z3 Pace", "Z2-Z3 Pace"),
        ("- 5m 78-82% Pace", "78-82% Pace"),
        ("- 5m 95% LTHR", "95% LTHR"),
        ("- 5m 140-150bpm", "140-150bpm"),
        ("- 5m 220w", "220w"),
        ("- 5m 315w - 330w", "315w - 330w"),
        ("- 10m ramp 60-75% Pace", "ramp 60-75% Pace"),
        ("- 10m ramp 7:15-7:00/km pace", "ramp 7:15-7:00/km pace"),
        ("- 3m 60% MMP 5m", "60% MMP 5m"),
        ("- 5m RPE 8", "RPE 8"),
        ("- 5m RPE8", "RPE8"),
        ("- 5m 170-180rpm", "170-180rpm"),
        ("- 20m freeride", "freeride"),
        ("- 5m CZ2", "CZ2"),
    ],
)
def test_targets_speedtimer_cannot_measure_are_kept_as_text(line, text):
    step = parse_icu(line).preset.steps[0]
    assert step.target_text == text
    assert step.pace_s_per_km is None


def test_repeats_standalone_step_and_blank_line_ends_them():
    steps = steps_of("5x\n- 30s\n- 30s rest\n\n- 5m intensity=cooldown\n- 4x 100mtr strides\n")
    assert steps[0] == Repeat(5, (Step("work", "", 30), Step("rest", "", 30)))
    assert steps[1] == Step("cooldown", "", 300)  # after the blank line: not repeated
    assert steps[2] == Repeat(4, (Step("work", "strides", None, distance_m=100.0),))


def test_a_step_repeat_inside_a_section_repeat_nests():
    steps = steps_of("Main set 3x\n- 4x 20s\n- 2m rest\n")
    assert steps == (
        Repeat(3, (Repeat(4, (Step("work", "", 20),)), Step("rest", "", 120)), label="Main set"),
    )


def test_the_last_round_without_its_rest_folds_into_skip_last_rest():
    text = "7x\n- 1km press lap\n- 2m rest\n\n- 1km press lap\n\n- 10m intensity=cooldown\n"
    steps = steps_of(text)
    assert steps[0] == Repeat(
        8,
        (Step("work", "", None, distance_m=1000.0, lap_button=True), Step("rest", "", 120)),
        skip_last_rest=True,
    )
    assert steps[1] == Step("cooldown", "", 600)
    # a following step that differs is left alone
    assert len(steps_of("7x\n- 1km press lap\n- 2m rest\n\n- 2km press lap\n")) == 2


def test_name_comes_from_argument_text_or_file(tmp_path):
    assert parse_icu(TRACK, name="Mine").preset.name == "Mine"
    assert parse_icu("- 1m").preset.name == "Imported workout"
    path = tmp_path / "sunday-hills.txt"
    path.write_text("Hills 6x\n- Uphill 1m\n- Jog down 2m\n", encoding="utf-8")
    p = load_icu(path).preset
    assert p.name == "sunday-hills" and p.steps[0].count == 6 and p.steps[0].label == "Hills"
    assert p.source == path


# --- import errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line_no, words",
    [
        ("Warmup\n- 10m\n\nMain\n- fast 400 please\n", 5, "expected a duration"),
        ("- 10m\n- Z2\n", 2, "expected a duration"),
        ("Main set 2000x\n- 1m\n", 1, "expected 1 to 1000, got 2000"),
        ("- 1m\n- 25h\n", 2, "'25:00:00' is longer than the 24 hour limit"),
        ("- 200km\n", 1, "expected more than 0 and at most 100000"),
        ("- 1km 0:00/km Pace\n", 1, "pace must be more than zero"),
        ("- 0s\n", 1, "more than zero"),
    ],
)
def test_errors_name_the_line(text, line_no, words):
    with pytest.raises(IcuError) as info:
        parse_icu(text, path="w.txt")
    exc = info.value
    assert isinstance(exc, PresetError)
    assert exc.line_no == line_no and words in exc.message
    message = str(exc)
    assert message.startswith(f"w.txt: line {line_no}: ")
    assert f"\n  {line_no} | {text.splitlines()[line_no - 1]}" in message


@pytest.mark.parametrize("text", ["", "\n\n", "Just a note\nand another\n", "Main set 8x\n\n"])
def test_text_without_steps_is_an_error(text):
    with pytest.raises(IcuError, match="no workout steps found"):
        parse_icu(text)


def test_file_problems(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"- 1m\n" * (MAX_FILE_BYTES // 5 + 1))
    with pytest.raises(IcuError, match="imports are limited to"):
        load_icu(big)
    binary = tmp_path / "x.fit"
    binary.write_bytes(b"\x0e\x10\xff\xfe- 1m")
    with pytest.raises(IcuError, match="not UTF-8"):
        load_icu(binary)
    with pytest.raises(IcuError, match="cannot read file"):
        load_icu(tmp_path / "missing.txt")


# --- export ----------------------------------------------------------------------------------


def test_export_writes_the_documented_form():
    p = parse_quick(
        '10:00 wu "Easy jog", 8x(400m lap @3:45/km "400 m", 1:30 rest "Jog")!, '
        "1mi 7:00 @6:40/mi, 10:00 cd",
        name="Track",
        description="",
    )
    text, notes = to_icu(p)
    assert text == (
        "Track\n"
        "\n"
        "- Easy jog 10m intensity=warmup\n"
        "\n"
        "7x\n"
        "- 400 m 400mtr 3:45/km Pace intensity=active\n"
        "- Jog 1m30s intensity=rest\n"
        "\n"
        "- 400 m 400mtr 3:45/km Pace intensity=active\n"
        "- 7m 1mi 6:40/mi Pace intensity=active\n"
        "- 10m intensity=cooldown\n"
    )
    assert notes == []
    back = parse_icu(text).preset
    assert back.steps == p.steps and back.name == "Track"


def test_distance_steps_end_at_the_distance_unless_the_lap_button_is_asked_for():
    p = parse_quick("2x(400m lap @3:45/km, 1:30 rest), 5:00 cd, lap", name="Track")
    text, _ = to_icu(p)
    assert "- 400mtr 3:45/km Pace intensity=active" in text
    assert "- press lap intensity=active" in text  # no distance, no time: the button
    text, notes = to_icu(p, lap_button=True)
    assert "- 400mtr 3:45/km Pace press lap intensity=active" in text and notes == []
    back = parse_icu(text).preset
    assert all(s.lap_button for s in back.steps[0].steps if s.distance_m)
    # a step imported with press lap keeps it on the way out; one without stays a distance step
    for line in ("- 400mtr 3:45/km Pace press lap intensity=active", "- 1km intensity=active"):
        assert to_icu(parse_icu(line).preset)[0].splitlines()[-1] == line


def test_nested_repeats_are_unrolled_with_a_note():
    p = parse_quick('"Set" 3x(4x(200m lap, 1:00 rest)!, 3:00 rest)!', name="Sets")
    text, notes = to_icu(p)
    assert len(notes) == 1 and "nested repeats unrolled" in notes[0] and "Set (3 x)" in notes[0]
    assert text.rstrip().endswith("Note: nested repeats unrolled by speedtimer (Set (3 x)).")
    assert "Set 1/3: 3x" in text and "Set 3/3: 3x" in text
    back = parse_icu(text).preset
    assert run_of(back) == run_of(p)
    assert not any(isinstance(i, Repeat) and any(isinstance(c, Repeat) for c in i.steps)
                   for i in back.steps)  # fmt: skip
    assert back.description == p.description  # the note line is not taken for text


def test_export_notes_a_label_that_cannot_be_written():
    p = parse_quick('1:00 "go 2m fast", 1:00 "press lap"', name="Odd")
    _text, notes = to_icu(p)
    assert len(notes) == 1 and "step 1 reads back differently" in notes[0]


def _without_symbols(preset):
    """What intervals.icu can carry: each resolved pace rounded to whole seconds, no symbol."""
    from dataclasses import replace

    from speedtimer.core.targets import _map_steps

    def plain(step):
        if not step.pace_symbol:
            return step
        return replace(step, pace_symbol=None, pace_s_per_km=float(round(step.pace_s_per_km)))

    return replace(preset, steps=_map_steps(preset.steps, plain))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_preset_goes_out_and_back(path):
    written = load_preset(path)
    # Race-derived targets go out as the absolute pace for the race in effect (a whole-second
    # pace for 5k 18:45's 5k pace and the I pace of VDOT 50 rounds to 1 s/km).
    original = resolve_targets(written, parse_race("5k 18:45").vdot)
    original = _without_symbols(original)
    text, notes = to_icu(original)
    back = parse_icu(text).preset
    assert (back.name, back.description) == (original.name, original.description)
    assert run_of(back) == run_of(original)
    nested = any(
        isinstance(i, Repeat) and any(isinstance(c, Repeat) for c in i.steps)
        for i in original.steps
    )
    if nested:
        assert any("unrolled" in n for n in notes)
    else:  # the format can say all of it: the very same schedule, counters included
        assert notes == []
        assert build_schedule(back).steps == build_schedule(original).steps


_word = st.text("abcdefghijklmnopqrstuvwyz,:()ÄÜ走", min_size=1, max_size=8)
_label = st.lists(_word, max_size=3).map(" ".join)
_pace = st.builds(
    lambda m, s, u: f"{m}:{s:02d}/{u}", st.integers(2, 12), st.integers(0, 59),
    st.sampled_from(["km", "mi"]),
)  # fmt: skip


@st.composite
def _leaf(draw):
    d = {"kind": draw(st.sampled_from(KINDS))}
    if draw(st.booleans()):
        d["duration"] = draw(st.integers(1, 86_400))
    else:
        d["until"] = "lap"
    if draw(st.booleans()):
        d["distance_m"] = draw(st.one_of(st.integers(1, 100_000), st.floats(0.001, 42_195)))
        if draw(st.booleans()):
            d["target_pace"] = draw(_pace)
    if draw(st.booleans()):
        d["label"] = draw(_label)
    return d


def _block(children):
    return st.fixed_dictionaries(
        {"repeat": st.integers(1, 6), "steps": st.lists(children, min_size=1, max_size=3)},
        optional={"skip_last_rest": st.booleans(), "label": _label},
    )


_preset = st.fixed_dictionaries(
    {
        "name": st.just("Generated"),
        "steps": st.lists(st.recursive(_leaf(), _block, max_leaves=8), min_size=1, max_size=4),
    }
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_preset)
def test_any_preset_runs_the_same_after_export_and_import(data):
    try:
        original = preset_from_dict(data)
    except PresetError:
        return
    text, notes = to_icu(original)
    assert not [n for n in notes if "unrolled" not in n], notes
    assert run_of(parse_icu(text).preset) == run_of(original)


_any_label = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_export_never_changes_a_session_silently(data):
    """With any label at all, the text either runs the same or export says it doesn't."""
    steps = data.draw(st.lists(_leaf(), min_size=1, max_size=4))
    for d in steps:
        d["label"] = data.draw(_any_label)
    try:
        original = preset_from_dict({"name": "Any", "steps": steps})
    except PresetError:
        return
    text, notes = to_icu(original)
    try:
        same = run_of(parse_icu(text).preset) == run_of(original)
    except IcuError:
        same = False
    assert same or any("read" in n and "back" in n for n in notes), (text, notes)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_imports_or_fails_with_an_icu_error(text):
    try:
        preset = parse_icu(text).preset
    except IcuError as exc:
        str(exc)
        return
    assert build_schedule(preset).steps


# --- minutes that were meant as metres (issue 12, bug 3) ------------------------------------


@pytest.mark.parametrize(
    "line, hint",
    [
        ("- 400m 3:45/km Pace", "400mtr"),
        ("- 100m", "100mtr"),
        ("- 800m Z5 Pace", "800mtr"),
        ("- 70m 4:00/km Pace", "70mtr"),  # a paced step of more than an hour
    ],
)
def test_an_implausible_minute_count_is_imported_with_a_warning(line, hint):
    result = parse_icu(line)
    minutes = int(line.split()[1][:-1])
    assert result.preset.steps[0].duration_s == minutes * 60  # refused nothing, changed nothing
    assert any(f"did you mean {hint}?" in n and "m means minutes" in n for n in result.notes)


@pytest.mark.parametrize("line", ["- 99m", "- 45m 4:30/km Pace", "- 1h30m 4:00/km Pace", "- 60m"])
def test_plausible_minutes_are_not_questioned(line):
    assert not any("did you mean" in n for n in parse_icu(line).notes)


@pytest.mark.parametrize(
    "text, hint",
    [
        ("Main set 12x\n- 400m 3:45/km Pace\n- 90s Z1\n", "400mtr"),
        ("- 2000m\n", "2000mtr"),
    ],
)
def test_a_refusal_caused_by_minutes_says_what_was_probably_meant(text, hint):
    with pytest.raises(IcuError) as info:
        parse_icu(text)
    assert f"did you mean {hint}?" in str(info.value)


# --- notes, headers and repeat forms (issue 18, points 1 and 2) ------------------------------


def test_markdown_notes_become_the_description_and_never_abort():
    text = (
        "Sunset run\n**Goal:** negative split\n---\n*Sunset 8:14pm*\n\n"
        "Warmup\n- 10m Z1\n\n---\n**Then:** the reps\nMain set 2x\n- 1km 4:00/km Pace\n"
        "- 2m Z1\n\n- Shake out the legs\n"
    )
    result = parse_icu(text)
    assert result.preset.name == "Sunset run"
    assert result.preset.description.splitlines() == [
        "**Goal:** negative split", "---", "*Sunset 8:14pm*", "---", "**Then:** the reps",
        "- Shake out the legs",
    ]  # fmt: skip
    assert sum("kept in the description" in n for n in result.notes) == 4
    assert [type(i).__name__ for i in result.preset.steps] == ["Step", "Repeat"]


@pytest.mark.parametrize(
    "text",
    [
        "Main Set 4x\n- 1km 4:00/km Pace\n- 2m Z1\n",
        "Main Set\n4x\n- 1km 4:00/km Pace\n- 2m Z1\n",
        "Main Set: 4x\n- 1km 4:00/km Pace\n- 2m Z1\n",
    ],
)
def test_every_documented_repeat_header_keeps_its_label(text):
    (block,) = parse_icu(text).preset.steps
    assert isinstance(block, Repeat) and (block.label, block.count) == ("Main Set", 4)
    assert [s.kind for s in block.steps] == ["work", "rest"]


def test_a_dash_repeat_line_imports_the_steps_once_and_says_so():
    result = parse_icu("Main set\n- 4x\n- 400mtr 3:45/km Pace\n- 90s Z1\n")
    assert [s.distance_m or s.duration_s for s in result.preset.steps] == [400, 90]
    assert any("line 2:" in n and "imported once" in n for n in result.notes)


def test_a_header_without_a_repeat_is_written_back_where_it_was():
    text = "Tempo\n- 20m 4:30/km Pace intensity=active\n\nCooldown\n- 10m Z1 intensity=cooldown\n"
    preset = parse_icu(text).preset
    assert [s.section for s in preset.steps] == ["Tempo", "Cooldown"]
    out, _ = to_icu(preset)
    assert out.endswith(text)


_range = st.builds(
    lambda a, b, u: f"{a // 60}:{a % 60:02d}-{b // 60}:{b % 60:02d}/{u}",
    st.integers(120, 600), st.integers(120, 600), st.sampled_from(["km", "mi"]),
)  # fmt: skip
_target_text = st.sampled_from(
    ["Z1", "Z2 HR", "60-70% Pace", "75% HR", "RPE 8", "ramp 50-75% Pace", "170-180rpm", "220w"]
)


@st.composite
def _rich_leaf(draw):
    d = draw(_leaf())
    if draw(st.booleans()):
        d["target_pace"] = draw(st.one_of(_pace, _range))
    if draw(st.booleans()):
        d["target_text"] = draw(_target_text)
    if draw(st.booleans()):
        d["lap_button"] = True
    return d


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(_rich_leaf(), _block(_rich_leaf())), min_size=1, max_size=5),
    st.lists(st.sampled_from(["Warmup", "Main set", "Tempo", "Cooldown"]), max_size=5),
)
def test_import_export_import_is_the_identity_on_generated_workouts(items, sections):
    """Any preset written out and read in once is a fixed point: export then import gives it
    back unchanged, targets, ranges, lap buttons and headers included."""
    for item, section in zip(items, sections, strict=False):
        if "kind" in item:
            item["section"] = section
    try:
        original = preset_from_dict({"name": "Generated", "steps": items})
    except PresetError:
        return
    text, _ = to_icu(original)
    try:
        first = parse_icu(text).preset
    except IcuError:
        return  # a label that cannot be written: export's own note covers it
    again = parse_icu(to_icu(first)[0]).preset
    assert (again.name, again.description, again.steps) == (
        first.name,
        first.description,
        first.steps,
    )


_ICU_WORDS = ["10m", "90s", "1m30", "5'", '30"', "400mtr", "1km", "0.25mi", "3:45/km", "Pace",
              "3:13-3:18/km", "Z1", "Z2", "HR", "Z2-Z3", "60-70%", "75%", "LTHR", "220w", "170rpm",
              "RPE", "8", "ramp", "press", "lap", "easy", "jog", "Strides", "fast", "5:00",
              "intensity=rest", "-", "freeride", "**Goal:**", "hr=lap", "MMP", "warm",
              "cool"]  # fmt: skip
_ICU_HEADERS = ["Warmup", "Main set 4x", "Main Set", "4x", "Cooldown", "Tempo", "---", "*note*", ""]
_icu_line = st.one_of(
    st.sampled_from(_ICU_HEADERS),
    st.lists(st.sampled_from(_ICU_WORDS), min_size=1, max_size=5).map(lambda w: "- " + " ".join(w)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_icu_line, min_size=1, max_size=8))
def test_any_workout_text_survives_export_and_import_or_export_says_why(lines):
    try:
        first = parse_icu("\n".join(lines) + "\n").preset
    except IcuError:
        return
    text, notes = to_icu(first)
    again = parse_icu(text).preset
    same = (again.name, again.description, again.steps) == (
        first.name,
        first.description,
        first.steps,
    )
    assert same or any("reads back differently" in n for n in notes), (text, notes)
