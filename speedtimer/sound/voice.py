"""Spoken announcements, from the app's side: phrases rendered to WAV files before they are due.

A phrase is rendered once by the speech command (Debian's espeak-ng, unless the settings name
another), its leading and trailing silence trimmed so that it ends where it is placed, and kept
in a cache folder under a name made from a hash of the text, the voice, the speed and the
command: the next session with the same phrases renders nothing. Rendering runs in a
background thread at session start, first phrase first, and each file is loaded into the sound
helper as soon as it exists, so saying a phrase costs nothing when it is due. A phrase that is
not ready when due is left out (see `announce.plan_segment`).

A missing or failing speech command is reported once through `on_problem` (always from a
background thread); from then on the voice is unavailable and the app runs with beeps only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import wave
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from speedtimer.config.settings import (
    DEFAULT_VOICE_COMMAND,
    DEFAULT_VOICE_NAME,
    DEFAULT_VOICE_SPEED,
    VOICE_COMMAND_FIELDS,
    Settings,
)
from speedtimer.sound.audio import MAX_CUE_S, SUPPORTED_RATES, Audio, notify_later

log = logging.getLogger("speedtimer.sound.voice")

RENDER_TIMEOUT_S = 15.0
KEEP_FILES = 400  # the cache keeps the phrases used most recently
SILENCE = 200  # a |sample| at or below this is silence when trimming (about -44 dBFS)
EDGE_S = 0.02  # silence left before and after the speech
FORMAT = 1  # bump when what is stored changes (the trimming): old files are then unused
LATE_OK_S = 0.3  # a phrase said when ready may start this much after its moment, no later
BEEPS_ONLY = "beeps only"
INSTALL_HINT = {"espeak-ng": "install it (sudo apt-get install espeak-ng) or name another in "}
_FIELD = re.compile(r"\{(" + "|".join(VOICE_COMMAND_FIELDS) + r")\}")


@dataclass(frozen=True)
class VoiceConfig:
    command: tuple[str, ...] = DEFAULT_VOICE_COMMAND
    name: str = DEFAULT_VOICE_NAME
    speed: int = DEFAULT_VOICE_SPEED

    @classmethod
    def from_settings(cls, settings: Settings) -> VoiceConfig:
        return cls(tuple(settings.voice_command), settings.voice_name, settings.voice_speed)

    def argv(self, text: str, file: Path) -> list[str]:
        """The command line for one phrase. One pass: a phrase holding "{file}" stays text."""
        values = {"text": text, "file": str(file), "voice": self.name, "speed": str(self.speed)}
        return [_FIELD.sub(lambda m: values[m[1]], arg) for arg in self.command]

    def key(self, text: str) -> str:
        data = [FORMAT, list(self.command), self.name, self.speed, text]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Phrase:
    text: str
    path: Path
    seconds: float

    @property
    def sound(self) -> str:
        """Its name in the sound helper."""
        return f"say-{self.path.stem}"


class SpeechError(Exception):
    """A phrase could not be rendered. `fatal`: no phrase will be (the command is missing or
    broken), rather than this one text (too long, silent)."""

    def __init__(self, message: str, *, fatal: bool = True) -> None:
        super().__init__(message)
        self.fatal = fatal


class SpeechCache:
    """Rendered phrases on disk, one WAV per (text, voice, speed, command)."""

    def __init__(
        self, folder: Path, config: VoiceConfig, *, env: Mapping[str, str] | None = None
    ) -> None:
        self.folder = Path(folder)
        self.config = config
        self.env = dict(os.environ if env is None else env)
        self.renders = 0  # how many times the speech command ran

    def path(self, text: str) -> Path:
        return self.folder / f"{self.config.key(text)}.wav"

    def cached(self, text: str) -> Phrase | None:
        path = self.path(text)
        seconds = _speech_seconds(path)
        if seconds is None:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept when the cache is pruned
        return Phrase(text, path, seconds)

    def command_problem(self) -> str | None:
        """Why the speech command cannot run at all, checked without running it."""
        exe = self.config.command[0] if self.config.command else ""
        if not exe:
            return "voice_command is empty"
        if shutil.which(exe, path=self.env.get("PATH", os.defpath)) is None:
            hint = INSTALL_HINT.get(Path(exe).name, "")
            return f"the speech command {exe!r} was not found: {hint or 'check '}voice_command"
        return None

    def render(self, text: str) -> Phrase:
        """The phrase from the cache, or rendered now. Raises SpeechError."""
        found = self.cached(text)
        if found is not None:
            return found
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SpeechError(f"cannot create the speech cache {self.folder}: {exc}") from exc
        final = self.path(text)
        raw = final.with_name(f".{final.stem}.{os.getpid()}.{threading.get_ident()}.raw.wav")
        try:
            self._run(text, raw)
            params, frames = _read_speech(raw, self.config.command[0])
            frames = _trim(frames, params.nchannels, params.framerate)
            seconds = len(frames) / (2 * params.nchannels * params.framerate)
            if not frames:
                raise SpeechError(f"the speech for {text!r} is silent", fatal=False)
            if seconds > MAX_CUE_S:
                raise SpeechError(
                    f"the phrase {text!r} lasts {seconds:.1f} s (at most {MAX_CUE_S:g} s)",
                    fatal=False,
                )
            part = final.with_name(raw.name.replace(".raw.", ".part."))
            with wave.open(str(part), "wb") as w:
                w.setnchannels(params.nchannels)
                w.setsampwidth(2)
                w.setframerate(params.framerate)
                w.writeframes(frames)
            os.replace(part, final)
        finally:
            for leftover in (raw, final.with_name(raw.name.replace(".raw.", ".part."))):
                with contextlib.suppress(OSError):
                    leftover.unlink()
        return Phrase(text, final, seconds)

    def _run(self, text: str, file: Path) -> None:
        argv = self.config.argv(text, file)
        exe = argv[0]
        self.renders += 1
        try:
            done = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=self.env,
                timeout=RENDER_TIMEOUT_S,
                close_fds=True,
            )
        except FileNotFoundError as exc:
            hint = INSTALL_HINT.get(Path(exe).name, "")
            raise SpeechError(
                f"the speech command {exe!r} was not found: {hint or 'check '}voice_command"
            ) from exc
        except PermissionError as exc:
            raise SpeechError(f"the speech command {exe!r} cannot be run ({exc})") from exc
        except OSError as exc:
            raise SpeechError(f"the speech command {exe!r} could not start ({exc})") from exc
        except subprocess.TimeoutExpired as exc:
            raise SpeechError(
                f"the speech command {exe!r} took over {RENDER_TIMEOUT_S:g} s"
            ) from exc
        err = done.stderr.decode("utf-8", "replace").strip()
        if err:
            log.info("%s said: %s", exe, err)
        if done.returncode != 0:
            last = err.splitlines()[-1] if err else "no message"
            raise SpeechError(f"the speech command {exe!r} failed (exit {done.returncode}: {last})")

    def prune(self, keep: int = KEEP_FILES) -> int:
        """Keep the `keep` phrases used most recently (and no leftovers); returns how many went."""
        try:
            files = [p for p in self.folder.iterdir() if p.is_file()]
        except OSError:
            return 0
        gone = 0
        now = time.time()
        phrases = []
        for p in files:
            try:
                mtime = p.stat().st_mtime
            except OSError:
                continue
            if p.name.startswith("."):
                if now - mtime > 3600:  # a render that died half-way, long ago
                    with contextlib.suppress(OSError):
                        p.unlink()
                        gone += 1
            elif p.suffix == ".wav":
                phrases.append((mtime, p))
        phrases.sort(reverse=True)
        for _, p in phrases[keep:]:
            with contextlib.suppress(OSError):
                p.unlink()
                gone += 1
        return gone


def _speech_seconds(path: Path) -> float | None:
    try:
        params, frames = _read_speech(path, "")
    except SpeechError:
        return None
    return len(frames) / (2 * params.nchannels * params.framerate) if frames else None


def _read_speech(path: Path, exe: str) -> tuple[wave._wave_params, bytes]:
    try:
        with wave.open(str(path), "rb") as w:
            params = w.getparams()
            frames = w.readframes(params.nframes)
    except FileNotFoundError as exc:
        raise SpeechError(
            f"the speech command {exe!r} wrote no WAV file: voice_command must pass {{file}} "
            "where the command writes its WAV output"
        ) from exc
    except (OSError, EOFError, wave.Error) as exc:
        raise SpeechError(f"the speech command {exe!r} did not write a WAV file ({exc})") from exc
    if params.sampwidth != 2 or params.nchannels not in (1, 2):
        raise SpeechError(
            f"the speech command {exe!r} wrote {8 * params.sampwidth}-bit, "
            f"{params.nchannels}-channel audio; speech must be 16-bit PCM, mono or stereo"
        )
    if params.framerate not in SUPPORTED_RATES:
        raise SpeechError(f"the speech command {exe!r} wrote {params.framerate} Hz audio")
    return params, frames[: len(frames) - len(frames) % (2 * params.nchannels)]


def _trim(frames: bytes, channels: int, rate: int) -> bytes:
    """Cut the silence before and after the speech, keeping EDGE_S of it at each end."""
    a = array("h", frames)
    if sys.byteorder == "big":
        a.byteswap()
    n = len(a)
    first = next((i for i in range(n) if abs(a[i]) > SILENCE), None)
    if first is None:
        return b""
    last = next(i for i in range(n - 1, -1, -1) if abs(a[i]) > SILENCE)
    pad = int(EDGE_S * rate) * channels
    start = max(0, first - first % channels - pad)
    end = min(n, last - last % channels + channels + pad)
    out = a[start:end]
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


class Voice:
    """Renders phrases in a background thread and hands each one to the sound helper.

    The session asks `seconds(text)` to place a phrase and `sound(text)` to play it; both are
    None until the phrase is rendered and loaded.
    """

    def __init__(
        self,
        cache: SpeechCache,
        audio: Audio,
        *,
        on_problem: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = cache
        self.audio = audio
        self.clock = clock  # the session's clock: the times of say_when_ready() are on it
        self.available = True
        self.problem: str | None = None
        self._on_problem = on_problem
        self._lock = threading.Lock()
        self._ready: dict[str, Phrase] = {}
        self._queue: deque[str] = deque()
        self._queued: set[str] = set()
        self._reported: set[str] = set()
        self._later: list[tuple[str, float]] = []  # (text, when due on self.clock)
        self._busy = False
        self._idle = threading.Event()
        self._idle.set()
        self._pruned = False
        self._closed = False
        problem = cache.command_problem()
        if problem:  # the caller shows `problem` when it asks for the voice: no callback
            self._give_up(problem, notify=False)

    # --- for the session ---

    def request(self, texts: Iterable[str]) -> None:
        """Render these phrases (in this order) unless they are ready or on their way."""
        with self._lock:
            if not self.available or self._closed:
                return
            for text in texts:
                if text and text not in self._ready and text not in self._queued:
                    self._queue.append(text)
                    self._queued.add(text)
            if self._queue and not self._busy:
                self._busy = True
                self._idle.clear()
                threading.Thread(target=self._work, name="speedtimer-voice", daemon=True).start()

    def seconds(self, text: str) -> float | None:
        phrase = self._ready.get(text)
        return phrase.seconds if phrase else None

    def sound(self, text: str) -> str | None:
        phrase = self._ready.get(text)
        return phrase.sound if phrase else None

    def phrase(self, text: str) -> Phrase | None:
        return self._ready.get(text)

    def say_when_ready(self, text: str, *, at: float) -> None:
        """Play `text` at `at` (on self.clock); if it is not rendered yet, as soon as it is,
        unless its moment is gone by then (the last words of a session that ended unforeseen).
        """
        sound = self.sound(text)
        if sound is not None:
            self.audio.play(sound, at=at)
            return
        with self._lock:
            self._later.append((text, at))
        self.request([text])

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every phrase asked for is rendered (or given up). For tests and the
        plain mode's exit, never for the event loop."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._queue.clear()

    # --- internals ---

    def _work(self) -> None:
        rendered = from_cache = 0
        started = time.monotonic()
        while True:
            with self._lock:
                if not self._queue or self._closed or not self.available:
                    self._queue.clear()
                    self._queued.clear()
                    self._busy = False
                    break
                text = self._queue.popleft()
            before = self.cache.renders
            try:
                phrase = self.cache.render(text)
            except SpeechError as exc:
                if exc.fatal:
                    self._give_up(str(exc))
                elif text not in self._reported:
                    self._reported.add(text)
                    log.info("voice: %s; that phrase is left out", exc)
                    notify_later(self._on_problem, f"Voice: {exc}; that phrase is left out.")
                continue
            finally:
                with self._lock:
                    self._queued.discard(text)
            if self.cache.renders == before:
                from_cache += 1
            else:
                rendered += 1
            if self.audio.load(phrase.sound, phrase.path):
                self._ready[text] = phrase
                self._play_later(phrase)
        if rendered or from_cache:
            log.info(
                "voice: %d phrases rendered, %d from the cache %s, in %.0f ms",
                rendered,
                from_cache,
                self.cache.folder,
                1000 * (time.monotonic() - started),
            )
        if not self._pruned:
            self._pruned = True
            self.cache.prune()
        self._idle.set()

    def _play_later(self, phrase: Phrase) -> None:
        with self._lock:
            due = [at for text, at in self._later if text == phrase.text]
            self._later = [(t, at) for t, at in self._later if t != phrase.text]
        for at in due:
            late = self.clock() - at
            if late > LATE_OK_S:
                log.info("voice: %r was ready %.2f s too late; not said", phrase.text, late)
            else:
                self.audio.play(phrase.sound, at=at)

    def _give_up(self, reason: str, *, notify: bool = True) -> None:
        with self._lock:
            if not self.available:
                return
            self.available = False
            self.problem = f"Voice unavailable: {reason}; {BEEPS_ONLY}."
            message = self.problem
        log.info(message)  # the caller shows it (and logs it): say it once
        if notify:
            notify_later(self._on_problem, message)
