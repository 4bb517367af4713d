"""Sessions as activities for a training log: FIT (decoded by Garmin's own SDK) and TCX, one
lap per step that ran, and a watch's heart rate attached and carried into both."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.profile_type import FileType, Manufacturer
from garmin_fit_sdk import Decoder, Stream

from speedtimer.history.activity import NothingToExport, activity_from_session
from speedtimer.history.fit_activity import activity_bytes
from speedtimer.history.heart_rate import WatchFileError, attach, read_watch_file
from speedtimer.history.rows import StepRow
from speedtimer.history.store import HistoryStore
from speedtimer.history.tcx import NS, activity_tcx
from tests.helpers_history import T0, add_session

TCX = f"{{{NS}}}"


def _session_with_pause(store: HistoryStore) -> int:
    """Warm-up 60 s; 400 m lap-ended 71.3 s; a 90 s rest paused 12.5 s; 400 m 72.84 s;
    a 60 s timed work step skipped after 8.2 s; cool-down never started."""
    sid = store.start_session(
        uuid="5f0c1f6e-0000-4000-8000-000000000001",
        preset_name="2 x 400 m & a hill",
        preset_toml='name = "x"\n',
        started_at=T0,
        planned_s=400,
        reps_planned=3,
    )
    t = T0

    def step(idx, kind, seconds, how, *, paused=0.0, distance=None, label="", planned=None):
        nonlocal t
        row = StepRow(
            idx=idx,
            step_index=idx,
            kind=kind,
            label=label,
            actual_s=seconds,
            ended_how=how,
            started_at=t,
            ended_at=t + timedelta(seconds=seconds + paused),
            paused_s=paused,
            planned_s=planned,
            distance_m=distance,
            split_s=seconds if how == "lap" else None,
        )
        t = row.ended_at
        store.add_step(sid, row)

    step(0, "warmup", 60.0, "time", label="Easy jog", planned=60)
    step(1, "work", 71.3, "lap", distance=400.0)
    step(2, "rest", 90.0, "time", paused=12.5, label="Jog", planned=90)
    step(3, "work", 72.84, "lap", distance=400.0)
    step(4, "work", 8.2, "skipped", label="Hill", planned=60)
    store.finish_session(
        sid,
        status="aborted",
        ended_at=t,
        active_s=302.34,
        work_s=152.34,
        reps_done=2,
        paused_s=12.5,
    )
    store.set_rpe_note(sid, 8, "windy <back straight> & cold")
    return sid


@pytest.fixture
def store(tmp_path):
    with HistoryStore.open(tmp_path / "history.sqlite3") as s:
        yield s


def _decode(data: bytes) -> dict:
    stream = Stream.from_byte_array(bytearray(data))
    decoder = Decoder(stream)
    assert decoder.is_fit()
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages


def test_fit_activity_has_one_lap_per_step_run_with_the_historys_times(store):
    sid = _session_with_pause(store)
    detail = store.get_session(sid)
    msgs = _decode(activity_bytes(activity_from_session(detail)))

    assert msgs["file_id_mesgs"][0]["type"] == "activity"
    assert msgs["file_id_mesgs"][0]["manufacturer"] == "development"
    laps = msgs["lap_mesgs"]
    assert len(laps) == 5  # every step that ran; the cool-down never started
    for lap, step in zip(laps, detail.steps, strict=True):
        # FIT times are whole seconds; lap durations keep milliseconds
        assert abs((lap["start_time"] - step.started_at).total_seconds()) <= 0.5
        assert lap["total_timer_time"] == pytest.approx(step.actual_s, abs=0.001)
        elapsed = (step.ended_at - step.started_at).total_seconds()
        assert lap["total_elapsed_time"] == pytest.approx(elapsed, abs=0.001)
    assert [lap["intensity"] for lap in laps] == ["warmup", "active", "rest", "active", "active"]
    assert [lap["lap_trigger"] for lap in laps] == ["time", "manual", "time", "manual", "manual"]
    assert [lap.get("total_distance") for lap in laps] == [None, 400.0, None, 400.0, None]

    (session,) = msgs["session_mesgs"]
    assert session["sport"] == "running"
    assert session["sub_sport"] == "generic"  # the hill rep had no distance
    assert session["num_laps"] == 5
    assert session["total_timer_time"] == pytest.approx(302.34, abs=0.001)
    assert session["total_distance"] == pytest.approx(800.0)
    assert msgs["activity_mesgs"][0]["num_sessions"] == 1
    # the timer stops for the rest's pause and starts again; every record has a timestamp
    events = [(e["event"], e["event_type"]) for e in msgs["event_mesgs"]]
    assert events.count(("timer", "stop_all")) == 2 and events.count(("timer", "start")) == 2
    assert all("timestamp" in r for r in msgs["record_mesgs"]) and msgs["record_mesgs"]


def test_a_track_session_is_marked_track_and_a_session_that_never_ran_is_refused(store):
    sid = add_session(store, work=(), lap_splits=(70.0, 71.0, 69.5))
    msgs = _decode(activity_bytes(activity_from_session(store.get_session(sid))))
    assert msgs["session_mesgs"][0]["sub_sport"] == "track"

    empty = store.start_session(
        uuid="u-empty", preset_name="x", preset_toml="", started_at=T0, planned_s=1, reps_planned=1
    )
    with pytest.raises(NothingToExport, match="no step that ran"):
        activity_from_session(store.get_session(empty))


def _structure_problems(root: ET.Element) -> list[str]:
    """The TrainingCenterDatabase v2 structure of what speedtimer writes, checked element by
    element (sequence order, required elements, types and enumerations of the v2 schema)."""
    problems = []

    def order(el: ET.Element, sequence: list[str], required: set[str]) -> None:
        tags = [c.tag.removeprefix(TCX) for c in el]
        positions = [sequence.index(t) if t in sequence else -1 for t in tags]
        if -1 in positions:
            problems.append(f"{el.tag}: unknown child {tags[positions.index(-1)]}")
        if positions != sorted(positions):
            problems.append(f"{el.tag}: children out of order: {tags}")
        for need in required - set(tags):
            problems.append(f"{el.tag}: missing {need}")

    def when(text: str | None) -> None:
        try:
            datetime.fromisoformat((text or "").replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"not an xsd:dateTime: {text!r}")

    if root.tag != f"{TCX}TrainingCenterDatabase":
        return [f"root is {root.tag}"]
    for act in root.iter(f"{TCX}Activity"):
        if act.get("Sport") not in ("Running", "Biking", "Other"):
            problems.append(f"Sport {act.get('Sport')!r}")
        order(act, ["Id", "Lap", "Notes", "Training", "Creator", "Extensions"], {"Id", "Lap"})
        when(act.findtext(f"{TCX}Id"))
        for lap in act.iter(f"{TCX}Lap"):
            when(lap.get("StartTime"))
            order(
                lap,
                [
                    "TotalTimeSeconds",
                    "DistanceMeters",
                    "MaximumSpeed",
                    "Calories",
                    "AverageHeartRateBpm",
                    "MaximumHeartRateBpm",
                    "Intensity",
                    "Cadence",
                    "TriggerMethod",
                    "Track",
                    "Notes",
                    "Extensions",
                ],
                {"TotalTimeSeconds", "DistanceMeters", "Calories", "Intensity", "TriggerMethod"},
            )
            float(lap.findtext(f"{TCX}TotalTimeSeconds"))
            float(lap.findtext(f"{TCX}DistanceMeters"))
            if not 0 <= int(lap.findtext(f"{TCX}Calories")) <= 65535:
                problems.append("Calories is an unsignedShort")
            if lap.findtext(f"{TCX}Intensity") not in ("Active", "Resting"):
                problems.append("Intensity")
            if lap.findtext(f"{TCX}TriggerMethod") not in (
                "Manual",
                "Distance",
                "Location",
                "Time",
                "HeartRate",
            ):
                problems.append("TriggerMethod")
            for point in lap.iter(f"{TCX}Trackpoint"):
                order(
                    point,
                    [
                        "Time",
                        "Position",
                        "AltitudeMeters",
                        "DistanceMeters",
                        "HeartRateBpm",
                        "Cadence",
                        "SensorState",
                        "Extensions",
                    ],
                    {"Time"},
                )
                when(point.findtext(f"{TCX}Time"))
                for bpm in point.iter(f"{TCX}HeartRateBpm"):
                    if not 1 <= int(bpm.findtext(f"{TCX}Value")) <= 255:
                        problems.append("HeartRateBpm is an unsignedByte above 0")
    return problems


def test_tcx_has_the_v2_structure_one_lap_per_step_and_the_notes(store):
    sid = _session_with_pause(store)
    detail = store.get_session(sid)
    data = activity_tcx(activity_from_session(detail))
    root = ET.fromstring(data)
    assert _structure_problems(root) == []
    laps = root.findall(f".//{TCX}Lap")
    assert len(laps) == 5
    for lap, step in zip(laps, detail.steps, strict=True):
        start = datetime.fromisoformat(lap.get("StartTime").replace("Z", "+00:00"))
        assert abs((start - step.started_at).total_seconds()) < 0.001
        assert float(lap.findtext(f"{TCX}TotalTimeSeconds")) == pytest.approx(step.actual_s)
    assert [lap.findtext(f"{TCX}Intensity") for lap in laps] == [
        "Active",
        "Active",
        "Resting",
        "Active",
        "Active",
    ]
    assert [lap.findtext(f"{TCX}TriggerMethod") for lap in laps][:3] == ["Time", "Manual", "Time"]
    assert [lap.findtext(f"{TCX}Notes") for lap in laps] == [
        "Easy jog",
        "Work",
        "Jog",
        "Work",
        "Hill",
    ]
    notes = root.find(f".//{TCX}Activity/{TCX}Notes").text
    assert "RPE 8" in notes and "windy <back straight> & cold" in notes  # escaped, read back


def test_the_structure_check_finds_a_broken_file():
    bad = ET.fromstring(
        f'<TrainingCenterDatabase xmlns="{NS}"><Activities><Activity Sport="Running">'
        '<Id>2026-01-01T00:00:00Z</Id><Lap StartTime="x"><Intensity>Active</Intensity>'
        "<TotalTimeSeconds>1</TotalTimeSeconds><DistanceMeters>0</DistanceMeters>"
        "<Calories>0</Calories><TriggerMethod>Manual</TriggerMethod></Lap>"
        "</Activity></Activities></TrainingCenterDatabase>"
    )
    problems = _structure_problems(bad)
    assert any("out of order" in p for p in problems)
    assert any("xsd:dateTime" in p for p in problems)


# --- a watch's heart rate -----------------------------------------------------------------


def make_watch_fit(
    path: Path,
    start: datetime,
    seconds: int,
    *,
    bpm=lambda i: 120 + (i % 40),
    clock_ahead_s: float = 0.0,
    gaps: tuple[tuple[int, int], ...] = (),
    laps_at: tuple[float, ...] = (),
    heart: bool = True,
) -> Path:
    """A watch's FIT activity: one record a second, with `clock_ahead_s` added to every time."""
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.GARMIN.value
    file_id.product = 1
    file_id.serial_number = 1234
    file_id.time_created = round(start.timestamp() * 1000)
    messages = [file_id]
    for i in range(seconds):
        if any(a <= i < b for a, b in gaps):
            continue
        rec = RecordMessage()
        rec.timestamp = round((start + timedelta(seconds=i + clock_ahead_s)).timestamp() * 1000)
        if heart:
            rec.heart_rate = bpm(i)
        rec.distance = float(i * 3)
        messages.append(rec)
    for at in laps_at:
        lap = LapMessage()
        lap.start_time = round((start + timedelta(seconds=at + clock_ahead_s)).timestamp() * 1000)
        lap.timestamp = lap.start_time
        messages.append(lap)
    builder = FitFileBuilder(auto_define=True)
    builder.add_all(messages)
    path.write_bytes(builder.build().to_bytes())
    return path


