"""Every number a bundled preset's description states agrees with its steps (issue 12, bug 9:
the Tabata description said "four minutes of work" for 8 x 20 s = 2:40).

A duration in the text must be the length of a step, or the work or the whole time of a repeat
block or of the session ("N of work" must be a work time, "N in all" a whole time); a count
must be a repeat count or the number of work reps. Figures said to be approximate ("about 20
minutes"), paces ("3:45/km") and times per distance ("42 s per 200 m") are not checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from speedtimer.core.preset import Preset, Repeat, Step
from speedtimer.core.schedule import build_schedule
from speedtimer.formats.preset_toml import load_preset

PRESETS = sorted((Path(__file__).resolve().parents[2] / "presets").glob("*.toml"))
NUMBER_WORDS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "  # noqa: SIM905
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
NUM = r"(\d+(?::\d\d)?|" + "|".join(NUMBER_WORDS) + r")"
DURATION = re.compile(
    NUM + r"[ -](seconds?|s|minutes?|min)\b(?!\s*(?:per|/))|\b(\d+:\d\d)\b(?!\s*(?:/|per))",
    re.IGNORECASE,
)
COUNT = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\s+(?!(?:seconds?|minutes?|s|min)\b)"
                   r"(?:[\w-]+ ){0,2}?(rounds|reps|sets|efforts|runs|laps|half-laps|sprints|"
                   r"strides|blocks|surges)\b", re.IGNORECASE)  # fmt: skip
APPROXIMATE = re.compile(r"(about|around|roughly|~)\s*$", re.IGNORECASE)
# a race result the targets come from ("5k 18:45", "a 5:22 mile"), not a step of the session
RACE_BEFORE = re.compile(r"\b(\d+(\.\d+)?\s?km?|mile|half|marathon)\s*$", re.IGNORECASE)
RACE_AFTER = re.compile(r"\s*(\d+(\.\d+)?\s?km?\b|mile|half|marathon)", re.IGNORECASE)


def race_time(text: str, m: re.Match) -> bool:
    return bool(RACE_BEFORE.search(text[: m.start()]) or RACE_AFTER.match(text[m.end() :]))


def _seconds(number: str, unit: str | None) -> float:
    number = number.lower()
    if ":" in number:
        m, s = number.split(":")
        return int(m) * 60 + int(s)
    value = NUMBER_WORDS.get(number)
    value = int(number) if value is None else value
    return value * 60 if unit and unit.lower().startswith("m") else value


class Figures:
    def __init__(self) -> None:
        self.steps: set[float] = set()  # one step's length
        self.work: set[float] = set()  # work time of a block or the session
        self.whole: set[float] = set()  # whole time of a block or the session
        self.counts: set[int] = {1}

    def durations(self, context: str) -> set[float]:
        if re.match(r"\s*of (hard )?work", context):
            return self.work
        if re.match(r"\s*(in all|in total|all told)", context):
            return self.whole
        return self.steps | self.work | self.whole


def _block_times(items, out: Figures) -> tuple[float, float]:
    """(work seconds, all seconds) of a list of steps; every block's figures go into `out`."""
    work = total = 0.0
    for item in items:
        if isinstance(item, Step):
            length = float(item.duration_s or item.target_s or 0)
            out.steps.add(length)
            total += length
            work += length if item.kind == "work" else 0
        else:
            assert isinstance(item, Repeat)
            out.counts.add(item.count)
            w, t = _block_times(item.steps, out)
            last_rest = 0.0
            if item.skip_last_rest and isinstance(item.steps[-1], Step):
                last_rest = float(item.steps[-1].duration_s or 0)
            bw, bt = w * item.count, t * item.count - last_rest
            out.work.update({w, bw})
            out.whole.update({t, bt})
            work, total = work + bw, total + bt
    return work, total


def stated_figures(preset: Preset) -> Figures:
    figures = Figures()
    work, total = _block_times(preset.steps, figures)
    figures.work.add(work)
    figures.whole.add(total)
    figures.counts.add(build_schedule(preset).work_reps)
    return figures


@pytest.mark.parametrize("path", PRESETS, ids=[p.stem for p in PRESETS])
def test_description_numbers_agree_with_the_steps(path):
    preset = load_preset(path)
    figures = stated_figures(preset)
    text = " ".join(preset.description.split())
    wrong = []
    for m in DURATION.finditer(text):
        if APPROXIMATE.search(text[: m.start()]) or race_time(text, m):
            continue
        seconds = _seconds(m.group(1), m.group(2)) if m.group(1) else _seconds(m.group(3), None)
        if not any(abs(seconds - d) < 0.5 for d in figures.durations(text[m.end() :])):
            wrong.append(f"{m.group(0)!r} ({seconds:g} s)")
    for m in COUNT.finditer(text):
        if NUMBER_WORDS[m.group(1).lower()] not in figures.counts:
            wrong.append(f"{m.group(0)!r}")
    assert not wrong, f"{path.name}: the description says {', '.join(wrong)}"


def test_the_checker_catches_the_reported_tabata_text():
    preset = load_preset(next(p for p in PRESETS if p.stem == "tabata"))
    figures = stated_figures(preset)
    assert 160 in figures.durations(" of work") and 230 in figures.durations(" in all")
    m = DURATION.search("four minutes of work")
    assert m and _seconds(m.group(1), m.group(2)) == 240
    assert 240 not in figures.durations(" of work")  # "four minutes of work" is caught
    assert 240 in figures.durations(", drills")  # the 4:00 drills step


def test_race_results_are_not_read_as_steps():
    for text in ("from your race: 5k 18:45 gives 3:45/km", "a 5:22 mile gives 3:20/km"):
        assert race_time(text, DURATION.search(text))
    for text in ("then 5:22 of easy jogging", "a 1:30 jog, 5 x 400 m"):
        assert not race_time(text, DURATION.search(text))
