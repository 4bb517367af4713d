"""Reps against their targets over weeks: the store's per-session figures (real SQLite) and
the trends panel's line, which says when the runner's race result looks out of date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from speedtimer.history.rows import StepRow, TargetDelta
from speedtimer.history.store import HistoryStore
from speedtimer.tui.widgets.history_charts import targets_text

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday


def add(store, started, splits, targets, *, race="", status="completed", kind="work"):
    import uuid

    sid = store.start_session(
        uuid=str(uuid.uuid4()),
        preset_name="8 x 400 m",
        preset_toml="",
        started_at=started,
        planned_s=600,
        reps_planned=len(splits),
        utc_offset_min=0,
        race=race,
        vdot=50.0 if race else None,
    )
    t = started
    for i, (split, target) in enumerate(zip(splits, targets, strict=True)):
        store.add_step(
            sid,
            StepRow(
                idx=i,
                step_index=i,
                kind=kind,
                label="400 m",
                actual_s=split,
                ended_how="lap",
                started_at=t,
                ended_at=t + timedelta(seconds=split),
                distance_m=400.0,
                target_s=target,
                split_s=split,
            ),
        )
        t += timedelta(seconds=split + 90)
    if status != "in_progress":
        store.finish_session(
            sid, status=status, ended_at=t, active_s=600, work_s=sum(splits),
            reps_done=len(splits), paused_s=0.0,
        )  # fmt: skip
    return sid


@pytest.fixture
def store(tmp_path):
    with HistoryStore.open(tmp_path / "history.sqlite3") as s:
        yield s


def test_per_session_average_delta_oldest_first_inside_the_window(store):
    add(store, NOW - timedelta(weeks=20), [90.0], [80.0])  # before the 12 weeks
    add(store, NOW - timedelta(weeks=3), [92.0, 94.0], [90.0, 90.0], race="5k 18:45")
    add(store, NOW - timedelta(weeks=1), [88.0, 89.0], [90.0, 90.0])
    add(store, NOW - timedelta(days=1), [95.0], [None], race="5k 18:45")  # no target: left out
    add(store, NOW - timedelta(hours=2), [85.0], [90.0], status="in_progress")  # running
    add(store, NOW - timedelta(hours=1), [60.0], [70.0], kind="rest")  # not a work rep
    got = store.target_deltas(12, now=NOW)
    assert [(d.avg_delta_s, d.reps, d.race) for d in got] == [
        (pytest.approx(3.0), 2, "5k 18:45"),
        (pytest.approx(-1.5), 2, ""),
    ]
    assert got[0].day == (NOW - timedelta(weeks=3)).date()


def test_an_aborted_session_counts_for_the_reps_it_ran(store):
    add(store, NOW - timedelta(days=2), [91.0], [90.0], status="aborted")
    assert [d.avg_delta_s for d in store.target_deltas(12, now=NOW)] == [pytest.approx(1.0)]


def deltas(*values, race="5k 19:57"):
    start = NOW.date() - timedelta(weeks=len(values))
    return [TargetDelta(start + timedelta(weeks=i), v, 4, race) for i, v in enumerate(values)]


def test_panel_line_per_session_and_no_verdict_when_mixed():
    text = targets_text(deltas(1.2, -0.5, 3.0)).plain
    assert text.startswith("Reps vs target per session, s: ")
    assert "+1.2" in text and "-0.5" in text and "+3.0" in text
    assert "\n" not in text


def test_panel_says_when_the_race_looks_out_of_date():
    faster = targets_text(deltas(0.5, -2.5, -3.1, -2.0)).plain
    assert "Faster than your race's targets 3 sessions in a row" in faster
    slower = targets_text(deltas(2.0, 2.4, 5.0)).plain
    assert "still current?" in slower
    fixed = targets_text(deltas(-3.0, -3.0, -3.0, race="")).plain  # fixed paces: no race to blame
    assert "\n" not in fixed


def test_panel_shows_the_last_sessions_only_and_says_so():
    text = targets_text(deltas(*[0.1 * i for i in range(12)])).plain
    assert text.count(" · ") == 7 and "(last 8 of 12)" in text


def test_panel_with_nothing_to_show():
    assert "no lap-timed reps with a target" in targets_text([]).plain
