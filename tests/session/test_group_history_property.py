"""Coach mode's history under random use (issue 15.6): random finishes, bunch marks, late
assignments, undos (that reopen reps), outs, early ends, pauses and a send-off block, through
the real shell and real recorders into a real SQLite file. Whatever the order, each athlete has
at most one row per step, every step that ended has its row for every athlete still in, and
each row says what the group core says: the athlete's own time, "skipped" for did not finish,
nothing once out."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speedtimer.core.group import RepStatus
from speedtimer.formats.preset_toml import parse_preset
from speedtimer.group_session import GroupShell, Runner
from speedtimer.history.recorder import SessionRecorder
from tests.conftest import FakeClock, QuietAudio

PRESET = """
name = "Random group"
countdown = 0
[[steps]]
repeat = 3
[[steps.steps]]
kind = "work"
until = "lap"
distance_m = 200
[[steps.steps]]
kind = "work"
duration = 20
[[steps.steps]]
kind = "rest"
duration = 15
[[steps]]
repeat = 2
cycle = "1:00"
[[steps.steps]]
kind = "work"
until = "lap"
[[steps.steps]]
kind = "rest"
duration = 30
"""
NAMES = ("Ana", "Ben", "Cy")
KEYS = ("1", "2", "3")

ops = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.floats(0.0, 25.0, allow_nan=False)),
        st.tuples(st.just("key"), st.sampled_from(KEYS)),
        st.tuples(st.just("mark"), st.none()),
        st.tuples(st.just("undo"), st.none()),
        st.tuples(st.just("out"), st.sampled_from(KEYS)),
        st.tuples(st.just("end"), st.none()),
        st.tuples(st.just("pause"), st.none()),
    ),
    max_size=60,
)


def group_shell(preset_text: str, runners: list[Runner], db: Path, clock) -> GroupShell:
    """The real shell on the fake clock, one real recorder per athlete into `db`, as the app
    makes them; started."""
    preset = parse_preset(preset_text)

    def recorder(**kw):
        return SessionRecorder(
            db, preset_name=preset.name, preset_toml="", schedule=kw["schedule"],
            started_wall=kw["started_wall"], started_mono=kw["started_mono"],
            athlete=kw["athlete"], squad=kw["squad"], group_id=kw["group_id"],
        )  # fmt: skip

    shell = GroupShell(
        preset, runners, athlete_recorders=recorder, squad="Random", audio=QuietAudio(),
        clock=clock, wall_clock=clock.wall, get_ready_s=0,
    )  # fmt: skip
    shell.start()
    return shell


def run(steps, db: Path) -> GroupShell:
    clock = FakeClock()
    shell = group_shell(PRESET, [Runner(n, k) for n, k in zip(NAMES, KEYS, strict=True)], db, clock)
    for op, arg in steps:
        if shell.timer.done:
            break
        if op == "wait":
            clock.advance(arg)
            shell.tick()
        elif op == "key":
            shell.athlete_key(arg)
        elif op == "mark":
            shell.mark()
        elif op == "undo":
            shell.undo()
        elif op == "out":
            shell.out(arg)
        elif op == "end":
            shell.skip()
        elif op == "pause":
            shell.toggle_pause()
    if not shell.timer.done:
        shell.abort()
    shell.close()
    return shell


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_rows_match_the_group_whatever_the_order(steps):
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "history.sqlite3"
        shell = run(steps, db)
        with sqlite3.connect(db) as c:
            got = c.execute(
                "SELECT s.athlete, st.step_index, st.kind, st.ended_how, st.split_s, st.laps"
                " FROM sessions s JOIN steps st ON st.session_id = s.id"
            ).fetchall()
            sessions = c.execute("SELECT athlete, group_id, status FROM sessions").fetchall()
    assert sorted(s[0] for s in sessions) == sorted(NAMES)
    assert len({s[1] for s in sessions}) == 1
    assert {s[2] for s in sessions} <= {"completed", "aborted"}
    keys = [(a, i) for a, i, *_ in got]
    assert len(keys) == len(set(keys)), "no step saved twice for an athlete"
    rows = {(a, i): rest for a, i, *rest in got}
    group = shell.group
    ended = {r.index for r in shell.timer.records}
    for name in NAMES:
        for index in ended:
            record = next(r for r in reversed(shell.timer.records) if r.index == index)
            expected = shell.athlete_row(name, record, 0)
            if expected is None:
                assert (name, index) not in rows, (name, index)
                continue
            assert (name, index) in rows, (name, index, steps)
            kind, how, split, _laps = rows[(name, index)]
            assert kind == expected.kind and how == expected.ended_how
            if kind == "work" and shell.schedule.steps[index].is_open:
                rep = group.rep(name, index)
                if rep.status is RepStatus.FINISHED:
                    assert split is not None and abs(split - rep.time_s) < 1e-6
                else:
                    assert split is None and how == "skipped"


def test_a_finished_session_takes_nothing_back(tmp_path):
    """The core reopens a last rep whose end finished the session (nothing has run since), but
    the shell has closed the history and the summary is up: undo does nothing there."""
    clock = FakeClock()
    db = tmp_path / "history.sqlite3"
    one_rep = 'name = "One rep"\ncountdown = 0\n[[steps]]\nkind = "work"\nuntil = "lap"\n'
    shell = group_shell(one_rep, [Runner("Ana", "1")], db, clock)
    clock.advance(30.0)
    shell.athlete_key("1")
    assert shell.timer.done and shell.group.can_undo
    assert shell.undo() == []
    assert shell.timer.done
    shell.close()
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT status FROM sessions").fetchall() == [("completed",)]
        assert c.execute("SELECT split_s FROM steps").fetchall() == [(30.0,)]
