"""A session as a Garmin FIT activity file: what every training log imports first.

Messages, in the order the FIT activity profile asks for: file_id (an activity, made by a
`development` manufacturer: speedtimer is no registered device), device_info, a timer start,
then per lap its records and the lap message, a timer stop/start around each pause, the
session message (running; `track` when every work rep had a distance) and the activity
message. Records carry a timestamp each (Strava refuses a record without one) and the watch's
heart rate when one is attached; they are written at lap boundaries and every few seconds.

fit-tool writes it (imported only when an export runs: it takes a quarter of a second);
the tests decode it with Garmin's own SDK.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import (
    Activity as ActivityType,
)
from fit_tool.profile.profile_type import (
    Event,
    EventType,
    FileType,
    Intensity,
    LapTrigger,
    Manufacturer,
    Sport,
    SubSport,
)

from speedtimer.history.activity import Activity

INTENSITY = {
    "warmup": Intensity.WARMUP,
    "work": Intensity.ACTIVE,
    "rest": Intensity.REST,
    "cooldown": Intensity.COOLDOWN,
}
PRODUCT_NAME = "speedtimer"


def _ms(t: datetime) -> int:
    """fit-tool takes times as milliseconds since the Unix epoch (it writes FIT's seconds)."""
    return round(t.timestamp() * 1000)


def _serial(activity: Activity) -> int:
    """A stable serial number per session, so the logs tell two exports of one session apart
    from two sessions (FIT's uint32z: never 0)."""
    return (zlib.crc32(activity.uuid.encode()) or 1) & 0xFFFFFFFF


def _timer_event(t: datetime, kind: EventType) -> EventMessage:
    ev = EventMessage()
    ev.timestamp = _ms(t)
    ev.event = Event.TIMER
    ev.event_type = kind
    return ev


def activity_bytes(activity: Activity, *, created: datetime | None = None) -> bytes:
    """The FIT activity file of `activity`, as bytes."""
    created = created or activity.end
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.product_name = PRODUCT_NAME
    file_id.serial_number = _serial(activity)
    file_id.time_created = _ms(created)

    device = DeviceInfoMessage()
    device.timestamp = _ms(activity.start)
    device.manufacturer = Manufacturer.DEVELOPMENT.value
    device.product = 0
    device.product_name = PRODUCT_NAME
    device.serial_number = _serial(activity)
    device.device_index = 0

    messages: list = [file_id, device, _timer_event(activity.start, EventType.START)]
    record_times = activity.record_times()
    distance = 0.0
    for lap in activity.laps:
        for t in record_times:
            if lap.start <= t <= lap.running_until and (t != lap.start or lap.index == 0):
                rec = RecordMessage()
                rec.timestamp = _ms(t)
                if lap.distance_m:
                    share = (t - lap.start).total_seconds() / lap.timer_s if lap.timer_s else 1
                    rec.distance = distance + lap.distance_m * min(1.0, share)
                elif distance:
                    rec.distance = distance
                bpm = activity.bpm_at(t)
                if bpm is not None:
                    rec.heart_rate = bpm
                messages.append(rec)
        if lap.paused_s > 0 and lap.end > lap.running_until:
            messages.append(_timer_event(lap.running_until, EventType.STOP_ALL))
            messages.append(_timer_event(lap.end, EventType.START))
        distance += lap.distance_m or 0.0
        msg = LapMessage()
        msg.message_index = lap.index
        msg.timestamp = _ms(lap.end)
        msg.start_time = _ms(lap.start)
        msg.total_elapsed_time = lap.elapsed_s
        msg.total_timer_time = lap.timer_s
        if lap.distance_m:
            msg.total_distance = lap.distance_m
            if lap.timer_s > 0:
                msg.avg_speed = lap.distance_m / lap.timer_s
        msg.event = Event.LAP
        msg.event_type = EventType.STOP
        msg.intensity = INTENSITY[lap.kind]
        msg.lap_trigger = LapTrigger.TIME if lap.by_clock else LapTrigger.MANUAL
        msg.sport = Sport.RUNNING
        if lap.heart_rate is not None:
            msg.avg_heart_rate = lap.heart_rate.avg_bpm
            msg.max_heart_rate = lap.heart_rate.max_bpm
        messages.append(msg)
    end = activity.end
    messages.append(_timer_event(end, EventType.STOP_ALL))

    session = SessionMessage()
    session.message_index = 0
    session.timestamp = _ms(end)
    session.start_time = _ms(activity.start)
    session.total_elapsed_time = (end - activity.start).total_seconds()
    session.total_timer_time = activity.timer_s
    if activity.distance_m:
        session.total_distance = activity.distance_m
    session.sport = Sport.RUNNING
    session.sub_sport = SubSport.TRACK if activity.track else SubSport.GENERIC
    session.first_lap_index = 0
    session.num_laps = len(activity.laps)
    session.event = Event.SESSION
    session.event_type = EventType.STOP
    hr = activity.heart_rate()
    if hr is not None:
        session.avg_heart_rate = hr.avg_bpm
        session.max_heart_rate = hr.max_bpm
    messages.append(session)

    done = ActivityMessage()
    done.timestamp = _ms(end)
    done.total_timer_time = activity.timer_s
    done.num_sessions = 1
    done.type = ActivityType.MANUAL
    done.event = Event.ACTIVITY
    done.event_type = EventType.STOP
    done.local_timestamp = round(
        (end + timedelta(minutes=activity.utc_offset_min)).timestamp() - 631065600
    )
    messages.append(done)

    builder = FitFileBuilder(auto_define=True)
    builder.add_all(messages)
    return builder.build().to_bytes()
