"""Figure 6: a session exported as a FIT and a TCX activity, and decoded again.

A long session (a 2-hour fartlek of 120 steps, a watch's heart rate attached, one sample a
second) is written as FIT and TCX from a real history file; the FIT file is decoded by
Garmin's own SDK and every lap is checked against the history (start, running time); the TCX
is parsed and its laps counted. Cheap enough for --quick, so CI decodes a real export too.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from benchmarks.common import Figure, median, temp_dir

START = datetime(2026, 3, 5, 7, 30, tzinfo=UTC)


def _history(path, steps: int):
    from speedtimer.history.rows import StepRow
    from speedtimer.history.store import HistoryStore

    store = HistoryStore.open(path)
    sid = store.start_session(
        uuid="bench-activity", preset_name="Fartlek 2 h", preset_toml="", started_at=START,
        planned_s=7200, reps_planned=steps // 2,
    )  # fmt: skip
    t = START
    for i in range(steps):
        seconds = 40.0 + (i % 7) * 11.3
        paused = 4.0 if i % 25 == 3 else 0.0
        lap = i % 4 == 1
        row = StepRow(
            idx=i, step_index=i, kind="work" if i % 2 else "rest", label=f"step {i}",
            actual_s=seconds, ended_how="lap" if lap else "time", started_at=t,
            ended_at=t + timedelta(seconds=seconds + paused), paused_s=paused,
            planned_s=None if lap else seconds, distance_m=400.0 if lap else None,
        )  # fmt: skip
        store.add_step(sid, row)
        t = row.ended_at
    samples = tuple(
        (START + timedelta(seconds=s), 120 + s % 60)
        for s in range(int((t - START).total_seconds()))
    )
    detail = store.get_session(sid)
    per_step = {}
    from speedtimer.history.activity import HeartRate

    for step in detail.steps:
        per_step[step.idx] = HeartRate(avg_bpm=150, max_bpm=170, drop_bpm=None)
    store.attach_heart_rate(sid, per_step=per_step, samples=samples, offset_s=0, source="b.fit")
    return store, sid


def run(quick: bool) -> list[Figure]:
    from garmin_fit_sdk import Decoder, Stream

    from speedtimer.history.activity_files import activity_of, file_bytes
    from speedtimer.history.tcx import NS

    steps = 40 if quick else 120
    runs = 2 if quick else 5
    with temp_dir() as tmp:
        store, sid = _history(tmp / "history.sqlite3", steps)
        detail = store.get_session(sid)
        fit_ms, tcx_ms = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            fit = file_bytes(activity_of(store, sid), "fit")
            fit_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            tcx = file_bytes(activity_of(store, sid), "tcx")
            tcx_ms.append((time.perf_counter() - t0) * 1000)
        store.close()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(fit))).read()
    laps = messages.get("lap_mesgs", [])
    wrong = len(errors) + abs(len(laps) - len(detail.steps))
    for lap, step in zip(laps, detail.steps, strict=False):
        if abs((lap["start_time"] - step.started_at).total_seconds()) > 0.5:
            wrong += 1
        if abs(lap["total_timer_time"] - step.actual_s) > 0.001:
            wrong += 1
    tcx_laps = len(ET.fromstring(tcx).findall(f".//{{{NS}}}Lap"))
    wrong += abs(tcx_laps - len(detail.steps))
    note = f"{steps} steps, heart rate each second; median of {runs}"
    return [
        Figure("6 Activity export", "FIT activity of a 2 h session", median(fit_ms), "ms", 1500,
               note=note + f"; {len(fit) // 1024} KB"),
        Figure("6 Activity export", "TCX activity of a 2 h session", median(tcx_ms), "ms", 1000,
               note=note + f"; {len(tcx) // 1024} KB"),
        Figure("6 Activity export", "laps that disagree with the history", wrong, "", 0,
               note="FIT decoded by garmin-fit-sdk (laps, starts, running times), TCX laps"),
    ]  # fmt: skip
