"""One PCM stream held open through a session, with each cue mixed in at its sample (issue 19).

Why: opening a stream per cue puts the sound server's own start-up in every cue. Through
PipeWire a new stream's first samples wait for the graph's next cycle (and the quantum
changes as a low-latency stream joins and leaves): recorded onsets scattered from -16 to
+61 ms although every cue was started on time; through PulseAudio connecting a stream took
2-18 ms under load, and the late cues were the slow ones. A stream that keeps running plays
sample after sample: a cue mixed in at frame f is heard exactly f - W frames after frame W,
whatever the server does with new streams.

How: a writer thread (real-time, like the rest of the helper) writes the stream in periods
of about 10 ms, silence between cues. After each write it asks the PCM how many frames are
queued before the one it writes next (`snd_pcm_delay`): frame W is heard `delay` frames from
now. Each such reading gives the CLOCK_MONOTONIC time at which frame 0 is heard (`Timeline`);
the median of the recent readings is used, so one stalled reading moves nothing and the
estimate follows the device's clock as it drifts. A cue due at T starts at frame
(T - base) * rate, fixed when the period that holds it is written; a cue whose moment has
passed starts at the next period, whole.

ALSA's default device through ctypes on libasound.so.2 (no new dependency): the same device
simpleaudio opens, so the stream goes through PulseAudio, PipeWire or plain ALSA alike. The
cues are mixed at the format of the stream (the first cue's, 16-bit); a sound of another rate
or channel count is converted when it is loaded (`convert`).

The pure part (`Timeline`, `mix`, `convert`) reads no clock; `SessionStream` is the thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import statistics
import sys
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

LATENCY_US = 40_000  # the buffer asked for: 40 ms, written in periods of about 10 ms
OBSERVATIONS = 64  # readings of the delay kept for the median (about 0.6 s)
MIN_OBSERVATIONS = 3  # before this many, no cue is placed (it waits, then starts at once)
MAX_AHEAD_S = 2.0  # a device that takes this much more audio than it has played has no clock
IDLE_CLOSE_S = 120.0  # close the stream after this long with nothing to play: the sink may sleep
BLOCKED = 0.25  # a write that waited this part of a period for room: the device is playing
CHECK_S = 1.5  # a stream that has played nothing yet (the check at start-up) closes sooner


# --- the pure part ------------------------------------------------------------------------------


class Timeline:
    """Which frame of the stream is heard when: frame f at `base + f / rate` (monotonic).

    `base` is the median of the recent readings: one stalled reading moves nothing, and a
    device whose clock runs off CLOCK_MONOTONIC is followed as it drifts. (A variant that
    moved `base` only in steps past 1 ms was measured and dropped: through PulseAudio it
    turned the same drift into 1.1 ms steps, benchmarks/RESULTS.md.)
    """

    def __init__(self, rate: int, keep: int = OBSERVATIONS) -> None:
        self.rate = rate
        self._bases: deque[float] = deque(maxlen=keep)

    def observe(self, now: float, written: int, delay: int) -> None:
        """At `now`, `written` frames had been written and `delay` of them were not heard yet:
        frame `written` is heard `delay` frames after `now`."""
        self._bases.append(now + (delay - written) / self.rate)

    def reset(self) -> None:
        self._bases.clear()

    @property
    def ready(self) -> bool:
        return len(self._bases) >= MIN_OBSERVATIONS

    @property
    def base(self) -> float:
        return statistics.median(self._bases)

    def frame_for(self, due: float) -> int:
        """The frame heard at `due`."""
        return round((due - self.base) * self.rate)

    def heard_at(self, frame: int) -> float:
        return self.base + frame / self.rate


@dataclass
class Placed:
    """A sound in the stream: its samples (interleaved, the stream's format) from `start`."""

    name: str
    samples: array
    start: int
    speech: bool = False

    def length(self, channels: int) -> int:
        return len(self.samples) // channels


def mix(start: int, frames: int, channels: int, sounds: list[Placed]) -> array:
    """The samples of frames [start, start + frames): every sound that overlaps them, summed
    and then clipped to 16 bits; silence elsewhere."""
    out = array("h", bytes(2 * frames * channels))
    parts = []
    for sound in sounds:
        first = max(start, sound.start)
        last = min(start + frames, sound.start + sound.length(channels))
        if first < last:
            a, b = (first - start) * channels, (last - start) * channels
            x = (first - sound.start) * channels
            parts.append((a, b, sound.samples, x))
    if len(parts) == 1:  # the common case: one sound at a time, copied without a loop
        a, b, src, x = parts[0]
        out[a:b] = src[x : x + b - a]
    elif parts:
        total = array("i", bytes(4 * len(out)))
        for a, b, src, x in parts:
            for i in range(b - a):
                total[a + i] += src[x + i]
        for i, v in enumerate(total):
            out[i] = 32767 if v > 32767 else -32768 if v < -32768 else v
    return out


def convert(data: bytes, channels: int, rate: int, to_channels: int, to_rate: int) -> array:
    """16-bit interleaved samples in another channel count (mono <-> stereo) and rate
    (linear interpolation; an integer ratio up, as espeak-ng's 22050 Hz to 44100, repeats
    samples, which is fast)."""
    samples = array("h")
    samples.frombytes(data[: len(data) - len(data) % (2 * channels)])
    if sys.byteorder == "big":
        samples.byteswap()
    if channels != to_channels:
        if channels == 2:  # to mono: the left channel (cues are mono or identical channels)
            samples = samples[0::2]
        else:
            stereo = array("h", bytes(4 * len(samples)))
            stereo[0::2] = samples
            stereo[1::2] = samples
            samples = stereo
        channels = to_channels
    if rate == to_rate:
        return samples
    n = len(samples) // channels
    if to_rate % rate == 0:
        k = to_rate // rate
        out = array("h", bytes(2 * len(samples) * k))
        for c in range(channels):
            column = samples[c::channels]
            for j in range(k):
                out[j * channels + c :: k * channels] = column
        return out
    m = max(1, round(n * to_rate / rate))
    out = array("h", bytes(2 * m * channels))
    step = rate / to_rate
    for i in range(m):
        pos = i * step
        j = int(pos)
        frac = pos - j
        j2 = min(j + 1, n - 1)
        for c in range(channels):
            s0, s1 = samples[j * channels + c], samples[j2 * channels + c]
            out[i * channels + c] = int(s0 + (s1 - s0) * frac)
    return out


class Mixer:
    """What the stream plays next: the sounds waiting for their moment and those playing.

    `next_chunk(written)` returns the samples of the period that starts at frame `written`,
    after placing each waiting sound whose frame (by the timeline) falls before its end; a
    sound whose moment has passed starts at `written`, whole: late beats clipped. A cue
    silences speech still being spoken from its own frame on (pips win). No clock, no lock:
    the caller holds one.
    """

    def __init__(self, timeline: Timeline, channels: int, period: int) -> None:
        self.timeline, self.channels, self.period = timeline, channels, period
        self.waiting: list[tuple[float, str, array, bool]] = []  # (due, name, samples, speech)
        self.playing: list[Placed] = []
        self.placed: list[tuple[Placed, float]] = []  # what the last chunk placed, and due

    def next_chunk(self, written: int) -> array:
        end = written + self.period
        self.placed = []
        if self.waiting and self.timeline.ready:
            keep = []
            for due, name, samples, speech in sorted(self.waiting, key=lambda w: w[0]):
                frame = self.timeline.frame_for(due)
                if frame >= end:
                    keep.append((due, name, samples, speech))
                    continue
                start = max(frame, written)
                if not speech:  # speech being spoken ends where the cue begins
                    for p in self.playing:
                        if p.speech:
                            p.samples = p.samples[: max(0, start - p.start) * self.channels]
                placed = Placed(name, samples, start, speech)
                self.playing.append(placed)
                self.placed.append((placed, due))
            self.waiting = keep
        chunk = mix(written, self.period, self.channels, self.playing)
        self.playing = [p for p in self.playing if p.start + p.length(self.channels) > end]
        return chunk


# --- ALSA through ctypes ------------------------------------------------------------------------

SND_PCM_STREAM_PLAYBACK = 0
SND_PCM_FORMAT_S16_LE = 2
SND_PCM_ACCESS_RW_INTERLEAVED = 3


class AlsaError(Exception):
    pass


class Pcm:
    """The few calls of libasound the stream needs, on ALSA's default device."""

    _lib = None

    @classmethod
    def lib(cls):
        if cls._lib is None:
            name = ctypes.util.find_library("asound") or "libasound.so.2"
            lib = ctypes.CDLL(name)
            lib.snd_pcm_open.argtypes = [
                ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_int, ctypes.c_int
            ]  # fmt: skip
            lib.snd_pcm_set_params.argtypes = [
                ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                ctypes.c_int, ctypes.c_uint,
            ]  # fmt: skip
            lib.snd_pcm_get_params.argtypes = [
                ctypes.c_void_p, ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong)
            ]  # fmt: skip
            lib.snd_pcm_writei.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong]
            lib.snd_pcm_writei.restype = ctypes.c_long
            lib.snd_pcm_delay.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_long)]
            lib.snd_pcm_recover.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
            lib.snd_pcm_drain.argtypes = [ctypes.c_void_p]
            lib.snd_pcm_close.argtypes = [ctypes.c_void_p]
            lib.snd_strerror.argtypes = [ctypes.c_int]
            lib.snd_strerror.restype = ctypes.c_char_p
            cls._lib = lib
        return cls._lib

    def __init__(self, channels: int, rate: int, latency_us: int = LATENCY_US) -> None:
        lib = self.lib()
        self.handle = ctypes.c_void_p()
        opened = lib.snd_pcm_open(ctypes.byref(self.handle), b"default", SND_PCM_STREAM_PLAYBACK, 0)
        self._check(opened, "open the default device")
        try:
            self._check(lib.snd_pcm_set_params(self.handle, SND_PCM_FORMAT_S16_LE,
                                               SND_PCM_ACCESS_RW_INTERLEAVED, channels, rate,
                                               1, latency_us), "set its parameters")  # fmt: skip
            buffer, period = ctypes.c_ulong(), ctypes.c_ulong()
            got = lib.snd_pcm_get_params(self.handle, ctypes.byref(buffer), ctypes.byref(period))
            self._check(got, "read its parameters")
        except AlsaError:
            lib.snd_pcm_close(self.handle)
            raise
        self.buffer_frames, self.period_frames = int(buffer.value), int(period.value)
        self.channels = channels

    def _check(self, code: int, what: str) -> int:
        if code < 0:
            raise AlsaError(f"cannot {what}: {self.lib().snd_strerror(code).decode()}")
        return code

    def write(self, samples: array) -> None:
        """Write every frame (blocking while the buffer is full); recover from an underrun."""
        lib = self.lib()
        address, count = samples.buffer_info()
        frames = count // self.channels
        done = 0
        while done < frames:
            n = lib.snd_pcm_writei(self.handle, address + 2 * done * self.channels, frames - done)
            if n < 0:
                self._check(lib.snd_pcm_recover(self.handle, int(n), 1), "recover")
                raise Underrun(n)
            done += n

    def delay(self) -> int | None:
        value = ctypes.c_long()
        if self.lib().snd_pcm_delay(self.handle, ctypes.byref(value)) < 0:
            return None
        return int(value.value)

    def close(self, drain: bool) -> None:
        lib = self.lib()
        if drain:
            lib.snd_pcm_drain(self.handle)
        lib.snd_pcm_close(self.handle)


