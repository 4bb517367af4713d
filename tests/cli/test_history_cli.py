"""`speedtimer history ...` end to end, in a real process, on real files in tmp_path."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from speedtimer.cli.history import add_history_commands
from speedtimer.config.paths import Paths
from speedtimer.history.recorder import pending_dir
from speedtimer.history.store import HistoryStore
from tests.helpers_history import add_session
from tests.reliability import tried

REPO = Path(__file__).resolve().parents[2]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TZ="UTC", PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "speedtimer", "--data-dir", str(data_dir), "history", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def assert_clean_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def data(tmp_path) -> Path:
    """A small history: three presets, a session with RPE, one left in progress by a dead
    program, at known times (UTC; the runner at UTC+1 for one of them)."""
    d = tmp_path / "data"
    with HistoryStore.open(d / "history.sqlite3") as store:
        sid = add_session(
            store,
            preset="8 x 400 m track",
            started=datetime(2025, 3, 4, 17, 0, tzinfo=UTC),
            work=(60.0,) * 3,
            lap_splits=(88.0, 89.0),
        )
        store.set_rpe_note(sid, 7, "good")
        add_session(
            store,
            preset="Hill sprints",
            started=datetime(2025, 2, 20, 9, 15, tzinfo=UTC),
            offset_min=60,
            status="aborted",
        )
        add_session(store, preset="Tempo", started=datetime(2025, 1, 10, 12, 0, tzinfo=UTC))
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        add_session(
            store,
            preset="8 x 400 m track",
            started=datetime(2025, 3, 5, 7, 0, tzinfo=UTC),
            status="in_progress",
            pid=dead.pid,
        )
    return d


def test_list_on_a_new_install_creates_nothing(tmp_path):
    d = tmp_path / "nothing-here"
    result = run(d, "list")
    assert result.returncode == 0
    assert "No sessions recorded yet" in result.stdout
    assert not d.exists()


def test_list(data):
    result = run(data, "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    headers = ["ID", "Date", "Preset", "Status", "Planned", "Active", "Reps", "RPE"]
    assert lines[0].split() == headers
    # each row starts with the session's id (for `history export --session ID`)
    ids = [line.split()[0] for line in lines[2:]]
    assert all(i.isdigit() for i in ids) and len(set(ids)) == len(ids)
    rows = [line.split(None, 1)[1] for line in lines[2:]]
    assert len(rows) == 4
    # newest first; the session its program left behind is now 'interrupted'
    assert rows[0].startswith("2025-03-05 07:00") and "interrupted" in rows[0]
    assert rows[1].startswith("2025-03-04 17:00")
    assert "8 x 400 m track" in rows[1] and "completed" in rows[1]
    assert rows[1].split()[-3:] == ["6:57", "5/5", "7"]  # 60 + 3 x 60 + 88 + 89 s
    assert rows[2].startswith("2025-02-20 10:15")  # the runner's own clock (UTC+1)
    assert "aborted" in rows[2] and rows[2].endswith("-")


def test_list_filters(data):
    result = run(data, "list", "--preset", "400 M")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 2 + 2
    result = run(data, "list", "--since", "2025-02-01")
    assert [line.split()[1] for line in result.stdout.splitlines()[2:]] == [
        "2025-03-05",
        "2025-03-04",
        "2025-02-20",
    ]
    result = run(data, "list", "--limit", "1")
    assert len(result.stdout.strip().splitlines()) == 2 + 1 + 2
    assert "1 of 4 sessions shown" in result.stdout
    assert "No sessions match" in run(data, "list", "--preset", "zzz").stdout


def test_list_brings_in_pending_sessions(data, tmp_path):
    folder = pending_dir(data / "history.sqlite3")
    folder.mkdir()
    session = {
        "uuid": "offline-1",
        "preset_name": "Saved offline",
        "started_at": "2025-03-01T08:00:00.000Z",
        "status": "completed",
        "steps": [],
    }
    (folder / "offline-1.json").write_text(json.dumps({"session": session}), encoding="utf-8")
    result = run(data, "list")
    assert result.returncode == 0, result.stderr
    assert "Saved offline" in result.stdout
    assert list(folder.iterdir()) == []


def test_bad_arguments_are_usage_errors(data):
    for args in (("list", "--since", "2025-13-01"), ("list", "--limit", "0")):
        result = run(data, *args)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert "expected" in result.stderr


def test_export_json_and_import_round_trip(data, tmp_path):
    result = run(data, "export", "--format", "json")
    assert result.returncode == 0, result.stderr
    exported = json.loads(result.stdout)["sessions"]
    assert len(exported) == 4
    by_preset = {s["preset_name"]: s for s in exported}
    assert by_preset["Tempo"]["status"] == "completed"
    assert by_preset["Hill sprints"]["status"] == "aborted"
    track = [s for s in exported if s["preset_name"] == "8 x 400 m track"]
    assert sorted(s["status"] for s in track) == ["completed", "interrupted"]
    rich = next(s for s in track if s["status"] == "completed")
    assert len(rich["steps"]) == 6 and rich["rpe"] == 7
    assert [s["split_s"] for s in rich["steps"] if s["ended_how"] == "lap"] == [88.0, 89.0]

    file = tmp_path / "export.json"
    result = run(data, "export", "--output", str(file))
    assert result.returncode == 0 and result.stdout == ""
    assert "Exported 4 session(s)" in result.stderr

    other = tmp_path / "other"
    result = run(other, "import", str(file))
    assert result.returncode == 0, result.stderr
    assert "Imported 4 session(s)" in result.stdout
    result = run(other, "import", str(file))
    assert result.returncode == 0
    assert "Imported 0 session(s)" in result.stdout and "4 already in the history" in result.stdout

    again = json.loads(run(other, "export").stdout)["sessions"]
    strip = lambda sessions: sorted(({**s, "pid": None} for s in sessions), key=lambda s: s["uuid"])  # noqa: E731
    assert strip(again) == strip(exported)
    with HistoryStore.open(other / "history.sqlite3") as store:
        assert store.count_sessions() == 4


def test_export_csv(data, tmp_path):
    result = run(data, "export", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4
    assert result.stdout.splitlines()[0].startswith("uuid,date_local,started_at")
    hill = next(r for r in rows if r["preset"] == "Hill sprints")
    assert hill["date_local"] == "2025-02-20 10:15"
    assert hill["status"] == "aborted"
    track = next(r for r in rows if r["rpe"] == "7")
    assert (track["reps_done"], track["steps"], track["note"]) == ("5", "6", "good")

    file = tmp_path / "out" / "h.csv"
    file.parent.mkdir()
    assert run(data, "export", "--format", "csv", "-o", str(file)).returncode == 0
    assert file.read_text(encoding="utf-8") == result.stdout


def test_export_of_an_empty_history(tmp_path):
    result = run(tmp_path / "empty", "export")
    assert result.returncode == 0
    assert json.loads(result.stdout)["sessions"] == []
    result = run(tmp_path / "empty", "export", "--format", "csv")
    assert result.stdout.count("\n") == 1


@tried(
    "History import",
    "bad files given to 'history import' in a real process: binary, not JSON, not an export, "
    "a session with a time that is not a time",
    "one line on stderr naming the file and the problem, exit 1, no traceback; the history "
    "still holds its 4 sessions",
)
@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"\x00\x01garbage\xff", "not a text file"),
        (b"this is not json", "not valid JSON"),
        (b'{"something": "else"}', "expected a history export"),
        (
            b'{"sessions": [{"uuid": "x", "preset_name": "p", "started_at": "soon",'
            b' "status": "completed"}]}',
            "started_at",
        ),
    ],
)
def test_import_of_a_bad_file(data, tmp_path, content, needle):
    file = tmp_path / "bad.json"
    file.write_bytes(content)
    result = run(data, "import", str(file))
    assert_clean_error(result, str(file), needle)
    with HistoryStore.open(data / "history.sqlite3") as store:
        assert store.count_sessions() == 4


def test_import_of_a_missing_file(data, tmp_path):
    result = run(data, "import", str(tmp_path / "nope.json"))
    assert_clean_error(result, "nope.json")


def test_a_corrupt_history_is_a_one_line_error(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    db = d / "history.sqlite3"
    garbage = os.urandom(3000)
    db.write_bytes(garbage)
    for args in (("list",), ("export",), ("import", str(db))):
        result = run(d, *args)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert str(db) in result.stderr
    assert_clean_error(run(d, "list"), f"cannot open history {db}: file is not a database")
    assert db.read_bytes() == garbage


def test_add_history_commands_in_another_parser(data, capsys):
    """The wiring cli.py relies on: handlers get the Namespace, return an exit code."""
    parser = argparse.ArgumentParser(prog="t")
    sub = parser.add_subparsers(dest="command")
    add_history_commands(sub, lambda: Paths(config_dir=data / "cfg", data_dir=data))
    args = parser.parse_args(["history", "list", "--limit", "2"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "2 of 4 sessions shown" in out
    args = parser.parse_args(["history"])  # alone: the list
    assert args.func(args) == 0
    assert "Hill sprints" in capsys.readouterr().out
    args = parser.parse_args(["history", "export", "--format", "csv"])
    assert args.func(args) == 0
    assert capsys.readouterr().out.count("\n") == 5

    # without get_paths the folders come from the parsed --data-dir, as in cli.py
    parser = argparse.ArgumentParser(prog="t")
    parser.add_argument("--data-dir")
    add_history_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["--data-dir", str(data), "history", "list"])
    assert args.func(args) == 0
    assert "8 x 400 m track" in capsys.readouterr().out


def test_since_means_local_midnight(data):
    start = datetime(2025, 3, 4, tzinfo=UTC)
    with HistoryStore.open(data / "history.sqlite3") as store:
        add_session(store, preset="late", started=start - timedelta(minutes=1))
    result = run(data, "list", "--since", "2025-03-04")
    assert "late" not in result.stdout
    assert len(result.stdout.splitlines()) == 2 + 2


def test_names_outside_ascii_round_trip(tmp_path):
    d = tmp_path / "data"
    with HistoryStore.open(d / "history.sqlite3") as store:
        sid = add_session(store, preset="Côte 6 × 60 s — Ørsta")
        store.set_rpe_note(sid, 9, "très dur, 風")
    result = run(d, "list")
    assert "Côte 6 × 60 s — Ørsta" in result.stdout
    file = tmp_path / "e.json"
    assert run(d, "export", "-o", str(file)).returncode == 0
    assert run(tmp_path / "other", "import", str(file)).returncode == 0
    [s] = json.loads(run(tmp_path / "other", "export").stdout)["sessions"]
    assert (s["preset_name"], s["note"]) == ("Côte 6 × 60 s — Ørsta", "très dur, 風")