def test_steady_heart_rate_is_summed_up_per_step_and_carried_into_both_files(store, tmp_path):
    sid = _session_with_pause(store)
    detail = store.get_session(sid)
    watch = make_watch_fit(tmp_path / "w.fit", T0 - timedelta(seconds=30), 400, bpm=lambda i: 150)
    result = attach(detail, read_watch_file(watch), name="w.fit")
    assert result.per_step[0].avg_bpm == 150 and result.per_step[0].max_bpm == 150
    assert result.per_step[2].drop_bpm == 0  # a rest says its recovery
    assert "covers" in result.report[0] and "(100%)" in result.report[0]
    store.attach_heart_rate(
        sid, per_step=result.per_step, samples=result.samples, offset_s=0, source="w.fit"
    )
    kept = store.heart_rate(sid)
    assert kept.per_step == result.per_step and len(kept.samples) == len(result.samples)

    activity = activity_from_session(detail, kept.per_step, kept.samples)
    msgs = _decode(activity_bytes(activity))
    assert all(lap["avg_heart_rate"] == 150 for lap in msgs["lap_mesgs"])
    assert {r["heart_rate"] for r in msgs["record_mesgs"]} == {150}
    root = ET.fromstring(activity_tcx(activity))
    assert _structure_problems(root) == []
    assert {v.text for v in root.iter(f"{TCX}Value")} == {"150"}


