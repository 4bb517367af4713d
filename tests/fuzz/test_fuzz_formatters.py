"""Every clock, pace and duration formatter is total: no number crashes it.

A history imported before numbers were bounded, a damaged file, or a computation gone wrong
can hand a formatter -1.7e308, NaN, infinity, a 400-digit int or a negative time. Each of these
once ended the app with OverflowError when the history screen showed the session. Here every
formatter and every line of the history detail gets any number hypothesis can make.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speedtimer.cli.history import format_table
from speedtimer.core.announce import spoken_run_time, spoken_time
from speedtimer.core.preset import CLOCK_LIMIT_S, NO_TIME, format_clock, format_pace, preset_clock
from speedtimer.formats.intervals_icu import _clock as icu_clock
from speedtimer.formats.intervals_icu import _icu_duration
from speedtimer.formats.preset_save import _clock as save_clock
from speedtimer.formats.quick import _clock as quick_clock
from speedtimer.formats.quick import _duration_text
from speedtimer.history.store import SessionSummary, StepRow
from speedtimer.tui.screens.history_detail import (
    fade_text,
    pauses_text,
    planned_text,
    signed,
    split_rows,
    step_delta,
    totals_text,
)
from speedtimer.tui.widgets.history_charts import number
from tests.reliability import tried

# any float, any int (as JSON can carry), and the values the outside attack used
ANY_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([-1.7e308, 1.7e308, 5e-324, -0.0, 2**63, -(2**63) - 1, 10**400]),
)
# what a REAL column of SQLite can hand back: any float, an int of up to 64 bits
STORED = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([-1.7e308, 1.7e308, 5e-324, -0.0]),
)
MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
TEXT_FORMATTERS = (
    format_clock,
    lambda x: format_clock(x, tenths=True),
    format_pace,
    lambda x: format_pace(x, "mi"),
    spoken_time,
    spoken_run_time,
    signed,
    number,
    _icu_duration,
    _duration_text,
)
CLOCK_LIKE = (preset_clock, icu_clock, quick_clock, save_clock)


@tried(
    "Formatting numbers",
    "every clock, pace and duration formatter (clock, tenths, pace per km and mile, spoken "
    "times, deltas, chart numbers, intervals.icu and quick durations, preset clocks) with any "
    "float, NaN, infinities, ints of 400 digits, -1.7e308 and 1.7e308",
    "a short text every time: --:-- for what is not a number, >9999:59:59 beyond that; never "
    "an exception",
)
@MANY
@given(ANY_NUMBER)
def test_every_formatter_takes_any_number(value):
    for fmt in TEXT_FORMATTERS:
        text = fmt(value)
        assert isinstance(text, str) and 0 < len(text) <= 40, (fmt, value, text)
    for fmt in CLOCK_LIKE:
        out = fmt(value)
        assert isinstance(out, int | str) and len(str(out)) <= 20


@MANY
@given(st.floats(min_value=-CLOCK_LIMIT_S, max_value=CLOCK_LIMIT_S))
def test_sensible_times_still_read_as_before(seconds):
    text = format_clock(seconds)
    assert text != NO_TIME and ">" not in text
    whole = round(abs(seconds))
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    expected = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    assert text == ("-" if seconds < 0 else "") + expected


def test_the_attack_values_read_as_a_reader_expects():
    assert format_clock(-1.7e308, tenths=True) == "->9999:59:59"
    assert format_clock(1.7e308) == ">9999:59:59"
    assert format_clock(math.nan) == NO_TIME == format_clock(math.inf, tenths=True)
    assert format_pace(1.7e308) == ">99:59/km" and format_pace(-3) == "--:--/km"
    assert format_pace(215.0) == "3:35/km"
    assert spoken_time(math.inf) == "0 seconds" and spoken_time(-5) == "0 seconds"


def step(**numbers) -> StepRow:
    base = dict(
        idx=0,
        step_index=0,
        kind="work",
        label="400 m",
        rep=1,
        rep_count=2,
        set_no=None,
        set_count=None,
        planned_s=None,
        actual_s=80.0,
        paused_s=0.0,
        ended_how="lap",
        started_at=T0,
        ended_at=T0,
        distance_m=400.0,
        target_s=90.0,
        split_s=80.0,
        pace_s_per_km=200.0,
        laps=(),
    )
    base.update(numbers)
    return StepRow(**base)


@tried(
    "Formatting numbers",
    "the history detail and `history list` of a session whose every number (planned, actual, "
    "paused, split, target, distance, pace, laps, session totals) is any float or 64-bit int, "
    "as an older version may have stored it",
    "every line is drawn (steps, splits, fade, pauses, totals, the list's table); never an "
    "exception",
)
@MANY
@given(st.lists(STORED, min_size=13, max_size=13))
def test_the_history_words_take_any_stored_numbers(v):
    steps = (
        step(planned_s=v[0], actual_s=v[1], paused_s=v[2], split_s=v[3], laps=(v[4],)),
        step(idx=1, target_s=v[5], distance_m=v[6], pace_s_per_km=v[7], split_s=v[8]),
        step(idx=2, distance_m=800.0, pace_s_per_km=None, split_s=v[9]),
    )
    session = SessionSummary(
        id=1,
        uuid="u",
        preset_name="8 x 400 m",
        started_at=T0,
        utc_offset_min=60,
        ended_at=None,
        status="completed",
        planned_s=v[10],
        active_s=v[11],
        work_s=v[1],
        reps_done=2,
        reps_planned=2,
        paused_s=v[12],
        rpe=None,
        note="",
    )
    texts = [fade_text(steps), pauses_text(session, steps), totals_text(session)]
    for s in steps:
        texts.append(planned_text(s))
        delta = step_delta(s)
        texts.append(signed(delta) if delta is not None else "")
        texts.append(format_clock(s.actual_s, tenths=True))
    for row in split_rows(steps):
        texts += [format_clock(row[1], tenths=True), *row[2:]]
    texts.append(format_table([session]))
    assert all(isinstance(t, str) for t in texts)
