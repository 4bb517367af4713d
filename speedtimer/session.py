"""The imperative shell around one running session: clock, cues, voice, history.

Both the Textual run screen and the plain line mode drive a `Session`; it owns the pure `Timer`
and turns the events it returns into sounds and history rows. The clock is injected so tests
run whole sessions in microseconds.

With the voice on, the pure planner (`announce.plan_segment`) says which phrase starts when;
the session sends each one to the sound helper LEAD_S before it starts, exactly like a cue,
so that pausing, skipping or lapping withdraws it like a cue too.

A computer that sleeps mid-session (a laptop's lid closed) is noticed by a `SleepWatch`, read
before every operation: the session's clock then counts the sleep, the timer is told
(`Timer.suspended`) and pauses from the moment of sleep, every sound sent ahead is taken back,
and nothing due during the sleep is played on waking. While the session runs, `KeepAwake` asks
the system not to sleep on idle.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from speedtimer.core.announce import (
    Speech,
    finish_speech_start,
    finished_phrase,
    plan_segment,
    step_phrase,
    texts_for,
)
from speedtimer.core.cues import cues_for
from speedtimer.core.paces import Race
from speedtimer.core.phrases import DEFAULT_PHRASES
from speedtimer.core.preset import Preset
from speedtimer.core.schedule import Schedule, build_schedule
from speedtimer.core.send_off import send_off
from speedtimer.core.timer import Ended, Event, EventKind, State, StepRecord, Timer
from speedtimer.sound.audio import Audio

if TYPE_CHECKING:
    from speedtimer.machine_sleep import KeepAwake, SleepWatch
    from speedtimer.sound.voice import Voice

log = logging.getLogger("speedtimer.session")

# Cues go to the sound helper this long before they are due, with their due time; the helper
# starts each one itself so it is heard on time, whatever the event loop's wake-up latency.
# The due time goes as it is, on the session's clock (time.monotonic in the app, which the
# helper shares), never as a delay from a `now` read earlier: a stall between that read and
# the send would be added to the cue.
LEAD_S = 0.1
SAME_TIME_S = 1e-6
SPEECH_LATE_S = 0.05  # a phrase whose start passed more than this ago is not said at all


@dataclass
class Summary:
    """What the summary screen shows and what the runner adds before it is saved."""

    preset_name: str
    status: str  # completed | aborted | interrupted
    planned_s: float
    active_s: float
    paused_s: float
    reps_done: int
    reps_planned: int
    laps: list[tuple[int, float, float | None, float | None]] = field(default_factory=list)
    # (step index, split seconds, distance m, target seconds)
    adjusted_s: float = 0.0  # added (+) or removed (-) with +/-; planned_s stays the plan


class Session:
    def __init__(
        self,
        preset: Preset,
        *,
        audio: Audio,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        recorder_factory: Callable[..., object] | None = None,
        get_ready_s: float = 5,
        muted: bool = False,
        on_silent_cue: Callable[[str], None] | None = None,
        voice: Voice | None = None,
        voice_on: bool = False,
        phrases: Mapping[str, str] | None = None,
        cue_seconds: Mapping[str, float] | None = None,
        sleep_watch: SleepWatch | None = None,
        keep_awake: KeepAwake | None = None,
        resume_after_sleep: bool = False,
        race: Race | None = None,
    ) -> None:
        """`sleep_watch`: notices the computer sleeping; the session's clock is then its
        `now` (monotonic plus every sleep), not `clock`. `resume_after_sleep`: go on at once
        after a sleep (the plain mode has no key to resume with); the pause is still recorded.
        """
        self.preset = preset
        self.race = race  # the race this session's race-derived targets were resolved for
        self.schedule: Schedule = build_schedule(preset)
        self.timer = Timer(self.schedule, get_ready_s=get_ready_s)
        self.audio = audio
        self.sleep_watch = sleep_watch
        self.clock = sleep_watch.now if sleep_watch is not None else clock
        self.keep_awake = keep_awake
        self.resume_after_sleep = resume_after_sleep
        self.sleeps: list[float] = []  # seconds of every sleep noticed, in order
        self.wall_clock = wall_clock
        self.muted = muted
        self.on_silent_cue = on_silent_cue
        self.recorder_factory = recorder_factory
        self.recorder = None
        self.status: str | None = None
        self.cues_played: list[str] = []
        self._ahead: tuple[float, list[str]] | None = None  # (due, cues sent ahead for it)
        self.voice = voice
        self.voice_on = voice_on
        self.phrases = dict(DEFAULT_PHRASES if phrases is None else phrases)
        self.cue_seconds = dict(cue_seconds or {})
        self.speech_sent: list[Speech] = []  # phrases handed to the sound helper, in order
        self._said: dict[tuple, Speech] = {}  # the same, by key: each is sent once
        self._missed: set[tuple] = set()  # phrases whose moment passed before they could go
        self._announced: int | None = None  # the step announced before its start
        self._own_due = False  # the current step was not: say it after its cue
        self._voice_asked = False
        self._started: tuple[float, datetime] | None = None  # (monotonic, wall) at start()
        self._holding = False  # the sound helper was told a session runs (audio.hold)
        self._cycle_start: float | None = None  # a send-off block's iteration began then

    # --- operations ----------------------------------------------------------------------

    def now(self) -> float:
        return self.clock()

    def start(self) -> list[Event]:
        if self.sleep_watch is not None:
            self.sleep_watch.check()  # a sleep before the start is none of the session's
        now = self.now()
        wall = self.wall_clock()  # the same instant on both clocks: read together, not after
        if self.keep_awake is not None:  # starting a process (systemd-inhibit) takes a while
            self.keep_awake.start()
        self._hold_sound(True)
        # history starts with the first step (`_begin_record`), timed from this pair
        self._started = (now, wall)
        if self.voice_on:
            self._ask_voice()
        return self._op(self.timer.start, now)

    def tick(self) -> list[Event]:
        slept = self._check_sleep()
        now = self.now()
        events = slept + self._handle(self._send_offs(self.timer.tick(now)), now)
        self._send_ahead(now)
        return events

    def toggle_pause(self) -> list[Event]:
        return self._op(self.timer.toggle_pause)

    def lap(self) -> list[Event]:
        return self._op(self.timer.lap)

    def skip(self) -> list[Event]:
        return self._op(self.timer.skip)

    def back(self) -> list[Event]:
        return self._op(self.timer.back)

    def add_time(self, seconds: float) -> list[Event]:
        return self._op(lambda now: self.timer.add_time(now, seconds))

    def abort(self, status: str = "aborted") -> list[Event]:
        """End the session early; `status` is "interrupted" when the terminal went away."""
        self.status = status
        return self._op(self.timer.abort)

    def _op(self, operation: Callable[[float], list[Event]], now: float | None = None):
        """A runner's action: it changes what comes next, so cues sent ahead are withdrawn."""
        slept = self._check_sleep()
        now = self.now() if now is None else now
        self._withdraw_ahead(now)
        events = slept + self._handle(self._send_offs(operation(now)), now)
        self._send_ahead(now)
        return events

    def _send_offs(self, events: list[Event]) -> list[Event]:
        """A send-off block (`cycle` in the preset) starts a rep every cycle: as its last rest
        starts, it gets what is left of the cycle (core/send_off.py), "10 x 100 m on 1:00"."""
        out: list[Event] = []
        for ev in events:
            out.append(ev)
            if ev.kind is EventKind.STEP_STARTED and ev.index is not None:
                step = self.schedule.steps[ev.index]
                self._cycle_start, length = send_off(step, ev.at, self._cycle_start)
                planned = self.timer.step_planned()
                if length is not None and planned is not None and abs(length - planned) > 1e-9:
                    out += self._send_offs(self.timer.fit_step(ev.at, length))
        return out

    def _check_sleep(self) -> list[Event]:
        """Did the computer sleep since the last call? Then pause from the moment it did.

        Nothing is played for it: whatever the timer passed on its way to the moment of
        sleep is history by now, and the sound helper's clock stood still too, so every
        sound sent ahead is taken back.
        """
        watch = self.sleep_watch
        if watch is None:
            return []
        slept = watch.check()
        if not slept or self.timer.state in (State.IDLE, State.FINISHED, State.ABORTED):
            return []
        self.sleeps.append(slept)
        now = self.now()
        was_paused = self.timer.state is State.PAUSED  # by the runner: stays paused
        self._withdraw_ahead(now - slept)
        events = self._handle(self.timer.suspended(now, slept), now, sound=False)
        if self.resume_after_sleep and not was_paused and self.timer.state is State.PAUSED:
            events += self._handle(self.timer.resume(now), now)
        return events

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        self._withdraw_ahead(self.now())

    def set_voice(self, on: bool, voice: Voice | None = None) -> None:
        """Voice on or off from now on; turning it on renders what is not rendered yet."""
        if voice is not None:
            self.voice = voice
        self.voice_on = on
        now = self.now()
        if on:
            self._ask_voice()
        else:
            self._withdraw_ahead(now)
        self._send_ahead(now)

    @property
    def speaking(self) -> bool:
        """Phrases are being said: voice on and able to, sound on."""
        voice = self.voice
        return (
            self.voice_on
            and voice is not None
            and voice.available
            and not self.muted
            and self.audio.available
        )

    @property
    def speech_until(self) -> float:
        """When the last phrase sent ends (0 if none): the plain mode waits for it."""
        ends = []
        for sp in self._said.values():
            seconds = sp.seconds or (self.voice.seconds(sp.text) if self.voice else None) or 0.0
            ends.append(sp.start + seconds)
        return max(ends, default=0.0)

    # --- queries -------------------------------------------------------------------------

    def next_wake(self) -> float | None:
        """The sooner of the next cue/boundary and the next change of the shown seconds."""
        if self.timer.state not in (State.RUNNING, State.READY):
            return None
        now = self.now()
        times = []
        event_at = self.timer.next_event_time()
        if event_at is not None:
            times.append(event_at)
            if self._sends_ahead() and not self._ahead_for(event_at):
                times.append(event_at - LEAD_S)
        remaining = self.timer.step_remaining(now)
        speech_at = self._next_speech_send(now)
        if speech_at is not None:
            times.append(speech_at)
        if remaining is not None:
            frac = remaining - math.floor(remaining)
            times.append(now + (frac if frac > 1e-6 else 1.0))
        else:
            elapsed = self.timer.step_elapsed(now)
            times.append(now + (1.0 - (elapsed - math.floor(elapsed))))
        return min(times)

    def summary(self) -> Summary:
        now = self.now()
        records = self.timer.records
        by_index = self.schedule.steps
        laps = []
        for r in records:
            step = by_index[r.index]
            if r.how is Ended.LAP:
                laps.append((r.index, r.active_s, step.distance_m, step.target_s))
        return Summary(
            preset_name=self.preset.name,
            status=self.status
            or ("completed" if self.timer.state is State.FINISHED else "aborted"),
            planned_s=self.schedule.estimate_s,
            active_s=self.timer.active_elapsed(now),
            paused_s=sum(r.paused_s for r in records),
            reps_done=self._reps_done(records),
            reps_planned=self.schedule.work_reps,
            laps=laps,
            adjusted_s=sum(r.adjusted_s for r in records),
        )

    def _reps_done(self, records: list[StepRecord]) -> int:
        steps = self.schedule.steps
        return sum(
            1 for r in records if steps[r.index].kind == "work" and r.how in (Ended.TIME, Ended.LAP)
        )

    def save_feedback(self, rpe: int | None, note: str) -> None:
        if self.recorder is not None:
            self.recorder.set_rpe_note(rpe, note)

    def close(self) -> None:
        """Let go of the history database once the runner has left the summary."""
        self._let_sleep()
        if self.recorder is not None:
            self.recorder.close()

    # --- event handling ------------------------------------------------------------------

    # --- cues sent ahead --------------------------------------------------------------------

    def _sends_ahead(self) -> bool:
        return not self.muted and self.audio.available

    def _ahead_for(self, due: float) -> bool:
        return self._ahead is not None and abs(self._ahead[0] - due) < SAME_TIME_S

    def _send_ahead(self, now: float) -> None:
        """Within LEAD_S of the next event, send its cues with their due time.

        What the cues will be comes from a copy of the timer run to that instant: the timer
        is pure, so the copy tells exactly what the real one will say then.
        """
        if not self._sends_ahead() or self.timer.state not in (State.RUNNING, State.READY):
            return
        self._send_speech(now)
        due = self.timer.next_event_time()
        if due is None or due - now > LEAD_S + SAME_TIME_S or self._ahead_for(due):
            return
        twin = copy.deepcopy(self.timer, {id(self.schedule): self.schedule})
        sent = []
        events = twin.tick(due)
        for cue in cues_for(events, self.schedule, due):
            if self.audio.play(cue, at=due):
                sent.append(cue)
        self._ahead = (due, sent)
        if any(e.kind is EventKind.SESSION_FINISHED for e in events):
            self._say_finish(twin, due, now)

    def _withdraw_ahead(self, now: float) -> None:
        """The runner changed what comes next: take back every sound not yet heard.

        A phrase being spoken is silenced too (the helper's cancel does both): what it says
        may no longer be true.
        """
        cancel = False
        if self._ahead is not None and self._ahead[0] > now:
            cancel = bool(self._ahead[1])
            self._ahead = None
        for key, sp in list(self._said.items()):
            if sp.end <= now:
                continue
            cancel = True
            if sp.start > now:  # not started: it may be said again, where it fits now
                del self._said[key]
                self.speech_sent.remove(sp)
                if sp.announces is not None and sp.announces == self._announced:
                    self._announced = None
        if cancel:
            self.audio.cancel()

    # --- the voice -----------------------------------------------------------------------

    def _ask_voice(self) -> None:
        """Render every phrase the session will say, first things first, off this thread."""
        if self.voice is not None and not self._voice_asked:
            self._voice_asked = True
            self.voice.request(texts_for(self.phrases, self.schedule))

    def _plan(self) -> list[Speech]:
        segment = self.timer.segment()
        if segment is None or self.voice is None:
            return []
        return plan_segment(
            segment,
            self.schedule,
            self.phrases,
            seconds_of=self.voice.seconds,
            cue_seconds=self.cue_seconds,
            announce_own=self._own_due,
        )

    def _next_speech_send(self, now: float) -> float | None:
        """When the next phrase is to be sent (LEAD_S before it starts), for next_wake()."""
        if not self.speaking:
            return None
        for sp in self._plan():
            if sp.key not in self._said and sp.start - LEAD_S > now:
                return sp.start - LEAD_S
        return None

    def _send_speech(self, now: float) -> None:
        if not self.speaking or self.voice is None:
            return
        for sp in self._plan():
            if sp.key in self._said or sp.start - now > LEAD_S + SAME_TIME_S:
                continue
            if sp.start < now - SPEECH_LATE_S:
                if sp.key not in self._missed:
                    self._missed.add(sp.key)
                    log.info("voice: %r came %.2f s too late; not said", sp.text, now - sp.start)
                continue
            sound = self.voice.sound(sp.text)
            if sound is not None and self.audio.play(sound, at=sp.start):
                self._sent(sp)

    def _sent(self, sp: Speech) -> None:
        self._said[sp.key] = sp
        self.speech_sent.append(sp)
        if sp.announces is not None:
            self._announced = sp.announces

    def _step_started(self, index: int) -> None:
        """A step began: announce it after its cue unless it was announced before."""
        self._own_due = self._announced != index
        self._announced = None
        if not self.speaking or self.voice is None:
            return
        text = step_phrase(self.phrases, self.schedule, index)
        if self._own_due and text and self.voice.seconds(text) is None:
            log.info("voice: %r was not rendered in time; not said", text)
        if index == len(self.schedule.steps) - 1:
            # The last words, as they will be if the session runs to plan from here.
            length = self.timer.step_planned()
            segment = self.timer.segment()
            if length is not None and segment is not None:
                twin = copy.deepcopy(self.timer, {id(self.schedule): self.schedule})
                twin.tick(segment.start + length)
                self.voice.request([self._finish_text(twin)])

    def _finish_text(self, timer: Timer) -> str:
        return finished_phrase(
            self.phrases,
            self.schedule,
            reps_done=self._reps_done(timer.records),
            active_s=timer.active_elapsed(self.now()),
        )

    def _say_finish(self, timer: Timer, finished_at: float, now: float) -> None:
        """The last words, after the finish fanfare; rendered now if they were not foreseen."""
        key = ("finished", -1, finished_at)
        if not self.speaking or self.voice is None or any(k[0] == "finished" for k in self._said):
            return
        text = self._finish_text(timer)
        if not text:
            return
        start = finish_speech_start(max(finished_at, now), self.cue_seconds)
        seconds = self.voice.seconds(text)
        sp = Speech(key, text, start, seconds if seconds is not None else 0.0)
        self.voice.say_when_ready(text, at=start)
        self._sent(sp)

    def _begin_record(self, events: list[Event], now: float) -> None:
        """History starts with the first step, not the get-ready countdown: a session ended
        before any step ran is not a training session, and is not saved."""
        if self.recorder is not None or self.recorder_factory is None:
            return
        first = next((e for e in events if e.kind is EventKind.STEP_STARTED), None)
        if first is None or self._started is None:
            return
        mono, wall = self._started  # read together at the start, before keep-awake's process
        self.recorder = self.recorder_factory(
            preset=self.preset,
            schedule=self.schedule,
            started_wall=wall + timedelta(seconds=max(0.0, first.at - mono)),
            started_mono=first.at,
            **({"race": self.race} if self.race is not None else {}),
        )
        self.recorder.begin()

    @property
    def unsaved(self) -> bool:
        """History was wanted, but the session ended before its first step: nothing kept."""
        return self.recorder_factory is not None and self.recorder is None and self.timer.done

    def _let_sleep(self) -> None:
        if self.keep_awake is not None:
            self.keep_awake.stop()
        self._hold_sound(False)

    def _hold_sound(self, on: bool) -> None:
        """The sound helper keeps its stream open while the session runs (audio.hold)."""
        hold = getattr(self.audio, "hold", None)  # test doubles may not have it
        if hold is not None and self._holding != on:
            self._holding = on
            hold(on)

    def _handle(self, events: list[Event], now: float, *, sound: bool = True) -> list[Event]:
        if any(e.kind in (EventKind.SESSION_FINISHED, EventKind.SESSION_ABORTED) for e in events):
            self._let_sleep()
        self._begin_record(events, now)
        events_for_cues = events if sound else []
        sent: list[str] = []
        if self._ahead is not None and any(self._ahead_for(e.at) for e in events_for_cues):
            sent = list(self._ahead[1])  # already with the sound helper, due at e.at
            self._ahead = None
        cues = cues_for(events_for_cues, self.schedule, now)
        heard_anyway = list(sent)  # went out on time even if this late call calls them stale
        for cue in cues:
            if cue in heard_anyway:
                heard_anyway.remove(cue)
        self.cues_played.extend(heard_anyway)
        for cue in cues:
            if cue in sent:
                sent.remove(cue)
                self.cues_played.append(cue)
            else:
                self._cue(cue)
        if self.recorder is not None:
            for ev in events:
                if ev.kind is EventKind.STEP_ENDED:
                    record = next(
                        r
                        for r in reversed(self.timer.records)
                        if r.index == ev.index and r.ended_at == ev.at
                    )
                    self.recorder.step_done(record)
                elif ev.kind in (EventKind.SESSION_FINISHED, EventKind.SESSION_ABORTED):
                    status = "completed" if ev.kind is EventKind.SESSION_FINISHED else self.status
                    self.status = status
                    self.recorder.finish(
                        status,
                        active_s=self.timer.active_elapsed(now),
                        paused_s=sum(r.paused_s for r in self.timer.records),
                        end_mono=ev.at,
                    )
        for ev in events:
            if ev.kind is EventKind.SESSION_FINISHED:
                self.status = "completed"
                if sound:
                    self._say_finish(self.timer, ev.at, now)
            elif ev.kind is EventKind.STEP_STARTED and ev.index is not None:
                self._step_started(ev.index)
        return events

    def _cue(self, cue: str) -> None:
        self.cues_played.append(cue)
        if self.muted:
            return
        if not (self.audio.available and self.audio.play(cue)) and self.on_silent_cue:
            self.on_silent_cue(cue)