def test_a_rest_shows_the_heart_rate_falling_and_gaps_are_reported(store, tmp_path):
    sid = _session_with_pause(store)
    detail = store.get_session(sid)
    rest = detail.steps[2]
    rest_from = (rest.started_at - T0).total_seconds()
    rest_to = (rest.ended_at - T0).total_seconds()

    def bpm(i: int) -> int:
        if rest_from <= i <= rest_to:
            return round(175 - 60 * (i - rest_from) / (rest_to - rest_from))
        return 170

    watch = make_watch_fit(tmp_path / "w.fit", T0, 420, bpm=bpm, gaps=((20, 45),))
    result = attach(detail, read_watch_file(watch), name="w.fit")
    assert result.per_step[2].drop_bpm == pytest.approx(60, abs=2)
    # samples at 19 s and 45 s: 26 s without a heart rate
    assert any("1 gap(s)" in line and "26 s" in line for line in result.report)


def test_a_watch_clock_3_s_ahead_is_found_from_its_laps_and_corrected(store, tmp_path):
    sid = _session_with_pause(store)
    detail = store.get_session(sid)
    changes = [(s.started_at - T0).total_seconds() for s in detail.steps]
    watch = make_watch_fit(
        tmp_path / "w.fit",
        T0,
        420,
        bpm=lambda i: 100 + i % 50,
        clock_ahead_s=3.0,
        laps_at=tuple(changes),
    )
    result = attach(detail, read_watch_file(watch), name="w.fit")
    assert result.offset_s == pytest.approx(-3.0, abs=0.01)
    assert any("3.0 s ahead of this computer's" in line for line in result.report)
    first = result.samples[0][0]
    assert abs((first - T0).total_seconds()) < 0.01  # the watch's 07:30:03 is our 07:30:00


