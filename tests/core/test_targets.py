"""Symbolic targets and rep times in preset files, and how a session resolves them."""

from __future__ import annotations

import pytest

from speedtimer.core.paces import PaceError, parse_race
from speedtimer.core.preset import PresetError
from speedtimer.core.schedule import build_schedule, outline
from speedtimer.core.targets import (
    apply_choice,
    has_symbolic_targets,
    parse_start_choice,
    resolve_targets,
    session_preset,
)
from speedtimer.formats.preset_save import preset_to_toml
from speedtimer.formats.preset_toml import parse_preset


def rep(target: str, distance: str = "distance_m = 400\n", extra: str = "") -> str:
    return (
        'name = "T"\n[[steps]]\nkind = "warmup"\nduration = 60\n'
        f'[[steps]]\nkind = "work"\nuntil = "lap"\n{distance}{target}\n{extra}'
    )


@pytest.mark.parametrize(
    ("written", "symbol"),
    [
        ('"I"', "I"),
        ('"E"', "E"),
        ('"5k-2s"', "5k-2s"),
        ('"T+5s"', "T+5s"),
        ('"T + 5"', "T+5s"),
        ('"10k"', "10k"),
        ('"5000m"', "5k"),
        ('"HM"', "half"),
        ('"mile"', "mile"),
        ('"1500m+1s"', "1500m+1s"),
    ],
)
def test_symbolic_target_pace_reads_and_saves_as_written(written, symbol):
    preset = parse_preset(rep(f"target_pace = {written}"))
    step = preset.steps[1]
    assert step.pace_symbol == symbol and step.pace_s_per_km is None
    assert has_symbolic_targets(preset)
    text = preset_to_toml(preset)
    assert f'target_pace = "{symbol}"' in text
    assert parse_preset(text).steps == preset.steps


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ('"5l"', "did you mean '5k'?"),
        ('"i"', "did you mean 'I'?"),
        ('"mlie"', "did you mean 'mile'?"),
        ('"Z2"', "a zone (E, M, T, I, R)"),
        ('"5k-999s"', "offset"),
        ('"5k*2"', "is not a pace"),
    ],
)
def test_symbolic_typos_name_the_key_and_suggest(written, words):
    with pytest.raises(PresetError) as err:
        parse_preset(rep(f"target_pace = {written}"), "my.toml")
    message = str(err.value)
    assert message.startswith("my.toml: steps[1].target_pace: ")
    assert words in message


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("84", 84), ('"84s"', 84), ('"84"', 84), ('"1:24"', 84), ('"1:24.5"', 84.5), ("84.5", 84.5)],
)
def test_target_time_is_a_rep_time(written, seconds):
    preset = parse_preset(rep(f"target_time = {written}"))
    step = preset.steps[1]
    assert step.target_time_s == seconds and step.target_s == seconds
    assert step.pace_s_per_km == pytest.approx(seconds / 0.4)  # the pace it implies
    sched = build_schedule(preset)
    assert sched.steps[1].target_s == seconds
    assert sched.steps[1].targets_text.startswith("target 1:2")
    again = parse_preset(preset_to_toml(preset))
    assert again.steps == preset.steps


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (rep('target_time = "1:75"'), "a rep time like"),
        (rep("target_time = 0"), "more than zero"),
        (rep("target_time = true"), "a rep time like"),
        (rep('target_time = "84"', distance=""), "needs distance_m too"),
        (rep('target_time = "84"\ntarget_pace = "3:30/km"'), "not both"),
    ],
)
def test_target_time_refusals(body, words):
    with pytest.raises(PresetError, match=words) as err:
        parse_preset(body, "my.toml")
    assert "steps[1].target_time" in str(err.value)


def test_resolution_at_session_start():
    preset = parse_preset(rep('target_pace = "5k-2s"'))
    race = parse_race("5k 20:00")  # 4:00/km
    resolved, used = session_preset(preset, race)
    assert used == race
    step = resolved.steps[1]
    assert step.pace_s_per_km == pytest.approx(238, abs=0.1)
    assert step.pace_symbol == "5k-2s"  # kept, so screens can say where it came from
    assert build_schedule(resolved).steps[1].target_s == pytest.approx(95.2, abs=0.1)
    assert "5k pace -2s" in build_schedule(resolved).steps[1].targets_text
    assert preset.steps[1].pace_s_per_km is None  # the preset itself is unchanged


