"""The group table from the history (`history export --group`, the history screen's `g`) says
what the group summary said (issue 15.6): each delta counted the same way (inside a target
range is 0, as on the run screen), "out" for the reps after an athlete was taken out, and the
group is found by the session number `history list` shows, not only by its uuid."""

from __future__ import annotations

import csv
import io

from speedtimer.cli.main import main
from speedtimer.formats.preset_toml import parse_preset
from tests.conftest import FakeClock
from tests.tui.test_group_history import PRESET, build, flush, no_real_key_lag, press

__all__ = ["no_real_key_lag"]  # the fixture


def export(env, capsys, group: str) -> list[list[str]]:
    capsys.readouterr()
    assert main([*env, "history", "export", "--group", group, "--format", "csv"]) == 0
    return list(csv.reader(io.StringIO(capsys.readouterr().out)))


async def test_the_exported_table_says_what_the_summary_said(tmp_path, capsys):
    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    app.start_preset = parse_preset(PRESET.replace('target_pace = "5k"', 'target_pace = "E"'))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        session = screen.session
        ana, ben, cy = session.runners
        work = session.timer.current.index
        lo, hi = ana.ranges[work]
        inside = round(lo + (hi - lo) / 4, 1)  # Ana runs inside her E-pace range: delta 0
        await press(pilot, clock, lo - 3.0, "2")  # Ben: faster than his range
        await press(pilot, clock, inside - (lo - 3.0), "1")
        await press(pilot, clock, 1.0, "3")  # Cy has no race: no target
        clock.advance(90)
        screen.tick()
        await press(pilot, clock, 1.0, "x", "3")  # Cy stops: out of rep 2
        await press(pilot, clock, hi + 5.0, "1", "2")  # both slower than their ranges
        said = {
            r.name: [(t, session.delta(r, i, t)) for i, t in session.finished_times(r)]
            for r in (ana, ben, cy)
        }
        flush(screen)
        session_numbers = [rid for (rid,) in rows_of(paths, "SELECT id FROM sessions")]
    env = ["--data-dir", str(paths.data_dir), "--config-dir", str(paths.config_dir)]
    table = export(env, capsys, "last")
    by_name = {row[0]: row for row in table[1:-1]}
    for name in ("Ana", "Ben"):
        cells = by_name[name][1:5]
        pairs = zip(cells[::2], cells[1::2], strict=True)
        for (time, delta), (t_cell, d_cell) in zip(said[name], pairs, strict=True):
            assert float(t_cell) == round(time, 2)
            assert float(d_cell) == round(delta, 2), (name, time, delta, d_cell)
    assert float(by_name["Ana"][2]) == 0.0  # inside the range
    assert table[0][1:5] == ["rep1_s", "rep1_delta_s", "rep2_s", "rep2_delta_s"]
    assert by_name["Cy"][2:5] == ["", "out", ""]  # no race: no delta; then out
    # the number `history list` shows for any athlete's session finds the same group
    for number in session_numbers:
        assert export(env, capsys, str(number)) == table


def rows_of(paths, sql):
    import sqlite3

    with sqlite3.connect(paths.history_db) as c:
        return c.execute(sql).fetchall()


async def test_a_solo_session_number_is_no_group_and_says_so(tmp_path, capsys):
    from tests.tui.test_group_history import rows

    clock = FakeClock()
    app, paths = build(tmp_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await press(pilot, clock, 70.0, "1", "2", "3")
        flush(app.screen)
    env = ["--data-dir", str(paths.data_dir), "--config-dir", str(paths.config_dir)]
    assert rows(paths, "SELECT count(*) FROM sessions") == [(3,)]
    capsys.readouterr()
    assert main([*env, "history", "export", "--group", "4", "--format", "csv"]) == 1
    assert "session 4 is not one of a group run" in capsys.readouterr().err