def test_a_file_from_another_day_or_without_heart_rate_is_refused_clearly(store, tmp_path):
    sid = _session_with_pause(store)
    detail = store.get_session(sid)
    other_day = make_watch_fit(tmp_path / "old.fit", T0 - timedelta(days=1), 300)
    with pytest.raises(WatchFileError, match="does not overlap the session"):
        attach(detail, read_watch_file(other_day), name="old.fit")
    no_hr = make_watch_fit(tmp_path / "nohr.fit", T0, 300, heart=False)
    with pytest.raises(WatchFileError, match="no heart rate in this file"):
        attach(detail, read_watch_file(no_hr), name="nohr.fit")
    (tmp_path / "notes.fit").write_text("not a fit file at all")
    with pytest.raises(WatchFileError, match="not a FIT file"):
        read_watch_file(tmp_path / "notes.fit")


# --- the command line --------------------------------------------------------------------


def _cli(data_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "speedtimer", "--data-dir", str(data_dir), "history", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def test_cli_exports_attaches_and_never_overwrites_without_force(tmp_path):
    data = tmp_path / "data"
    with HistoryStore.open(data / "history.sqlite3") as s:
        sid = _session_with_pause(s)
        add_session(s, started=datetime(2025, 3, 9, 7, 0, tzinfo=UTC), lap_splits=(70.0,))
    out = tmp_path / "one.fit"
    r = _cli(data, "export", "--format", "fit", "--session", str(sid), "-o", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    before = out.read_bytes()
    r = _cli(data, "export", "--format", "fit", "--session", str(sid), "-o", str(out), cwd=tmp_path)
    assert r.returncode == 1 and "--force" in r.stderr and out.read_bytes() == before

    watch = make_watch_fit(tmp_path / "w.fit", T0, 400, bpm=lambda i: 140)
    r = _cli(data, "attach", str(watch), "--session", str(sid), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "covers" in r.stdout
    r = _cli(
        data,
        "export",
        "--format",
        "tcx",
        "--session",
        str(sid),
        "-o",
        str(tmp_path / "a.tcx"),
        cwd=tmp_path,
    )
    assert r.returncode == 0
    assert "<Value>140</Value>" in (tmp_path / "a.tcx").read_text()
    r = _cli(
        data,
        "export",
        "--format",
        "fit",
        "--session",
        str(sid),
        "-o",
        str(out),
        "--force",
        cwd=tmp_path,
    )
    assert r.returncode == 0 and out.read_bytes() != before  # now with the heart rate

    folder = tmp_path / "many"
    r = _cli(
        data,
        "export",
        "--format",
        "tcx",
        "--since",
        "2025-03-01",
        "--until",
        "2025-03-31",
        "-o",
        str(folder),
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert len(list(folder.glob("*.tcx"))) == 2
    r = _cli(data, "export", "--format", "fit", "--session", "999", cwd=tmp_path)
    assert r.returncode == 1 and "no session with id 999" in r.stderr
    r = _cli(data, "attach", str(watch), "--session", "nope", cwd=tmp_path)
    assert r.returncode == 1 and "expected a session id" in r.stderr
