"""The history screen driven by Pilot on real SQLite files: table, filters, sorting, paging,
detail, edit, delete, trends, a broken file, and snapshots of the detail and trends views."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import uuid as uuidlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static
from textual.worker import WorkerState

from benchmarks.synthetic import generate_synthetic
from speedtimer.config.paths import Paths
from speedtimer.history.recorder import pending_dir
from speedtimer.history.rows import StepRow
from speedtimer.history.store import HistoryStore
from speedtimer.sound.audio import NullAudio
from speedtimer.tui.app import make_app
from speedtimer.tui.modals.confirm import ConfirmScreen
from speedtimer.tui.modals.history_edit import EditFeedbackScreen, parse_rpe
from speedtimer.tui.screens import history as hs
from speedtimer.tui.screens.history import HistoryScreen
from speedtimer.tui.screens.history_detail import HistoryDetailScreen, fade_text
from speedtimer.tui.screens.menu import MenuScreen
from speedtimer.tui.widgets.history_charts import WeekBars
from speedtimer.tui.widgets.history_table import HistoryTable

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
SIZE = (100, 30)


# --- building a history ----------------------------------------------------------------------


def step(
    idx: int,
    kind: str,
    seconds: float,
    *,
    planned: float | None = None,
    how: str = "time",
    rep: int | None = None,
    reps: int | None = None,
    label: str = "",
    target: float | None = None,
    distance: float | None = None,
    paused: float = 0.0,
    laps: tuple[float, ...] = (),
) -> dict:
    return {
        "idx": idx,
        "kind": kind,
        "seconds": seconds,
        "planned": planned,
        "how": how,
        "rep": rep,
        "reps": reps,
        "label": label,
        "target": target,
        "distance": distance,
        "paused": paused,
        "laps": laps,
    }


def add(
    store: HistoryStore,
    preset: str,
    started: datetime,
    steps: list[dict],
    *,
    status: str = "completed",
    rpe: int | None = None,
    note: str = "",
    offset_min: int = 60,
    reps_planned: int | None = None,
) -> int:
    """A session through the store's own API, with every step as it ran."""
    planned_total = sum(s["planned"] or s["target"] or 0 for s in steps)
    work = [s for s in steps if s["kind"] == "work"]
    sid = store.start_session(
        uuid=str(uuidlib.uuid4()),
        preset_name=preset,
        preset_toml=f'name = "{preset}"\n',
        started_at=started,
        planned_s=planned_total,
        reps_planned=reps_planned if reps_planned is not None else len(work),
        utc_offset_min=offset_min,
    )
    t = started
    for s in steps:
        split = s["seconds"] if s["how"] == "lap" else None
        end = t + timedelta(seconds=s["seconds"] + s["paused"])
        store.add_step(
            sid,
            StepRow(
                idx=s["idx"],
                step_index=s["idx"],
                kind=s["kind"],
                label=s["label"],
                actual_s=s["seconds"],
                ended_how=s["how"],
                started_at=t,
                ended_at=end,
                paused_s=s["paused"],
                planned_s=s["planned"],
                rep=s["rep"],
                rep_count=s["reps"],
                distance_m=s["distance"],
                target_s=s["target"],
                split_s=split,
                pace_s_per_km=split / (s["distance"] / 1000) if split and s["distance"] else None,
                laps=s["laps"],
            ),
        )
        t = end
    store.finish_session(
        sid,
        status=status,
        ended_at=t,
        active_s=sum(s["seconds"] for s in steps),
        work_s=sum(s["seconds"] for s in work),
        reps_done=sum(1 for s in work if s["how"] in ("time", "lap")),
        paused_s=sum(s["paused"] for s in steps),
    )
    if rpe is not None or note:
        store.set_rpe_note(sid, rpe, note)
    return sid


