"""Heart rate from the runner's watch, laid over a session of the history.

Garmin, COROS, Wahoo and Polar all export an activity as a FIT file whose `record` messages
carry a timestamp and a heart rate. A watch recording during the session gives those samples;
they are aligned to the session by wall-clock time and summed up per step: average and maximum
heart rate, and for a rest how far it fell from the rest's start to its end (recovery).

Two clocks meet here, the watch's and the laptop's, and they may disagree by a few seconds.
When the watch file has laps (the runner pressed lap on the watch at the step changes, or the
watch auto-lapped with a workout) and they fall near the session's step changes, their median
difference is the offset, applied and reported; `--offset` overrides it. A file that does not
overlap the session is refused; gaps in the heart rate and steps without any are reported.

Every number read from the file is bounded before it is used (a heart rate is 20-250 bpm,
times within the file's own day).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from speedtimer.history.activity import HeartRate
from speedtimer.history.rows import SessionDetail

MAX_WATCH_FILE_BYTES = 64 * 1024 * 1024  # a day of 1 s records is about 3 MB
MIN_BPM, MAX_BPM = 20, 250
GAP_S = 10.0  # no sample for longer than this is a gap worth saying
LAP_MATCH_S = 30.0  # a watch lap this near a step change is that step change
MAX_OFFSET_S = 120.0  # clocks further apart than this are not "a few seconds"
MAX_SAMPLES = 200_000  # more than two days at 1 s: refused rather than read


class WatchFileError(ValueError):
    """The watch file cannot be used; the message says why, naming the file."""


@dataclass(frozen=True)
class WatchData:
    samples: tuple[tuple[datetime, int], ...]  # (UTC time, bpm), in time order
    laps: tuple[datetime, ...]  # lap start times, UTC
    records: int  # record messages read (with or without heart rate)


@dataclass
class Attached:
    """What attaching a watch file gives a session, and what to tell the runner."""

    per_step: dict[int, HeartRate]  # by the step's idx
    samples: tuple[tuple[datetime, int], ...]  # within the session, clock offset applied
    offset_s: float
    report: list[str] = field(default_factory=list)


def _utc(ms_or_dt: object) -> datetime | None:
    if isinstance(ms_or_dt, datetime):
        return ms_or_dt.astimezone(UTC)
    if isinstance(ms_or_dt, int | float) and 0 < ms_or_dt < 4_102_444_800_000:  # before 2100
        return datetime.fromtimestamp(ms_or_dt / 1000, UTC)
    return None


def read_watch_file(path: Path) -> WatchData:
    """Heart-rate samples and lap starts from a watch's FIT activity file."""
    from fit_tool.fit_file import FitFile
    from fit_tool.profile.messages.lap_message import LapMessage
    from fit_tool.profile.messages.record_message import RecordMessage

    from speedtimer.files import FileRefused, read_regular_file

    try:
        raw = read_regular_file(path, MAX_WATCH_FILE_BYTES, "watch files")
    except FileRefused as exc:
        raise WatchFileError(f"{path}: {exc}") from None
    except OSError as exc:
        raise WatchFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) < 14 or raw[8:12] != b".FIT":
        raise WatchFileError(f"{path}: not a FIT file (a watch exports its activity as .fit)")
    try:
        fit = FitFile.from_bytes(raw, allow_trailing_bytes=True)
    except Exception as exc:  # noqa: BLE001 - any decoding failure is a bad file to the runner
        raise WatchFileError(f"{path}: cannot read this FIT file ({exc})") from None
    samples: list[tuple[datetime, int]] = []
    laps: list[datetime] = []
    records = 0
    for record in fit.records:
        msg = record.message
        if isinstance(msg, RecordMessage):
            records += 1
            if records > MAX_SAMPLES:
                raise WatchFileError(f"{path}: more than {MAX_SAMPLES} records; not a session")
            t, bpm = _utc(msg.timestamp), msg.heart_rate
            if t is not None and isinstance(bpm, int | float) and MIN_BPM <= bpm <= MAX_BPM:
                samples.append((t, int(bpm)))
        elif isinstance(msg, LapMessage):
            t = _utc(msg.start_time)
            if t is not None:
                laps.append(t)
    samples.sort()
    return WatchData(samples=tuple(samples), laps=tuple(sorted(laps)), records=records)


def _clock(t: datetime, offset_min: int) -> str:
    return (t + timedelta(minutes=offset_min)).strftime("%H:%M:%S")


