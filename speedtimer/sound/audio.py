"""Cue sounds, from the app's side: a tiny interface that never imports simpleaudio.

The sounds are played by a helper process (speedtimer/audio_worker.py) that has every WAV
loaded before the first cue. `play()` writes one line to the helper's stdin pipe and returns:
it never waits for the helper, never raises, and is safe to call from Textual's event loop.
Everything the helper or libasound prints goes to the log file, never to the terminal.

When sound cannot work (simpleaudio missing, no audio device, the helper keeps dying) the
object says so once through `on_problem`, turns `available` off, explains why in `problem`,
and from then on `play()` returns False so the app can ring the terminal bell instead.
`on_problem` is always called from a background thread (in Textual: `app.call_from_thread`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

from speedtimer.core.cues import CUE_NAMES

BELL = "using the terminal bell"
SUPPORTED_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000)
MAX_CUE_S = 10.0
STARTUP_TIMEOUT_S = 10.0  # the helper must report "ready" or "error" within this
MAX_DELAY_S = 1.5  # the helper drops cues that reach it later than this
RESTARTS_PER_MINUTE = 5
# What the cue streams ask of a sound server (the user's own environment wins). PipeWire runs
# its whole graph in blocks of the smallest latency any stream asks for, 1024 samples (21 ms
# at 48 kHz) when none asks, and a cue starts on a block: every start was off by whole blocks.
# 256 samples (5.3 ms) keeps that within the targets; it holds only while a cue plays (the
# graph idles between cues), at the cost of about four times the server's wake-ups meanwhile.
# Not PULSE_LATENCY_MSEC: through ALSA's pulse plugin it left simpleaudio's stream open after
# every cue (it never drained), so streams piled up and the sink never slept.
SERVER_LATENCY = {"PIPEWIRE_LATENCY": "256/48000"}
SERVER_LATENCY_OURS = "SPEEDTIMER_SERVER_LATENCY_SET"  # tells the helper which are the app's


@runtime_checkable
class Audio(Protocol):
    available: bool
    problem: str | None

    def play(self, cue: str, *, at: float | None = None) -> bool: ...

    def load(self, name: str, path: Path) -> bool: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


class NullAudio:
    """No sound: every play() returns False and the app falls back to the terminal bell."""

    def __init__(self, problem: str | None = None) -> None:
        self.available = False
        self.problem = problem

    def play(self, cue: str, *, at: float | None = None) -> bool:
        return False

    def load(self, name: str, path: Path) -> bool:
        return False

    def cancel(self) -> None:
        pass

    def hold(self, on: bool) -> None:
        pass

    def wait_ready(self, timeout: float = 0.0) -> bool:
        return False

    def close(self) -> None:
        pass


# --- choosing the files -------------------------------------------------------------------------


def check_wav(path: Path) -> str | None:
    """Why `path` cannot be a cue sound, or None when it is a usable 16-bit PCM WAV.

    Only reads the file with the stdlib `wave` module; nothing is ever executed.
    """
    try:
        if not path.exists():
            return "file not found"
        if not path.is_file():
            return "not a regular file"
        size = path.stat().st_size
        if size > 50_000_000:
            return f"too large ({size / 1e6:.0f} MB)"
        with wave.open(str(path), "rb") as w:
            channels, width, rate, frames = (
                w.getnchannels(),
                w.getsampwidth(),
                w.getframerate(),
                w.getnframes(),
            )
            if width != 2:
                return f"{8 * width}-bit samples; cue sounds must be 16-bit PCM"
            if channels not in (1, 2):
                return f"{channels} channels; cue sounds must be mono or stereo"
            if rate not in SUPPORTED_RATES:
                return f"sample rate {rate} Hz is not supported (use 44100 or 48000)"
            if frames == 0:
                return "contains no audio"
            if frames / rate > MAX_CUE_S:
                return f"too long ({frames / rate:.1f} s; a cue may last at most {MAX_CUE_S:g} s)"
            data = w.readframes(frames)
            if len(data) < frames * channels * width:
                return "truncated (the audio data is shorter than its header says)"
    except PermissionError:
        return "cannot be read (permission denied)"
    except (wave.Error, EOFError, RuntimeError, ValueError, OverflowError) as exc:
        # RuntimeError: the stdlib chunk reader's answer to a chunk size that points back
        # before the chunk (a damaged header); the others are its other ways of saying so
        return f"not a 16-bit PCM WAV file ({exc or 'damaged or truncated header'})"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None


def wav_seconds(path: Path) -> float | None:
    """How long a WAV file plays, from its header; None when it cannot be read."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / w.getframerate()
    except (OSError, EOFError, ZeroDivisionError, wave.Error):
        return None