def track_steps(splits: tuple[float, ...], *, paused_rest: float = 0.0) -> list[dict]:
    """Warm-up, 400 m reps ended by lap (target 1:30), 60 s jogs, cool-down."""
    out = [step(0, "warmup", 600, planned=600, label="Easy jog")]
    n = len(splits)
    for i, split in enumerate(splits, start=1):
        out.append(
            step(
                len(out),
                "work",
                split,
                how="lap",
                rep=i,
                reps=n,
                label="400 m",
                target=90.0,
                distance=400.0,
                laps=(43.0,) if i == 3 else (),
            )
        )
        if i < n:
            skipped = i == 3
            out.append(
                step(
                    len(out),
                    "rest",
                    45 if skipped else 60,
                    planned=60,
                    how="skipped" if skipped else "time",
                    rep=i,
                    reps=n,
                    label="Jog",
                    paused=paused_rest if i == 2 else 0.0,
                )
            )
    out.append(step(len(out), "cooldown", 600, planned=600, label="Easy jog"))
    return out


A_START = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)  # Tue, 08:30 for the runner (UTC+1)


def fill(store: HistoryStore) -> dict[str, int]:
    """Five sessions over six weeks before NOW (ids in the order added)."""
    ids = {}
    ids["a"] = add(
        store,
        "8 x 400 m",
        A_START,
        track_steps((85.2, 86.5, 88.0, 91.2), paused_rest=15.0),
        rpe=7,
        note="windy on the back straight",
    )
    ids["b"] = add(
        store,
        "Tempo 3 x 8 min",
        datetime(2026, 3, 1, 8, 0, tzinfo=UTC),  # Sun
        [
            step(0, "work", 480, planned=480, rep=1, reps=3),
            step(1, "rest", 120, planned=120, rep=1, reps=3),
            step(2, "work", 480, planned=480, rep=2, reps=3),
            step(3, "rest", 120, planned=120, rep=2, reps=3),
            step(4, "work", 480, planned=480, rep=3, reps=3),
        ],
    )
    ids["c"] = add(
        store,
        "Hill repeats 6 x 60 s",
        datetime(2026, 2, 22, 9, 0, tzinfo=UTC),  # Sun
        [
            step(0, "work", 60, planned=60, rep=1, reps=6),
            step(1, "rest", 90, planned=90, rep=1, reps=6),
            step(2, "work", 30, planned=60, how="aborted", rep=2, reps=6),
        ],
        status="aborted",
        reps_planned=6,
        rpe=9,
    )
    ids["d"] = add(
        store,
        "8 x 400 m",
        datetime(2026, 2, 12, 7, 0, tzinfo=UTC),  # Thu
        track_steps((84.0, 85.0, 86.0)),
        status="interrupted",
        reps_planned=8,
    )
    ids["e"] = add(
        store,
        "Strides",
        datetime(2026, 1, 20, 18, 0, tzinfo=UTC),
        [step(i, "work", 20, planned=20, rep=i + 1, reps=6) for i in range(6)],
        rpe=3,
    )
    return ids


@pytest.fixture
def hpaths(tmp_path) -> Paths:
    return Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


@pytest.fixture
def history(hpaths) -> dict[str, int]:
    with HistoryStore.open(hpaths.history_db) as store:
        return fill(store)


def build(paths: Paths):
    return make_app(
        paths, wall_clock=lambda: NOW, audio=NullAudio("test: no sound"), record_history=False
    )


async def settle(pilot) -> None:
    """Let the screen's workers (store reads and writes) finish and their results show."""
    app = pilot.app
    for _ in range(50):
        await pilot.pause()
        busy = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if not busy:
            break
        await app.workers.wait_for_complete(busy)
    await pilot.pause()


async def open_history(pilot) -> HistoryScreen:
    await pilot.press("ctrl+r")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, HistoryScreen)
    return screen


