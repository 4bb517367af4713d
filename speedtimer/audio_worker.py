"""The audio helper process: `python -m speedtimer.audio_worker '<json>'`. Started by audio.py.

It is the only code that imports simpleaudio. Running it in its own process keeps the app safe
from everything simpleaudio and libasound can do: print to the terminal (its stderr goes to the
log file), fail to find a device, or crash the interpreter (simpleaudio 1.0.4 frees memory from
its playback thread without holding the GIL, which kills Python 3.12+ after every sound; the
parent sets PYTHONMALLOC=malloc for this process, which makes that free harmless, and restarts
the helper if it dies anyway).

Protocol
  argv[1]  JSON: {"files": {cue: wav path}, "max_delay": seconds}
  stdout   one line at start: "ready", or "error <message>" followed by exit
  stdin    one line per cue: "<cue> <time.monotonic() when sent>"; EOF asks the helper to let
           the sounds in flight finish (at most DRAIN_S) and exit
  stderr   diagnostics, for the log file (with SPEEDTIMER_AUDIO_TRACE=1, one line per cue)

Every WAV is loaded before "ready", so playing a cue costs no file I/O: the helper reads a line
and calls play() at once. A cue that reaches the helper more than max_delay seconds after it was
sent (the helper was restarting, or the machine stalled) is dropped: late sounds mislead.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

DRAIN_S = 3.0
PROBE_FRAMES = 441  # 10 ms of silence at 44.1 kHz: proves the device opens without a sound


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
        max_delay = float(config.get("max_delay", 1.5))
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
    for cue, path in files.items():
        try:
            waves[cue] = simpleaudio.WaveObject.from_wave_file(path)
        except Exception as exc:  # a bad file must not cost the other cues
            _log(f"cannot load the {cue!r} sound {path}: {exc}")
    if not waves:
        _say("error none of the cue sounds could be loaded")
        return 2

    try:
        simpleaudio.play_buffer(bytes(2 * PROBE_FRAMES), 1, 2, 44100).wait_done()
    except Exception as exc:
        _say(f"error no usable audio output ({exc})")
        return 3
    _say("ready")
    _log("ready")

    playing = []
    stdin = sys.stdin.buffer
    while True:
        try:
            raw = stdin.readline()
        except (OSError, ValueError):
            break
        if not raw:
            break
        parts = raw.decode("utf-8", "replace").split()
        if not parts:
            continue
        cue = parts[0]
        sent = _float(parts[1]) if len(parts) > 1 else None
        wave_obj = waves.get(cue)
        if wave_obj is None:
            _log(f"unknown cue {cue!r}")
            continue
        late = None if sent is None else time.monotonic() - sent
        if late is not None and late > max_delay:
            _log(f"dropped {cue!r}: {late:.2f} s late")
            continue
        try:
            playing.append(wave_obj.play())
        except Exception as exc:
            _say(f"error playing the {cue!r} sound failed ({exc})")
            return 3
        if trace:
            delay = "" if late is None else f" {1000 * (time.monotonic() - sent):.2f} ms after send"
            _log(f"played {cue}{delay}")
        playing = [p for p in playing if p.is_playing()]

    deadline = time.monotonic() + DRAIN_S
    while any(p.is_playing() for p in playing) and time.monotonic() < deadline:
        time.sleep(0.02)
    _log("stopping")
    return 0


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


if __name__ == "__main__":
    sys.exit(main())
