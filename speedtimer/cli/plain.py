"""`speedtimer run NAME --plain`: the session as plain lines, with sound, no full-screen app.

For scripts, screen readers and terminals where a full-screen app is unwelcome. It runs the same
`Session` as the TUI, sleeping until the timer's next event, so cues are as exact as in the app.
Ctrl+C ends the session (saved as aborted); lap steps are not supported here and are skipped
after their target time, or at once when they have none.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from speedtimer.config.paths import Paths
from speedtimer.core.preset import Preset, format_clock
from speedtimer.core.schedule import KIND_NAMES
from speedtimer.core.timer import EventKind


def run_plain(
    preset: Preset,
    paths: Paths,
    *,
    mute: bool | None = None,
    get_ready_s: int | None = None,
    voice: bool | None = None,
    out=None,
    race=None,
    choice=None,
) -> int:
    from speedtimer.config.settings import load_settings
    from speedtimer.core.targets import choice_problem, has_symbolic_targets, session_preset
    from speedtimer.history.recorder import SessionRecorder
    from speedtimer.machine_sleep import KeepAwake, SleepWatch
    from speedtimer.session import Session
    from speedtimer.sound.audio import NullAudio, cue_lengths, open_audio, resolve_cue_files

    out = out or sys.stdout
    settings, problems = load_settings(paths.settings_file)
    for p in problems:
        print(f"warning: {p}", file=out)
    written = preset
    preset, race = session_preset(written, race if race is not None else settings.race, choice)
    if problem := choice_problem(written, choice):
        print(f"note: {problem}", file=out)
    if race is not None and has_symbolic_targets(written):
        print(f"Targets from your race {race.text} (VDOT {race.vdot:.1f})", file=out)
    elif race is None and has_symbolic_targets(written):
        print(
            "note: this preset's targets come from your race and none is set, so they are "
            'not shown: add --race "5k 19:57", or set [runner] race in the settings',
            file=out,
        )
    files, sound_problems = resolve_cue_files(paths.sounds_dir, settings.sounds)
    for p in sound_problems:
        print(f"warning: {p}", file=out)
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    muted = settings.mute if mute is None else mute
    audio = NullAudio("muted") if muted else open_audio(files, paths.log_file)

    def warn(message: str) -> None:
        print(f"warning: {message}", file=out, flush=True)

    voice_on = settings.voice if voice is None else voice
    speaker = None
    if voice_on and not muted:
        from speedtimer.sound.voice import SpeechCache, Voice, VoiceConfig

        cache = SpeechCache(paths.speech_cache_dir, VoiceConfig.from_settings(settings))
        speaker = Voice(cache, audio, on_problem=warn)
        if speaker.problem:
            warn(speaker.problem)

    def recorder_factory(*, preset, schedule, started_wall, started_mono, race=None):
        toml_text = _read(preset.source)
        return SessionRecorder(
            paths.history_db,
            preset_name=preset.name,
            preset_toml=toml_text,
            schedule=schedule,
            started_wall=started_wall,
            started_mono=started_mono,
            on_problem=lambda m: print(f"warning: {m}", file=out, flush=True),
            spare_pending_dir=paths.spare_pending_dir,
            race=race.text if race is not None else "",
            vdot=round(race.vdot, 2) if race is not None else None,
        )

    session = Session(
        preset,
        audio=audio,
        recorder_factory=recorder_factory,
        get_ready_s=settings.get_ready_s if get_ready_s is None else get_ready_s,
        muted=muted,
        on_silent_cue=lambda cue: None,
        voice=speaker,
        voice_on=voice_on,
        phrases=settings.phrases,
        cue_seconds=cue_lengths(files),
        race=race,
        sleep_watch=SleepWatch(),
        keep_awake=KeepAwake(),
        resume_after_sleep=True,  # no key to resume with: the sleep is a pause, then on
    )
    stop: list[str] = []

    def on_signal(signum, _frame):
        stop.append("interrupted" if signum == signal.SIGHUP else "aborted")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    wait_ready = getattr(audio, "wait_ready", None)
    if wait_ready is not None:
        wait_ready(2.0)  # a missing device is known ~0.1 s after start; say so before step 1
    if audio.problem and not muted:
        print(f"warning: {audio.problem}", file=out, flush=True)
    try:
        _print_events(session, session.start(), out)
        while not session.timer.done:
            if stop:
                _print_events(session, session.abort(stop[0]), out)
                break
            step = session.timer.current
            wake = session.next_wake()  # cues and phrases are sent LEAD_S ahead from here
            if step is not None and step.is_open:
                elapsed = session.timer.step_elapsed(session.now())
                if elapsed >= (step.target_s or 0):
                    _print_events(session, session.lap(), out)
                    continue
                lap_at = session.now() + (step.target_s or 0) - elapsed
                wake = lap_at if wake is None else min(wake, lap_at)
            if wake is not None:
                delay = wake - session.now()
                if delay > 0:
                    time.sleep(min(delay, 0.5))
            _print_events(session, session.tick(), out)
    except KeyboardInterrupt:
        _print_events(session, session.abort("aborted"), out)
    finally:
        # Give the player a moment to start the last cue, and the voice its last words.
        linger = 0.3 if not muted else 0.0
        if speaker is not None:
            speaker.wait_idle(3.0)
            linger = max(linger, min(12.0, session.speech_until - session.now() + 0.3))
            speaker.close()
        if session.keep_awake is not None:
            session.keep_awake.stop()
        time.sleep(linger)
        audio.close()
    return 0


def _read(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def _print_events(session, events, out) -> None:
    steps = session.schedule.steps
    for ev in events:
        line = None
        if ev.kind is EventKind.GET_READY:
            line = f"Get ready: {format_clock(ev.seconds or 0)}"
        elif ev.kind is EventKind.STEP_STARTED:
            s = steps[ev.index]
            when = format_clock(s.planned_s) if s.planned_s is not None else "until lap"
            pos = f" [{s.position}]" if s.position else ""
            line = f"{KIND_NAMES[s.kind]}: {s.title} {when}{pos}"
            if s.targets_text:
                line += f" · {s.targets_text}"
        elif ev.kind is EventKind.LAP:
            line = f"  lap {format_clock(ev.split_s or 0, tenths=True)}"
        elif ev.kind is EventKind.HALFWAY:
            line = "  halfway"
        elif ev.kind is EventKind.SESSION_FINISHED:
            line = f"Finished: {format_clock(session.timer.active_elapsed(ev.at))} active"
        elif ev.kind is EventKind.SLEPT:
            line = (
                f"The computer was asleep for {format_clock(ev.seconds or 0)}; paused for that time"
            )
        elif ev.kind is EventKind.SESSION_ABORTED:
            line = f"Ended early ({session.status})"
        if line:
            print(line, file=out, flush=True)
