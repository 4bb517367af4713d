"""Time added or removed with +/- is kept apart from the plan (issue 12, bug 6): the history,
summary, detail and exports show the plan as planned and the adjustment beside it, and a step
cut short with `-` no longer reads as "on time". Real SQLite files, the real app on a fake
clock, and an old database and an old export file."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from textual.widgets import DataTable

from speedtimer.config.paths import Paths
from speedtimer.core.schedule import build_schedule
from speedtimer.core.timer import Timer
from speedtimer.formats.quick import parse_quick
from speedtimer.history.errors import ImportFormatError
from speedtimer.history.schema import SCHEMA_VERSION, migrate
from speedtimer.history.store import HistoryStore
from speedtimer.tui.screens.history_detail import HistoryDetailScreen
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from tests.cli.test_history_cli import run
from tests.helpers_app import quiet_app

QUICK = "0:20 work, 0:15 rest, 0:20 work"  # planned 0:55


@pytest.fixture
def app_paths(tmp_path) -> Paths:
    return Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


def test_timer_keeps_the_adjustment_apart():
    timer = Timer(build_schedule(parse_quick(QUICK)), get_ready_s=0)
    timer.start(0.0)
    timer.add_time(27.4, -10)  # 7.4 s into the 15 s rest: it ends at once
    rest = timer.records[1]
    assert rest.active_s == pytest.approx(7.4)
    assert rest.adjusted_s == pytest.approx(-7.6)
    assert rest.planned_s == pytest.approx(7.4)  # the length it ran to
    timer.add_time(30.0, 10)
    timer.add_time(31.0, -10)  # + then -: net nothing, both counted
    timer.tick(60.0)
    assert timer.records[2].adjusted_s == 0.0


async def press_at(pilot, clock, at: float, *keys: str) -> None:
    run = next(s for s in pilot.app.screen_stack if isinstance(s, RunScreen))
    clock.now = clock._start + at
    run.tick()
    await pilot.pause()
    if keys:
        await pilot.press(*keys)
        await pilot.pause()


async def run_with_adjustments(app_paths, clock) -> str:
    """-10 s at 7.4 s of the rest; +10 s then -10 s in the last work step. The summary text."""
    app = quiet_app(app_paths, clock, start_preset=parse_quick(QUICK), get_ready_s=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await press_at(pilot, clock, 27.4, "minus")  # the rest ends at once
        await press_at(pilot, clock, 30.0, "plus")
        await press_at(pilot, clock, 31.0, "plus")
        await press_at(pilot, clock, 32.0, "minus")  # net +10 s on the last work step
        await press_at(pilot, clock, 57.5)
        assert isinstance(app.screen, SummaryScreen)
        summary = str(app.screen.query_one("#summary-totals").content)
        await pilot.press("ctrl+s")
        await pilot.pause()
    return summary


async def test_history_summary_and_exports_keep_plan_and_adjustments(app_paths, clock, tmp_path):
    summary = await run_with_adjustments(app_paths, clock)
    assert "Planned 0:55" in summary  # the plan, not what it became
    assert "Adjusted +0:02.4" in summary  # -7.6 s, then +10 s

    with sqlite3.connect(app_paths.history_db) as db:
        (planned,) = db.execute("SELECT planned_s FROM sessions").fetchone()
        steps = db.execute(
            "SELECT kind, planned_s, adjusted_s, actual_s, ended_how FROM steps ORDER BY idx"
        ).fetchall()
    assert planned == 55
    assert [s[1] for s in steps] == [20, 15, 20]  # each step's plan
    assert sum(s[1] for s in steps) == planned  # the steps add up to the session's plan
    rest, last = steps[1], steps[2]
    assert rest[2] == pytest.approx(-7.6) and rest[3] == pytest.approx(7.4)
    assert rest[4] == "time"
    assert last[2] == pytest.approx(10) and last[3] == pytest.approx(30)

    out = tmp_path / "h.json"
    assert run(app_paths.data_dir, "export", "-o", str(out)).returncode == 0
    [session] = json.loads(out.read_text())["sessions"]
    assert [(s["planned_s"], round(s["adjusted_s"], 1)) for s in session["steps"]] == [
        (20, 0.0),
        (15, -7.6),
        (20, 10.0),
    ]
    out = tmp_path / "h.csv"
    assert run(app_paths.data_dir, "export", "--format", "csv", "-o", str(out)).returncode == 0
    [row] = list(csv.DictReader(io.StringIO(out.read_text())))
    assert float(row["planned_s"]) == 55 and float(row["adjusted_s"]) == pytest.approx(2.4)

    # and back in: a round trip keeps the adjustments
    other = tmp_path / "other"
    assert run(other, "import", str(tmp_path / "h.json")).returncode == 0
    with HistoryStore.open(other / "history.sqlite3") as store:
        [s] = store.list_sessions(limit=5)
        detail = store.get_session(s.id)
    assert [round(st.adjusted_s, 1) for st in detail.steps] == [0.0, -7.6, 10.0]


async def test_detail_shows_the_plan_the_adjustment_and_how_it_ended(app_paths, clock):
    await run_with_adjustments(app_paths, clock)
    with HistoryStore.open(app_paths.history_db) as store:
        [s] = store.list_sessions(limit=5)
        detail = store.get_session(s.id)
        app = quiet_app(app_paths, clock, record_history=False)
        async with app.run_test(size=(120, 40)) as pilot:
            app.push_screen(HistoryDetailScreen(detail, store))
            await pilot.pause()
            await pilot.pause()
            screen = app.screen
            table = screen.query_one("#detail-steps", DataTable)
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            totals = str(screen.query_one("#detail-totals").content)
    assert rows[1][2:7] == ["0:15", "-0:07.6", "0:07.4", "-0:07.6", "shortened"]
    assert rows[2][2:7] == ["0:20", "+0:10.0", "0:30.0", "+0:10.0", "lengthened"]
    assert rows[0][3] == "" and rows[0][6] == "on time"
    assert "Planned 0:55 (+0:02.4 with +/-)" in totals


def test_an_old_database_is_migrated_and_keeps_its_rows(tmp_path):
    db = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(str(db), isolation_level=None)
    try:
        migrate(conn, upto=2)
        conn.execute(
            "INSERT INTO sessions (uuid, preset_name, started_at, status, planned_s)"
            " VALUES ('old', 'Old', '2025-01-01T07:00:00Z', 'completed', 60)"
        )
        conn.execute(
            "INSERT INTO steps (session_id, idx, step_index, kind, planned_s, actual_s,"
            " ended_how, started_at, ended_at) VALUES (1, 0, 0, 'work', 60, 60, 'time',"
            " '2025-01-01T07:00:00Z', '2025-01-01T07:01:00Z')"
        )
    finally:
        conn.close()
    with HistoryStore.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        [step] = store.get_session(1).steps
        assert (step.planned_s, step.adjusted_s) == (60, 0.0)


def test_an_export_without_adjustments_imports(tmp_path):
    """Files exported before the field existed have no adjusted_s: it reads as 0."""
    old = {
        "format": "speedtimer-history",
        "version": 1,
        "sessions": [
            {
                "uuid": "u1",
                "preset_name": "Old",
                "started_at": "2025-01-01T07:00:00Z",
                "status": "aborted",
                "planned_s": 60,
                "steps": [
                    {
                        "idx": 0, "step_index": 0, "kind": "work", "planned_s": 60,
                        "actual_s": 30, "ended_how": "aborted",
                        "started_at": "2025-01-01T07:00:00Z", "ended_at": "2025-01-01T07:00:30Z",
                    }
                ],
            }
        ],
    }  # fmt: skip
    file = tmp_path / "old.json"
    file.write_text(json.dumps(old))
    assert run(tmp_path / "data", "import", str(file)).returncode == 0
    with HistoryStore.open(tmp_path / "data" / "history.sqlite3") as store:
        [s] = store.list_sessions(limit=5)
        assert s.status == "aborted"
        assert store.get_session(s.id).steps[0].adjusted_s == 0.0


@pytest.mark.parametrize("bad", [1e12, -1e12, "ten", float("nan")])
def test_an_adjustment_from_a_file_is_bounded(tmp_path, bad):
    """A number from outside is checked before it is stored: a clear message, nothing in."""
    step = {
        "idx": 0, "step_index": 0, "kind": "work", "planned_s": 60, "actual_s": 60,
        "ended_how": "time", "started_at": "2025-01-01T07:00:00Z",
        "ended_at": "2025-01-01T07:01:00Z", "adjusted_s": bad,
    }  # fmt: skip
    session = {
        "uuid": "u2",
        "preset_name": "Bad",
        "started_at": "2025-01-01T07:00:00Z",
        "status": "completed",
        "steps": [step],
    }
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        with pytest.raises(ImportFormatError) as err:
            store.import_sessions([session])
        assert store.count_sessions() == 0
    assert "adjusted_s" in str(err.value) and "expected a number from" in str(err.value)
