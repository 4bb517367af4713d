"""The quick one-line form: what each piece means, every error's column and caret, the same
limits as preset files, and a round trip from any valid preset through `to_quick`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speedtimer.core.preset import CATEGORIES, KINDS, MAX_DEPTH, MILE_M, PresetError, Repeat, Step
from speedtimer.core.schedule import build_schedule
from speedtimer.formats.preset_toml import load_preset, preset_from_dict
from speedtimer.formats.quick import MAX_QUICK_CHARS, QuickError, parse_quick, to_quick
from tests.reliability import tried

REPO = Path(__file__).resolve().parents[2]
BUNDLED = sorted((REPO / "presets").glob("*.toml"))


def only(text: str) -> Step:
    steps = parse_quick(text).steps
    assert len(steps) == 1 and isinstance(steps[0], Step), steps
    return steps[0]


def error(text: str) -> QuickError:
    with pytest.raises(QuickError) as info:
        parse_quick(text)
    return info.value


# --- what the pieces mean ----------------------------------------------------------------------


def test_the_example_session():
    p = parse_quick("10:00 wu, 8x(400m lap @3:45/km, 1:30 rest)!, 10:00 cd")
    assert p.steps == (
        Step("warmup", "", 600),
        Repeat(
            count=8,
            skip_last_rest=True,
            steps=(
                Step("work", "", None, distance_m=400.0, pace_s_per_km=225.0),
                Step("rest", "", 90),
            ),
        ),
        Step("cooldown", "", 600),
    )
    sched = build_schedule(p)
    assert len(sched.steps) == 1 + 8 + 7 + 1  # no jog after the 8th rep
    assert sched.steps[1].target_s == pytest.approx(90)
    assert p.name.startswith("Quick: 10:00 wu, 8x(")
    assert p.category == "custom" and p.countdown == 3


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("90", 90),
        ("90s", 90),
        ("1:30", 90),
        ("10:00", 600),
        ("99:59", 5999),
        ("1:05:00", 3900),
        ("2m", 120),
        ("1h", 3600),
        ("1m30s", 90),
        ("1m30", 90),
        ("1h30m", 5400),
        ("1h5m30s", 3930),
        ("2m0s", 120),
        ("45M", 2700),
        ("24h", 86400),
    ],
)
def test_durations(text, seconds):
    assert only(text).duration_s == seconds


@pytest.mark.parametrize(
    "word, kind",
    [
        ("wu", "warmup"),
        ("warmup", "warmup"),
        ("Warm-up", "warmup"),
        ("work", "work"),
        ("rest", "rest"),
        ("r", "rest"),
        ("jog", "rest"),
        ("rec", "rest"),
        ("recovery", "rest"),
        ("cd", "cooldown"),
        ("COOLDOWN", "cooldown"),
    ],
)
def test_kind_words_in_any_position(word, kind):
    assert only(f"1:00 {word}").kind == kind
    assert only(f"{word} 1:00").kind == kind
    assert only("1:00").kind == "work"


@pytest.mark.parametrize(
    "text, metres",
    [
        ("400m lap", 400),
        ("1km lap", 1000),
        ("1.5km lap", 1500),
        ("1.1km lap", 1100),  # exact, not 1100.0000000000002
        ("1mi lap", MILE_M),
        ("0.5mi lap", MILE_M / 2),
        ("12.5m lap", 12.5),
    ],
)
def test_distances_in_metres(text, metres):
    step = only(text)
    assert step.distance_m == metres and step.duration_s is None


def test_paces_need_a_distance_and_keep_their_unit():
    step = only("400m lap @3:45/km")
    assert step.pace_s_per_km == 225 and step.pace_unit == "km"
    step = only("1mi @ 6:00/mi")
    assert step.pace_unit == "mi" and step.pace_s_per_km == pytest.approx(360 * 1000 / MILE_M)
    assert step.duration_s is None  # a distance with no time is an open (lap) step


@pytest.mark.parametrize(
    "text, duration, distance",
    [
        ("2m", 120, None),  # under 100 and nothing else decides: minutes
        ("45m rest", 2700, None),
        ("400m", None, 400),  # 100 or more: metres, an open step
        ("60m lap", None, 60),
        ("200m @3:30/km", None, 200),
        ("200m 45s", 45, 200),
        ("1km 2:00", 120, 1000),
    ],
)
def test_m_is_minutes_or_metres_by_the_documented_rule(text, duration, distance):
    step = only(text)
    assert (step.duration_s, step.distance_m) == (duration, distance)


def test_repeats_single_steps_nesting_labels_and_no_last_rest():
    p = parse_quick('"Set" 3x(4x(200m lap, 1:00 jog "200 m jog")!, 3:00 rest)!, 6x 20s, 2 X (1:00)')
    outer, strides, spaced = p.steps
    assert isinstance(outer, Repeat) and outer.label == "Set" and outer.skip_last_rest
    inner = outer.steps[0]
    assert isinstance(inner, Repeat) and inner.count == 4 and inner.skip_last_rest
    assert inner.steps[1] == Step("rest", "200 m jog", 60)
    assert strides == Repeat(6, (Step("work", "", 20),))
    assert spaced == Repeat(2, (Step("work", "", 60),))
    sched = build_schedule(p)
    kinds = [s.kind for s in sched.steps[:8]]
    assert kinds == ["work", "rest", "work", "rest", "work", "rest", "work", "rest"]
    assert sched.steps[7].label == "" and sched.steps[7].planned_s == 180  # set break


def test_single_step_repeat_takes_a_label_inside_and_the_bang_after():
    p = parse_quick('6x "Stride" 20s, 3x 1:00 rest!')
    assert p.steps[0] == Repeat(6, (Step("work", "Stride", 20),))
    assert p.steps[1] == Repeat(3, (Step("rest", "", 60),), skip_last_rest=True)
    assert len(build_schedule(p).steps) == 6 + 2


def test_labels_keep_any_text_with_escapes():
    step = only(r'1:00 "say \"go\" at C:\\track, ünï 走"')
    assert step.label == 'say "go" at C:\\track, ünï 走'
    assert only('"a, b (c)! @x" 1:00').label == "a, b (c)! @x"


def test_name_category_and_description():
    p = parse_quick("1:00", name="Mine", category="hills")
    assert (p.name, p.category) == ("Mine", "hills")
    assert p.description == "Quick session: 1:00"
    long = parse_quick(", ".join(["1:00 rest"] * 40))
    assert len(long.name) <= 80 and long.name.endswith("…")


def test_readme_examples_all_parse():
    text = (REPO / "presets" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick sessions", 1)[1].split("\n## ", 1)[0]
    block = section.split("Examples:", 1)[1].split("```", 2)[1]
    lines = [re.split(r"\s{3,}", line.strip())[0] for line in block.splitlines() if line.strip()]
    assert len(lines) >= 5
    for line in lines:
        assert build_schedule(parse_quick(line)).steps, line
    for quoted in re.findall(r'--quick "([^"]+)"', section):
        parse_quick(quoted)


# --- errors: column, what was expected, caret ----------------------------------------------------


@pytest.mark.parametrize(
    "text, column, words",
    [
        ("", 1, "empty"),
        ("   ", 1, "empty"),
        ("10:00 wu,", 10, "expected a step"),
        ("10:00 wu,, 1:00", 10, "expected a step"),
        ("8x(400m lap", 12, 'expected "," or ")" to close the repeat opened at column 3'),
        ("8x()", 4, "expected a step"),
        ("8x", 3, "expected what to repeat"),
        ("10:00 foo", 7, "unknown word 'foo'"),
        ("10:00 wu, 8x(400m lap, 1:30 rst)", 29, "unknown word 'rst'"),
        ("1:75", 1, "not a valid time"),
        ("1:05:75", 1, "not a valid time"),
        ("1:60:00", 1, "not a valid time"),
        ("1m75s", 1, "go to 59"),
        ("1h90m", 1, "go to 59"),
        ("1.5", 1, "expected a duration"),
        ("2min", 1, "expected a duration"),
        ("400m 1:30 lap", 11, "either timed or ended by lap"),
        ("2m 400m", 1, "'2m' reads as metres here"),
        ("1:00 1km 2km", 10, "one distance"),
        ("1:00 2:00", 6, "one duration"),
        ("1:00 wu rest", 9, "one kind"),
        ('1:00 "a" "b"', 10, "one label"),
        ("lap lap", 5, "one lap"),
        ("wu", 1, "needs a duration"),
        ("30s @3:45/km", 5, "a pace needs a distance"),
        ("400m lap @3:75/km", 11, "expected a pace"),
        ("400m lap @fast", 11, "expected a pace"),
        ("400m lap @", 11, "got nothing"),
        ('1:00 "open', 6, "no closing quote"),
        ("1:00)", 5, 'unexpected ")"'),
        ("1:00 !", 6, 'unexpected "!"'),
        ("1:00 2x 30s", 6, "a repeat starts its own item"),
        ("1:00 (30s)", 6, 'unexpected "("'),
        ("8x(1:00) 2:00", 10, 'expected "," before the next step'),
        ("1:00 ↑", 6, "unexpected character '↑'"),
        ("30s, 1234567890123", 6, "too long"),
        ("1.1234567890123456789012345678901km", 1, "too long"),
        ("x 1:00", 1, "a repeat starts its own item"),
    ],
)
def test_errors_name_the_column_and_what_was_expected(text, column, words):
    exc = error(text)
    assert exc.column == column
    assert words in exc.message
    head, shown, caret = str(exc).split("\n")
    assert head.startswith(f"quick session, column {column}: ")
    assert shown.startswith("  ") and caret.strip() == "^"
    assert caret.index("^") == column + 1  # under the column, after the 2-space indent


@pytest.mark.parametrize(
    "text, column, words",
    [
        ("10:00, 2000x 5", 8, "repeat count: expected 1 to 1000, got 2000"),
        ("0x(1:00)", 1, "repeat count: expected 1 to 1000, got 0"),
        ("1:00, 25h", 7, "'25:00:00' is longer than the 24 hour limit"),
        ("0", 1, "more than zero"),
        ("200km lap", 1, "distance (in metres): expected more than 0 and at most 100000"),
        ("1km @0:00/km", 5, "pace must be more than zero"),
        ("1x(1:00 rest)!", 1, '"!" (no last rest) removes every step'),
        ("10x(10x(10x(10x 5)))", 1, "more than 5000 steps"),
    ],
)
def test_file_limits_apply_and_point_at_the_text(text, column, words):
    exc = error(text)
    assert isinstance(exc, PresetError)  # a caller catching preset problems catches these
    assert words in exc.message, exc.message
    assert exc.column == column


def test_nesting_deeper_than_files_allow_is_refused_at_the_repeat():
    ok = "2x(" * MAX_DEPTH + "1s" + ")" * MAX_DEPTH
    assert parse_quick(ok)
    exc = error("2x(" * (MAX_DEPTH + 1) + "1s" + ")" * (MAX_DEPTH + 1))
    assert exc.column == 3 * MAX_DEPTH + 1 and f"limit of {MAX_DEPTH}" in exc.message
    deep = error("2x " * 50 + "1s")  # single-step repeats nest too, and never recurse far
    assert f"limit of {MAX_DEPTH}" in deep.message


def test_text_too_long_is_refused():
    exc = error("1:00, " * (MAX_QUICK_CHARS // 6 + 1) + "1:00")
    assert "limited to 10000" in exc.message


def test_name_problems_have_no_caret():
    exc = error_with(lambda: parse_quick("1:00", name="  "))
    assert exc.column is None and str(exc) == "quick session: name: must not be empty"


def error_with(fn) -> QuickError:
    with pytest.raises(QuickError) as info:
        fn()
    return info.value


def test_caret_under_wide_characters_and_long_text():
    exc = error('1:00 "走走", foo')
    shown, caret = str(exc).split("\n")[1:]
    assert caret.index("^") == shown.index("foo") + 2  # each 走 takes two cells
    long = "1:00, " * 40 + "foo"
    exc = error(long)
    shown, caret = str(exc).split("\n")[1:]
    assert shown.startswith("  …") and len(shown) < 90
    assert shown[caret.index("^") : caret.index("^") + 3] == "foo"


# --- properties ----------------------------------------------------------------------------------

_vocab = st.sampled_from(
    [
        "10:00", "1:30", "90", "90s", "2m", "400m", "1.5km", "1mi", "1h", "1m30", "lap", "wu",
        "cd", "rest", "r", "jog", "work", "@3:45/km", "@6:00/mi", "@", '"x"', '"', "8x", "3 x",
        "x", "(", ")", ",", "!", "0", "1000x", "99999m", "1:75", "走", "\n", "\\", "-", ".",
    ]
)  # fmt: skip


@tried(
    "Quick one-line form",
    "any text up to 60 characters, and up to 25 words of the grammar's vocabulary in any order",
    "a preset that runs, or a QuickError whose column is inside the text; nothing else raised",
)
@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(_vocab, max_size=25).map(" ".join)))
def test_any_text_gives_a_preset_or_a_quick_error(text):
    try:
        preset = parse_quick(text)
    except QuickError as exc:
        str(exc)  # the message itself must render
        assert exc.column is None or 1 <= exc.column <= len(text) + 1
        return
    assert build_schedule(preset).steps


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_pace = st.builds(
    lambda m, s, u: f"{m}:{s:02d}/{u}",
    st.integers(2, 12),
    st.integers(0, 59),
    st.sampled_from(["km", "mi"]),
)


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
        d["label"] = draw(_text)
    return d


def _block(children):
    return st.fixed_dictionaries(
        {"repeat": st.integers(1, 12), "steps": st.lists(children, min_size=1, max_size=3)},
        optional={"skip_last_rest": st.booleans(), "label": _text},
    )


_preset = st.fixed_dictionaries(
    {
        "name": st.just("Generated"),
        "category": st.sampled_from(CATEGORIES),
        "steps": st.lists(st.recursive(_leaf(), _block, max_leaves=8), min_size=1, max_size=4),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_preset)
def test_any_valid_preset_reads_back_from_its_quick_form(data):
    try:
        original = preset_from_dict(data)
    except PresetError:
        return  # e.g. skip_last_rest leaving nothing: not a preset
    text = to_quick(original)
    back = parse_quick(text, name=original.name, category=original.category)
    assert back.steps == original.steps, text
    assert build_schedule(back) == build_schedule(original)


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_preset_reads_back_from_its_quick_form(path):
    original = load_preset(path)
    back = parse_quick(to_quick(original), name=original.name)
    assert back.steps == original.steps
    assert build_schedule(back).steps == build_schedule(original).steps