class Underrun(Exception):
    """The device ran dry (the writer was late) and was restarted: the timeline starts over."""


# --- the writer thread --------------------------------------------------------------------------


class SessionStream:
    """A stream kept open while cues come; see the module docstring.

    `add()`, `cancel()` and `close()` are called from the helper's main thread; the writer
    thread does the rest. When it fails it sets `failed` (why) and stops; `take_back()` then
    hands over what it had not started, for the per-cue path.
    """

    def __init__(
        self,
        channels: int,
        rate: int,
        log: Callable[[str], None],
        *,
        trace: bool = False,
        idle_close_s: float = IDLE_CLOSE_S,
        pcm_factory: Callable[[int, int], Pcm] = Pcm,
    ) -> None:
        self.channels, self.rate = channels, rate
        self.timeline = Timeline(rate)
        self.failed: str | None = None
        self._log, self._trace = log, trace
        self._idle_close_s = idle_close_s
        self.played = False  # anything placed yet; until then it is the start-up check
        # A session is running (the app said "hold"): the stream stays open through its
        # quiet stretches, however long (a 20-minute warm-up's halves), so the sink never
        # suspends and wakes late for a cue; idle time counts from when the hold ends.
        self.hold = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._drain = False
        began = time.monotonic()
        self._pcm = pcm_factory(channels, rate)  # raises AlsaError: the caller falls back
        self._open_ms = 1000 * (time.monotonic() - began)  # told with the first cue it plays
        self.period = max(1, self._pcm.period_frames)
        self._mixer = Mixer(self.timeline, channels, self.period)
        self._thread = threading.Thread(target=self._run, name="speedtimer-stream", daemon=True)
        self._thread.start()

    # --- from the main thread ---

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and self.failed is None

    def add(self, name: str, samples: array, due: float, speech: bool) -> None:
        with self._lock:
            self._mixer.waiting.append((due, name, samples, speech))

    def cancel(self) -> list[str]:
        """Drop what has not started and silence speech being spoken; the names dropped."""
        with self._lock:
            mixer = self._mixer
            dropped = [name for _, name, _, _ in mixer.waiting]
            mixer.waiting.clear()
            mixer.playing = [p for p in mixer.playing if not p.speech]
            return dropped

    def take_back(self) -> list[tuple[float, str]]:
        with self._lock:
            back = [(due, name) for due, name, _, _ in self._mixer.waiting]
            self._mixer.waiting.clear()
            return back

    def close(self, drain: bool = False, timeout: float = 15.0) -> None:
        """Stop the writer; with `drain`, after what is due has been played."""
        self._drain = drain
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    # --- the writer ---

    def _run(self) -> None:
        pcm = self._pcm
        written = 0
        opened = time.monotonic()
        last_busy = opened
        origin = (opened, 0)  # since when the device's pace is checked (frames written then)
        why = "done"
        try:
            while True:
                with self._lock:
                    busy = bool(self._mixer.waiting or self._mixer.playing)
                    if self._stop.is_set() and (not self._drain or not busy):
                        break
                    speaking = any(p.speech for p in self._mixer.playing)
                    chunk = self._mixer.next_chunk(written)
                    placed = self._mixer.placed
                self._report(placed, speaking)
                now = time.monotonic()
                if busy or self.hold:
                    last_busy = now
                elif now - last_busy > (self._idle_close_s if self.played else CHECK_S):
                    why = f"nothing to play for {now - last_busy:.1f} s"
                    break
                began = time.monotonic()
                try:
                    pcm.write(chunk)
                except Underrun:  # the device lost time: learn anew where the frames fall
                    self._log("stream ran dry (underrun): placing cues afresh")
                    self.timeline.reset()
                    origin = (time.monotonic(), written)
                    continue
                written += self.period
                delay = pcm.delay()
                now = time.monotonic()
                # Only a write that waited for room tells where the device is: one that went
                # straight in was filling a buffer (the start, a pipe), not following playback.
                if delay is not None and now - began >= BLOCKED * self.period / self.rate:
                    self.timeline.observe(now, written, delay)
                taken, elapsed = written - origin[1], now - origin[0]
                if taken > self.rate * (elapsed + MAX_AHEAD_S):
                    raise AlsaError(
                        f"the device took {taken / self.rate:.1f} s of audio in "
                        f"{elapsed:.2f} s: it does not play in real time"
                    )
                if not self.timeline.ready and elapsed > 1.0:
                    raise AlsaError("the device does not say how much it has queued")
        except Exception as exc:  # noqa: BLE001 - any failure: the per-cue path takes over
            self.failed = str(exc) or type(exc).__name__
            why = f"failed: {self.failed}"
        finally:
            with contextlib.suppress(Exception):
                pcm.close(drain=self.failed is None and self._drain)
            self._log(f"session stream closed ({why})")

    def _report(self, placed: list[tuple[Placed, float]], speaking: bool) -> None:
        for sound, due in placed:
            self.played = True
            if speaking and not sound.speech:
                self._log(f"speech stopped: the {sound.name!r} cue is due")
                speaking = False
            if self._trace:
                late = 1000 * (self.timeline.heard_at(sound.start) - due)
                opening, self._open_ms = self._open_ms, 0.0
                self._log(
                    f"played {sound.name} {late:+.2f} ms from due (open {opening:.2f} ms, "
                    "session stream)"
                )
