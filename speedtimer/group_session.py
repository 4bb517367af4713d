"""The imperative shell of a coach-mode session: the solo `Session` (clock, cues, voice) with a
squad's marks on top.

The pure `speedtimer.core.group.GroupSession` owns the shared timer, so this shell reads the
timer from it (undo may reopen a rep by putting back an earlier timer). Marks are stamped at
the moment the key arrived, not when the event loop got round to it: the screen passes how
long ago the key was pressed and the mark is placed that much before `now`.

Each athlete's target comes from their own race through the preset's race-derived targets
("5k pace", "I"), or is the preset's absolute one; an athlete without a race gets none for a
race-derived step.

History: each athlete's session is saved as a solo session is, written as it goes (one
recorder per athlete, linked by a group id): when a step ends, every athlete still in gets
their row (their finish as the rep's split, "skipped" for did not finish, their splits in a
timed step, their own target). A mark assigned after its rep ended, or an undo that reopens
it, saves that athlete's row again under the same place, so nothing is counted twice.

Spoken marks (`speak_marks`, with the voice on): each finish or split is said ("Ana 71") where
`core.mark_speech` places it, clear of every cue and announcement, sent to the sound helper
LEAD_S before it starts like any phrase. Its text is only known at the mark, so it is rendered
then (a few milliseconds); the shell wakes every RENDER_POLL_S until it is. A mark does not
withdraw what was sent ahead unless it changed what comes next (it ended the rep): a phrase
being spoken is not cut off by the next athlete's key. Undo of a mark takes its phrase back:
still waiting, it is dropped; already sent, it is silenced.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from speedtimer.core.announce import GAP_S, Speech
from speedtimer.core.group import AthleteRep, GroupEvent, GroupKind, GroupSession, RepStatus
from speedtimer.core.mark_speech import MarkCaller, MarkSpeech, cue_busy
from speedtimer.core.paces import PaceError, Race, parse_race
from speedtimer.core.preset import Preset
from speedtimer.core.schedule import build_schedule
from speedtimer.core.targets import StartChoice, session_preset
from speedtimer.core.timer import Event, EventKind, State
from speedtimer.history.recorder import step_row_for
from speedtimer.history.rows import StepRow
from speedtimer.session import LEAD_S, SAME_TIME_S, Session

MAX_KEY_LAG_S = 1.0  # a key event older than this is stamped "now": the loop was stalled
RENDER_POLL_S = 0.05  # how often a mark's phrase is looked for while it is being rendered


@dataclass(frozen=True)
class Runner:
    """One athlete of today's group, as the session uses them."""

    name: str
    key: str
    race: Race | None = None
    targets: tuple[float | None, ...] = ()  # per scheduled step: target seconds or None
    # per scheduled step: a target range's two ends (seconds), or None
    ranges: tuple[tuple[float, float] | None, ...] = ()


def runners_for(
    preset: Preset, athletes: Sequence, choice: StartChoice | None = None
) -> tuple[Runner, ...]:
    """Today's runners with their own targets (athletes: anything with name, key and race)."""
    out = []
    for a in athletes:
        race = None
        if getattr(a, "race", ""):
            try:
                race = parse_race(a.race)
            except PaceError:
                race = None
        resolved, _ = session_preset(preset, race, choice)
        steps = build_schedule(resolved).steps
        out.append(
            Runner(
                a.name,
                a.key,
                race,
                tuple(s.target_s for s in steps),
                tuple(s.target_range_s for s in steps),
            )
        )
    return tuple(out)


