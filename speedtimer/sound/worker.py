"""The audio helper process: `python -m speedtimer.sound.worker '<json>'`. Started by audio.py.

It is the only code that imports simpleaudio. Running it in its own process keeps the app safe
from everything simpleaudio and libasound can do: print to the terminal (its stderr goes to the
log file), fail to find a device, or crash the interpreter (simpleaudio 1.0.4 frees memory from
its playback thread without holding the GIL, which kills Python 3.12+ after every sound; the
parent sets PYTHONMALLOC=malloc for this process, which makes that free harmless, and restarts
the helper if it dies anyway).

Protocol
  argv[1]  JSON: {"files": {cue: wav path}, "speech": {name: wav path}, "max_delay": seconds,
           "hold": whether a session is running (a helper started again mid-session)}
  stdout   one line at start: "ready", or "error <message>" followed by exit
  stdin    one line per cue: "<cue> <time.monotonic() when sent> [<due>]", where <due> is the
           time.monotonic() at which the sound should be heard (CLOCK_MONOTONIC is one clock for
           every process of the machine); "speech <name> <wav path>" loads a spoken phrase,
           played like a cue by its name; "cancel" drops every sound not yet started and
           silences speech being spoken; "hold 1" (a session started) opens the session
           stream and keeps it open through any quiet, "hold 0" (it ended) lets it close
           after IDLE_CLOSE_S; EOF asks the helper to play what is still due, let
           the sounds in flight finish (at most DRAIN_S, or the longest sound) and exit
  stderr   diagnostics, for the log file (with SPEEDTIMER_AUDIO_TRACE=1, one line per cue)

Every WAV is loaded before "ready", so playing a cue costs no file I/O. A cue without <due>
plays at once.

Session stream (the default since issue 19; SPEEDTIMER_AUDIO_STREAM=per-cue turns it off):
the cues go into one stream held open while they come (speedtimer/sound/stream.py), each
mixed in at the sample its due time falls on, so neither the device opening nor a sound
server's start of a new stream is in the cue's time. The stream opens when a session starts
("hold 1") or with the first cue, stays open while the session runs however long its quiet
(a suspended sink wakes late), and closes IDLE_CLOSE_S after it ended with nothing to play;
right after "ready" a short one checks that a stream plays here in real time. When it cannot
open, fails, or the device has no clock (the null device takes any amount of audio at once),
the helper says why in the log and plays every cue from then on as below, one stream each,
including those the stream had not started.

Per-cue streams: a cue with <due> arrives a little early (the app sends it ahead) and is started
at <due> minus the time simpleaudio takes to open the device (its play() opens the PCM
synchronously, then a thread writes the samples), a figure the helper measures with PROBES
silent openings before "ready" (the first, cold one left out) and keeps measuring; it
sleeps to a millisecond before and spins the rest, so the first samples reach the device
within a fraction of a millisecond of <due> instead of after the app's wake-up, the pipe and
the device opening. A cue that reaches the helper more than max_delay seconds after it was
sent or due (the helper was restarting, or the machine stalled) is dropped: late sounds
mislead.

A busy machine must not make a cue late: the helper asks to run real-time (SCHED_FIFO, low
priority) and falls back silently to a lower niceness, then to nothing (raise_priority).

Pips win: speech is placed by the app in the quiet between cues, but a cue that comes when it
could not be foreseen (a lap, a skip) silences any phrase still being spoken.
"""

from __future__ import annotations

import heapq
import json
import os
import select
import signal
import sys
import time
from array import array

from speedtimer.sound.audio import SERVER_LATENCY_OURS
from speedtimer.sound.stream import SessionStream, convert

