"""One totals rule (core/totals.py): timed steps count their time, lap steps with a distance
and a pace count an estimate (and say so with ~), the rest is named, never silently left out."""

from __future__ import annotations

import pytest

from speedtimer.core.schedule import build_schedule
from speedtimer.core.totals import session_totals
from speedtimer.formats.preset_toml import preset_from_dict


def steps(*items: dict) -> tuple:
    return build_schedule(preset_from_dict({"name": "t", "steps": list(items)})).steps


def timed(seconds: int, kind: str = "work") -> dict:
    return {"kind": kind, "duration": seconds}


def lap(distance: float | None = None, pace: str | None = None, kind: str = "work") -> dict:
    d: dict = {"kind": kind, "until": "lap"}
    if distance is not None:
        d["distance_m"] = distance
    if pace is not None:
        d["target_pace"] = pace
    return d


@pytest.mark.parametrize(
    "items, label",
    [
        ([timed(600), timed(2220)], "47:00"),
        ([timed(600), lap(400, "3:45/km")], "~11:30"),
        ([timed(600), lap(400, "3:13-3:18/km")], "~11:18"),  # the middle of the range
        ([timed(2820), {"repeat": 12, "steps": [lap(400)]}], "47:00 + 12 x 400 m"),
        ([timed(600), lap(1000), lap(1000), lap(200)], "10:00 + 2 x 1 km + 1 x 200 m"),
        ([timed(600), lap()], "10:00 + 1 lap step"),
        ([lap(), lap(), lap(400, "4:00/km")], "~1:36 + 2 lap steps"),
        ([timed(60, "rest"), {"kind": "work", "duration": 1200, "target_pace": "4:30/km"}],
         "21:00"),  # a timed step with a pace counts its time, not an estimate
    ],
)  # fmt: skip
def test_the_label_says_what_is_counted_and_what_is_not(items, label):
    assert session_totals(steps(*items)).label == label


def test_a_12_km_track_session_is_not_a_quarter_of_an_hour():
    """The issue's case: 15:41 of timed steps, 12.2 km of laps without a pace."""
    items = [timed(600, "warmup"),
             {"repeat": 12, "steps": [lap(800), {"kind": "rest", "duration": 25}]},
             lap(2200, kind="cooldown"), timed(41, "cooldown")]  # fmt: skip
    totals = session_totals(steps(*items))
    assert totals.label == "15:41 + 12 x 800 m + 1 x 2200 m"
    # the runner's paces (issue 14's race-derived ones) turn them into an estimate
    paced = session_totals(steps(*items), pace_for=lambda s: 240.0)
    assert paced.label == "~1:02:53" and paced.is_estimate
    assert paced.seconds == pytest.approx(941 + 12 * 192 + 528)


def test_json_form():
    data = session_totals(steps(timed(600), lap(400, "3:45/km"), lap())).to_json()
    assert data == {
        "label": "~11:30 + 1 lap step",
        "seconds": 690.0,
        "timed_s": 600.0,
        "estimated_s": 90.0,
        "estimated_steps": 1,
        "is_estimate": True,
        "not_counted": [{"what": "lap step", "count": 1}],
    }
