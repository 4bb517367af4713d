#!/usr/bin/env python3
"""Generate speedtimer's bundled cue sounds: 16-bit PCM mono 44.1 kHz WAVs in sounds/.

    python scripts/make_sounds.py            # rewrite sounds/*.wav
    python scripts/make_sounds.py --out DIR  # write somewhere else (tests compare the bytes)

Stdlib only and fully deterministic: the same bytes on every run, so the committed WAVs can be
checked against this script. Every sound is built from a few sine partials (bright, not harsh),
shaped by raised-cosine attack/release envelopes (no clicks at the edges), and normalised to the
same peak, -3 dBFS. Pitches sit in 0.5-2.5 kHz (fundamentals) with partials up to ~8 kHz: the
band the ear is most sensitive to and the one wind noise (mostly low-frequency rumble) masks least.
"""

from __future__ import annotations

import argparse
import math
import sys
import wave
from array import array
from pathlib import Path

RATE = 44100
PEAK_DBFS = -3.0
PEAK = round(32767 * 10 ** (PEAK_DBFS / 20))  # 23197

# Timbres: (harmonic ratio, relative amplitude). Higher partials make a tone cut through wind.
BRIGHT = ((1, 1.0), (2, 0.5), (3, 0.3), (4, 0.15), (5, 0.08))
BEEP = ((1, 1.0), (2, 0.3), (3, 0.15), (4, 0.05))
SOFT = ((1, 1.0), (2, 0.25), (3, 0.08))
CHIME = ((1, 1.0), (2, 0.4), (2.76, 0.18), (4.07, 0.08))  # slightly inharmonic: bell-like


def note(
    freq: float,
    dur: float,
    partials: tuple[tuple[float, float], ...] = BEEP,
    *,
    attack: float = 0.005,
    release: float = 0.03,
    decay: float | None = None,
) -> list[float]:
    """One note: summed partials, raised-cosine attack and release, optional exponential decay."""
    n = round(dur * RATE)
    na = max(1, round(attack * RATE))
    nr = max(1, round(release * RATE))
    out = []
    for i in range(n):
        t = i / RATE
        s = 0.0
        for ratio, amp in partials:
            f = freq * ratio
            if f < RATE / 2 - 2000:  # keep well below Nyquist
                s += amp * math.sin(2 * math.pi * f * t)
        env = 1.0
        if i < na:
            env *= 0.5 - 0.5 * math.cos(math.pi * i / na)
        if i >= n - nr:
            env *= 0.5 - 0.5 * math.cos(math.pi * (n - 1 - i) / nr)
        if decay is not None:
            env *= math.exp(-t / decay)
        out.append(s * env)
    return out


def mix(parts: list[tuple[float, list[float]]]) -> list[float]:
    """Overlay (start time in seconds, samples) pairs into one buffer."""
    length = max(round(at * RATE) + len(samples) for at, samples in parts)
    out = [0.0] * length
    for at, samples in parts:
        start = round(at * RATE)
        for i, s in enumerate(samples):
            out[start + i] += s
    return out


def to_pcm16(samples: list[float]) -> bytes:
    """Normalise so the loudest sample is exactly PEAK, as little-endian 16-bit PCM."""
    top = max(abs(s) for s in samples)
    scale = PEAK / top
    pcm = array("h", (round(s * scale) for s in samples))
    if sys.byteorder == "big":
        pcm.byteswap()
    return pcm.tobytes()


def sounds() -> dict[str, list[float]]:
    """Every cue, by name. Durations in the comments are the whole sound."""
    return {
        # "Go!": two bright rising notes, 350 ms.
        "work": mix(
            [
                (0.0, note(880, 0.14, BRIGHT, attack=0.004, release=0.02)),
                (0.14, note(1319, 0.21, BRIGHT, attack=0.004, release=0.05, decay=0.5)),
            ]
        ),
        # Ease off: two softer falling notes, 400 ms.
        "rest": mix(
            [
                (0.0, note(1047, 0.18, SOFT, attack=0.012, release=0.03)),
                (0.17, note(698, 0.23, SOFT, attack=0.012, release=0.08, decay=0.3)),
            ]
        ),
        # Warm-up: one gentle swelling chime on a fifth, 700 ms.
        "warmup": mix(
            [
                (0.0, note(784, 0.7, CHIME, attack=0.03, release=0.15, decay=0.5)),
                (0.0, note(1175, 0.7, CHIME, attack=0.03, release=0.15, decay=0.4)),
            ]
        ),
        # Cool-down: three gentle falling chimes, 800 ms.
        "cooldown": mix(
            [
                (0.0, note(1319, 0.35, CHIME, attack=0.008, release=0.1, decay=0.25)),
                (0.16, note(1047, 0.35, CHIME, attack=0.008, release=0.1, decay=0.25)),
                (0.32, note(880, 0.48, CHIME, attack=0.008, release=0.15, decay=0.3)),
            ]
        ),
        # Countdown pip: one short beep, 120 ms.
        "pip": note(1000, 0.12, BEEP, attack=0.004, release=0.03),
        # Halfway: two quick higher beeps, 230 ms.
        "halfway": mix(
            [
                (0.0, note(1500, 0.085, BEEP, attack=0.003, release=0.025)),
                (0.145, note(1500, 0.085, BEEP, attack=0.003, release=0.025)),
            ]
        ),
        # Lap: a short high blip, 50 ms.
        "lap": note(2200, 0.05, SOFT, attack=0.002, release=0.02, decay=0.03),
        # Finished: C-E-G fanfare, the last note held, 1 s.
        "finished": mix(
            [
                (0.0, note(1047, 0.15, BRIGHT, attack=0.004, release=0.02)),
                (0.15, note(1319, 0.15, BRIGHT, attack=0.004, release=0.02)),
                (0.30, note(1568, 0.70, BRIGHT, attack=0.004, release=0.2, decay=0.6)),
            ]
        ),
    }


def render() -> dict[str, bytes]:
    """Each cue as 16-bit PCM frames (not yet a WAV file), one for every cue the app plays."""
    from speedtimer.core.cues import CUE_NAMES

    made = sounds()
    if set(made) != set(CUE_NAMES):
        raise SystemExit(
            f"make_sounds.py: sounds for {sorted(made)}, but the app's cues are "
            f"{list(CUE_NAMES)} (speedtimer/core/cues.py): give each cue its sound"
        )
    return {name: to_pcm16(made[name]) for name in CUE_NAMES}


def write_all(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frames in render().items():
        path = out_dir / f"{name}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(frames)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent / "sounds"
    parser.add_argument("--out", type=Path, default=default, help=f"folder (default {default})")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        with wave.open(str(path), "rb") as w:
            ms = 1000 * w.getnframes() / w.getframerate()
        print(f"{path}  {ms:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
