"""The Daniels–Gilbert pace model against Daniels' published tables, round trips and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from speedtimer.core.paces import (
    HALF_M,
    MARATHON_M,
    MILE_M,
    RACE_DISTANCES,
    PaceError,
    PaceSymbol,
    equivalent_times,
    parse_race,
    parse_symbol,
    race_time_s,
    resolve_pace,
    resolve_symbol,
    training_paces,
    vdot_of,
)


def hms(text: str) -> float:
    parts = [int(p) for p in text.split(":")]
    total = 0
    for p in parts:
        total = total * 60 + p
    return total


def test_published_vdot_50_row():
    """Daniels' Running Formula, VDOT 50: 5k 19:57, 10k 41:21, half 1:31:35, marathon 3:10:49,
    T 4:15/km, I 3:55/km."""
    vdot = vdot_of(5000, hms("19:57"))
    assert vdot == pytest.approx(50.0, abs=0.1)
    times = equivalent_times(vdot)
    assert times["10k"] == pytest.approx(hms("41:21"), abs=3)
    assert times["half"] == pytest.approx(hms("1:31:35"), abs=3)
    assert times["marathon"] == pytest.approx(hms("3:10:49"), abs=3)
    paces = training_paces(vdot)
    assert paces.threshold == pytest.approx(hms("4:15"), abs=3)
    assert paces.interval == pytest.approx(hms("3:55"), abs=3)
    # M is the predicted marathon's pace; R is faster than I; E is a range slower than M
    assert paces.marathon == pytest.approx(times["marathon"] / 42.195)
    # VDOT 49.95: just inside the slide from I-20 (48.5 and below) to I-15 (50 and above)
    assert paces.interval - 15.5 < paces.repetition < paces.interval - 15
    assert paces.easy[0] < paces.easy[1]
    assert paces.marathon < paces.easy[0]


@pytest.mark.parametrize(
    ("race", "expected_vdot"),
    [
        # other rows of the published table (VDOT: 5k time)
        ("5k 30:40", 30),
        ("marathon 2:43:25", 60),
        ("5k 24:08", 40),
        ("5k 17:03", 60),
        ("5k 14:56", 70),
        ("10k 41:21", 50),
        ("half 1:31:35", 50),
        ("marathon 3:10:49", 50),
    ],
)
def test_published_rows(race, expected_vdot):
    assert parse_race(race).vdot == pytest.approx(expected_vdot, abs=0.3)


def test_repetition_offset_depends_on_vdot():
    assert training_paces(55).repetition == pytest.approx(training_paces(55).interval - 15)
    assert training_paces(50).repetition == pytest.approx(training_paces(50).interval - 15)
    assert training_paces(45).repetition == pytest.approx(training_paces(45).interval - 20)
    assert training_paces(48.5).repetition == pytest.approx(training_paces(48.5).interval - 20)


def test_repetition_pace_gets_faster_across_the_vdot_50_switch():
    steps = [48 + i * 0.01 for i in range(300)]
    reps = [training_paces(v).repetition for v in steps]
    assert all(b < a for a, b in zip(reps, reps[1:], strict=False))


@pytest.mark.parametrize("distance", list(RACE_DISTANCES.values()))
@pytest.mark.parametrize("vdot", [25, 38.5, 50, 61.2, 85])
def test_round_trip_race_vdot_race(distance, vdot):
    time_s = race_time_s(vdot, distance)
    again = race_time_s(vdot_of(distance, time_s), distance)
    assert abs(again - time_s) < 1


@pytest.mark.parametrize(
    ("text", "metres", "seconds"),
    [
        ("5k 19:57", 5000, 1197),
        ("5 km 19:57", 5000, 1197),
        ("5000m 19:57", 5000, 1197),
        ("5K 19:57", 5000, 1197),
        ("10K 41:21", 10000, 2481),
        ("HM 1:31:35", HALF_M, 5495),
        ("half 1:31:35", HALF_M, 5495),
        ("M 3:10:49", MARATHON_M, 11449),
        ("marathon 3:10:49", MARATHON_M, 11449),
        ("mile 5:50", MILE_M, 350),
        ("1500 5:24", 1500, 324),
        ("3000m 11:33", 3000, 693),
        ("  3k   11:33 ", 3000, 693),
        ("5k in 19:57", 5000, 1197),
        ("19:57 5k", 5000, 1197),
        ("5k: 19:57", 5000, 1197),
        ("5k 19m57s", 5000, 1197),
        ("half 1h31m35s", HALF_M, 5495),
        ("half marathon 1:31:35", HALF_M, 5495),
        ("42.2 km 3:10:49", MARATHON_M, 11449),  # within 0.5 %: the marathon
        ("21.1k 1:31:35", HALF_M, 5495),
        ("1 mile 5:50", MILE_M, 350),
        ("15 km 1:02:00", 15000, 3720),
    ],
)
def test_race_spellings(text, metres, seconds):
    race = parse_race(text)
    assert race.distance_m == pytest.approx(metres)
    assert race.time_s == pytest.approx(seconds)
    assert parse_race(race.text) == race  # the canonical spelling reads back


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("800m 2:00", "shorter than the model covers"),
        ("100k 9:00:00", "longer than the model covers"),
        ("5k 9:00", "faster than the model covers"),
        ("5k 1:30:00", "slower than the model covers"),
        ("5k", "a distance and a time"),
        ("5k 19:61", "not a valid time"),
        ("5k nineteen", "not a race time"),
        ("furlong 1:00", "not a race distance"),
        ("5k 0:00", "more than zero"),
        ("", "a distance and a time"),
    ],
)
def test_race_refusals_say_why(text, words):
    with pytest.raises(PaceError, match=words):
        parse_race(text)


def test_race_refuses_non_text():
    with pytest.raises(PaceError, match="expected a race"):
        parse_race(5)


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("I", PaceSymbol("I")),
        ("T+5s", PaceSymbol("T", 5)),
        ("5k-2s", PaceSymbol("5k", -2)),
        ("5k - 2s", PaceSymbol("5k", -2)),
        ("mile", PaceSymbol("mile")),
        ("1500m+3", PaceSymbol("1500m", 3)),
        ("HALF", PaceSymbol("half")),
        ("T+2.5s", PaceSymbol("T", 2.5)),
        ("marathon", PaceSymbol("M")),
        ("MP-3", PaceSymbol("M", -3)),
        ("10K", PaceSymbol("10k")),
    ],
)
def test_symbols(text, symbol):
    assert parse_symbol(text) == symbol
    assert parse_symbol(symbol.text) == symbol


@pytest.mark.parametrize(
    ("text", "hint"),
    [("5km-2x", None), ("10l", "10k"), ("mle", "mile"), ("i", "I"), ("X", None)],
)
def test_symbol_typos_get_did_you_mean(text, hint):
    with pytest.raises(PaceError) as err:
        parse_symbol(text)
    if hint:
        assert f"did you mean {hint!r}" in str(err.value)
    assert "3:45/km" in str(err.value)


def test_symbol_offset_bounded():
    with pytest.raises(PaceError, match="offset"):
        parse_symbol("5k-500s")


def test_resolve_race_symbol_is_race_pace():
    vdot = parse_race("5k 19:57").vdot
    assert resolve_pace(PaceSymbol("5k"), vdot) == pytest.approx(1197 / 5, abs=0.5)
    assert resolve_pace(PaceSymbol("5k", -2), vdot) == pytest.approx(1197 / 5 - 2, abs=0.5)
    fast, slow = resolve_symbol(PaceSymbol("E"), vdot)
    assert fast < resolve_pace(PaceSymbol("E"), vdot) < slow


vdots = st.floats(min_value=20, max_value=89, allow_nan=False)


@given(vdots, st.floats(min_value=0.1, max_value=1))
def test_higher_vdot_faster_everything(vdot, more):
    slow, fast = training_paces(vdot), training_paces(vdot + more)
    assert fast.interval < slow.interval
    assert fast.threshold < slow.threshold
    assert fast.marathon < slow.marathon
    assert fast.easy[0] < slow.easy[0] and fast.easy[1] < slow.easy[1]
    # R drops by 5 s/km more at the VDOT 50 switch, so it is faster or equal there too
    assert fast.repetition < slow.repetition
    for name in RACE_DISTANCES:
        assert equivalent_times(vdot + more)[name] < equivalent_times(vdot)[name]


@given(
    st.sampled_from(sorted(RACE_DISTANCES.values())),
    st.floats(min_value=0.5, max_value=0.95),
    st.floats(min_value=1, max_value=60),
)
def test_faster_race_higher_vdot(distance, speed_fraction, gain_s):
    base = race_time_s(40, distance) * (1 + speed_fraction)
    assert vdot_of(distance, base - gain_s) > vdot_of(distance, base)


@given(
    vdots,
    st.sampled_from(["E", "M", "T", "I", "R", "1500m", "mile", "3k", "5k", "10k", "half"]),
    st.integers(-60, 59),
)
def test_offsets_monotonic(vdot, base, offset):
    assert resolve_pace(PaceSymbol(base, offset + 1), vdot) > resolve_pace(
        PaceSymbol(base, offset), vdot
    )
    assert resolve_pace(PaceSymbol(base, offset), vdot) == pytest.approx(
        resolve_pace(PaceSymbol(base), vdot) + offset
    )


@given(vdots)
def test_zones_in_coach_order(vdot):
    p = training_paces(vdot)
    assert p.repetition < p.interval < p.threshold < p.marathon < p.easy[0] < p.easy[1]
    assert all(math.isfinite(x) for x in (p.repetition, p.interval, p.threshold, p.marathon))


def test_vdot_out_of_range_refused():
    with pytest.raises(PaceError, match="outside"):
        training_paces(95)
    with pytest.raises(PaceError, match="outside"):
        resolve_pace(PaceSymbol("5k"), 10)