def cue_lengths(files: Mapping[str, Path]) -> dict[str, float]:
    """Each cue's length in seconds: the voice keeps its phrases clear of them."""
    lengths = {cue: wav_seconds(path) for cue, path in files.items()}
    return {cue: s for cue, s in lengths.items() if s is not None}


def resolve_cue_files(
    sounds_dir: Path, overrides: Mapping[str, str | Path]
) -> tuple[dict[str, Path], list[str]]:
    """The WAV to play for each cue: bundled ones, replaced by valid user overrides.

    Returns (files by cue name, messages for the user). A rejected override keeps the bundled
    sound; its message names the cue, the file and what is wrong with it.
    """
    files: dict[str, Path] = {}
    messages: list[str] = []
    for cue in CUE_NAMES:
        path = Path(sounds_dir) / f"{cue}.wav"
        if path.is_file():
            files[cue] = path.resolve()
        else:
            messages.append(f"The bundled sound for the {cue!r} cue is missing: {path}")
    for cue, raw in overrides.items():
        try:
            path = Path(raw).expanduser()
        except RuntimeError:  # "~nobody/x.wav": no home folder known for that user
            path = Path(raw)
        if cue not in CUE_NAMES:
            messages.append(
                f"Sound override {path} ignored: there is no {cue!r} cue "
                f"(cues: {', '.join(CUE_NAMES)})"
            )
            continue
        problem = check_wav(path)
        if problem is not None:
            keep = "keeping the bundled sound" if cue in files else "the cue stays silent"
            messages.append(
                f"Sound override for the {cue!r} cue ignored: {path}: {problem}; {keep}"
            )
            continue
        files[cue] = path.resolve()
    return files, messages


# --- the helper process -------------------------------------------------------------------------


class _Worker:
    """One helper process and what its stdout has told us."""

    def __init__(self, proc: subprocess.Popen, started: float) -> None:
        self.proc = proc
        self.started = started
        self.ready = threading.Event()
        self.gone = threading.Event()
        self.error: str | None = None
        self.fd = proc.stdin.fileno() if proc.stdin else -1