def table_rows(screen) -> list[list[str]]:
    table = screen.query_one("#history-table", HistoryTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def column(screen, name: str) -> list[str]:
    index = [c.key for c in hs.COLUMNS].index(name)
    return [row[index] for row in table_rows(screen)]


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def db_row(paths: Paths, sid: int):
    with sqlite3.connect(paths.history_db) as db:
        return db.execute("SELECT rpe, note FROM sessions WHERE id = ?", (sid,)).fetchone()


# --- the table ---------------------------------------------------------------------------


@pytest.mark.parametrize("in_place", [True, False], ids=["in-place", "in-a-thread"])
async def test_table_lists_sessions_newest_first_in_local_time(
    hpaths, history, in_place, monkeypatch
):
    monkeypatch.setattr(hs, "OPEN_IN_PLACE", in_place)
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        rows = table_rows(screen)
        assert rows[0] == [
            "Tue 2026-03-03 08:30",  # 07:30 UTC, the runner was at UTC+1
            "8 x 400 m",
            "completed",
            "29:00",  # 600 + 4 x 90 (targets) + 3 x 60 + 600
            "28:36",  # 600 + 350.9 + 60 + 60 + 45 + 600
            "4/4",
            "7",
        ]
        assert column(screen, "preset") == [
            "8 x 400 m",
            "Tempo 3 x 8 min",
            "Hill repeats 6 x 60 s",
            "8 x 400 m",
            "Strides",
        ]
        assert column(screen, "status") == [
            "completed",
            "completed",
            "ended early",
            "interrupted",
            "completed",
        ]
        assert column(screen, "rpe") == ["7", "-", "9", "-", "3"]
        assert column(screen, "reps")[2] == "1/6"
        assert "5 of 5 sessions · newest first · all time" in text(screen, "#history-status")
        assert screen.query_one("#history-table", HistoryTable).has_focus

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)


async def test_filter_by_preset_name(hpaths, history):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("slash")
        assert screen.query_one("#history-filter", Input).has_focus
        await pilot.press(*"400")
        await settle(pilot)
        assert column(screen, "preset") == ["8 x 400 m", "8 x 400 m"]
        assert column(screen, "status") == ["completed", "interrupted"]
        assert text(screen, "#history-status").startswith("2 of 2 sessions")

        await pilot.press("backspace", "backspace", "backspace", *"HILL")  # any case
        await settle(pilot)
        assert column(screen, "preset") == ["Hill repeats 6 x 60 s"]

        await pilot.press(*"zzz")
        await settle(pilot)
        assert table_rows(screen) == []
        assert "No sessions match the filter" in text(screen, "#history-status")

        await pilot.press("escape")  # leaves the filter, not the screen
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#history-table", HistoryTable).has_focus


async def test_period_filter_cycles_7_days_4_weeks_all(hpaths, history):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert "last 7 days" in text(screen, "#history-period")
        assert column(screen, "preset") == ["8 x 400 m", "Tempo 3 x 8 min"]
        await pilot.press("p")
        await settle(pilot)
        assert "last 4 weeks" in text(screen, "#history-period")
        assert len(table_rows(screen)) == 4
        assert "4 of 4 sessions" in text(screen, "#history-status")
        await pilot.press("p")
        await settle(pilot)
        assert "all time" in text(screen, "#history-period")
        assert len(table_rows(screen)) == 5


async def test_sort_by_key_header_and_reverse(hpaths, history):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("s")  # date -> preset, A-Z
        await settle(pilot)
        assert screen.query_state.order_by == "preset_name"
        assert column(screen, "preset") == [
            "8 x 400 m",
            "8 x 400 m",
            "Hill repeats 6 x 60 s",
            "Strides",
            "Tempo 3 x 8 min",
        ]
        assert "preset A-Z" in text(screen, "#history-status")
        table = screen.query_one("#history-table", HistoryTable)
        assert {c.key: c.label for c in table.columns}["preset"] == "Preset ▲"

        await pilot.press("r")
        await settle(pilot)
        assert column(screen, "preset")[0] == "Tempo 3 x 8 min"

        async def click_header(key: str) -> None:
            x = 0
            for c in table.columns:
                if c.key == key:
                    break
                x += c.width + 2
            await pilot.click("#history-table", offset=(x + 1, 0))
            await settle(pilot)

        await click_header("rpe")
        assert column(screen, "rpe") == ["9", "7", "3", "-", "-"]  # hardest first, blanks last
        assert {c.key: c.label for c in table.columns}["rpe"] == "RPE ▼"
        await click_header("rpe")
        assert column(screen, "rpe")[-3:] == ["3", "7", "9"]
        await click_header("reps")  # not sortable: said so, nothing changes
        assert column(screen, "rpe")[-3:] == ["3", "7", "9"]