DRAIN_S = 3.0
PROBE_FRAMES = 441  # 10 ms of silence at 44.1 kHz: proves the device opens without a sound
PROBES = 3  # silent probes at start-up: the first opens the device cold, the others time it
RT_PRIORITY = 10  # SCHED_FIFO priority asked for (1-99; audio servers use 20 or more)
NICE = -10  # else this niceness
SPIN_S = 0.0015  # the last stretch before a start is spun, not slept: sleep wakes up late
OPEN_EMA = 0.3  # weight of the newest play() duration in the opening-time estimate
MAX_OPEN_S = 0.05  # never start earlier than this: a slow open once must not skew every cue
# "session": one stream held open while cues come, each cue mixed in at its sample
# (speedtimer/sound/stream.py); "per-cue": a stream opened for every cue, as before issue 19,
# and what the helper falls back to when the session stream cannot work here.
STREAM_MODES = ("session", "per-cue")
DEFAULT_STREAM = "session"
POLL_S = 0.05  # while a session stream runs, the main loop looks at it this often
# What the session stream asks of a sound server instead of the per-cue streams' small block
# (audio.SERVER_LATENCY, unless the user set it): it places cues by sample, so the block does
# not matter, and PipeWire's usual 1024 samples took the server 0.25 s of CPU over a 33 s
# session where 256 took 0.56-0.69 s, cues as exact (benchmarks/RESULTS.md, issue 19).
SESSION_LATENCY = {"PIPEWIRE_LATENCY": "1024/48000"}


