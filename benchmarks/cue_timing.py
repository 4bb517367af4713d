"""Figure 1: when each cue really reaches the sound device, against when it was due.

The real app runs a generated preset in tmux with the real clock. ALSA's default device is the
`file` plugin with a null slave, writing every stream to a pipe into a tiny stamper
(benchmarks/stamp.c, compiled on the fly; a Python fallback otherwise). The stamper notes
CLOCK_REALTIME the moment its stdin first receives samples, and the stream's byte count, which
tells which cue it was (each WAV has its own length).

Due times: the session's start (`sessions.started_at` in the history DB, the wall clock when
the timer started) plus each cue's offset in the preset (get-ready 1 s, then the steps'
durations; pips at end-2 and end-1). The offsets come from replaying the pure timer with a fake
clock and are checked against the plain sum of the step durations.

Two baselines run at the same time: a `time.sleep(1)` loop and a minimal Textual app counting
`set_interval(1)` ticks; they record time.monotonic() at each cue (no audio path at all, which
flatters them).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import subprocess
import time
import wave
from datetime import datetime
from pathlib import Path

from benchmarks.common import (
    PY,
    REPO,
    Figure,
    Tmux,
    child_env,
    percentile,
    shell_quote,
    temp_dir,
    wait_for,
)
from speedtimer.core.cues import BOUNDARY_CUES

STAMP_C = Path(__file__).with_name("stamp.c")
STAMP_PY = """\
import os, sys, time
m0 = time.monotonic()
first = os.read(0, 65536)
m1, w1 = time.monotonic(), time.time()
n = len(first)
while True:
    b = os.read(0, 65536)
    if not b:
        break
    n += len(b)
with open(sys.argv[1], "a") as f:
    f.write(f"{m0:.6f} {m1:.6f} {w1:.6f} {n}\\n")