async def test_table_mouse_and_keys(hpaths, big_db):
    """A click opens a session, the pointer highlights the row under it, the page keys move
    the cursor a screenful and keep it in view, left/right scroll a table wider than the
    window."""
    hpaths.data_dir.mkdir(parents=True)
    shutil.copy(big_db, hpaths.history_db)
    app = build(hpaths)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one("#history-table", HistoryTable)
        page = table.scrollable_content_region.height - 1  # rows under the header
        await pilot.press("pagedown")
        await pilot.pause()
        assert table.cursor_row == page
        assert table.scroll_y >= 1  # the cursor's row came into view
        await pilot.press("pagedown", "pageup", "pageup")
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_y == 0

        await pilot.hover("#history-table", offset=(5, 3))
        await pilot.pause()
        assert table.hover_row == 2
        hover_bg = table.get_component_rich_style("history-table--hover").bgcolor
        assert list(table.render_line(3))[0].style.bgcolor == hover_bg

        assert table.virtual_size.width <= table.size.width  # columns chosen to fit 80
        await pilot.resize_terminal(32, 24)  # narrower than the narrowest choice
        await pilot.pause()
        assert table.virtual_size.width > table.size.width
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert table.scroll_x > 0
        assert not table.render_line(0).text.startswith(" Date")  # scrolled past it
        await pilot.press("left", "left", "left")
        await pilot.pause()
        assert table.render_line(0).text.startswith(" Date")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()

        third = screen.order[2]
        await pilot.click("#history-table", offset=(5, 3))  # the third row
        await settle(pilot)
        assert isinstance(app.screen, HistoryDetailScreen)
        assert app.screen.detail.id == third


# --- detail ------------------------------------------------------------------------------


async def test_detail_shows_steps_splits_fade_pauses_and_note(hpaths, history):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, HistoryDetailScreen)
        assert "8 x 400 m · Tue 2026-03-03 08:30 · completed" in text(detail, "#detail-title")
        assert "Reps 4/4 · RPE 7" in text(detail, "#detail-totals")
        assert "windy on the back straight" in text(detail, "#detail-note")
        assert text(detail, "#detail-fade") == (
            "Fade: first rep 1:25.2 → last rep 1:31.2: +0:06.0 (+7.0%) slower"
        )
        assert text(detail, "#detail-pauses") == (
            "Pauses: 0:15 in all (1 pause: Jog · rep 2/4 0:15)"
        )

        steps = detail.query_one("#detail-steps", DataTable)
        rows = [[str(c) for c in steps.get_row_at(i)] for i in range(steps.row_count)]
        assert len(rows) == 9
        assert rows[0] == ["1", "Easy jog", "10:00", "10:00.0", "±0.0", "on time", ""]
        assert rows[1] == ["2", "400 m · rep 1/4", "lap (1:30)", "1:25.2", "-0:04.8", "lap", ""]
        assert rows[4][5] == "on time" and rows[4][6] == "0:15"  # the paused jog
        assert rows[6] == ["7", "Jog · rep 3/4", "1:00", "0:45.0", "-0:15.0", "skipped", ""]
        assert rows[7][1:5] == ["400 m · rep 4/4", "lap (1:30)", "1:31.2", "+0:01.2"]

        splits = detail.query_one("#detail-splits", DataTable)
        srows = [[str(c) for c in splits.get_row_at(i)] for i in range(splits.row_count)]
        assert srows[0] == ["400 m · rep 1/4", "1:25.2", "3:33/km", "1:30", "-0:04.8"]
        assert srows[2] == ["400 m · rep 3/4 · lap 1", "0:43.0", "", "", ""]  # inside rep 3
        assert srows[3] == ["400 m · rep 3/4", "1:28.0", "3:40/km", "1:30", "-0:02.0"]
        assert srows[-1] == ["400 m · rep 4/4", "1:31.2", "3:48/km", "1:30", "+0:01.2"]

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)


