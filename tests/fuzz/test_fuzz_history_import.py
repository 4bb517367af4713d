"""`speedtimer history import FILE` on files that try to break it: a real export mutated key by
key and byte by byte, garbage, huge and special files, a failure part way through the write.

Whatever the file, the command ends with exit 0 (imported) or one clear line and exit 1, and
on a bad file the history holds exactly what it held before: nothing added, nothing changed.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speedtimer.cli.main import main
from speedtimer.history.store import HistoryStore
from tests.cli.test_history_cli import assert_clean_error, run
from tests.helpers_history import add_session
from tests.reliability import tried

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def make_history(folder: Path) -> Path:
    with HistoryStore.open(folder / "history.sqlite3") as store:
        sid = add_session(
            store,
            preset="8 x 400 m",
            started=datetime(2025, 3, 4, 17, 0, tzinfo=UTC),
            work=(60.0, 61.0),
            lap_splits=(88.0, 89.5),
        )
        store.set_rpe_note(sid, 7, "good")
        add_session(store, preset="Hills", started=datetime(2025, 2, 1, 8, tzinfo=UTC))
    return folder


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, bytes]:
    """A history of two sessions and its own JSON export: what the mutations start from."""
    folder = make_history(tmp_path_factory.mktemp("source"))
    out = folder / "export.json"
    assert main(["--data-dir", str(folder), "history", "export", "--output", str(out)]) == 0
    return folder, out.read_bytes()


def contents(db: Path) -> list[str]:
    """Every row of the history, as SQL text: equal lists mean nothing was changed."""
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def import_in_process(data_dir: Path, file: Path, capsys) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), "history", "import", str(file)])
    out = capsys.readouterr()
    return code, out.err, out.out


def fresh_target(tmp_path: Path) -> tuple[Path, list[str]]:
    """A second history (other sessions) to import into, and its contents before."""
    target = tmp_path / "target"
    target.mkdir(parents=True, exist_ok=True)
    db = target / "history.sqlite3"
    if not db.exists():
        with HistoryStore.open(db) as store:
            add_session(store, preset="Tempo", started=datetime(2025, 1, 10, 12, tzinfo=UTC))
    return target, contents(db)


def check_outcome(code: int, err: str, file: Path, db: Path, before: list[str]) -> None:
    assert "Traceback" not in err
    if code == 0:
        return
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"speedtimer: cannot import {file}: "), lines[0]
    assert contents(db) == before, "a refused file changed the history"


# --- structured mutations of a real export -------------------------------------------------

ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30, -1, 0, 11, 1441]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        ["", "\ud800", "\udcff", "a\x00b", "\x1b[2J", "[/]", "__import__('os').system('id')",
         "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00Z",
         "2025-02-30T00:00:00Z", "2025-03-01T07:30:00", "soon", "x" * 200]
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)  # fmt: skip
# JSON text json.dumps cannot make: numbers too big for floats or for int(), NaN, Infinity
RAW_NUMBERS = ["1e400", "-1e400", "NaN", "Infinity", "1" * 5000, "1" * 400, "-0", "1E-400"]


def _places(data: object, out: list) -> list:
    if isinstance(data, dict):
        for k, v in data.items():
            out.append((data, k))
            _places(v, out)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.append((data, i))
            _places(v, out)
    return out


@st.composite
def mutated_export(draw, base: bytes) -> bytes:
    data = json.loads(base)
    raw_marks: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        places = _places(data, [])
        container, key = draw(st.sampled_from(places))
        op = draw(st.sampled_from(["drop", "retype", "retype", "raw", "dup", "rename"]))
        if op == "drop":
            del container[key]
        elif op == "rename" and isinstance(key, str):
            container[key.upper()] = container.pop(key)
        elif op == "dup" and isinstance(container, list):
            container.append(json.loads(json.dumps(container[key])))
        elif op == "raw":
            mark = f"@@RAW{len(raw_marks)}@@"
            raw_marks.append(draw(st.sampled_from(RAW_NUMBERS)))
            container[key] = mark
        else:
            container[key] = draw(ODD)
    text = json.dumps(data)
    for i, number in enumerate(raw_marks):
        text = text.replace(f'"@@RAW{i}@@"', number)
    return text.encode("utf-8", "surrogatepass")


@tried(
    "History import",
    "a real export mutated: keys dropped, renamed or retyped (null, bools, 64-bit-overflow "
    "ints, lone surrogates, NUL, ESC, markup, Python code as text, year 1 / 9999 times with "
    "offsets, impossible dates), raw 1e400 / NaN / Infinity / 5000-digit numbers, sessions "
    "and steps duplicated",
    "imported, or one line 'cannot import FILE: session N (uuid): key: expected ...' and "
    "exit 1 with the history unchanged row for row; never a traceback",
)
@FUZZ
@given(data=st.data())
def test_mutated_exports_import_or_change_nothing(tmp_path, source, capsys, data):
    raw = data.draw(mutated_export(source[1]))
    target, before = fresh_target(tmp_path)
    file = tmp_path / "mutated.json"
    file.write_bytes(raw)
    code, err, _ = import_in_process(target, file, capsys)
    check_outcome(code, err, file, target / "history.sqlite3", before)
    if code == 0:  # what went in can be read back and exported again
        with HistoryStore.open(target / "history.sqlite3") as store:
            for s in store.list_sessions(limit=100):
                store.get_session(s.id)
            exported = list(store.export_sessions())
        assert len(exported) >= 1


@tried(
    "History import",
    "a real export damaged byte by byte (flips, inserted brackets and quotes, deletions, "
    "truncations), and random bytes",
    "imported, or one line naming the file and exit 1 with the history unchanged",
)
@FUZZ
@given(data=st.data())
def test_damaged_exports_import_or_change_nothing(tmp_path, source, capsys, data):
    raw = bytearray(source[1])
    if data.draw(st.booleans()):
        for _ in range(data.draw(st.integers(1, 6))):
            if not raw:
                break
            at = data.draw(st.integers(0, len(raw) - 1))
            op = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
            if op == "flip":
                raw[at] = data.draw(st.integers(0, 255))
            elif op == "insert":
                raw[at:at] = data.draw(st.sampled_from([b"[", b"{", b'"', b",", b"\\", b"\x00"]))
            elif op == "delete":
                del raw[at : at + data.draw(st.integers(1, 50))]
            else:
                del raw[at:]
    else:
        raw = bytearray(data.draw(st.binary(max_size=500)))
    target, before = fresh_target(tmp_path)
    file = tmp_path / "damaged.json"
    file.write_bytes(bytes(raw))
    code, err, _ = import_in_process(target, file, capsys)
    check_outcome(code, err, file, target / "history.sqlite3", before)


# --- special files, in a real process ---------------------------------------------------------


def _deep(n: int) -> bytes:
    return b'{"sessions": ' + b"[" * n + b"]" * n + b"}"


SPECIAL = {
    "empty": (lambda p: p.write_bytes(b""), "not valid JSON"),
    "a FIFO": (lambda p: os.mkfifo(p), "it is a FIFO (named pipe), not a regular file"),
    "a symlink to /dev/zero": (lambda p: p.symlink_to("/dev/zero"), "character device"),
    "a folder": (lambda p: p.mkdir(), "it is a folder"),
    "a sparse 600 MB file": (
        lambda p: os.truncate(p.write_bytes(b"") or p, 600 << 20),
        "history exports are limited to",
    ),
    "100,000 nested lists": (lambda p: p.write_bytes(_deep(100_000)), "nests"),
    "a 5000-digit number": (
        lambda p: p.write_bytes(b'{"sessions": [' + b"1" * 5000 + b"]}"),
        "too many digits",
    ),
    "UTF-16 text": (lambda p: p.write_text('{"sessions": []}', "utf-16"), "not a text file"),
    "a session that is a string": (
        lambda p: p.write_bytes(b'{"sessions": ["__import__(\'os\')"]}'),
        "session 1: expected an object, got str",
    ),
}


@tried(
    "History import",
    "special files to import: empty, a FIFO, a symlink to /dev/zero, a folder, a sparse "
    "600 MB file, 100,000 nested lists, a 5000-digit number, UTF-16, a session that is a string",
    "one line naming the file and the problem, exit 1, at once (nothing read past the limit, "
    "no wait on the FIFO, no RecursionError); the history unchanged",
)
@pytest.mark.parametrize("case", sorted(SPECIAL))
def test_special_files_are_refused_in_one_line(tmp_path, case):
    make, words = SPECIAL[case]
    target, before = fresh_target(tmp_path)
    file = tmp_path / "special.json"
    make(file)
    result = run(target, "import", str(file))
    assert_clean_error(result, f"cannot import {file}: ", words)
    assert contents(target / "history.sqlite3") == before


# --- nothing half done ------------------------------------------------------------------------


def _session(i: int, uuid: str | None = None) -> dict:
    return {
        "uuid": uuid or f"bulk-{i:05d}",
        "preset_name": "Bulk",
        "started_at": f"2024-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "status": "completed",
        "steps": [],
    }


@tried(
    "History import",
    "an export of 1,200 sessions with one bad session at the end; and one whose write fails "
    "at session 1,100 (a SQLite trigger aborting that insert, as a failing disk would)",
    "refused with the bad session's number and key; the failing write rolled back as a "
    "whole: not one of the 1,200 sessions in the history, which is unchanged",
    cases=2,
)
def test_a_failure_part_way_imports_nothing(tmp_path, capsys):
    target, before = fresh_target(tmp_path)
    db = target / "history.sqlite3"
    sessions = [_session(i) for i in range(1200)]
    bad = tmp_path / "bad-last.json"
    bad.write_text(json.dumps({"sessions": [*sessions, {**_session(1200), "status": "done"}]}))
    code, err, _ = import_in_process(target, bad, capsys)
    assert code == 1 and "session 1201 (bulk-01200): status: expected one of" in err
    assert contents(db) == before

    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TRIGGER poison BEFORE INSERT ON sessions WHEN NEW.uuid = 'bulk-01100'"
            " BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    before = contents(db)
    good = tmp_path / "fails-late.json"
    good.write_text(json.dumps({"sessions": sessions}))
    code, err, _ = import_in_process(target, good, capsys)
    assert code == 1 and "Traceback" not in err and "disk I/O error" in err
    assert contents(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute(
            "SELECT count(*) FROM sessions WHERE uuid LIKE 'bulk-%'"
        ).fetchone() == (0,)


@tried(
    "History import",
    "the same export imported twice, and an export holding each session three times",
    "the second import adds nothing (skipped, counted in the message); copies inside one "
    "file go in once",
    cases=2,
)
def test_importing_twice_adds_nothing(tmp_path, source, capsys):
    target, _ = fresh_target(tmp_path)
    file = tmp_path / "export.json"
    file.write_bytes(source[1])
    assert import_in_process(target, file, capsys)[0] == 0
    once = contents(target / "history.sqlite3")
    code, _, out = import_in_process(target, file, capsys)
    assert code == 0 and "Imported 0 session(s)" in out and "2 already in the history" in out
    assert contents(target / "history.sqlite3") == once
    data = json.loads(source[1])
    data["sessions"] = data["sessions"] * 3
    file.write_text(json.dumps(data))
    other, _ = fresh_target(tmp_path / "other")
    assert import_in_process(other, file, capsys)[0] == 0
    with HistoryStore.open(other / "history.sqlite3") as store:
        assert store.count_sessions() == 3  # its own one and the two imported


def test_non_finite_numbers_are_refused_by_key(tmp_path, source, capsys):
    data = json.loads(source[1])
    data["sessions"][0]["steps"][0]["laps"] = [1.0]
    text = json.dumps(data).replace('"laps": [1.0]', '"laps": [1e400]', 1)
    file = tmp_path / "inf.json"
    file.write_text(text)
    target, before = fresh_target(tmp_path)
    code, err, _ = import_in_process(target, file, capsys)
    assert code == 1 and "steps[0]: laps[0]: expected seconds from 0 to 172800" in err
    assert contents(target / "history.sqlite3") == before
    assert math.isinf(json.loads(text)["sessions"][0]["steps"][0]["laps"][0])


# --- one hostile value at a time, in every kind of field ---------------------------------------

FIELDS = {
    "preset_name": ("session", "preset_name"),
    "note": ("session", "note"),
    "host": ("session", "host"),
    "pid": ("session", "pid"),
    "reps_planned": ("session", "reps_planned"),
    "started_at": ("session", "started_at"),
    "planned_s": ("session", "planned_s"),
    "label": ("step", "label"),
    "idx": ("step", "idx"),
    "rep": ("step", "rep"),
    "actual_s": ("step", "actual_s"),
    "ended_at": ("step", "ended_at"),
}
HOSTILE = {
    "lone surrogate": '"\\ud800"',
    "ESC sequence": '"\\u001b]0;pwned\\u0007"',
    "2^63": str(2**63),
    "-2^63-1": str(-(2**63) - 1),
    "10^400": "1" + "0" * 400,
    "1e400": "1e400",
    "NaN": "NaN",
    "year 1 at +05:00": '"0001-01-01T00:00:00+05:00"',
    "year 9999 at -05:00": '"9999-12-31T23:59:59-05:00"',
    "Python code": "\"__import__('os').system('touch /tmp/speedtimer-pwned')\"",
}


@tried(
    "History import",
    "one hostile value at a time in each kind of field (names, note, host, label, ids, counts, "
    "times, seconds): a lone surrogate, an ESC sequence, 2^63 and -2^63-1, 10^400, 1e400, NaN, "
    "year 1 and 9999 with offsets, Python code",
    "refused naming the session, key and what was expected, history unchanged (no "
    "OverflowError, UnicodeEncodeError or half import); code is stored as plain text, never run",
)
@pytest.mark.parametrize("value", sorted(HOSTILE))
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_each_hostile_value_in_each_field(tmp_path, source, capsys, field, value):
    where, key = FIELDS[field]
    data = json.loads(source[1])
    target_dict = data["sessions"][0] if where == "session" else data["sessions"][0]["steps"][1]
    target_dict[key] = "@@HOSTILE@@"
    file = tmp_path / "hostile.json"
    file.write_text(json.dumps(data).replace('"@@HOSTILE@@"', HOSTILE[value]))
    target, before = fresh_target(tmp_path)
    code, err, _ = import_in_process(target, file, capsys)
    check_outcome(code, err, file, target / "history.sqlite3", before)
    text_field = key in ("preset_name", "note", "host", "label")
    fits = {  # 2^63 seconds is no session's time: refused since numbers are bounded
        "Python code": text_field,
        "year 1 at +05:00": text_field,
        "year 9999 at -05:00": text_field,
    }.get(value, False)
    if not fits:
        assert code == 1 and f": {key}: " in err, err
        return
    assert code == 0, err
    with HistoryStore.open(target / "history.sqlite3") as store:
        detail = store.get_session(store.session_id_for_uuid(data["sessions"][0]["uuid"]))
    stored = {
        "preset_name": detail.preset_name,
        "note": detail.note,
        "host": detail.host,
        "label": detail.steps[1].label,
        "planned_s": detail.planned_s,
        "actual_s": detail.steps[1].actual_s,
    }[key]
    assert stored == json.loads(HOSTILE[value]) or stored == float(HOSTILE[value])
    assert not Path("/tmp/speedtimer-pwned").exists()
