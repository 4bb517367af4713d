"""One status vocabulary: the app, the history list and detail, `history list`, CSV and JSON all
say "ended early" (issue 12, bug 11); old databases and old export files still read."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime

import pytest

from speedtimer.core.statuses import STATUS_WORDS, status_code, status_word
from speedtimer.history.errors import ImportFormatError
from speedtimer.history.store import HistoryStore
from tests.cli.test_history_cli import run
from tests.helpers_history import add_session, make_v1_database


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    with HistoryStore.open(d / "history.sqlite3") as store:
        add_session(store, preset="Ended one", status="aborted")
        add_session(store, preset="Done one", started=datetime(2025, 3, 4, 9, tzinfo=UTC))
    return d


def test_the_words_and_the_codes_they_read_back_from():
    assert status_word("aborted") == "ended early"
    assert status_word("in_progress") == "in progress"
    for code, word in STATUS_WORDS.items():
        assert status_code(word) == code
        assert status_code(code) == code  # files written before the words
    assert status_code("Ended_Early") == "aborted"
    assert status_code("  ended   early ") == "aborted"
    assert status_code("done") is None and status_code("") is None


def test_history_list_csv_and_json_say_ended_early(data, tmp_path):
    listing = run(data, "list")
    assert listing.returncode == 0, listing.stderr
    row = next(line for line in listing.stdout.splitlines() if "Ended one" in line)
    assert "ended early" in row and "aborted" not in listing.stdout

    out = tmp_path / "h.csv"
    assert run(data, "export", "--format", "csv", "-o", str(out)).returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {r["preset"]: r["status"] for r in rows} == {
        "Ended one": "ended early",
        "Done one": "completed",
    }

    out = tmp_path / "h.json"
    assert run(data, "export", "--format", "json", "-o", str(out)).returncode == 0
    sessions = json.loads(out.read_text())["sessions"]
    assert {s["preset_name"]: s["status"] for s in sessions} == {
        "Ended one": "ended early",
        "Done one": "completed",
    }
    # the database keeps its code: nothing to migrate, older versions still read it
    with sqlite3.connect(data / "history.sqlite3") as db:
        assert ("aborted",) in db.execute("SELECT status FROM sessions").fetchall()


@pytest.mark.parametrize("written", ["aborted", "ended early", "ended_early"])
def test_import_reads_old_and_new_status_names(data, tmp_path, written):
    exported = tmp_path / "h.json"
    assert run(data, "export", "--format", "json", "-o", str(exported)).returncode == 0
    doc = json.loads(exported.read_text())
    for s in doc["sessions"]:
        if s["status"] == "ended early":
            s["status"] = written
    exported.write_text(json.dumps(doc))
    target = tmp_path / "other"
    result = run(target, "import", str(exported))
    assert result.returncode == 0, result.stderr
    with HistoryStore.open(target / "history.sqlite3") as store:
        statuses = {s.preset_name: s.status for s in store.list_sessions(limit=10)}
    assert statuses == {"Ended one": "aborted", "Done one": "completed"}


def test_an_unknown_status_is_refused_naming_the_words(data):
    with HistoryStore.open(data / "history.sqlite3") as store:
        [one, _] = list(store.export_sessions())
        with pytest.raises(ImportFormatError) as err:
            store.import_sessions([{**one, "uuid": "x", "status": "finished"}])
    assert "status" in str(err.value) and "ended early" in str(err.value)


def test_an_old_database_shows_the_same_words(tmp_path):
    """A schema-1 file (before these words) lists its aborted session as ended early."""
    db = tmp_path / "data" / "history.sqlite3"
    db.parent.mkdir()
    make_v1_database(db)
    with HistoryStore.open(db) as store:
        add_session(store, preset="Old one", status="aborted")
    listing = run(tmp_path / "data", "list")
    assert "ended early" in listing.stdout and "aborted" not in listing.stdout