class ProcessAudio:
    """Plays cues through `python -m speedtimer.sound.worker`. See the module docstring."""

    def __init__(
        self,
        files: Mapping[str, Path],
        log_path: Path,
        on_problem: Callable[[str], None] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        max_delay: float = MAX_DELAY_S,
    ) -> None:
        self.available = True
        self.problem: str | None = None
        self.restarts = 0
        self._files = {cue: str(path) for cue, path in files.items()}
        self._speech: dict[str, str] = {}  # spoken phrases, loaded while the app runs
        self._held = False  # a session runs (hold): a new helper is told at its start
        self._log_path = Path(log_path)
        self._on_problem = on_problem
        self._env = dict(os.environ if env is None else env)
        self._max_delay = max_delay
        self._lock = threading.RLock()
        self._closed = False
        self._restart_times: list[float] = []
        self._worker: _Worker | None = None
        if not self._files:
            self._give_up("no cue sounds were found")
            return
        with self._lock:
            self._worker = self._spawn()

    # --- the interface ---

    def play(self, cue: str, *, at: float | None = None) -> bool:
        """Send `cue` to the helper, to be heard at `at` (time.monotonic), or at once.

        `at` is absolute, on CLOCK_MONOTONIC, which the helper shares: it goes down the pipe
        as it is. A delay relative to a `now` read earlier would carry every stall between
        that read and this call (a redraw, garbage collection, the GIL) into the cue.
        Never blocks on the helper, never raises. The helper starts the sound itself, early
        by the time the device takes to open, so it is heard on time.
        """
        try:
            if not self.available or self._closed:
                return False
            if cue not in self._files and cue not in self._speech:
                return False
            if at is not None and not math.isfinite(at):
                return False
            sent = time.monotonic()
            due = "" if at is None else f" {at:.6f}"
            line = f"{cue} {sent:.6f}{due}\n".encode()
            return self._send(line)
        except Exception:
            return False

    def load(self, name: str, path: Path) -> bool:
        """Have the helper load a spoken phrase (a WAV file), to be played by `name`.

        The helper reads the file as soon as the line arrives, long before the phrase is due;
        a helper started again later loads it with the cues. Speech gives way to cues: a cue
        silences a phrase still being spoken, and so does cancel().
        """
        try:
            if not self.available or self._closed or "\n" in f"{name}{path}":
                return False
            if self._speech.get(name) == str(path):
                return True
            self._speech[name] = str(path)
            return self._send(f"speech {name} {path}\n".encode())
        except Exception:
            return False

    def cancel(self) -> None:
        """Drop the sounds sent ahead that have not started (the runner paused, skipped...)
        and silence speech being spoken."""
        with contextlib.suppress(Exception):
            if self.available and not self._closed:
                self._send(b"cancel\n")

    def hold(self, on: bool) -> None:
        """A session runs (True) or has ended (False): while one runs the helper keeps its
        stream open through quiet stretches of any length, so a sound server never suspends
        the sink between two cues and wakes it late for the second. A helper started again
        mid-session starts held."""
        with contextlib.suppress(Exception):
            self._held = bool(on)
            if self.available and not self._closed:
                self._send(b"hold 1\n" if on else b"hold 0\n")

    def _send(self, line: bytes) -> bool:
        try:
            with self._lock:
                worker = self._worker
                if worker is None or self._closed:
                    return False
                if worker.proc.poll() is not None:
                    worker = self._replace(worker)
                    if worker is None:
                        return False
                try:
                    os.write(worker.fd, line)
                    return True
                except BlockingIOError:
                    return False  # the helper is stuck and its pipe is full: skip this cue
                except OSError:  # BrokenPipeError: it died since poll()
                    worker = self._replace(worker)
                    if worker is None:
                        return False
                    os.write(worker.fd, line)
                    return True
        except Exception:
            return False

    def close(self, timeout: float = 0.5) -> None:
        """Let the sounds in flight finish; wait up to `timeout` s for the helper to exit.

        A helper still playing after that finishes its last sound and exits on its own.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            worker = self._worker
        if worker is None:
            return
        try:
            if worker.proc.stdin:
                worker.proc.stdin.close()  # EOF: the helper drains and exits
        except OSError:
            pass
        if timeout > 0:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.proc.wait(timeout)

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """Block up to `timeout` s until the helper can play (True) or sound gave up (False).

        Not for the event loop: for tests and for a startup check in a worker thread.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                worker = self._worker
                if not self.available or worker is None:
                    return False
            if worker.ready.wait(min(0.05, max(0.0, deadline - time.monotonic()))):
                with self._lock:
                    if worker is self._worker and self.available:
                        return True
        return False

    @property
    def pid(self) -> int | None:
        worker = self._worker
        return worker.proc.pid if worker else None

    def __enter__(self) -> ProcessAudio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ---

    def _command(self) -> list[str]:
        config = json.dumps(
            {
                "files": self._files,
                "speech": self._speech,
                "max_delay": self._max_delay,
                "hold": self._held,
            }
        )
        # -P: the current folder must not shadow anything; PYTHONPATH (see _child_env) finds us.
        return [sys.executable, "-P", "-m", "speedtimer.sound.worker", config]

    def _child_env(self) -> dict[str, str]:
        env = dict(self._env)
        # simpleaudio frees memory from its playback thread without the GIL; with Python's own
        # allocator that crashes 3.12+ after every sound, with plain malloc it is harmless.
        env["PYTHONMALLOC"] = "malloc"
        ours = [name for name in SERVER_LATENCY if name not in env]
        for name in ours:
            env[name] = SERVER_LATENCY[name]
        # which of them are the app's and not the user's: the helper's session stream asks
        # for the server's usual block instead (it places cues by sample, not by block)
        env[SERVER_LATENCY_OURS] = ",".join(ours)
        env.pop("PYTHONINSPECT", None)
        root = str(Path(__file__).resolve().parents[2])  # find speedtimer even uninstalled
        parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env["PYTHONPATH"] = os.pathsep.join([*parts, root])
        return env

    def _open_log(self) -> IO[bytes] | int:
        try:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            return open(self._log_path, "ab")  # noqa: SIM115 - handed to the child
        except OSError:
            return subprocess.DEVNULL

    def _spawn(self) -> _Worker | None:
        """Start a helper (lock held). None, after giving up, when it cannot even start."""
        log = self._open_log()
        try:
            proc = subprocess.Popen(
                self._command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=self._child_env(),
                bufsize=0,
                close_fds=True,
                start_new_session=True,  # Ctrl+C in the terminal is the app's business
            )
        except OSError as exc:
            self._give_up(f"the audio helper could not start ({exc})")
            return None
        finally:
            if not isinstance(log, int):
                log.close()
        worker = _Worker(proc, time.monotonic())
        with contextlib.suppress(OSError):
            os.set_blocking(worker.fd, False)  # a stuck helper must never block play()
        threading.Thread(
            target=self._read, args=(worker,), name="speedtimer-audio-reader", daemon=True
        ).start()
        timer = threading.Timer(STARTUP_TIMEOUT_S, self._startup_deadline, args=(worker,))
        timer.daemon = True
        timer.start()
        return worker

    def _read(self, worker: _Worker) -> None:
        """Background thread: the helper's handshake and errors, then its exit."""
        out = worker.proc.stdout
        try:
            if out is not None:
                for raw in out:
                    line = raw.decode("utf-8", "replace").strip()
                    if line == "ready":
                        worker.ready.set()
                    elif line.startswith("error"):
                        worker.error = line[len("error") :].strip() or "unknown error"
        except (OSError, ValueError):
            pass
        try:
            worker.proc.wait(timeout=DRAIN_WAIT_S)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            worker.proc.wait()
        finally:
            if out is not None:
                out.close()
            worker.gone.set()
        self._exited(worker)

    def _exited(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed or worker is not self._worker:
                return
            self._replace(worker)

    def _startup_deadline(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed or worker is not self._worker or worker.ready.is_set():
                return
            if worker.proc.poll() is None:
                worker.error = f"the audio helper did not start within {STARTUP_TIMEOUT_S:g} s"
                worker.proc.kill()  # the reader sees EOF and gives up

    def _replace(self, dead: _Worker) -> _Worker | None:
        """`dead` has exited (lock held): start another, or give up. Returns the new helper.

        Only a helper that once worked earns a restart: one that failed at startup told us
        sound cannot work here (no device, no simpleaudio). A restart that fails gives up too.
        """
        if self._closed:
            return None
        if dead is not self._worker:
            return self._worker
        if not dead.ready.is_set():
            if dead.gone.is_set():  # the reader has the whole story, including any error
                self._worker = None
                stopped = _exit_text(dead.proc.returncode)
                self._give_up(dead.error or f"the audio helper {stopped} while starting")
            return None  # play() arrived first: let the reader thread give the verdict
        now = time.monotonic()
        self._restart_times = [t for t in self._restart_times if now - t < 60] + [now]
        if len(self._restart_times) > RESTARTS_PER_MINUTE:
            self._worker = None
            stopped = _exit_text(dead.proc.returncode)
            self._give_up(dead.error or f"the audio helper keeps stopping (last: {stopped})")
            return None
        self.restarts += 1
        self._worker = self._spawn()
        return self._worker

    def _give_up(self, reason: str) -> None:
        with self._lock:
            if not self.available:
                return
            self.available = False
            self.problem = f"Sound unavailable: {reason}; {BELL}."
            if self._log_path.is_file():
                self.problem += f" Details in {self._log_path}"
            worker, self._worker = self._worker, None
            message = self.problem
        if worker is not None and worker.proc.poll() is None:
            with contextlib.suppress(OSError):
                worker.proc.kill()
        notify_later(self._on_problem, message)


DRAIN_WAIT_S = 5.0  # after its stdout closes, how long the helper may take to exit


def _exit_text(returncode: int | None) -> str:
    if returncode is None:
        return "stopped"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"crashed ({name})"
    return f"exited with code {returncode}"


def notify_later(callback: Callable[[str], None] | None, message: str) -> None:
    """Call `callback(message)` from a fresh daemon thread, never from the caller's thread."""
    if callback is None:
        return

    def run() -> None:
        with contextlib.suppress(Exception):
            callback(message)

    threading.Thread(target=run, name="speedtimer-audio-problem", daemon=True).start()


def open_audio(
    files: Mapping[str, Path],
    log_path: Path,
    *,
    enabled: bool = True,
    on_problem: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
) -> Audio:
    """The app's one way in: a ProcessAudio, or a NullAudio when sound is off or impossible."""
    if not enabled:
        return NullAudio("Sound is turned off")
    if not files:
        problem = f"Sound unavailable: no cue sounds were found; {BELL}."
        notify_later(on_problem, problem)
        return NullAudio(problem)
    return ProcessAudio(files, log_path, on_problem, env=env)