def test_no_race_no_target_but_the_preset_runs():
    preset = parse_preset(rep('target_pace = "I"'))
    resolved, race = session_preset(preset, None)
    assert race is None
    sched = build_schedule(resolved)
    assert sched.steps[1].target_s is None and sched.steps[1].pace_symbol == "I"
    assert "400 m @ I pace" in outline(preset)


def test_absolute_paces_are_left_alone():
    preset = parse_preset(rep('target_pace = "3:45/km"'))
    assert resolve_targets(preset, 60.0) == preset
    assert not has_symbolic_targets(preset)


@pytest.mark.parametrize(
    ("text", "pace", "rep_time", "race"),
    [
        ("3:40/km", 220, None, None),
        ("6:00/mi", 6 * 60 * 1000 / 1609.344, None, None),
        ("84s", None, 84, None),
        ("84", None, 84, None),
        ("1:24", None, 84, None),
        ("5k 19:30", None, None, "5k 19:30"),
        ("half 1:31:35", None, None, "half 1:31:35"),
    ],
)
def test_start_choices(text, pace, rep_time, race):
    choice = parse_start_choice(text)
    assert choice.pace_s_per_km == (pytest.approx(pace) if pace else None)
    assert choice.rep_time_s == rep_time
    assert (choice.race.text if choice.race else None) == race


@pytest.mark.parametrize("text", ["", "fast", "3:75/km", "5k 9:00", "Z2"])
def test_start_choice_refusals(text):
    with pytest.raises(PaceError):
        parse_start_choice(text)


def test_choice_sets_every_work_rep_with_a_distance_only():
    preset = parse_preset(
        rep('target_pace = "I"')
        + '[[steps]]\nkind = "work"\nduration = 60\n'
        + '[[steps]]\nkind = "rest"\nuntil = "lap"\ndistance_m = 200\ntarget_pace = "6:00/km"\n'
    )
    by_time = build_schedule(apply_choice(preset, parse_start_choice("84s"))).steps
    assert by_time[1].target_s == 84 and by_time[1].pace_symbol is None
    assert by_time[2].target_s is None  # a timed work step without a distance: untouched
    assert by_time[3].target_s == pytest.approx(72)  # the jog keeps its own target
    by_pace = build_schedule(apply_choice(preset, parse_start_choice("3:40/km"))).steps
    assert by_pace[1].target_s == pytest.approx(88)
    raced, race = session_preset(preset, None, parse_start_choice("5k 19:57"))
    assert race is not None and race.text == "5k 19:57"
    assert build_schedule(raced).steps[1].target_s == pytest.approx(94, abs=0.5)  # I pace


def test_a_choice_that_changes_nothing_says_why():
    from speedtimer.core.targets import choice_problem

    timed = parse_preset('name = "Timed"\n[[steps]]\nkind = "work"\nduration = 60\n')
    problem = choice_problem(timed, parse_start_choice("84s"))
    assert "changes nothing in 'Timed'" in problem and "distance_m" in problem
    assert choice_problem(timed, parse_start_choice("5k 19:57")) == ""  # a race: nothing to say
    assert choice_problem(parse_preset(rep('target_pace = "I"')), parse_start_choice("84s")) == ""


def test_easy_pace_resolves_to_its_range_and_the_delta_is_zero_inside_it():
    preset = parse_preset(rep('target_pace = "E"'))
    resolved = resolve_targets(preset, 50.0)
    step = build_schedule(resolved).steps[1]
    assert step.pace_s_per_km < step.pace_hi_s_per_km  # fast and slow ends of easy
    fast, slow = step.target_range_s
    assert step.delta_s((fast + slow) / 2) == 0.0
    assert step.delta_s(slow + 3) == pytest.approx(3.0)
    assert "E pace" in step.targets_text and "–" in step.targets_text


def test_a_symbol_on_a_timed_step_shows_its_pace():
    preset = parse_preset(
        'name = "Tempo"\n[[steps]]\nkind = "work"\nduration = "8:00"\ntarget_pace = "T"\n'
    )
    assert build_schedule(preset).steps[0].targets_text == "T pace: no race set"
    step = build_schedule(resolve_targets(preset, 50.0)).steps[0]
    assert step.targets_text == "target 4:15/km (T pace)"
