"""The history table at the sizes runners use: columns are chosen by width, none is cut."""

from __future__ import annotations

import pytest

from speedtimer.tui.screens.history import COLUMNS, PRESET_MIN, choose_columns
from speedtimer.tui.widgets.history_table import HistoryTable
from tests.tui.test_history_screen import build, history, hpaths, open_history  # noqa: F401


def header(screen) -> str:
    return screen.query_one("#history-table", HistoryTable).render_line(0).text


def rows(screen) -> list[str]:
    table = screen.query_one("#history-table", HistoryTable)
    return [table.render_line(y).text for y in range(1, table.row_count + 1)]


@pytest.mark.parametrize(
    ("width", "shown"),
    [
        (200, ["Date", "Preset", "Status", "Planned", "Active", "Reps", "RPE"]),
        (80, ["Date", "Preset", "Status", "Planned", "Active", "Reps", "RPE"]),
        (60, ["Date", "Preset", "Status", "Reps", "RPE"]),
        (40, ["Date", "Preset", "Reps", "RPE"]),
    ],
)
async def test_columns_follow_the_width(hpaths, history, width, shown):  # noqa: F811
    async with build(hpaths).run_test(size=(width, 20)) as pilot:
        screen = await open_history(pilot)
        head = header(screen).split()
        assert [w for w in head if w not in ("▼", "▲")] == shown
        lines = rows(screen)
        assert all(len(line.rstrip()) <= width - 2 for line in lines)
        # whole words, never `ended ear`: the status is shown in full or not at all
        if "Status" in shown:
            assert any("ended early" in line for line in lines)
            assert any("interrupted" in line for line in lines)
        assert not any("ended ear " in line or "…" in line.split("  ")[0] for line in lines)
        # the newest session: 7/8-style reps and its RPE are there at every width
        first = lines[0]
        assert "4/4" in first and first.rstrip().endswith("7")
        assert ("2026-03-03" in first) and ("Tue" in first) == (width >= 100)


async def test_columns_change_when_the_terminal_is_resized(hpaths, history):  # noqa: F811
    app = build(hpaths)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await open_history(pilot)
        assert "Planned" in header(screen) and "Tue 2026-03-03 08:30" in rows(screen)[0]
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert "Planned" not in header(screen) and "Reps" in header(screen)
        assert rows(screen)[0].startswith(" 2026-03-03 ")
        await pilot.resize_terminal(100, 24)
        await pilot.pause()
        assert "Tue 2026-03-03 08:30" in rows(screen)[0]


def test_every_width_fits_and_keeps_the_key_columns():
    pad = 2
    for width in range(0, 38):  # too narrow for all four: none is squeezed below its least
        assert [c.width for c in choose_columns(width)] == [10, PRESET_MIN, 5, 3]
    for width in range(38, 240):
        chosen = choose_columns(width)
        keys = [c.key for c in chosen]
        assert {"date", "preset", "reps", "rpe"} <= set(keys)
        assert keys == [c.key for c in COLUMNS if c.key in keys]  # usual order
        assert sum(c.width + pad for c in chosen) <= width
        assert next(c for c in chosen if c.key == "date").width in (10, 16, 20)