class OpenTime:
    """How long play() takes to open the device: a running average of what it took.

    It starts from the warm probes at start-up (the first, cold opening is slower than any
    later one: starting from it made the first cues early by up to 10 ms through PulseAudio,
    the error fading over half a dozen cues), then follows every cue played.
    """

    def __init__(self, first: float) -> None:
        self.value = min(max(0.0, first), MAX_OPEN_S)

    @classmethod
    def from_probes(cls, took: list[float]) -> OpenTime:
        """The median of the probes after the first (the first alone if there is no other)."""
        warm = sorted(took[1:]) or took[:1] or [0.0]
        return cls(warm[len(warm) // 2])

    def add(self, took: float) -> None:
        took = min(max(0.0, took), MAX_OPEN_S)
        self.value += OPEN_EMA * (took - self.value)


def _say(line: str) -> None:
    try:
        sys.stdout.write(line.replace("\n", " ") + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass  # the app is gone; nothing to tell


def _log(message: str) -> None:
    try:
        sys.stderr.write(f"speedtimer audio[{os.getpid()}]: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the app decides when we stop
    try:
        config = json.loads(argv[0])
        files: dict[str, str] = dict(config["files"])
        speech_files: dict[str, str] = dict(config.get("speech", {}))
        max_delay = float(config.get("max_delay", 1.5))
        held = config.get("hold") is True  # a session runs: keep the stream open
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        _say(f"error bad arguments for the audio helper ({exc})")
        return 2
    trace = bool(os.environ.get("SPEEDTIMER_AUDIO_TRACE"))
    _log(f"starting (Python {sys.version.split()[0]}, {len(files)} cues)")

    try:
        import simpleaudio
    except ImportError as exc:
        _say(f"error the simpleaudio package is not installed ({exc})")
        return 2

    waves = {}
    speech: set[str] = set()
    samples: dict[str, array] = {}  # each sound in the session stream's format
    mode = os.environ.get("SPEEDTIMER_AUDIO_STREAM", DEFAULT_STREAM)
    if mode not in STREAM_MODES:
        _log(f"SPEEDTIMER_AUDIO_STREAM={mode!r} is not one of {', '.join(STREAM_MODES)}")
        mode = DEFAULT_STREAM
    fmt: tuple[int, int] | None = None  # the session stream's (channels, rate)

    def load(name: str, path: str) -> bool:
        try:
            wave_object = simpleaudio.WaveObject.from_wave_file(path)
            if fmt is not None:
                samples[name] = convert(
                    wave_object.audio_data,
                    wave_object.num_channels,
                    wave_object.sample_rate,
                    *fmt,
                )
            waves[name] = wave_object
            return True
        except Exception as exc:  # a bad file must not cost the other cues
            _log(f"cannot load the {name!r} sound {path}: {exc}")
            return False

    for cue, path in files.items():
        load(cue, path)
    if not waves:
        _say("error none of the cue sounds could be loaded")
        return 2
    if mode == "session":  # the stream plays at the cues' format (the pip's)
        model = waves.get("pip") or next(iter(waves.values()))
        fmt = (model.num_channels, model.sample_rate)
        for cue, path in files.items():
            if cue in waves:
                load(cue, path)

    _log(f"priority: {raise_priority()}")
    try:
        opening = OpenTime.from_probes(probe_openings(simpleaudio, waves))
    except Exception as exc:
        _say(f"error no usable audio output ({exc})")
        return 3
    _log(f"device opening estimate {1000 * opening.value:.2f} ms")
    for name, path in speech_files.items():
        if load(name, path):
            speech.add(name)
    _say("ready")
    _log("ready")
    _log(f"cue streams: {mode}")
    session: SessionStream | None = None

    def open_stream() -> SessionStream | None:
        """The session stream, opened if need be; None when cues go one stream each."""
        nonlocal session, mode
        if mode != "session" or fmt is None:
            return None
        if session is not None and session.alive:
            return session
        if session is not None:
            check_stream()
            if mode != "session":
                return None
        ours = [n for n in os.environ.get(SERVER_LATENCY_OURS, "").split(",") if n]
        saved = {n: os.environ[n] for n in ours if n in os.environ and n in SESSION_LATENCY}
        try:
            os.environ.update({n: SESSION_LATENCY[n] for n in saved})  # read at opening
            session = SessionStream(*fmt, _log, trace=trace)
            session.hold = held
            asked = "".join(f", {n}={os.environ[n]}" for n in saved)
            _log(
                f"session stream opened ({fmt[1]} Hz, {fmt[0]} ch, "
                f"{session.period} frames a period{asked})"
            )
        except Exception as exc:
            _log(f"no session stream ({exc}): one stream per cue from now on")
            mode, session = "per-cue", None
        finally:
            os.environ.update(saved)  # the per-cue streams keep the small block
        return session

    def check_stream() -> None:
        """A session stream that stopped: closed when idle, or failed (fall back for good,
        and play what it had not started one stream each)."""
        nonlocal session, mode, order
        if session is None or session.alive:
            return
        if session.failed:
            _log(f"session stream failed ({session.failed}): one stream per cue from now on")
            mode = "per-cue"
            for due, cue in session.take_back():
                heapq.heappush(pending, (due - opening.value, order, cue, due))
                order += 1
        session = None

    def hush(why: str) -> None:
        """Stop the phrases being spoken: a cue, or the runner, has the word now."""
        for p in speaking:
            if p.is_playing():
                p.stop()
                _log(f"speech stopped: {why}")
        speaking.clear()

    def play(cue: str, due: float | None, sent: float | None) -> bool:
        if cue not in speech:
            hush(f"the {cue!r} cue is due")
        t0 = time.monotonic()
        try:
            playing.append(waves[cue].play())
            if cue in speech:
                speaking.append(playing[-1])
        except Exception as exc:
            _say(f"error playing the {cue!r} sound failed ({exc})")
            return False
        took = time.monotonic() - t0
        opening.add(took)
        if trace:
            ref = due if due is not None else sent
            late = "" if ref is None else f" {1000 * (t0 + took - ref):+.2f} ms from due"
            _log(f"played {cue}{late} (open {1000 * took:.2f} ms)")
        return True

    playing: list = []
    speaking: list = []
    pending: list[tuple[float, int, str, float]] = []  # (start at, order, cue, due)
    order = 0
    fd = sys.stdin.fileno()
    buffer = b""
    eof = False
    open_stream()  # the start-up check: does a stream play here in real time?
    while not eof or pending:
        check_stream()
        if pending:
            wait = pending[0][0] - time.monotonic()
            if wait <= SPIN_S:
                start_at, _, cue, due = heapq.heappop(pending)
                while time.monotonic() < start_at:
                    pass  # at most SPIN_S of spinning, only just before a cue
                if time.monotonic() - due > max_delay:
                    _log(f"dropped {cue!r}: {time.monotonic() - due:.2f} s late")
                elif not play(cue, due, None):
                    return 3
                playing = [p for p in playing if p.is_playing()]
                continue
            timeout: float | None = wait - SPIN_S
        else:
            timeout = None
        if session is not None:
            timeout = POLL_S if timeout is None else min(timeout, POLL_S)
        if eof:
            time.sleep(max(0.0, timeout or 0.0))
            continue
        try:
            ready, _, _ = select.select([fd], [], [], timeout)
        except InterruptedError:
            continue
        except (OSError, ValueError):
            break
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except InterruptedError:
            continue
        except OSError:
            break
        if not chunk:
            eof = True
            continue
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            parts = raw.decode("utf-8", "replace").split(maxsplit=2)
            if not parts:
                continue
            if parts[0] == "cancel":
                if pending:
                    _log(f"cancelled {', '.join(c for _, _, c, _ in sorted(pending))}")
                pending.clear()
                if session is not None:
                    dropped = session.cancel()
                    if dropped:
                        _log(f"cancelled {', '.join(dropped)}")
                hush("cancelled")
                continue
            if parts[0] == "hold" and len(parts) == 2:
                held = parts[1] == "1"
                stream = open_stream() if held else session
                if stream is not None:
                    stream.hold = held
                _log("session running: stream held open" if held else "session over")
                continue
            if parts[0] == "speech" and len(parts) == 3:
                if load(parts[1], parts[2].strip()):
                    speech.add(parts[1])
                continue
            cue = parts[0]
            sent = _float(parts[1]) if len(parts) > 1 else None
            due = _float(parts[2]) if len(parts) > 2 else None
            if cue not in waves:
                _log(f"unknown cue {cue!r}")
                continue
            now = time.monotonic()
            late = None if sent is None else now - sent
            if due is not None:
                late = now - due
            if late is not None and late > max_delay:
                _log(f"dropped {cue!r}: {late:.2f} s late")
                continue
            stream = open_stream() if cue in samples else None
            if stream is not None:
                stream.add(cue, samples[cue], now if due is None else due, cue in speech)
                continue
            if due is not None and due - opening.value > now + SPIN_S:
                heapq.heappush(pending, (due - opening.value, order, cue, due))
                order += 1
                continue
            if not play(cue, due, sent):
                return 3
            playing = [p for p in playing if p.is_playing()]

    longest = max(map(_seconds, waves.values()))
    if session is not None:
        session.close(drain=True, timeout=max(DRAIN_S, longest + 0.5))
    deadline = time.monotonic() + max(DRAIN_S, longest + 0.5)
    while any(p.is_playing() for p in playing) and time.monotonic() < deadline:
        time.sleep(0.02)
    _log("stopping")
    return 0


def raise_priority() -> str:
    """Ask to be scheduled before ordinary processes, so a busy machine cannot make a cue late.

    Real-time SCHED_FIFO at a low priority where the system allows it (root, an rtprio limit,
    CAP_SYS_NICE); else a lower niceness; else nothing, silently. The
    threads simpleaudio starts to write the samples inherit it. The helper spins at most SPIN_S
    before a cue and otherwise sleeps, so it never holds a core.
    """
    if os.environ.get("SPEEDTIMER_AUDIO_PRIORITY") == "normal":  # benchmarks: the before
        return "normal (SPEEDTIMER_AUDIO_PRIORITY=normal)"
    try:
        # Not SCHED_RESET_ON_FORK: it applies to threads too, and the writer thread needs it.
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(RT_PRIORITY))
        return f"real-time (SCHED_FIFO {RT_PRIORITY})"
    except (AttributeError, OSError, ValueError):
        pass
    try:
        if os.getpriority(os.PRIO_PROCESS, 0) > NICE:
            os.setpriority(os.PRIO_PROCESS, 0, NICE)
        return f"nice {os.getpriority(os.PRIO_PROCESS, 0)}"
    except (AttributeError, OSError):
        return "normal (no higher priority allowed)"


def probe_openings(simpleaudio, waves: dict) -> list[float]:
    """Open the device PROBES times with a few ms of silence, through the cues' own path
    (WaveObject.play, in the format of a cue), and return how long each play() took."""
    model = waves.get("pip") or next(iter(waves.values()))
    frame = model.num_channels * model.bytes_per_sample
    silence = simpleaudio.WaveObject(
        bytes(frame * PROBE_FRAMES),
        model.num_channels,
        model.bytes_per_sample,
        model.sample_rate,
    )
    took = []
    for _ in range(PROBES):
        t0 = time.monotonic()
        probe = silence.play()
        took.append(time.monotonic() - t0)
        probe.wait_done()
    return took


def _seconds(wave_object) -> float:
    frame = wave_object.num_channels * wave_object.bytes_per_sample
    return len(wave_object.audio_data) / max(1, frame * wave_object.sample_rate)


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


if __name__ == "__main__":
    sys.exit(main())
