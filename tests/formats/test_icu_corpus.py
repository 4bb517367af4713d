"""Realistic intervals.icu running workouts (tests/formats/icu_corpus/): each imports with the
kinds and targets its author meant, says what it decided, and `import -> export -> import` gives
the very same preset. Written to cover every construct of intervals.icu's workout builder for
running: times (h/m/s, 1m30, 5', 30", 1'30"), distances (mtr/km/mi/yds), pace targets
(absolute, range, no unit, /400m /100m /100y, zone, % of threshold), heart rate (% HR, % LTHR,
bpm, zones), RPE, ramps, cadence, power, options, freeride/maxeffort, text cues and timed
prompts, press lap, repeats in every documented form (header `Main set 4x`, header then `4x`,
`4x` alone, `- 4x 100mtr`) and the undocumented `- 4x` line, Markdown notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from speedtimer.core.preset import Repeat, Step
from speedtimer.formats.fit_workout import workout_bytes
from speedtimer.formats.intervals_icu import load_icu, parse_icu, to_icu
from speedtimer.formats.preset_save import format_target_pace, preset_to_toml
from speedtimer.formats.preset_toml import parse_preset

CORPUS = Path(__file__).parent / "icu_corpus"
FILES = sorted(CORPUS.glob("*.txt"))
LETTER = {"warmup": "w", "work": "W", "rest": "r", "cooldown": "c"}

# file -> (kinds of the steps in order, one letter each; each step's targets as written back;
#          the repeat blocks (label, count, skip_last_rest); words some note must hold)
EXPECTED: dict[str, tuple[str, list[str], list[tuple], list[str]]] = {
    "01-track-8x400": (
        "wwWrc",
        ["Z1 Pace", "", "3:45/km", "Z1", "Z1 Pace"],
        [("", 4, False), ("Main set", 8, False)],
        ["line 11: read as rest: Z1 is an easy target"],
    ),
    "02-tempo-timed-pace": ("wWc", ["Z2 HR", "4:30/km", "Z1 HR"], [], []),
    "03-header-then-repeat-line": (
        "wWrc",
        ["5:30-6:00/km", "3:55-4:05/km", "Z1 Pace", "5:30-6:00/km"],
        [("Main Set", 4, False)],
        [],
    ),
    "04-dash-repeat-line": (
        "wWrc",
        ["Z2", "Z5 Pace", "Z1 Pace", "Z1"],
        [],
        ["line 7: '- 6x' on a line of its own is not a repeat form", "imported once"],
    ),
    "05-markdown-notes": (
        "wWrc",
        ["Z1 Pace", "88-94% Pace", "60-70% Pace", "Z1 Pace"],
        [("Main set", 3, False)],
        ["line 4: not a step", "line 17: not a step; kept in the description"],
    ),
    "06-percent-pace": (
        "wWrrc",
        ["60-70% Pace", "95-100% Pace", "60% Pace", "", "65% Pace"],
        [("Main Set", 5, False)],
        ["line 9: read as rest: the recovery word 'easy'"],
    ),
    "07-heart-rate": (
        "wWrWc",
        ["70% HR", "95% LTHR", "75% HR", "140-150bpm", "Z1 HR"],
        [("Main set", 4, False)],
        ["line 8: read as rest: 75% HR is an easy target"],
    ),
    "08-rpe-cadence": (
        "wWrc",
        ["RPE 3", "RPE 8 180-185rpm", "RPE 2", "RPE 2 165rpm"],
        [("Main set", 6, False)],
        [],
    ),
    "09-ramps": (
        "wWWc",
        ["ramp 50-75% Pace", "ramp 6:00-5:00/km pace", "ramp 80%-95% Pace", "ramp 70-50% Pace"],
        [],
        [],
    ),
    "10-miles": (
        "wWrc",
        ["Z2 Pace", "6:40/mi", "Z1 Pace", "Z2 Pace"],
        [("Main set", 4, False)],
        [],
    ),
    "11-press-lap-power": (
        "wWrcc",
        ["Z2", "315w - 330w", "Z2", "Z2", ""],
        [("Main set", 6, False)],
        ["line 8: read as rest: the recovery word 'recover'"],
    ),
    "12-text-cues": (
        "wWrWW",
        ["Z2 Pace", "Z5 Pace", "", "Z3 Pace", "Z2 Pace"],
        [("Strides", 6, False)],
        ["line 11: timed prompts"],
    ),
    "13-km-reps": ("WrW", ["3:55/km", "Z1 Pace", "5:20/km"], [("Main set", 5, False)], []),
    "14-time-forms": (
        "wWrWWr",
        ["", "Z4 Pace", "Z1 Pace", "Z3 Pace", "Z2 Pace", "Z1 Pace"],
        [("Fartlek", 5, False)],
        [],
    ),
    "15-skip-last-rest": ("wWrc", ["", "3:50/km", "", ""], [("", 6, True)], []),
    "16-units-and-unitless": (
        "WrWW",
        ["3:45/km", "5:00/km", "30:00-31:40/km", "10:01/km"],
        [("Main set", 6, False)],
        ["line 5: read as rest: easier than line 4 of this repeat (3:45/km)", "has no unit"],
    ),
    "17-issue-track": (
        "Wrr",
        ["3:45/km", "Z1", ""],
        [("Main set", 6, False)],
        ["line 4: read as work: the hardest step of this repeat"],
    ),
    "18-minutes-for-metres": (
        "Wr",
        ["3:45/km", "Z1"],
        [("Main set", 4, False)],
        ["line 4: 400m is 400 minutes (6:40:00)", "did you mean 400mtr?"],
    ),
    "19-options-and-freeride": (
        "wWrW",
        ["freeride", "Z3-Z4 Pace hr=lap", "Z2-Z3 HR", "Z2 maxeffort"],
        [("Main set", 3, False)],
        [],
    ),
}


def leaves(items):
    for item in items:
        if isinstance(item, Step):
            yield item
        else:
            yield from leaves(item.steps)


def targets(step: Step) -> str:
    return " ".join(t for t in (format_target_pace(step) or "", step.target_text) if t)


def test_every_file_has_its_expectations():
    assert sorted(EXPECTED) == [f.stem for f in FILES]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_imports_with_the_kinds_and_targets_meant(path):
    kinds, wanted_targets, repeats, note_words = EXPECTED[path.stem]
    result = load_icu(path)
    steps = list(leaves(result.preset.steps))
    assert "".join(LETTER[s.kind] for s in steps) == kinds
    assert [targets(s) for s in steps] == wanted_targets
    blocks = [(b.label, b.count, b.skip_last_rest) for b in result.preset.steps
              if isinstance(b, Repeat)]  # fmt: skip
    assert blocks == repeats
    for words in note_words:
        assert any(words in n for n in result.notes), (words, result.notes)

    # every kind that no intensity= gave is explained, line by line
    def line_of(note: str) -> int:
        return int(note.split(":")[0].split()[1])

    lines = path.read_text().splitlines()
    not_steps = {line_of(n) for n in result.notes if "not a step" in n or "of its own" in n}
    step_lines = {i + 1 for i, ln in enumerate(lines) if ln.startswith("-")} - not_steps
    implicit = {n for n in step_lines if "intensity=" not in lines[n - 1]}
    assert {line_of(n) for n in result.notes if "read as" in n} == implicit


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_import_export_import_is_the_identity(path):
    first = load_icu(path).preset
    text, notes = to_icu(first)
    assert notes == []
    again = parse_icu(text).preset
    assert (again.name, again.description, again.steps) == (
        first.name,
        first.description,
        first.steps,
    )
    # and through the TOML file the editor and import save
    assert parse_preset(preset_to_toml(first)).steps == first.steps
    # the FIT export takes every one (targets it cannot carry go in the step notes)
    data, _ = workout_bytes(first)
    assert data[8:12] == b".FIT"


def test_nothing_the_author_wrote_is_lost():
    """Every target, cue and note of the corpus is somewhere in the preset."""
    for path in FILES:
        preset = load_icu(path).preset
        saved = preset_to_toml(preset)
        for line in path.read_text().splitlines():
            for token in ("Z1", "Z2 HR", "LTHR", "bpm", "rpm", "ramp", "RPE", "%", "**Goal:**"):
                if token in line and not line.startswith("Note"):
                    assert token in saved, (path.name, token)


def test_the_issue_example_counts_six_work_reps_not_twelve():
    from speedtimer.core.schedule import build_schedule

    result = parse_icu("Main set 6x\n- 400mtr 3:45/km Pace\n- 90s Z1\n\n- 5m easy\n")
    schedule = build_schedule(result.preset)
    assert schedule.work_reps == 6
    assert [s.kind for s in schedule.steps[:2]] == ["work", "rest"]
    assert schedule.steps[-1].kind == "rest"
    assert not any("ignored" in n for n in result.notes)  # Z1 is kept and used, not ignored