def estimate_offset(detail: SessionDetail, laps: tuple[datetime, ...]) -> tuple[float, int]:
    """(seconds to add to the watch's times, laps that agreed), from watch laps near the
    session's step changes; (0.0, 0) when too few match to say."""
    changes = [s.started_at for s in detail.steps]
    diffs = []
    for lap in laps:
        nearest = min(changes, key=lambda c: abs((c - lap).total_seconds()), default=None)
        if nearest is not None and abs((nearest - lap).total_seconds()) <= LAP_MATCH_S:
            diffs.append((nearest - lap).total_seconds())
    if len(diffs) < 3:
        return 0.0, 0
    return statistics.median(diffs), len(diffs)


def attach(
    detail: SessionDetail, watch: WatchData, *, offset_s: float | None = None, name: str = ""
) -> Attached:
    """Align the watch's heart rate with the session and sum it up per step."""
    if not detail.steps:
        raise WatchFileError(f"session {detail.id} has no steps to attach heart rate to")
    if not watch.samples:
        raise WatchFileError(
            f"{name}: no heart rate in this file ({watch.records} records, none with a heart "
            "rate): was the heart-rate sensor on?"
        )
    report: list[str] = []
    if offset_s is None:
        offset_s, agreed = estimate_offset(detail, watch.laps)
        if agreed and abs(offset_s) >= 0.5:
            side = "behind" if offset_s > 0 else "ahead of"
            report.append(
                f"the watch's clock is {abs(offset_s):.1f} s {side} this computer's "
                f"({agreed} watch laps match step changes); its times are shifted to match"
            )
    elif abs(offset_s) > 0:
        report.append(f"the watch's times are shifted by {offset_s:+.1f} s, as asked")
    if abs(offset_s) > MAX_OFFSET_S:
        raise WatchFileError(f"{name}: a clock offset of {offset_s:+.0f} s is not plausible")
    shift = timedelta(seconds=offset_s)
    start = min(s.started_at for s in detail.steps)
    end = max(s.ended_at for s in detail.steps)
    offset_min = detail.utc_offset_min
    w_start, w_end = watch.samples[0][0] + shift, watch.samples[-1][0] + shift
    if w_end < start or w_start > end:
        day = (w_start + timedelta(minutes=offset_min)).strftime("%Y-%m-%d")
        raise WatchFileError(
            f"{name}: the watch recorded {day} {_clock(w_start, offset_min)}-"
            f"{_clock(w_end, offset_min)}, which does not overlap the session "
            f"({(start + timedelta(minutes=offset_min)).strftime('%Y-%m-%d')} "
            f"{_clock(start, offset_min)}-{_clock(end, offset_min)}): is it the right file?"
        )
    inside = tuple((t + shift, b) for t, b in watch.samples if start <= t + shift <= end)
    covered_from = max(start, w_start)
    covered_to = min(end, w_end)
    share = (covered_to - covered_from).total_seconds() / max(1.0, (end - start).total_seconds())
    report.insert(
        0,
        f"the watch's heart rate covers {_clock(covered_from, offset_min)}-"
        f"{_clock(covered_to, offset_min)} of the session's {_clock(start, offset_min)}-"
        f"{_clock(end, offset_min)} ({share:.0%}), {len(inside)} samples",
    )
    gaps = [
        (a, b)
        for (a, _), (b, _) in zip(inside, inside[1:], strict=False)
        if (b - a).total_seconds() > GAP_S
    ]
    if gaps:
        longest = max(gaps, key=lambda g: g[1] - g[0])
        report.append(
            f"{len(gaps)} gap(s) in the heart rate, the longest "
            f"{(longest[1] - longest[0]).total_seconds():.0f} s from "
            f"{_clock(longest[0], offset_min)}"
        )
    per_step: dict[int, HeartRate] = {}
    without = 0
    for step in detail.steps:
        bpm = [b for t, b in inside if step.started_at <= t <= step.ended_at]
        if not bpm:
            without += 1
            continue
        drop = None
        if step.kind == "rest" and len(bpm) >= 2:
            drop = bpm[0] - bpm[-1]
        per_step[step.idx] = HeartRate(
            avg_bpm=round(sum(bpm) / len(bpm)), max_bpm=max(bpm), drop_bpm=drop
        )
    if without:
        report.append(f"{without} of {len(detail.steps)} steps have no heart rate")
    return Attached(per_step=per_step, samples=inside, offset_s=offset_s, report=report)