async def test_detail_of_timed_session_says_no_splits(hpaths, history):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, HistoryDetailScreen)
        assert detail.detail.preset_name == "Tempo 3 x 8 min"
        assert text(detail, "#detail-fade") == "Fade: needs two or more lap-timed reps"
        assert text(detail, "#detail-pauses") == "Pauses: none"
        assert not detail.query_one("#detail-splits").display
        assert "none (timed reps)" in text(detail, "#detail-splits-heading")


def test_fade_and_pauses_words():
    t = datetime(2026, 1, 1, tzinfo=UTC)

    def lap(idx, split, distance=400.0):
        return StepRow(
            idx=idx,
            step_index=idx,
            kind="work",
            label="",
            actual_s=split,
            ended_how="lap",
            started_at=t,
            ended_at=t,
            split_s=split,
            distance_m=distance,
            pace_s_per_km=split / distance * 1000,
        )

    assert "faster" in fade_text((lap(0, 90.0), lap(1, 88.0)))
    assert "even" in fade_text((lap(0, 90.0), lap(1, 90.0)))
    # different distances (a pyramid): compared by pace
    assert "/km" in fade_text((lap(0, 90.0, 400.0), lap(1, 200.0, 800.0)))
    assert parse_rpe("") is None and parse_rpe(" 7 ") == 7
    assert isinstance(parse_rpe("11"), str) and isinstance(parse_rpe("0"), str)


# --- edit and delete -----------------------------------------------------------------------


async def test_edit_rpe_and_note_from_the_list_persists(hpaths, history):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("down")  # Tempo, no RPE yet
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditFeedbackScreen)
        await pilot.press("1", "1", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EditFeedbackScreen)  # 11 is refused
        assert "1 (very easy) to 10" in text(app.screen, "#edit-error")
        await pilot.press("backspace", "backspace", "8", "enter")  # enter: on to the note
        await pilot.press(*"steady, legs ok", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert column(screen, "rpe")[1] == "8"
        assert db_row(hpaths, history["b"]) == (8, "steady, legs ok")

        await pilot.press("e")
        await pilot.pause()
        await pilot.press("backspace", "escape")  # cancelled: nothing changes
        await settle(pilot)
        assert db_row(hpaths, history["b"]) == (8, "steady, legs ok")


async def test_edit_in_detail_persists_and_updates_the_list(hpaths, history):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("backspace", "tab")  # RPE cleared
        note = app.screen.query_one("#edit-note", Input)
        note.value = ""
        await pilot.press(*"calm day")
        await pilot.press("ctrl+s")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, HistoryDetailScreen)
        assert "RPE -" in text(detail, "#detail-totals")
        assert "calm day" in text(detail, "#detail-note")
        assert db_row(hpaths, history["a"]) == (None, "calm day")
        await pilot.press("escape")
        await settle(pilot)
        assert column(screen, "rpe")[0] == "-"


async def test_delete_needs_confirmation(hpaths, history):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("down", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Tempo 3 x 8 min" in str(app.screen.question)
        await pilot.press("enter")  # an accidental enter keeps it (focus is on "Keep")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        assert db_row(hpaths, history["b"]) is not None
        assert len(table_rows(screen)) == 5

        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert db_row(hpaths, history["b"]) is None
        assert "Tempo 3 x 8 min" not in column(screen, "preset")
        assert text(screen, "#history-status").startswith("4 of 4 sessions")
    with sqlite3.connect(hpaths.history_db) as db:
        (orphans,) = db.execute(
            "SELECT count(*) FROM steps WHERE session_id = ?", (history["b"],)
        ).fetchone()
    assert orphans == 0


async def test_delete_from_detail(hpaths, history):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HistoryDetailScreen)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert db_row(hpaths, history["a"]) is None
        assert column(screen, "preset")[0] == "Tempo 3 x 8 min"