class GroupShell(Session):
    """A `Session` whose timer belongs to a `GroupSession` of today's runners."""

    def __init__(
        self,
        preset: Preset,
        runners: Sequence[Runner],
        *,
        athlete_recorders: Callable[..., object] | None = None,
        squad: str = "",
        speak_marks: bool = False,
        **kwargs,
    ) -> None:
        """`athlete_recorders`: the app's recorder factory, called once per athlete at the
        start with athlete, squad and group_id (None: nothing is saved). `speak_marks`: say
        each mark ("Ana 71") when the voice is on."""
        self.marks = MarkCaller(on=speak_marks)
        self._mark_said: dict[tuple, MarkSpeech] = {}  # mark phrases sent, by Speech key
        super().__init__(preset, **kwargs)
        self.runners = tuple(runners)
        self.by_key = {r.key: r for r in self.runners}
        self.athlete_recorders = athlete_recorders
        self.squad = squad
        self.group_id: str | None = None
        self.recorders: dict[str, object] = {}  # athlete -> their session's recorder
        self._rows: dict[tuple[str, int], StepRow] = {}  # (athlete, step index) -> row saved
        self.group = GroupSession(
            self.schedule, [r.name for r in self.runners], get_ready_s=self._get_ready
        )
        self.group_events: list[GroupEvent] = []  # every mark, assignment and undo, in order

    # The group owns the timer; Session.__init__ assigns one, which is only kept for its
    # get-ready length.
    @property
    def timer(self):  # type: ignore[override]
        group = self.__dict__.get("group")
        return group.timer if group is not None else self.__dict__["_solo_timer"]

    @timer.setter
    def timer(self, value) -> None:
        self.__dict__["_solo_timer"] = value

    @property
    def _get_ready(self) -> float:
        return self.__dict__["_solo_timer"].get_ready_s

    # --- operations --------------------------------------------------------------------------

    def start(self) -> list[Event]:
        if self.sleep_watch is not None:
            self.sleep_watch.check()
        now = self.now()
        wall = self.wall_clock()  # the same instant on both clocks
        if self.keep_awake is not None:
            self.keep_awake.start()
        self._hold_sound(True)
        if self.athlete_recorders is not None:
            self.group_id = str(uuid.uuid4())
            for r in self.runners:
                recorder = self.athlete_recorders(
                    preset=self.preset,
                    schedule=self.schedule,
                    started_wall=wall,
                    started_mono=now,
                    race=r.race,
                    athlete=r.name,
                    squad=self.squad,
                    group_id=self.group_id,
                )
                recorder.begin()
                self.recorders[r.name] = recorder
        if self.voice_on:
            self._ask_voice()
        return self._group_op(self.group.start, now)

    def tick(self) -> list[Event]:
        now = self.now()
        events = self._split(self.group.tick(now), now)
        self._send_ahead(now)
        return events

    def toggle_pause(self) -> list[Event]:
        return self._group_op(self.group.toggle_pause)

    def skip(self) -> list[Event]:
        """`n`: the coach ends the rep now; those still out did not finish it."""
        return self._group_op(self.group.end_step)

    def abort(self, status: str = "aborted") -> list[Event]:
        self.status = status
        return self._group_op(self.group.abort)

    def mark(self, lag_s: float = 0.0) -> list[Event]:
        return self._group_op(self.group.mark, self._stamp(lag_s))

    def athlete_key(self, key: str, lag_s: float = 0.0) -> list[Event]:
        runner = self.by_key.get(key)
        if runner is None:
            return []
        return self._group_op(
            lambda now: self.group.athlete_key(runner.name, now), self._stamp(lag_s)
        )

    def out(self, key: str) -> list[Event]:
        runner = self.by_key.get(key)
        if runner is None:
            return []
        return self._group_op(lambda now: self.group.out(runner.name, now))

    def undo(self) -> list[Event]:
        """Take back the last mark, assignment or out, while the session runs. Once it has
        ended (its history closed, the summary up) nothing is taken back, although the core
        could reopen a last rep whose end finished it."""
        if self.timer.done:
            return []
        return self._group_op(self.group.undo)

    def set_speak_marks(self, on: bool) -> None:
        """Say marks from now on (with the voice on), or stop: marks waiting are not said."""
        self.marks.set_on(on)
        now = self.now()
        if not on and any(self._said.get(k) and self._said[k].end > now for k in self._mark_said):
            self._withdraw_ahead(now)  # silence a mark being said
        self._send_ahead(now)

    @property
    def speaking_marks(self) -> bool:
        """Marks are being said: spoken marks on, and the voice speaking."""
        return self.marks.on and self.speaking

    # --- queries -----------------------------------------------------------------------------

    def target(self, runner: Runner, index: int) -> float | None:
        return runner.targets[index] if index < len(runner.targets) else None

    def delta(self, runner: Runner, index: int, time: float | None) -> float | None:
        """The rep's time against the athlete's target: inside a target range is 0, outside
        it the distance to the nearer end (as the solo run screen counts)."""
        target = self.target(runner, index)
        if time is None or not target:
            return None
        bounds = runner.ranges[index] if index < len(runner.ranges) else None
        if bounds is None:
            return time - target
        lo, hi = bounds
        return time - lo if time < lo else time - hi if time > hi else 0.0

    def reps(self, runner: Runner) -> list[AthleteRep]:
        return self.group.athlete_records(runner.name)

    def finished_times(self, runner: Runner) -> list[tuple[int, float | None]]:
        """(step index, time or None for did not finish) of each rep that has ended."""
        out = []
        for rep in self.reps(runner):
            if rep.status is RepStatus.RUNNING:
                continue
            if rep.status is RepStatus.OUT and not rep.splits:
                continue
            out.append((rep.index, rep.time_s))
        return out

    def save_athlete_feedback(self, name: str, rpe: int | None, note: str) -> None:
        """An athlete's RPE and note, with their own session in the history."""
        recorder = self.recorders.get(name)
        if recorder is not None:
            recorder.set_rpe_note(rpe, note)

    def close(self) -> None:
        super().close()
        for recorder in self.recorders.values():
            recorder.close()

    # --- internals ---------------------------------------------------------------------------

    def _stamp(self, lag_s: float) -> float:
        now = self.now()
        lag = min(max(0.0, lag_s), MAX_KEY_LAG_S)
        return now - lag

    def _group_op(self, operation, now: float | None = None) -> list[Event]:
        """A coach's action. What time itself brought up to `now` is handled first, as a tick
        would; what was sent ahead is withdrawn only if the action changed what comes next
        (ended or reopened a rep, paused): a mark must not silence a phrase being said."""
        slept = self._check_sleep()
        now = self.now() if now is None else now
        events = slept + self._split(self.group.tick(now), now)
        before = self._plan_key()
        done = operation(now)
        if self._plan_key() != before:
            self._withdraw_ahead(now)
        events += self._split(done, now)
        self._send_ahead(now)
        return events

    def _send_offs(self, events: list[Event]) -> list[Event]:
        return events  # the group core gives a send-off's rest what is left of its cycle

    def _plan_key(self) -> tuple:
        timer = self.timer
        segment = timer.segment()
        return (
            id(timer),
            timer.state,
            timer.current_index,
            timer.next_event_time(),
            segment.start if segment is not None else None,
        )

    def _split(self, events, now: float) -> list[Event]:
        timer_events = [e for e in events if isinstance(e, Event)]
        group_events = [e for e in events if isinstance(e, GroupEvent)]
        self.group_events += group_events
        self._handle(timer_events, now)
        if self.recorders:
            self._record(timer_events, group_events, now)
        if group_events:
            self._note_marks(group_events, now)
        return timer_events

    # --- spoken marks ------------------------------------------------------------------------

    def _note_marks(self, group_events: list[GroupEvent], now: float) -> None:
        steps = self.schedule.steps
        taken = self.marks.note(
            group_events, timed=lambda i: not steps[i].is_open, say=self.speaking
        )
        if taken:
            live = [
                key
                for key, placed in self._mark_said.items()
                if key in self._said
                and self._said[key].end > now
                and taken & {c.mark_id for c in placed.calls}
            ]
            if live:  # an undone mark's phrase is on its way or being said: silence it
                self._withdraw_ahead(now, leave_out=taken)
        text = self.marks.next_text() if self.speaking else ""
        if text and self.voice is not None:
            self.voice.request([text])

    def _withdraw_ahead(self, now: float, leave_out: set[int] | frozenset[int] = frozenset()):
        """As a solo session; a mark phrase taken back before it started waits again (unless
        its mark was undone: `leave_out`)."""
        pending = {
            key: placed
            for key, placed in self._mark_said.items()
            if key in self._said and self._said[key].start > now
        }
        super()._withdraw_ahead(now)
        for key, placed in pending.items():
            if key not in self._said:
                del self._mark_said[key]
                self.marks.put_back(c for c in placed.calls if c.mark_id not in leave_out)

    def _send_speech(self, now: float) -> None:
        super()._send_speech(now)
        if not self.speaking_marks or self.voice is None:
            return
        placed = self._place_marks(now)
        if placed is None or placed.start - now > LEAD_S + SAME_TIME_S:
            return
        sound = self.voice.sound(placed.text)
        if sound is None or not self.audio.play(sound, at=placed.start):
            return
        first = placed.calls[0]
        sp = Speech(
            ("mark", first.mark_id, placed.start), placed.text, placed.start, placed.seconds
        )
        self._sent(sp)
        self._mark_said[sp.key] = placed
        self.marks.said(placed)

    def _place_marks(self, now: float) -> MarkSpeech | None:
        segment = self.timer.segment()
        if segment is None or self.voice is None or not self.marks.waiting:
            return None
        busy, end = cue_busy(segment, self.schedule, self.cue_seconds)
        # phrases said lately too: the gap after one that just ended still holds
        busy += [(sp.start, sp.end) for sp in self._said.values() if sp.end + GAP_S > now]
        busy += [(sp.start, sp.end) for sp in self._plan() if sp.key not in self._said]
        return self.marks.place(now=now, seconds_of=self.voice.seconds, busy=busy, segment_end=end)

    def next_wake(self) -> float | None:
        wake = super().next_wake()
        if not self.speaking_marks or self.voice is None or self.timer.state is not State.RUNNING:
            return wake
        now = self.now()
        text = self.marks.next_text()
        if not text:
            return wake
        if self.voice.seconds(text) is None:
            at = now + RENDER_POLL_S  # rendering: look again in a moment
        else:
            placed = self._place_marks(now)
            at = max(now, placed.start - LEAD_S) if placed is not None else None
        if at is None:
            return wake
        return at if wake is None else min(wake, at)

    @property
    def marks_said(self) -> list[MarkSpeech]:
        """Every mark phrase sent to the sound helper, in order (tests, the log)."""
        return [self._mark_said[sp.key] for sp in self.speech_sent if sp.key in self._mark_said]

    # --- history: one session per athlete ----------------------------------------------------

    def _record(self, timer_events: list[Event], group_events: list[GroupEvent], now: float):
        ended = {r.index for r in self.timer.records}
        touched: set[tuple[str, int]] = set()
        everyone = [r.name for r in self.runners]
        for ev in timer_events:
            if ev.kind is EventKind.STEP_ENDED and ev.index is not None:
                touched.update((name, ev.index) for name in everyone)
        for ge in group_events:
            if ge.index is None:
                continue
            names = [ge.athlete] if ge.athlete else everyone
            if ge.kind in (GroupKind.OUT, GroupKind.BACK_IN):
                # out (or back in) from that step on: every step since that has ended
                steps = [i for i in ended if i >= ge.index]
            else:
                steps = [ge.index] if ge.index in ended else []
            touched.update((name, i) for name in names for i in steps)
        for name, index in sorted(touched, key=lambda t: (t[1], everyone.index(t[0]))):
            self._save_row(name, index)
        for ev in timer_events:
            if ev.kind in (EventKind.SESSION_FINISHED, EventKind.SESSION_ABORTED):
                status = "completed" if ev.kind is EventKind.SESSION_FINISHED else self.status
                for recorder in self.recorders.values():
                    recorder.finish(
                        status,
                        active_s=self.timer.active_elapsed(now),
                        paused_s=sum(r.paused_s for r in self.timer.records),
                        end_mono=ev.at,
                    )

    def _save_row(self, name: str, index: int) -> None:
        record = next((r for r in reversed(self.timer.records) if r.index == index), None)
        recorder = self.recorders.get(name)
        if record is None or recorder is None:
            return
        key = (name, index)
        saved = self._rows.get(key)
        row = self.athlete_row(name, record, saved.idx if saved else self._next_idx(name))
        if row is None or row == saved:
            return
        self._rows[key] = row
        recorder.put_step(row)

    def _next_idx(self, name: str) -> int:
        return sum(1 for (athlete, _) in self._rows if athlete == name)

    def athlete_row(self, name: str, record, idx: int) -> StepRow | None:
        """One athlete's history row for a step that ended (None: they were out by then)."""
        group = self.group
        index = record.index
        step = self.schedule.steps[index]
        runner = next(r for r in self.runners if r.name == name)
        rep = group.rep(name, index) if step.kind == "work" else None
        if name not in group.present(index) and not (rep and rep.splits):
            return None
        recorder = self.recorders[name]
        row = step_row_for(self.schedule, record, idx, recorder.wall)
        bounds = runner.ranges[index] if index < len(runner.ranges) else None
        row = replace(
            row,
            target_s=self.target(runner, index),
            target_lo_s=bounds[0] if bounds is not None else None,
            target_hi_s=bounds[1] if bounds is not None else None,
        )
        if rep is None:
            return row
        if step.is_open:
            time = rep.time_s
            if time is None:  # did not finish this rep
                return replace(row, ended_how="skipped", split_s=None, pace_s_per_km=None, laps=())
            pace = time / (step.distance_m / 1000) if step.distance_m else None
            return replace(
                row, actual_s=time, split_s=time, pace_s_per_km=pace, ended_how="lap", laps=()
            )
        return replace(row, laps=tuple(rep.splits))
