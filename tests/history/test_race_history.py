"""The history keeps each session's race and VDOT: schema 5, old files upgraded with their data,
and the race kept through JSON export and import."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from speedtimer.history.schema import SCHEMA_VERSION, migrate
from speedtimer.history.store import HistoryStore

T0 = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)


RACE_VERSION = 5  # the migration that keeps each session's race and VDOT


@pytest.mark.parametrize("version", range(1, RACE_VERSION))
def test_an_older_history_gains_race_and_vdot_and_keeps_its_sessions(tmp_path, version):
    db = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(str(db), isolation_level=None)
    assert migrate(conn, upto=version) == version
    conn.execute(
        "INSERT INTO sessions (id, uuid, preset_name, started_at, status, planned_s)"
        " VALUES (3, 'old', '8 x 400 m', '2026-01-01T07:00:00.000Z', 'completed', 900)"
    )
    if version >= 3:  # heart rate attached before the upgrade stays attached
        conn.execute(
            "INSERT INTO heart_rate (session_id, source, attached_at, samples)"
            " VALUES (3, 'watch.fit', '2026-01-01T09:00:00Z', '[[0, 120]]')"
        )
    if version >= 4:
        conn.execute("UPDATE sessions SET pid = 77, pid_started = '12345' WHERE id = 3")
    conn.close()
    with HistoryStore.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION >= RACE_VERSION
        old = store.get_session(3)
        assert (old.preset_name, old.race, old.vdot) == ("8 x 400 m", "", None)
        sid = store.start_session(
            uuid="new", preset_name="8 x 400 m", preset_toml="", started_at=T0,
            planned_s=600, reps_planned=8, race="5k 19:57", vdot=49.95,
        )  # fmt: skip
        new = store.get_session(sid)
        assert (new.race, new.vdot) == ("5k 19:57", pytest.approx(49.95))
    conn = sqlite3.connect(str(db))
    try:
        if version >= 3:
            assert conn.execute("SELECT source FROM heart_rate").fetchall() == [("watch.fit",)]
        if version >= 4:
            row = conn.execute("SELECT pid, pid_started FROM sessions WHERE id = 3").fetchone()
            assert row == (77, "12345")
    finally:
        conn.close()


def test_race_goes_out_and_back_in_with_json(tmp_path):
    with HistoryStore.open(tmp_path / "a.sqlite3") as a:
        a.start_session(
            uuid="s1", preset_name="5 x 1000 m", preset_toml="", started_at=T0,
            planned_s=600, reps_planned=5, race="10k 41:21", vdot=50.02,
        )  # fmt: skip
        exported = list(a.export_sessions())
    assert exported[0]["race"] == "10k 41:21" and exported[0]["vdot"] == pytest.approx(50.02)
    with HistoryStore.open(tmp_path / "b.sqlite3") as b:
        assert b.import_sessions(exported) == (1, 0)
        got = b.get_session(b.session_id_for_uuid("s1"))
        assert (got.race, got.vdot) == ("10k 41:21", pytest.approx(50.02))
        assert got.to_dict()["race"] == "10k 41:21"


@pytest.mark.parametrize(
    ("extra", "race", "vdot"),
    [
        ({}, "", None),  # a file from before races: nothing to bring in
        ({"race": "5k 19:57", "vdot": 0}, "5k 19:57", None),  # no VDOT
        ({"race": "x" * 500, "vdot": 50}, "x" * 60, 50.0),  # an over-long race, cut
    ],
)
def test_imported_race_and_vdot_are_bounded(tmp_path, extra, race, vdot):
    session = {
        "uuid": "imp",
        "preset_name": "P",
        "started_at": "2026-01-01T07:00:00.000Z",
        "status": "completed",
        "steps": [],
        **extra,
    }
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        store.import_sessions([session])
        got = store.get_session(store.session_id_for_uuid("imp"))
    assert (got.race, got.vdot) == (race, vdot)


@pytest.mark.parametrize("vdot", ["fast", 1e308, -3, float("nan")])
def test_a_vdot_that_is_not_a_number_is_refused_with_its_place(tmp_path, vdot):
    from speedtimer.history.errors import ImportFormatError

    session = {"uuid": "bad", "preset_name": "P", "started_at": "2026-01-01T07:00:00.000Z",
               "status": "completed", "steps": [], "vdot": vdot}  # fmt: skip
    with HistoryStore.open(tmp_path / "h.sqlite3") as store, pytest.raises(ImportFormatError) as e:
        store.import_sessions([session])
    assert "vdot" in str(e.value)
