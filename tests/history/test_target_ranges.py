"""A rep against a target range ("3:13-3:18/km", E pace) is on target anywhere inside it, in
the history as on the run screen: the steps keep the range's two ends (schema 5), the session
detail and the trends count 0 inside it and the distance to the nearer end outside, and the
ends go out and back in with JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from speedtimer.core.schedule import build_schedule
from speedtimer.core.timer import Ended, StepRecord
from speedtimer.formats.preset_toml import parse_preset
from speedtimer.history.recorder import step_row_for
from speedtimer.history.store import HistoryStore
from speedtimer.tui.screens.history_detail import split_rows, targets_text

T0 = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
STEP = """
[[steps]]
kind = "work"
until = "lap"
distance_m = 1000
target_pace = "3:13-3:18/km"
"""


def session_with(store: HistoryStore, splits: list[float]) -> int:
    """A finished session of 1000 m reps at 3:13-3:18/km, each rep's row as the recorder
    writes it from the schedule (target 3:13 to 3:18 for the distance)."""
    preset = parse_preset('name = "Range reps"\n' + STEP * len(splits), "range.toml")
    schedule = build_schedule(preset)
    sid = store.start_session(
        uuid=f"s{len(splits)}-{splits[0]}", preset_name="Range reps", preset_toml="",
        started_at=T0, planned_s=0, reps_planned=len(splits), utc_offset_min=0,
    )  # fmt: skip
    at = 0.0
    for i, split in enumerate(splits):
        record = StepRecord(i, at, at + split, split, 0.0, Ended.LAP, (split,))
        store.add_step(sid, step_row_for(schedule, record, i, lambda s: T0 + timedelta(seconds=s)))
        at += split
    store.finish_session(
        sid, status="completed", ended_at=T0 + timedelta(seconds=at), active_s=at,
        work_s=at, reps_done=len(splits), paused_s=0.0,
    )  # fmt: skip
    return sid


@pytest.fixture
def store(tmp_path):
    with HistoryStore.open(tmp_path / "history.sqlite3") as s:
        yield s


def test_a_rep_inside_the_range_is_on_target_outside_it_counts_from_the_nearer_end(store):
    sid = session_with(store, [195.0, 190.0, 200.0])  # inside, 3 s fast, 2 s slow
    steps = store.get_session(sid).steps
    assert [(s.target_lo_s, s.target_hi_s) for s in steps] == [(193.0, 198.0)] * 3
    assert steps[0].target_s == pytest.approx(195.5)  # the middle, to plan with
    assert [s.delta_s() for s in steps] == [0.0, -3.0, 2.0]
    rows = [r for r in split_rows(steps) if "lap" not in r[0]]
    assert [(r[3], r[4]) for r in rows] == [
        ("3:13–3:18", "±0.0"),
        ("3:13–3:18", "-0:03.0"),
        ("3:13–3:18", "+0:02.0"),
    ]
    detail = store.get_session(sid)
    assert targets_text(detail).startswith("Reps vs target: -0:00.3 on average")
    (trend,) = store.target_deltas(12, now=T0 + timedelta(days=1))
    assert trend.avg_delta_s == pytest.approx(-1 / 3)  # (0 - 3 + 2) / 3, not against 3:15.5


def test_the_range_goes_out_and_back_in_with_json(store, tmp_path):
    session_with(store, [195.0])
    exported = list(store.export_sessions())
    step = exported[0]["steps"][0]
    assert (step["target_lo_s"], step["target_hi_s"]) == (193.0, 198.0)
    with HistoryStore.open(tmp_path / "other.sqlite3") as other:
        assert other.import_sessions(exported) == (1, 0)
        (got,) = other.get_session(other.session_id_for_uuid(exported[0]["uuid"])).steps
        assert (got.target_lo_s, got.target_hi_s, got.delta_s()) == (193.0, 198.0, 0.0)