"""


def short_steps(n: int) -> list[int]:
    return [3 if i % 2 == 0 else 2 for i in range(n)]


def preset_text(durations: list[int]) -> str:
    body = 'name = "Bench cue timing"\ncategory = "custom"\ncountdown = 2\n'
    for i, d in enumerate(durations):
        kind = "work" if i % 2 == 0 else "rest"
        body += f'\n[[steps]]\nkind = "{kind}"\nduration = {d}\n'
    return body


def expected_cues(preset_path: Path, get_ready: float) -> list[tuple[str, float]]:
    """(cue, offset from the session start) by replaying the pure timer with a fake clock."""
    from speedtimer.formats.preset_toml import load_preset
    from speedtimer.session import Session

    now = [0.0]
    played: list[tuple[str, float]] = []

    class Recording:
        available = True
        problem = None

        def play(self, cue: str, delay: float = 0.0) -> bool:
            played.append((cue, now[0] + delay))  # sent ahead: heard `delay` later
            return True

        def cancel(self) -> None:
            raise AssertionError("nobody presses a key in the replay")

        def close(self) -> None:
            pass

    s = Session(
        load_preset(preset_path), audio=Recording(), clock=lambda: now[0], get_ready_s=get_ready
    )
    s.start()
    for _ in range(100_000):
        at = s.next_wake()
        if at is None:
            break
        now[0] = at
        s.tick()
    return played


def build_stamper(folder: Path) -> tuple[list[str], str]:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc:
        exe = folder / "stamp"
        proc = subprocess.run(
            [cc, "-O2", "-o", str(exe), str(STAMP_C)], capture_output=True, timeout=60
        )
        if proc.returncode == 0:
            return [str(exe)], "C stamper"
    script = folder / "stamp.py"
    script.write_text(STAMP_PY)
    return ["python3", "-S", "-I", str(script)], "Python stamper (adds its start-up time)"


def wav_sizes() -> dict[int, str]:
    from speedtimer.config.paths import sounds_dir
    from speedtimer.sound.audio import resolve_cue_files

    files, _ = resolve_cue_files(sounds_dir(), {})
    sizes: dict[int, str] = {}
    for cue, path in files.items():
        with wave.open(str(path), "rb") as w:
            sizes[w.getnframes() * w.getsampwidth() * w.getnchannels()] = cue
    return sizes


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def stats(errors_ms: list[float]) -> dict:
    if not errors_ms:
        return {"n": 0}
    abs_e = [abs(e) for e in errors_ms]
    return {
        "n": len(errors_ms),
        "mean": sum(abs_e) / len(abs_e),
        "mean_signed": sum(errors_ms) / len(errors_ms),
        "p95": percentile(abs_e, 95),
        "max": max(abs_e),
    }


def _baseline_result(path: Path, offsets: set[int]) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {"n": 0}
    start = data["start"]
    errors = [(t - (start + off)) * 1000 for off, t in data["cues"]]
    out = stats(errors)
    bound = [(off, (t - (start + off)) * 1000) for off, t in data["cues"] if off in offsets]
    out["drift"] = _drift([e for _, e in bound])
    return out


def _drift(errors: list[float]) -> float | None:
    """How far the last boundaries moved against the first: mean error of the last 3 minus
    mean error of the first 3 (so a single noisy cue is jitter, not drift)."""
    if len(errors) < 2:
        return None
    k = min(3, len(errors) // 2)
    return abs(sum(errors[-k:]) / k - sum(errors[:k]) / k)


def run(quick: bool) -> list[Figure]:
    if quick:
        return _measure(short_steps(6), "")
    figs = _measure(short_steps(32), "")
    # The same, for ten minutes of real time (15 x 25 s work / 15 s rest): drift must stay
    # within the bound over a whole session, not only over a minute and a half.
    long = [25 if i % 2 == 0 else 15 for i in range(30)]
    return figs + _measure(long, "10-min run: ")


def _measure(durations: list[int], prefix: str) -> list[Figure]:
    steps = len(durations)
    get_ready = 1
    group = "1 Cue timing"
    with temp_dir() as tmp, Tmux() as tmux:
        presets, data, config, home = (tmp / n for n in ("presets", "data", "config", "home"))
        for d in (presets, data, config, home):
            d.mkdir()
        text = preset_text(durations)
        preset_path = presets / "cues.toml"
        preset_path.write_text(text)
        plan = expected_cues(preset_path, get_ready)
        # The plain sum of durations must agree with the replayed timer.
        edges = [get_ready + sum(durations[:i]) for i in range(len(durations) + 1)]
        replay_edges = [off for cue, off in plan if cue in BOUNDARY_CUES]
        assert [round(e, 6) for e in replay_edges] == [float(e) for e in edges], (
            replay_edges,
            edges,
        )

        stamper, stamper_kind = build_stamper(tmp)
        log = tmp / "stamps.log"
        (home / ".asoundrc").write_text(
            "pcm.!default {\n  type file\n  slave.pcm { type null }\n"
            f'  file "|{shell_quote([*stamper, str(log)])}"\n  format "raw"\n}}\n'
        )
        env = child_env(home, SPEEDTIMER_AUDIO_TRACE="1")
        tmux.start(env)
        app_cmd = shell_quote(
            [
                "env", f"HOME={home}", "SPEEDTIMER_AUDIO_TRACE=1",
                f"PYTHONPATH={REPO}",
                PY, "-m", "speedtimer",
                "--presets-dir", str(presets), "--data-dir", str(data),
                "--config-dir", str(config), "--get-ready", str(get_ready),
                "run", "Bench cue timing",
            ]
        )  # fmt: skip
        offsets = sorted({int(round(off)) for _, off in plan})
        naive_out, interval_out = tmp / "naive.json", tmp / "interval.json"
        base = [PY, "-m", "benchmarks.baselines"]
        tmux.window("app", f"sh -c {shell_quote([f'cd {REPO} && exec {app_cmd}'])}")
        tmux.window("naive", shell_quote([*base, "naive", json.dumps(offsets), str(naive_out)]))
        tmux.window(
            "interval", shell_quote([*base, "interval", json.dumps(offsets), str(interval_out)])
        )
        total = edges[-1]
        db = data / "history.sqlite3"

        def finished():
            if not db.exists():
                return None
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
                    row = c.execute(
                        "SELECT id, started_at, status FROM sessions ORDER BY id DESC LIMIT 1"
                    ).fetchone()
            except sqlite3.Error:
                return None
            return row if row and row[2] != "in_progress" else None

        row = wait_for(finished, timeout=total + 30, interval=0.25)
        # let the last streams close and the baselines write their files
        wait_for(lambda: naive_out.exists() and interval_out.exists(), timeout=10, interval=0.1)
        time.sleep(1.0)
        screen = tmux.capture("app")
        tmux.close()

        dbfile = next(iter(data.glob("*.sqlite3")), None) if not db.exists() else db
        if row is None or dbfile is None:
            raise RuntimeError(
                "the session did not finish; screen was:\n"
                + screen
                + _tail(data / "speedtimer.log")
            )
        with sqlite3.connect(f"file:{dbfile}?mode=ro", uri=True) as c:
            sid, started_at, status = row
            step_rows = c.execute(
                "SELECT started_at FROM steps WHERE session_id = ? ORDER BY rowid", (sid,)
            ).fetchall()
        t0 = parse_iso(started_at)
        # The DB's own step starts (the app's schedule) against the plan.
        db_sched_err = [
            abs(parse_iso(s) - (t0 + edges[i])) * 1000 for i, (s,) in enumerate(step_rows)
        ]

        sizes = wav_sizes()
        stamps = []
        for line in log.read_text().splitlines() if log.exists() else []:
            m0, m1, w1, n = line.split()
            stamps.append((float(m1), float(w1), int(n), float(m1) - float(m0)))
        stamps.sort()
        streams = [s for s in stamps if s[2] in sizes]  # drops the player's silent probe
        got = [sizes[s[2]] for s in streams]
        want = [cue for cue, _ in plan]
        errors: list[float] = []
        boundary: list[float] = []
        matched = 0
        j = 0
        for cue, off in plan:  # in order; a missing cue is skipped, not mismatched
            k = j
            while k < len(streams) and got[k] != cue:
                k += 1
            if k == len(streams):
                continue
            err = (streams[k][1] - (t0 + off)) * 1000
            errors.append(err)
            if cue in BOUNDARY_CUES:
                boundary.append(err)
            matched += 1
            j = k + 1
        st = stats(errors)
        drift = _drift(boundary)
        drift_ends = abs(boundary[-1] - boundary[0]) if len(boundary) >= 2 else None
        trace = _trace_delays(data / "speedtimer.log")
        naive = _baseline_result(naive_out, {int(e) for e in edges})
        interval = _baseline_result(interval_out, {int(e) for e in edges})

    note = (
        f"{steps} steps of {min(durations)}-{max(durations)} s, {len(want)} cues due, "
        f"{matched} heard ({stamper_kind}); "
        f"session {status}"
    )
    extra = {
        "app": {**st, "drift": drift, "drift_first_last_cue": drift_ends},
        "cues_due": len(want),
        "cues_heard": matched,
        "streams": len(streams),
        "errors_ms": [round(e, 3) for e in errors],
        "db_schedule_max_err_ms": max(db_sched_err) if db_sched_err else None,
        "player_send_to_play_ms": trace,
        "naive_sleep_loop": naive,
        "textual_set_interval": interval,
    }
    complete = matched == len(want)
    figs = [
        Figure(group, prefix + "cue error p95 (app, heard at ALSA)", st.get("p95"), "ms", 10,
               note=note, extra=extra),
        Figure(group, prefix + "cue error max (app)", st.get("max") if complete else None, "ms", 25,
               note="" if complete else f"only {matched} of {len(want)} cues heard"),
        Figure(group, prefix + "cue error mean (app)", st.get("mean"), "ms"),
        Figure(group, prefix + "drift first->last boundaries (app)", drift, "ms", 5,
               note="mean error of last 3 boundaries minus first 3; single cues: "
                    + (f"{drift_ends:.1f} ms" if drift_ends is not None else "n/a")),
        Figure(group, prefix + "schedule in history DB vs plan, max",
               max(db_sched_err, default=None), "ms", note="the app's own step times; DB keeps ms"),
    ]  # fmt: skip
    if trace:
        figs.append(
            Figure(group, prefix + "player: play() returned vs due, p95", trace["p95"], "ms",
                   note=f"max {trace['max']:.1f} ms; device opening p95 {trace['open_p95']:.1f},"
                        f" max {trace['open_max']:.1f} ms; SPEEDTIMER_AUDIO_TRACE")
        )  # fmt: skip
    for label, b in (("sleep(1) loop", naive), ("Textual set_interval(1)", interval)):
        figs.append(
            Figure(group, f"{prefix}baseline {label}: p95 / max", b.get("p95"), "ms",
                   note=(f"max {b['max']:.1f} ms, drift {b.get('drift', float('nan')):.1f} ms"
                         if b.get("n") else "no result"))
        )  # fmt: skip
    return figs


def _trace_delays(log_path: Path) -> dict | None:
    """From the helper's trace lines ("played pip +0.12 ms from due (open 3.21 ms)"): how far
    from the due time play() returned, and how long play() took to open the device."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return None
    late, opening = [], []
    for line in lines:
        if " played " in line and " ms from due" in line:
            with contextlib.suppress(IndexError, ValueError):
                late.append(float(line.split(" played ")[1].split()[1]))
                opening.append(float(line.split("(open ")[1].split()[0]))
    if not late:
        return None
    return {"n": len(late), "p95": percentile([abs(x) for x in late], 95),
            "max": max(abs(x) for x in late), "median": sorted(late)[len(late) // 2],
            "open_p95": percentile(opening, 95), "open_max": max(opening)}  # fmt: skip


def _tail(path: Path, n: int = 20) -> str:
    try:
        return "\nlog:\n" + "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""