# --- trends ------------------------------------------------------------------------------


async def test_trends_panel_weeks_streak_and_preset_splits(hpaths, history):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        assert not screen.query("#history-trends")  # built on the first `t`
        await pilot.press("t")
        await settle(pilot)
        assert screen.query_one("#history-trends").display
        minutes = screen.query_one("#trends-minutes", WeekBars)
        sessions = screen.query_one("#trends-sessions", WeekBars)
        assert len(minutes.values) == 12
        assert minutes.weeks[-1].isoformat() == "2026-03-02"  # this week's Monday
        assert sessions.values[-4:] == (1.0, 1.0, 1.0, 1.0)  # D, C, B, A: one a week
        assert minutes.values[-1] == pytest.approx(350.9 / 60)  # A's four reps
        assert minutes.values[-2] == pytest.approx(24.0)  # B: 3 x 8 min
        assert "streak 2 weeks in a row" in text(screen, "#trends-title")
        split = text(screen, "#trends-split")
        assert split == "8 x 400 m: best average split 1:25.0 · latest 1:27.7 (+0:02.7 off best)"
        targets = text(screen, "#trends-targets")  # reps against their targets, per session
        assert targets.startswith("Reps vs target per session, s: ") and "-2.3" in targets

        await pilot.press("down")  # the trends follow the highlighted preset
        await settle(pilot)
        assert "Tempo 3 x 8 min: no lap-timed reps recorded" in text(screen, "#trends-split")

        await pilot.press("t")
        await pilot.pause()
        assert not screen.query_one("#history-trends").display


# --- paging ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "history.sqlite3"
    with HistoryStore.open(path) as store:
        generate_synthetic(store, 2000, end=NOW - timedelta(days=1))
    return path


async def test_paging_loads_a_page_then_more_at_the_end(hpaths, big_db):
    hpaths.data_dir.mkdir(parents=True)
    shutil.copy(big_db, hpaths.history_db)
    with HistoryStore.open(big_db) as store:
        expected = [s.id for s in store.list_sessions(limit=hs.FIRST_PAGE + 2 * hs.PAGE_SIZE)]
        last_week = store.count_sessions(since=NOW - timedelta(days=7))
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one("#history-table", HistoryTable)
        assert table.row_count == hs.FIRST_PAGE < 2000
        assert screen.total == 2000
        assert f"{hs.FIRST_PAGE} of 2,000 sessions" in text(screen, "#history-status")

        await pilot.press("m")
        await settle(pilot)
        assert table.row_count == hs.FIRST_PAGE + hs.PAGE_SIZE

        await pilot.press("end")  # to the last row: the next page comes on its own
        await settle(pilot)
        assert table.row_count == hs.FIRST_PAGE + 2 * hs.PAGE_SIZE
        assert screen.order == expected  # no gaps, no repeats, newest first
        assert table.cursor_row == hs.FIRST_PAGE + hs.PAGE_SIZE - 1

        await pilot.press("p")  # a new filter starts again from the first page
        await settle(pilot)
        assert table.row_count == screen.total == last_week
        assert 5 < last_week < hs.FIRST_PAGE


# --- opening: tidy-up, empty, broken -----------------------------------------------------


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


