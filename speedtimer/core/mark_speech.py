"""Coach mode's spoken marks: "Ana 71" as an athlete crosses the line, never over a cue.

With `speak_marks` on (and the voice on), each finish or split an athlete gets is said briefly,
name and whole seconds, so that the athlete hears their time as they cross and the coach need
not look down. What is said and when, decided here (pure: no clock, no I/O; the shell renders
the text, says how long it lasts and plays it at the start given):

* **Pips win.** A mark's phrase keeps `GAP_S` of silence on both sides of every cue and of every
  other phrase (the step announcements come first). A countdown is one block from its first
  pip to the end of the cue it counts down to: nothing is said between pips. A phrase ends
  before the end of the step in progress (whose cue it would hit), never across it.
* **Late is left out.** A phrase starts within `MARK_WAIT_S` of its mark or not at all: a time
  said long after the athlete crossed is noise. A phrase that does not fit is dropped, never
  cut short (half a time is a wrong time).
* **Bursts.** Marks that wait together are said together, in the order they came, at most
  `MAX_MARKS_SAID` in one phrase ("Ana 71, Ben 72, Cid 72") and no longer than
  `MAX_PHRASE_CHARS` (long names); the others wait for the next phrase. One said already is
  not said again.
* **Undo** takes a mark's phrase back while it waits (the shell silences one already on its
  way).

Times are spoken as a coach says them: whole seconds below 100 ("71"), minutes and seconds
from 100 s ("1 40", "2 oh 5", "3 flat"), whole seconds as the screen's clock shows them (71.6
is "71", like "1:11.6").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from speedtimer.core.announce import GAP_S, Busy, cue_seconds_of
from speedtimer.core.cues import STEP_CUES, cue_for
from speedtimer.core.group import GroupEvent, GroupKind
from speedtimer.core.preset import CLOCK_LIMIT_S, finite_seconds
from speedtimer.core.schedule import Schedule
from speedtimer.core.timer import EventKind, SegmentView

MARK_WAIT_S = 3.0  # a mark's phrase starts this long after the mark at the latest
MAX_MARKS_SAID = 3  # marks said in one phrase
MAX_PHRASE_CHARS = 60  # and no more text than this (long names): one mark at least
_EPS = 1e-9


def spoken_split(seconds: float) -> str:
    """71.6 -> "71", 100 -> "1 40", 125 -> "2 oh 5", 180 -> "3 flat", 3725 -> "1 hour 2 5"."""
    value = finite_seconds(seconds)
    total = 0 if value is None else math.floor(min(max(value, 0.0), CLOCK_LIMIT_S))
    if total < 100:
        return str(total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    tail = "flat" if secs == 0 else f"oh {secs}" if secs < 10 else str(secs)
    if hours:
        return f"{hours} hour{'s' if hours > 1 else ''} {minutes} {tail}"
    return f"{minutes} {tail}"


@dataclass(frozen=True)
class MarkCall:
    """One mark to say: who, their split, and when they got it (the key's time)."""

    mark_id: int
    athlete: str
    split_s: float
    at: float


def mark_text(calls: Sequence[MarkCall]) -> str:
    """ "Ana 71" or "Ana 71, Ben 72": the phrase for marks said together."""
    return ", ".join(f"{c.athlete} {spoken_split(c.split_s)}" for c in calls)


@dataclass(frozen=True)
class MarkSpeech:
    """A phrase placed: say `text` at `start`; it lasts `seconds` and carries these marks."""

    text: str
    start: float
    seconds: float
    calls: tuple[MarkCall, ...]

    @property
    def end(self) -> float:
        return self.start + self.seconds


def cue_busy(
    segment: SegmentView, schedule: Schedule, cue_seconds: Mapping[str, float]
) -> tuple[Busy, float | None]:
    """The stretches the segment's cues sound in, a countdown as one block, and when the
    segment ends (None: an open step)."""
    steps = schedule.steps
    idx, start = segment.index, segment.start
    boundary = start + segment.length if segment.length is not None else None
    busy: Busy = []
    if idx >= 0 and (own := cue_for_step(schedule, idx)):
        busy.append((start, start + cue_seconds_of(cue_seconds, own)))
    pips = [ev.at for ev in segment.cues if ev.kind is EventKind.PIP]
    for ev in segment.cues:
        if ev.kind is EventKind.PIP:
            continue
        cue = cue_for(ev, schedule)
        if cue:
            busy.append((ev.at, ev.at + cue_seconds_of(cue_seconds, cue)))
    end_cue_end = None
    if boundary is not None:
        cue = steps[idx + 1].kind if idx + 1 < len(steps) else "finished"
        end_cue_end = boundary + cue_seconds_of(cue_seconds, cue)
        busy.append((boundary, end_cue_end))
    if pips:
        last = end_cue_end if end_cue_end is not None else max(pips)
        busy.append((min(pips), max(last, max(pips) + cue_seconds_of(cue_seconds, "pip"))))
    return busy, boundary


def cue_for_step(schedule: Schedule, index: int) -> str | None:
    kind = schedule.steps[index].kind
    return kind if kind in STEP_CUES else None


def _clear(start: float, end: float, busy: Busy) -> bool:
    return all(end + GAP_S <= b0 + _EPS or start + _EPS >= b1 + GAP_S for b0, b1 in busy)


def earliest_start(
    seconds: float,
    *,
    earliest: float,
    latest_start: float,
    latest_end: float | None,
    busy: Busy,
) -> float | None:
    """The earliest start from `earliest` at which `seconds` of speech is clear of `busy`,
    starts by `latest_start` and ends by `latest_end`; None if there is none.

    The earliest start that fits is `earliest` itself or just after a busy stretch."""
    if not seconds > 0:
        return None
    candidates = sorted({earliest, *(b1 + GAP_S for _, b1 in busy if b1 + GAP_S > earliest)})
    for start in candidates:
        if start > latest_start + _EPS:
            return None
        if latest_end is not None and start + seconds > latest_end + _EPS:
            return None
        if _clear(start, start + seconds, busy):
            return start
    return None


class MarkCaller:
    """The marks waiting to be said. The shell feeds it the group's events and asks it, at
    each wake-up, for the next phrase to send."""

    def __init__(self, *, on: bool = False) -> None:
        self.on = on
        self._waiting: list[MarkCall] = []

    @property
    def waiting(self) -> tuple[MarkCall, ...]:
        return tuple(self._waiting)

    def set_on(self, on: bool) -> None:
        self.on = on
        if not on:
            self._waiting.clear()

    def note(
        self, events: Iterable[object], *, timed: Callable[[int], bool], say: bool = True
    ) -> set[int]:
        """Take in the group's events; returns the ids of marks taken back (undo), so that
        the shell can silence a phrase of theirs already sent. `say`: the voice speaks now
        (a mark made while it does not is never said later).

        `timed(index)`: step `index` runs on the clock, so a mark there is a split (said as
        the split since the previous one); in a lap-ended rep it is the athlete's finish."""
        taken_back: set[int] = set()
        for ev in events:
            if not isinstance(ev, GroupEvent) or ev.mark_id is None:
                continue
            if ev.kind is GroupKind.ASSIGNED and ev.athlete and self.on and say:
                split = ev.split_s if ev.split_s is not None else ev.offset_s
                if split is None or ev.index is None:
                    continue
                if not timed(ev.index):
                    split = ev.offset_s if ev.offset_s is not None else split
                self._waiting = [c for c in self._waiting if c.mark_id != ev.mark_id]
                self._waiting.append(MarkCall(ev.mark_id, ev.athlete, split, ev.at))
            elif ev.kind in (GroupKind.UNASSIGNED, GroupKind.MARK_DROPPED):
                self._waiting = [c for c in self._waiting if c.mark_id != ev.mark_id]
                taken_back.add(ev.mark_id)
        return taken_back

    def put_back(self, calls: Iterable[MarkCall]) -> None:
        """Marks of a phrase withdrawn before it started: they wait again (if still fresh)."""
        known = {c.mark_id for c in self._waiting}
        self._waiting = sorted(
            [*self._waiting, *(c for c in calls if c.mark_id not in known)],
            key=lambda c: (c.at, c.mark_id),
        )

    def drop_stale(self, now: float) -> list[MarkCall]:
        """Marks too old to be said any more (see MARK_WAIT_S) leave the queue."""
        stale = [c for c in self._waiting if now - c.at > MARK_WAIT_S + _EPS]
        self._waiting = [c for c in self._waiting if now - c.at <= MARK_WAIT_S + _EPS]
        return stale

    def next_text(self) -> str:
        """The phrase the waiting marks make ("" when none wait): render it ahead."""
        return mark_text(self._batch()) if self.on else ""

    def _batch(self) -> tuple[MarkCall, ...]:
        """The marks said in the next phrase: the oldest waiting, as many as fit."""
        calls = tuple(self._waiting[:MAX_MARKS_SAID])
        while len(calls) > 1 and len(mark_text(calls)) > MAX_PHRASE_CHARS:
            calls = calls[:-1]
        return calls

    def place(
        self,
        *,
        now: float,
        seconds_of: Callable[[str], float | None],
        busy: Busy,
        segment_end: float | None,
    ) -> MarkSpeech | None:
        """Where the next phrase goes, from `now` on: None while its text is not rendered,
        when nothing waits, or when it fits nowhere before its marks go stale (then they are
        dropped: pips win)."""
        if not self.on:
            return None
        self.drop_stale(now)
        calls = self._batch()
        if not calls:
            return None
        text = mark_text(calls)
        seconds = seconds_of(text)
        if seconds is None:
            return None
        latest_end = segment_end - GAP_S if segment_end is not None else None
        latest_start = min(c.at for c in calls) + MARK_WAIT_S
        start = earliest_start(
            seconds, earliest=now, latest_start=latest_start, latest_end=latest_end, busy=busy
        )
        if start is None:
            # It fits nowhere in time: these marks are left out, the next ones may fit.
            self._waiting = self._waiting[len(calls) :]
            return None
        return MarkSpeech(text, start, seconds, calls)

    def said(self, speech: MarkSpeech) -> None:
        """The phrase went to the sound helper: its marks are said."""
        ids = {c.mark_id for c in speech.calls}
        self._waiting = [c for c in self._waiting if c.mark_id not in ids]
