"""The history screen with numbers no run could make: the attack of issue 13.

`history import` took `actual_s: -1.7e308` and `split_s: 1.7e308`; opening that session, or
only moving onto it, ended the app with OverflowError. Now the import refuses such numbers,
naming the file and the key, and the screens draw whatever an older version let in.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
from textual.widgets import DataTable

from speedtimer.cli.main import main
from speedtimer.history.store import HistoryStore
from speedtimer.tui.screens.history_detail import HistoryDetailScreen
from tests.reliability import tried
from tests.tui.test_history_screen import build, fill, open_history, settle, text

SIZE = (100, 30)
HOSTILE = [-1.7e308, 1.7e308, 1e300, -5.0, float("inf"), float("-inf")]


@pytest.fixture
def hpaths(tmp_path):
    from speedtimer.config.paths import Paths

    return Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


def spoil(db, value: float) -> None:
    """Every number of the newest session set to `value`, as an older import stored it."""
    with sqlite3.connect(db) as conn:
        sid = conn.execute("SELECT id FROM sessions ORDER BY started_at DESC LIMIT 1").fetchone()[0]
        conn.execute(
            "UPDATE sessions SET planned_s = ?, active_s = ?, work_s = ?, paused_s = ?"
            " WHERE id = ?",
            (value, value, value, value, sid),
        )
        conn.execute(
            "UPDATE steps SET actual_s = ?, paused_s = ?, planned_s = coalesce(planned_s, ?),"
            " split_s = CASE WHEN split_s IS NULL THEN NULL ELSE ? END,"
            " target_s = CASE WHEN target_s IS NULL THEN NULL ELSE ? END,"
            " pace_s_per_km = CASE WHEN pace_s_per_km IS NULL THEN NULL ELSE ? END,"
            " laps = ? WHERE session_id = ?",
            (value, value, value, value, value, value, json.dumps([value]), sid),
        )


def table_text(table: DataTable) -> str:
    return "\n".join(" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count))


@tried(
    "History screen",
    "a session whose every number is -1.7e308, 1.7e308, 1e300, -5, +inf or -inf (stored by an "
    "older import): listed, moved onto (trends follow it), opened, trends drawn",
    "every screen drawn, the numbers shown as --:-- or >9999:59:59; no OverflowError",
)
@pytest.mark.parametrize("value", HOSTILE, ids=[repr(v) for v in HOSTILE])
async def test_the_history_screen_draws_any_stored_number(hpaths, value):
    with HistoryStore.open(hpaths.history_db) as store:
        fill(store)
    spoil(hpaths.history_db, value)
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("t")  # trends: this preset's average split, weekly minutes
        await settle(pilot)
        await pilot.press("down", "up")  # move off the session and back onto it
        await settle(pilot)
        split = text(screen, "#trends-split")
        assert split.startswith("8 x 400 m")
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, HistoryDetailScreen)
        shown = table_text(detail.query_one("#detail-steps", DataTable))
        shown += table_text(detail.query_one("#detail-splits", DataTable))
        shown += text(detail, "#detail-totals") + text(detail, "#detail-pauses")
        shown += text(detail, "#detail-fade")
        assert ">9999:59:59" in shown or "--:--" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running


def export_with(tmp_path, source_db, step_key: str, value) -> tuple[str, object]:
    out = tmp_path / "export.json"
    assert main(["--data-dir", str(source_db.parent), "history", "export", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    session = data["sessions"][0]  # the first added: 8 x 400 m, rep 1 ended by lap at 85.2
    session["steps"][1][step_key] = value
    hostile = tmp_path / f"hostile-{step_key}.json"
    hostile.write_text(json.dumps(data))
    return str(hostile), session["uuid"]


@tried(
    "History import",
    "the attack's file: one step's actual_s -1.7e308, or split_s 1.7e308, or split_s longer "
    "than its step, or a lap of -1 s, then the history screen opened",
    "refused with the file, session, step and key named and the bounds expected; nothing "
    "imported; the history screen opens on the history as it was",
)
@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("actual_s", -1.7e308, "steps[1]: actual_s: expected seconds from 0 to 172800"),
        ("split_s", 1.7e308, "steps[1]: split_s: expected seconds from 0 to 172800"),
        ("split_s", 85.3, "steps[1]: split_s: expected at most the step's actual_s (85.2 s)"),
        ("laps", [-1.0], "steps[1]: laps[0]: expected seconds from 0 to 172800"),
    ],
)
async def test_history_import_refuses_what_no_run_makes(
    tmp_path, hpaths, capsys, key, value, expected
):
    source = tmp_path / "source" / "history.sqlite3"
    with HistoryStore.open(source) as store:
        fill(store)
    file, uuid = export_with(tmp_path, source, key, value)
    hpaths.data_dir.mkdir(parents=True)
    with HistoryStore.open(hpaths.history_db):
        pass
    code = main(["--data-dir", str(hpaths.data_dir), "history", "import", file])
    err = capsys.readouterr().err
    assert code == 1
    assert f"cannot import {file}: " in err and f"({uuid}): " in err and expected in err, err
    assert "nothing was imported" in err
    with HistoryStore.open(hpaths.history_db) as store:
        assert store.count_sessions() == 0
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.is_running


async def test_the_longest_numbers_import_allows_are_shown(tmp_path, hpaths, capsys):
    """At the bounds: a 48-hour step split at 48 hours, a year's pause: imported and shown."""
    source = tmp_path / "source" / "history.sqlite3"
    with HistoryStore.open(source) as store:
        fill(store)
    out = tmp_path / "export.json"
    assert main(["--data-dir", str(source.parent), "history", "export", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    rep = data["sessions"][0]["steps"][1]
    rep.update(actual_s=172800.0, split_s=172800.0, paused_s=366 * 86400.0, laps=[172800.0])
    out.write_text(json.dumps(data))
    hpaths.data_dir.mkdir(parents=True)
    assert main(["--data-dir", str(hpaths.data_dir), "history", "import", str(out)]) == 0
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, HistoryDetailScreen)
        steps = table_text(detail.query_one("#detail-steps", DataTable))
        assert "48:00:00.0" in steps and "8784:00:00" in steps
        assert datetime.now(UTC).year >= 2026