async def test_opening_imports_pending_sessions_and_recovers_crashed_ones(hpaths, history):
    with HistoryStore.open(hpaths.history_db) as store:
        crashed = store.start_session(
            uuid="crashed-1",
            preset_name="Crashed run",
            preset_toml="",
            started_at=datetime(2026, 3, 4, 7, 0, tzinfo=UTC),
            planned_s=600,
            reps_planned=2,
            pid=dead_pid(),
        )
    folder = pending_dir(hpaths.history_db)
    folder.mkdir(parents=True)
    pending = {
        "format": "speedtimer-pending-session",
        "version": 1,
        "session": {
            "uuid": "pending-1",
            "preset_name": "Saved aside",
            "started_at": "2026-03-04T06:00:00.000Z",
            "utc_offset_min": 60,
            "ended_at": "2026-03-04T06:10:00.000Z",
            "status": "completed",
            "planned_s": 600.0,
            "active_s": 600.0,
            "work_s": 300.0,
            "reps_done": 1,
            "reps_planned": 1,
            "steps": [],
        },
    }
    (folder / "pending-1.json").write_text(json.dumps(pending))
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        presets = column(screen, "preset")
        assert presets[:2] == ["Crashed run", "Saved aside"]
        assert column(screen, "status")[0] == "interrupted"
    assert not (folder / "pending-1.json").exists()
    with sqlite3.connect(hpaths.history_db) as db:
        (status,) = db.execute("SELECT status FROM sessions WHERE id = ?", (crashed,)).fetchone()
    assert status == "interrupted"


async def test_no_history_yet_creates_no_file(hpaths):
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        assert "No sessions recorded yet" in text(screen, "#history-status")
        await pilot.press("e", "d", "t")  # nothing to act on: nothing happens
        await pilot.pause()
        assert app.screen is screen
    assert not hpaths.history_db.exists()


def another_programs_db(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    db.execute("INSERT INTO notes (body) VALUES ('not ours')")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.write_bytes(b"garbage, not SQLite at all\n" * 200), "not a database"),
        (another_programs_db, "another program"),
    ],
    ids=["garbage", "other-program"],
)
async def test_broken_database_shows_a_message_and_is_left_alone(hpaths, make, problem):
    hpaths.data_dir.mkdir(parents=True)
    make(hpaths.history_db)
    before = hpaths.history_db.read_bytes()
    files_before = sorted(p.name for p in hpaths.data_dir.iterdir())
    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        message = text(screen, "#history-message")
        assert screen.query_one("#history-message").display
        assert "cannot be opened" in message and problem in message
        assert str(hpaths.history_db) in message
        assert "left exactly as it is" in message
        assert not screen.query_one("#history-table").display
        await pilot.press("d", "e", "p", "s", "t", "enter")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)
    assert hpaths.history_db.read_bytes() == before
    others = (hpaths.log_file.name, hpaths.cache_root.name)  # the log; the preset index's cache
    assert sorted(p.name for p in hpaths.data_dir.iterdir() if p.name not in others) == [
        n for n in files_before if n not in others
    ]


# --- snapshots ---------------------------------------------------------------------------


def test_snapshot_detail(hpaths, history, snap_compare):
    async def run_before(pilot):
        await open_history(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(build(hpaths), terminal_size=SIZE, run_before=run_before)


def test_snapshot_trends(hpaths, history, snap_compare):
    async def run_before(pilot):
        await open_history(pilot)
        await pilot.press("t")
        await settle(pilot)

    assert snap_compare(build(hpaths), terminal_size=SIZE, run_before=run_before)


async def test_closed_screens_are_let_go(hpaths, history):
    """Opening and closing the history (with its trends and a detail) again and again keeps
    no header, footer key or render cache of the screens that closed: Textual would keep
    them through watchers and an lru_cache (Textualize/textual#6665, #6666)."""
    import gc

    from textual._styles_cache import StylesCache
    from textual.widget import Widget

    def live() -> dict[str, int]:
        gc.collect()
        alive = [o for o in gc.get_objects() if isinstance(o, (Widget, StylesCache))]
        return {
            "widgets": sum(isinstance(o, Widget) for o in alive),
            "styles caches": sum(isinstance(o, StylesCache) for o in alive),
        }

    app = build(hpaths)
    async with app.run_test(size=SIZE) as pilot:
        counts = []
        for _ in range(4):
            await open_history(pilot)
            await pilot.press("t")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, HistoryDetailScreen)
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, MenuScreen)
            counts.append(live())
        assert counts[-1] == counts[1], counts  # the same after each visit: nothing piles up
