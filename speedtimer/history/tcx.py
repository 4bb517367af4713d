"""A session as a TCX file (Garmin's TrainingCenterDatabase v2): the other format every
training log imports, and one a person can read.

One `<Lap>` per step that ran (StartTime, TotalTimeSeconds without pauses, DistanceMeters,
Intensity Active or Resting, TriggerMethod Manual or Time, the step's name in the lap's
Notes), a track of timestamped points (at lap boundaries and every few seconds, with the
watch's heart rate when one is attached), and the session's RPE and note in the activity's
Notes. Written with the standard library's ElementTree: the text is escaped by it, whatever
the labels hold.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from speedtimer.history.activity import Activity

NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS} http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd"
# TCX has two intensities: warm-up and work laps are Active, rests and cool-downs Resting.
INTENSITY = {"warmup": "Active", "work": "Active", "rest": "Resting", "cooldown": "Resting"}
NOTES_MAX = 2000


def tcx_time(t: datetime) -> str:
    """ISO-8601 UTC with milliseconds, as the logs read it: 2026-03-05T07:30:00.000Z."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _text(parent: ET.Element, tag: str, value: object) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = str(value)
    return el


def _bpm(parent: ET.Element, tag: str, bpm: int) -> None:
    holder = ET.SubElement(parent, tag)
    _text(holder, "Value", max(1, min(255, int(bpm))))


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters, even escaped: drop them."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)[:NOTES_MAX]


def session_notes(activity: Activity) -> str:
    parts = [f"speedtimer: {activity.name}"]
    if activity.rpe is not None:
        parts.append(f"RPE {activity.rpe}")
    if activity.note.strip():
        parts.append(activity.note.strip())
    return " · ".join(parts)


def activity_tcx(activity: Activity) -> bytes:
    """The TCX document of `activity`, UTF-8 encoded."""
    ET.register_namespace("", NS)
    root = ET.Element(
        "TrainingCenterDatabase",
        {"xmlns": NS, "xmlns:xsi": XSI, "xsi:schemaLocation": SCHEMA_LOCATION},
    )
    acts = ET.SubElement(root, "Activities")
    act = ET.SubElement(acts, "Activity", Sport="Running")
    _text(act, "Id", tcx_time(activity.start))
    times = activity.record_times()
    distance = 0.0
    for lap in activity.laps:
        el = ET.SubElement(act, "Lap", StartTime=tcx_time(lap.start))
        _text(el, "TotalTimeSeconds", f"{lap.timer_s:.3f}")
        _text(el, "DistanceMeters", f"{lap.distance_m or 0.0:.1f}")
        if lap.distance_m and lap.timer_s > 0:
            _text(el, "MaximumSpeed", f"{lap.distance_m / lap.timer_s:.3f}")
        _text(el, "Calories", 0)
        if lap.heart_rate is not None:
            _bpm(el, "AverageHeartRateBpm", lap.heart_rate.avg_bpm)
            _bpm(el, "MaximumHeartRateBpm", lap.heart_rate.max_bpm)
        _text(el, "Intensity", INTENSITY[lap.kind])
        _text(el, "TriggerMethod", "Time" if lap.by_clock else "Manual")
        track = ET.SubElement(el, "Track")
        for t in times:
            if not (lap.start <= t <= lap.running_until) or (t == lap.start and lap.index):
                continue
            point = ET.SubElement(track, "Trackpoint")
            _text(point, "Time", tcx_time(t))
            here = distance
            if lap.distance_m:
                share = (t - lap.start).total_seconds() / lap.timer_s if lap.timer_s else 1.0
                here += lap.distance_m * min(1.0, share)
            _text(point, "DistanceMeters", f"{here:.1f}")
            bpm = activity.bpm_at(t)
            if bpm is not None:
                _bpm(point, "HeartRateBpm", bpm)
        distance += lap.distance_m or 0.0
        _text(el, "Notes", _clean(lap.name))
    _text(act, "Notes", _clean(session_notes(activity)))
    creator = ET.SubElement(act, "Creator", {"xsi:type": "Device_t"})
    _text(creator, "Name", "speedtimer")
    _text(creator, "UnitId", 0)
    _text(creator, "ProductID", 0)
    version = ET.SubElement(creator, "Version")
    for tag in ("VersionMajor", "VersionMinor"):
        _text(version, tag, 0)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
