"""Every number `history import` takes is bounded before it is stored.

Hypothesis sets one numeric key of a real export (session totals, step times, splits, laps,
distances, paces, counts) to any number JSON can carry. Either the import is refused, with one
line naming the file, the session, the step and the key, and the history is exactly as it was;
or every number stored is within the bounds and the history detail draws it.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from speedtimer.cli.main import main
from speedtimer.history.import_format import (
    MAX_PAUSE_S,
    MAX_SESSION_S,
    MAX_STEP_S,
    SPLIT_SLACK_S,
)
from speedtimer.history.store import HistoryStore
from speedtimer.tui.screens.history_detail import (
    fade_text,
    pauses_text,
    planned_text,
    split_rows,
    totals_text,
)
from tests.fuzz.test_fuzz_history_import import check_outcome, contents, make_history
from tests.reliability import tried

SESSION_KEYS = ("planned_s", "active_s", "work_s", "paused_s", "reps_done", "reps_planned")
STEP_KEYS = (
    "idx",
    "step_index",
    "rep",
    "rep_count",
    "set",
    "set_count",
    "planned_s",
    "actual_s",
    "paused_s",
    "distance_m",
    "target_s",
    "split_s",
    "pace_s_per_km",
    "laps",
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=2 * MAX_STEP_S),  # near the bounds, both sides
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([-1.7e308, 1.7e308, -0.0, 5e-324, MAX_STEP_S, MAX_STEP_S + 0.5, 2**63]),
)
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> dict:
    folder = make_history(tmp_path_factory.mktemp("source"))
    out = folder / "export.json"
    assert main(["--data-dir", str(folder), "history", "export", "--output", str(out)]) == 0
    return json.loads(out.read_text())


def stored_numbers_are_bounded(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        for planned, active, work, paused in conn.execute(
            "SELECT planned_s, active_s, work_s, paused_s FROM sessions"
        ):
            assert 0 <= planned <= MAX_PAUSE_S and 0 <= paused <= MAX_PAUSE_S
            assert 0 <= active <= MAX_SESSION_S and 0 <= work <= MAX_SESSION_S
        for planned, actual, paused, split, target, distance, pace, laps in conn.execute(
            "SELECT planned_s, actual_s, paused_s, split_s, target_s, distance_m,"
            " pace_s_per_km, laps FROM steps"
        ):
            assert planned is None or 0 <= planned <= MAX_STEP_S
            assert 0 <= actual <= MAX_STEP_S and 0 <= paused <= MAX_PAUSE_S
            assert split is None or 0 <= split <= actual + SPLIT_SLACK_S
            assert target is None or 0 <= target <= MAX_PAUSE_S
            assert distance is None or 0 < distance <= 100_000
            assert pace is None or pace > 0
            lap_list = json.loads(laps)
            assert all(0 <= x <= MAX_STEP_S for x in lap_list)
            assert sum(lap_list) <= actual + SPLIT_SLACK_S


@tried(
    "History import",
    "one numeric key of a real export (6 session totals, 14 step numbers: times, splits, laps, "
    "distance, pace, counts) set to any float, NaN, +-Infinity, ints up to 10^30, 1.7e308, or "
    "just past a bound",
    "refused in one line naming the file, session, step and key with the bounds, history "
    "unchanged; or stored within the bounds (a split never longer than its step) and drawn",
)
@FUZZ
@example(where=("step", "actual_s"), step_no=3, value=0.0)  # shorter than its laps (CI found)
@given(
    where=st.sampled_from(
        [("session", k) for k in SESSION_KEYS] + [("step", k) for k in STEP_KEYS]
    ),
    step_no=st.integers(min_value=0, max_value=3),
    value=NUMBERS,
)
def test_every_imported_number_is_bounded(export, capsys, where, step_no, value):
    data = json.loads(json.dumps(export))
    session = data["sessions"][0]
    level, key = where
    target = session if level == "session" else session["steps"][step_no]
    target[key] = [value] if key == "laps" else value
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        file = folder / "hostile.json"
        file.write_text(json.dumps(data))  # NaN and Infinity as JSON's extensions
        db = folder / "history.sqlite3"
        with HistoryStore.open(db):
            pass
        before = contents(db)
        code = main(["--data-dir", str(folder), "history", "import", str(file)])
        err = capsys.readouterr().err
        check_outcome(code, err, file, db, before)
        if code == 1:
            path = f"steps[{step_no}]: {key}" if level == "step" else f"): {key}"
            if key == "idx" and path not in err:  # a valid idx that another step has
                path = "steps: two steps share the same idx"
            if key == "actual_s" and path not in err:  # a valid time too short for its laps
                held = [f"steps[{step_no}]: {k}: " for k in ("split_s", "laps")]
                path = next((h for h in held if h in err), path)
                assert "at most the step's actual_s" in err, err
            assert f"session 1 ({session['uuid']})" in err and path in err, err
            return
        stored_numbers_are_bounded(db)
        with HistoryStore.open(db) as store:
            for summary in store.list_sessions():
                detail = store.get_session(summary.id)
                fade_text(detail.steps)
                pauses_text(detail, detail.steps)
                totals_text(detail)
                split_rows(detail.steps)
                for s in detail.steps:
                    planned_text(s)
