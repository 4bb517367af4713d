"""The real-time soak: the real app in tmux, on the real clock, for as long as asked.

A preset of 5-second steps (so a 10-minute run has 120 of them, each with its cue and its
history write) runs to its summary while the app's RSS (and the sound helper's) is sampled.
Used by tests/faults/test_soak.py: 25 s in CI, 10 minutes behind the `slow` marker, which is what
`python -m benchmarks --soak` runs.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from benchmarks.common import PY, REPO, Tmux, child_env, proc_status_mb, shell_quote, wait_for

STEP_S = 5
STRAYS = ("Traceback", "ALSA lib", "History not saved", "Sound unavailable", "Error")


def preset(seconds: int) -> str:
    steps = max(2, seconds // STEP_S)
    text = 'name = "Soak"\ncountdown = 2\n'
    for n in range(steps):
        kind = "warmup" if n == 0 else ("work" if n % 2 else "rest")
        text += f'[[steps]]\nkind = "{kind}"\nduration = {STEP_S}\n'
    return text


def rss_mb(pid: int) -> float | None:
    return proc_status_mb(pid, "VmRSS")


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def soak_in_tmux(folder: Path, seconds: int, *, sample_every: float = 5.0) -> dict:
    """Run a `seconds`-long session in tmux; RSS samples, what the history holds, a summary."""
    folder = Path(folder)
    home = folder / "home"
    home.mkdir(parents=True, exist_ok=True)
    # Sound is played for real by the helper, into ALSA's null device (no card needed).
    (home / ".asoundrc").write_text("pcm.!default { type null }\nctl.!default { type null }\n")
    presets = folder / "presets"
    presets.mkdir(exist_ok=True)
    (presets / "soak.toml").write_text(preset(seconds))
    planned = max(2, seconds // STEP_S)
    data = folder / "data"
    command = shell_quote(
        [PY, "-m", "speedtimer", "--presets-dir", str(presets), "--data-dir", str(data),
         "--config-dir", str(folder / "config"), "--get-ready", "0", "run", "Soak"]
    )  # fmt: skip
    samples: list[tuple[float, float, float]] = []  # (seconds in, app MB, helper MB)
    strays: list[str] = []
    with Tmux() as tmux:
        tmux.start(child_env(home))
        pid = tmux.window("soak", f"env -C {shell_quote([str(REPO)])} {command}")
        if not wait_for(lambda: "WARM-UP" in tmux.capture("soak"), 20, 0.05):
            raise RuntimeError(f"the app did not start:\n{tmux.capture('soak')}")
        t0 = time.monotonic()
        first_sample = min(10.0, seconds * 0.2)
        next_at = t0 + first_sample
        while time.monotonic() - t0 < seconds + 15:
            screen = tmux.capture("soak")
            if "Session complete" in screen:
                break
            strays += [s for s in STRAYS if s in screen and s not in strays]
            if time.monotonic() >= next_at and time.monotonic() - t0 < seconds - 1:
                helper = sum(rss_mb(c) or 0.0 for c in children(pid))
                samples.append((time.monotonic() - t0, rss_mb(pid) or 0.0, helper))
                next_at += sample_every
            time.sleep(0.2)
        complete = wait_for(lambda: "Session complete" in tmux.capture("soak"), 10, 0.1)
        final = tmux.capture("soak")
        strays += [s for s in STRAYS if s in final and s not in strays]
        tmux.send("soak", "Escape")
        wait_for(lambda: "Type to filter" in tmux.capture("soak"), 10, 0.1)
        tmux.send("soak", "C-q")
        wait_for(lambda: rss_mb(pid) is None, 10, 0.1)
    status, recorded = None, 0
    db = data / "history.sqlite3"
    if db.exists():
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT status, id FROM sessions").fetchone()
            if row:
                status = row[0]
                (recorded,) = conn.execute(
                    "SELECT count(*) FROM steps WHERE session_id = ?", (row[1],)
                ).fetchone()
    if not samples:
        raise RuntimeError("no RSS sample was taken")
    (t_start, rss_start, helper_start), (t_end, rss_end, helper_end) = samples[0], samples[-1]
    summary = (
        f"soak {seconds} s in tmux: app RSS {rss_start:.1f} MB at {t_start:.0f} s -> "
        f"{rss_end:.1f} MB at {t_end:.0f} s (peak {max(s[1] for s in samples):.1f} MB); sound "
        f"helper {helper_start:.1f} -> {helper_end:.1f} MB; {recorded}/{planned} steps saved, "
        f"session {status}"
    )
    return {
        "seconds": seconds,
        "summary": summary,
        "complete": bool(complete),
        "status": status,
        "steps_recorded": recorded,
        "steps_planned": planned,
        "rss_start_mb": rss_start,
        "rss_end_mb": rss_end,
        "helper_start_mb": helper_start,
        "helper_end_mb": helper_end,
        "samples": samples,
        "notices_on_screen": strays,
    }
